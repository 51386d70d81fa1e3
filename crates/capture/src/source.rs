//! The contract between a camera-like source and the capture thread / JS.
use crate::frame::Frame;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// Memory a source hands frames out of. JS wraps each slot once as an external Buffer, so a slot's
/// address and size must stay fixed for the life of the source.
pub trait SharedSlots: Send + Sync {
    fn count(&self) -> usize;
    /// Address and size of a slot. Its bytes are the consumer's to read (and to write its part
    /// header around the JPEG) only while the slot is leased to it; otherwise the source may write them.
    fn region(&self, slot: usize) -> (*mut u8, usize);
    /// Gives a leased slot back to the source. False if it was not leased (a no-op then).
    fn release(&self, slot: usize) -> bool;
    /// How many slots the consumer holds right now.
    fn leased(&self) -> usize;
}

impl SharedSlots for crate::pool::SlotPool {
    fn count(&self) -> usize {
        self.len()
    }
    fn region(&self, slot: usize) -> (*mut u8, usize) {
        (self.slot_ptr(slot), self.capacity())
    }
    fn release(&self, slot: usize) -> bool {
        crate::pool::SlotPool::release(self, slot)
    }
    fn leased(&self) -> usize {
        crate::pool::SlotPool::leased(self)
    }
}

/// What a source is and what it actually delivers (which can differ from what was asked). The one
/// definition: with the `napi` feature it is the binding's `SourceInfo` object as is, and its
/// generated typing is what TS uses (src/sources/source.ts).
#[cfg_attr(feature = "napi", napi_derive::napi(object))]
#[derive(Debug, Clone, PartialEq)]
pub struct SourceInfo {
    /// "testpattern", "v4l2", ...
    pub kind: String,
    pub width: u32,
    pub height: u32,
    /// Frames per second the source aims for.
    pub fps: f64,
    /// Pixel format taken from the device ("MJPG", "YUYV", ...), or "pattern".
    pub format: String,
    pub device: Option<String>,
    /// The device's name as its driver reports it.
    pub card: Option<String>,
    /// Where the source differs from what was asked ("requested 30 fps, the driver set 25 fps").
    pub notes: Vec<String>,
    /// What the device offers: one line per pixel format, its discrete sizes, and the rates at the
    /// chosen size ("YUYV: 320x240, 640x480; at 640x480: 25, 15, 5 fps").
    pub offered: Vec<String>,
    /// How capture buffers are shared with the driver: USERPTR (mjpgd's memory, headroom for the
    /// part header) or MMAP (the driver's); None for sources without a driver.
    pub buffers: Option<crate::v4l2::Memory>,
    /// Slots frames are leased from (what the driver granted, for zero-copy V4L2): how many frames
    /// JS may hold before the source starves.
    pub pool_size: u32,
    /// Frames are copied once at dequeue (a driver that doesn't honour buffer ownership).
    pub copied: bool,
}

impl SourceInfo {
    /// A source without a driver (the test pattern, a folder): what it makes, nothing offered or noted.
    pub fn without_driver(kind: &str, (width, height): (u32, u32), fps: f64, format: &str, pool_size: u32) -> SourceInfo {
        SourceInfo {
            kind: kind.into(),
            width,
            height,
            fps,
            format: format.into(),
            device: None,
            card: None,
            notes: vec![],
            offered: vec![],
            buffers: None,
            pool_size,
            copied: false,
        }
    }
}

/// Counters shared by the capture thread and whoever reports them.
#[derive(Debug, Default)]
pub struct CaptureStats {
    pub captured: AtomicU64,
    /// Frames rejected by the JPEG checks.
    pub invalid: AtomicU64,
    /// Frames captured but not delivered (consumer queue full, or no free buffer).
    pub dropped: AtomicU64,
    /// JPEG bytes copied on the way to JS (0 in passthrough; encoding writes, it does not copy).
    pub bytes_copied: AtomicU64,
}

impl CaptureStats {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}

/// Why capturing stopped or failed. Messages are meant for the person running mjpgd.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureError {
    pub kind: CaptureErrorKind,
    pub message: String,
}

/// The kind of a `CaptureError`. JS gets it as a thrown error's `code` and as events' `errorKind`
/// ("not_found", "busy", ...).
#[cfg_attr(feature = "napi", napi_derive::napi(string_enum = "snake_case"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureErrorKind {
    NotFound,
    NotACaptureDevice,
    Busy,
    PermissionDenied,
    Unsupported,
    DeviceGone,
    Timeout,
    Io,
    InvalidArgument,
}

impl CaptureErrorKind {
    /// Stable short name for JS and /state.
    pub fn as_str(self) -> &'static str {
        match self {
            CaptureErrorKind::NotFound => "not_found",
            CaptureErrorKind::NotACaptureDevice => "not_a_capture_device",
            CaptureErrorKind::Busy => "busy",
            CaptureErrorKind::PermissionDenied => "permission_denied",
            CaptureErrorKind::Unsupported => "unsupported",
            CaptureErrorKind::DeviceGone => "device_gone",
            CaptureErrorKind::Timeout => "timeout",
            CaptureErrorKind::Io => "io",
            CaptureErrorKind::InvalidArgument => "invalid_argument",
        }
    }
}

