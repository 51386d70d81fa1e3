//! mjpgd's capture core: frame sources (test pattern, V4L2), the shared buffer pool, JPEG checks and
//! encoding, and the capture supervisor (the thread that owns a camera's life). Plain Rust, no N-API: the binding crate wraps it.
pub mod folder;
pub mod frame;
pub mod jpeg;
pub mod pace;
pub mod pattern;
pub mod pool;
pub mod source;
pub mod supervisor;
pub mod v4l2;

pub use frame::Frame;
pub use source::{CaptureError, CaptureErrorKind, CaptureStats, FrameSource, Held, OpenSource, SharedSlots, SourceInfo};
pub use supervisor::{Command, Delivery, Event, PictureKind, SourceSpec, Supervisor, SupervisorOptions};
