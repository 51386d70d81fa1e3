//! JPEG handling: structural checks of camera frames and encoding of raw pictures.
mod encode;
mod inspect;

pub use encode::{EncodeError, Encoder, PlanarImage};
pub use inspect::{find_end, frame_size, has_huffman_tables, FrameSize};
