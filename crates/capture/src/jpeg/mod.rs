//! JPEG handling: structural checks of camera frames and encoding of raw pictures.
mod encode;
mod huffman;
mod inspect;
mod planes;

pub use encode::{EncodeError, Encoder, PlanarImage};
pub use huffman::{insert_huffman_tables, HUFFMAN_SEGMENTS_LEN};
pub use planes::Planes;
pub use inspect::{find_end, frame_size, has_huffman_tables, FrameSize};
