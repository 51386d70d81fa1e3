//! What to open: the camera's settings, and the same camera at a still's size.
use crate::folder::{FolderFrames, FolderSource};
use crate::pattern::{PatternOptions, PatternSource};
use crate::source::{CaptureError, FrameSource};
use crate::v4l2::{V4l2Options, V4l2Source};
use std::sync::Arc;

/// Asked for as "max": S_FMT snaps to the nearest size the driver has, the largest for any real one.
const MAX_SIDE: u32 = 8192;

#[derive(Debug, Clone)]
pub enum SourceSpec {
    Pattern(PatternOptions),
    V4l2(V4l2Options),
    /// JPEG files played in a loop (read and checked once, when the spec is made).
    Folder {
        frames: Arc<FolderFrames>,
        fps: f64,
        buffers: usize,
    },
}

impl SourceSpec {
    /// Opens the source at its own settings, or at `size` for a still ((0, 0): the largest).
    pub fn open(&self, size: Option<(u32, u32)>) -> Result<Box<dyn FrameSource>, CaptureError> {
        let size = size.map(|(w, h)| if w == 0 || h == 0 { (MAX_SIDE, MAX_SIDE) } else { (w, h) });
        Ok(match self {
            SourceSpec::Pattern(o) => {
                let mut o = o.clone();
                if let Some((w, h)) = size {
                    (o.width, o.height) = (w.min(4096), h.min(4096));
                }
                Box::new(PatternSource::new(o)?)
            }
            SourceSpec::V4l2(o) => {
                let mut o = o.clone();
                if let Some((w, h)) = size {
                    (o.width, o.height) = (w, h);
                    // A still needs few buffers; large ones cost memory the stream gives back after.
                    o.buffers = 2;
                }
                Box::new(V4l2Source::open(&o)?)
            }
            // A folder has one size: a still is its next frame.
            SourceSpec::Folder { frames, fps, buffers } => Box::new(FolderSource::new(frames.clone(), *fps, *buffers)?),
        })
    }

    /// The stream's size, for the offline picture.
    pub fn size(&self) -> (u32, u32) {
        match self {
            SourceSpec::Pattern(o) => (o.width, o.height),
            SourceSpec::V4l2(o) => (o.width, o.height),
            SourceSpec::Folder { frames, .. } => (frames.width, frames.height),
        }
    }

    /// How the camera is named in pictures and messages.
    pub fn name(&self) -> String {
        match self {
            SourceSpec::Pattern(_) => "test pattern".into(),
            SourceSpec::V4l2(o) => o.device.clone(),
            SourceSpec::Folder { frames, .. } => frames.path.display().to_string(),
        }
    }
}
