//! What the supervisor tells its consumer, and what the consumer may ask of it.
use crate::frame::Frame;
use crate::source::{CaptureError, SharedSlots, SourceInfo};
use std::sync::Arc;
use std::time::Duration;

/// Why a picture that isn't camera output is shown ("offline" or "paused" in JS).
#[cfg_attr(feature = "napi", napi_derive::napi(string_enum = "lowercase"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PictureKind {
    /// The camera is away (missing, busy, unplugged, silent); the reason is in the picture.
    Offline,
    /// The camera was released on request (pause file, POST /pause).
    Paused,
}

/// One still taken at a size other than the stream's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Still {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// From the request to the stream running again at its own size.
    pub elapsed: Duration,
}

/// Events, in the order they happened.
#[derive(Clone)]
pub enum Event {
    /// The camera was (re)opened: frames from now on come from these slots, tagged `generation`.
    Opened {
        generation: u32,
        info: SourceInfo,
        slots: Arc<dyn SharedSlots>,
    },
    /// A camera frame; its slot (of `generation`) is leased to the consumer.
    Frame {
        generation: u32,
        frame: Frame,
    },
    /// An offline or paused picture: an ordinary frame, marked, with its JPEG inline (it is small and
    /// repeated about once a second).
    Picture {
        kind: PictureKind,
        jpeg: Arc<Vec<u8>>,
        seq: u64,
        timestamp_us: u64,
    },
    /// The camera failed; sent once per change of reason. `attempt` counts failed opens in a row.
    Failed {
        error: CaptureError,
        attempt: u32,
        retry_in: Duration,
    },
    /// Camera frames flow again after a failure.
    Recovered,
    /// The device is closed on request; it stays closed until resumed.
    Paused,
    Resumed,
    /// Closed after `idle_release` without demand; reopened on the next demand.
    Released,
    /// The answer to `Command::Still` number `id`.
    Still {
        id: u64,
        result: Result<Still, CaptureError>,
    },
    /// `max_restarts` failed opens in a row: the supervisor stopped.
    GaveUp {
        error: CaptureError,
        attempts: u32,
    },
}

impl std::fmt::Debug for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Event::Opened { generation, info, .. } => write!(f, "Opened({generation}, {}x{})", info.width, info.height),
            Event::Frame { generation, frame } => write!(f, "Frame({generation}, seq {})", frame.seq),
            Event::Picture { kind, seq, .. } => write!(f, "Picture({kind:?}, seq {seq})"),
            Event::Failed { error, attempt, .. } => write!(f, "Failed({}, attempt {attempt})", error.message),
            Event::Recovered => f.write_str("Recovered"),
            Event::Paused => f.write_str("Paused"),
            Event::Resumed => f.write_str("Resumed"),
            Event::Released => f.write_str("Released"),
            Event::Still { id, result } => write!(f, "Still({id}, {:?})", result.as_ref().map(|s| (s.width, s.height))),
            Event::GaveUp { error, attempts } => write!(f, "GaveUp({}, {attempts})", error.message),
        }
    }
}

/// Requests from the consumer, carried out on the supervisor's thread between frames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Pause,
    Resume,
    /// Someone wants frames (a snapshot, a viewer): reopen if released for idleness.
    Demand,
    /// Take one still at `width`×`height` (0×0: the largest the device takes), answered by
    /// `Event::Still` with the same id.
    Still {
        id: u64,
        width: u32,
        height: u32,
    },
}

/// Whether the consumer took a frame. `Full`: its queue is full; the slot goes straight back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Taken,
    Full,
}