/// What napi-rs takes as an error's status: the kind becomes the JS error's `code`.
impl AsRef<str> for CaptureErrorKind {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl CaptureError {
    pub fn new(kind: CaptureErrorKind, message: impl Into<String>) -> CaptureError {
        CaptureError { kind, message: message.into() }
    }
}

impl std::fmt::Display for CaptureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CaptureError {}

/// A producer of JPEG frames, driven by the capture thread.
pub trait FrameSource: Send {
    fn info(&self) -> SourceInfo;
    /// The same slots for the life of the source.
    fn slots(&self) -> Arc<dyn SharedSlots>;
    /// Waits for the next frame, returning early with `Ok(None)` when `stop` is set or nothing came
    /// this round. A returned frame's slot is leased to the caller.
    fn next_frame(&mut self, stop: &AtomicBool, stats: &CaptureStats) -> Result<Option<Frame>, CaptureError>;
}

/// An open source as its consumer (the supervisor) drives it: each frame comes out as a `Held`, so
/// the consumer's side of the slot protocol — read it, hand it on, or give it back — is written once
/// (the producer's side is `pool::Claim`).
pub struct OpenSource {
    source: Box<dyn FrameSource>,
    slots: Arc<dyn SharedSlots>,
}

impl OpenSource {
    pub fn new(source: Box<dyn FrameSource>) -> OpenSource {
        let slots = source.slots();
        OpenSource { source, slots }
    }

    pub fn info(&self) -> SourceInfo {
        self.source.info()
    }

    pub fn slots(&self) -> &Arc<dyn SharedSlots> {
        &self.slots
    }

    /// The source's next frame (see `FrameSource::next_frame`), held until handed on or dropped.
    pub fn next_frame(&mut self, stop: &AtomicBool, stats: &CaptureStats) -> Result<Option<Held>, CaptureError> {
        Ok(self.source.next_frame(stop, stats)?.map(|frame| Held { slots: self.slots.clone(), frame }))
    }
}

/// A frame whose slot is leased to the one holding this: its JPEG can be read, `hand_over` passes it
/// on, and dropping it (warm-up frames, a consumer that didn't take it, a still copied out) gives the
/// slot back to its source.
pub struct Held {
    slots: Arc<dyn SharedSlots>,
    frame: Frame,
}

impl Held {
    pub fn frame(&self) -> Frame {
        self.frame
    }

    /// The frame's JPEG, where it lies in its slot.
    pub fn jpeg(&self) -> &[u8] {
        let (ptr, len) = self.slots.region(self.frame.slot as usize);
        let (start, n) = (self.frame.offset as usize, self.frame.length as usize);
        assert!(start.checked_add(n).is_some_and(|end| end <= len), "a frame lies inside its slot");
        // SAFETY: the slot is leased to this holder (`next_frame` returned it so, and only this
        // guard's drop gives it back), so its source writes nothing into it meanwhile; the range is
        // inside the slot (checked above), and the slot's memory stays put while `self.slots` holds it.
        unsafe { std::slice::from_raw_parts(ptr.add(start), n) }
    }

    /// Offers the frame to `take`. True: taken, the slot stays leased to whoever took it (it releases
    /// the slot through `SharedSlots::release`). False: not taken, the slot goes back.
    pub fn hand_over(self, take: impl FnOnce(Frame) -> bool) -> bool {
        let taken = take(self.frame);
        if taken {
            std::mem::forget(self);
        }
        taken
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.slots.release(self.frame.slot as usize);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::{PatternOptions, PatternSource};

    fn open() -> OpenSource {
        OpenSource::new(Box::new(PatternSource::new(PatternOptions { width: 160, height: 120, fps: 240.0, quality: 70, buffers: 2 }).unwrap()))
    }

    #[test]
    fn a_held_frame_reads_its_jpeg_and_gives_its_slot_back_when_dropped() {
        let mut source = open();
        let (stop, stats) = (AtomicBool::new(false), CaptureStats::default());
        let held = source.next_frame(&stop, &stats).unwrap().unwrap();
        assert_eq!(source.slots().leased(), 1);
        let jpeg = held.jpeg();
        assert_eq!(jpeg.len(), held.frame().length as usize);
        assert_eq!((jpeg[0], jpeg[1], jpeg[jpeg.len() - 2], jpeg[jpeg.len() - 1]), (0xff, 0xd8, 0xff, 0xd9));
        drop(held);
        assert_eq!(source.slots().leased(), 0);
    }

    #[test]
    fn a_frame_handed_over_stays_leased_and_one_refused_goes_back() {
        let mut source = open();
        let (stop, stats) = (AtomicBool::new(false), CaptureStats::default());
        let held = source.next_frame(&stop, &stats).unwrap().unwrap();
        let mut got = None;
        assert!(held.hand_over(|f| {
            got = Some(f);
            true
        }));
        assert_eq!(source.slots().leased(), 1, "the taker holds it now");
        assert!(!source.next_frame(&stop, &stats).unwrap().unwrap().hand_over(|_| false));
        assert_eq!(source.slots().leased(), 1, "the refused one went back");
        assert!(source.slots().release(got.unwrap().slot as usize));
        assert_eq!(source.slots().leased(), 0);
    }
}
