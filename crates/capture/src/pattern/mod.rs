//! The built-in moving test pattern, and the "camera offline" picture shown while a camera is away.
mod draw;
mod font;
mod offline;
mod source;

pub use draw::canvas;
pub use offline::render_offline;
pub use source::{PatternOptions, PatternSource};
