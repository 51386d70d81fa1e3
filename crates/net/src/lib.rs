//! The network side of mjpgd's addon, kept out of the capture core: socket options for viewer
//! connections, the one-sendmsg write, the multipart part header (the twin of src/stream/multipart.ts),
//! and the set of viewers the capture thread writes each part to directly (see docs/ARCHITECTURE.md,
//! "Direct viewers").
pub mod direct;
pub mod part;
pub mod sockopt;

pub use direct::{DirectViewers, Handback, ViewerCounts};
