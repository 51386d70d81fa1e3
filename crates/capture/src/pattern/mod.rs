//! The built-in moving test pattern, and the "camera offline" picture shown while a camera is away.
mod canvas;
mod font;
mod offline;
mod source;

pub use canvas::Canvas;
pub use offline::render_offline;
pub use source::{PatternOptions, PatternSource};
