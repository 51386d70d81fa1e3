//! V4L2 capture: a device opened and configured, its mmap buffer pool, and the frame source over it.
mod buffers;
pub mod controls;
mod device;
mod raw;
mod source;
pub mod sys;

pub use controls::{apply_controls, set_controls, ControlOutcome, DesiredControls};
pub use device::{Control, Device, DeviceFormat, MenuItem};
pub use source::{V4l2Options, V4l2Source};
pub use sys::Memory;
