//! JPEG handling: structural checks of camera frames, encoding of raw pictures, lossless transforms.
mod encode;
mod huffman;
mod inspect;
mod planes;
mod transform;

pub use encode::{EncodeError, Encoder, PlanarImage};
pub use huffman::{insert_huffman_tables, HUFFMAN_SEGMENTS_LEN};
pub use inspect::{find_end, frame_size, has_huffman_tables, FrameSize};
pub use planes::Planes;
pub use transform::{transform_jpeg, Transform};
