//! A folder of JPEG files (or one file) played in name order, looping, at a set rate: a recorded
//! sequence for benchmarks and demos. The files are read and checked once (`FolderFrames::load`);
//! each frame is copied into a pool slot with room around it, so it travels like a camera's frame.
use crate::frame::{now_us, Frame};
use crate::jpeg::{find_end, frame_size};
use crate::pace::Pacer;
use crate::pool::{SlotPool, HEADROOM, TAILROOM};
use crate::source::{CaptureError, CaptureErrorKind, CaptureStats, FrameSource, SharedSlots, SourceInfo};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// The JPEGs of a folder, checked: complete (SOI..EOI), all of one size.
#[derive(Debug)]
pub struct FolderFrames {
    pub path: PathBuf,
    pub width: u32,
    pub height: u32,
    frames: Vec<Vec<u8>>,
}

fn invalid(message: String) -> CaptureError {
    CaptureError::new(CaptureErrorKind::InvalidArgument, message)
}

impl FolderFrames {
    /// Reads every .jpg/.jpeg of `path` (or the one file it names); the error names what is unusable.
    pub fn load(path: &Path) -> Result<FolderFrames, CaptureError> {
        let unreadable = |e: std::io::Error| invalid(format!("cannot read {}: {}", path.display(), e.kind()));
        let files: Vec<PathBuf> = if path.metadata().map_err(unreadable)?.is_dir() {
            let mut names: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(unreadable)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().and_then(|x| x.to_str()).is_some_and(|x| x.eq_ignore_ascii_case("jpg") || x.eq_ignore_ascii_case("jpeg")))
                .collect();
            names.sort();
            names
        } else {
            vec![path.to_path_buf()]
        };
        if files.is_empty() {
            return Err(invalid(format!("no .jpg files in {}", path.display())));
        }
        let mut frames = Vec::with_capacity(files.len());
        let mut size = None;
        for file in &files {
            let bytes = std::fs::read(file).map_err(|e| invalid(format!("cannot read {}: {}", file.display(), e.kind())))?;
            let (Some(s), Some(end)) = (frame_size(&bytes), find_end(&bytes)) else {
                return Err(invalid(format!("{} is not a complete JPEG", file.display())));
            };
            if end != bytes.len() {
                return Err(invalid(format!("{} is not a complete JPEG", file.display())));
            }
            let first = *size.get_or_insert(s);
            if s != first {
                return Err(invalid(format!("{} is {}x{}, not {}x{} like the first", file.display(), s.width, s.height, first.width, first.height)));
            }
            frames.push(bytes);
        }
        let s = size.expect("at least one file");
        Ok(FolderFrames { path: path.to_path_buf(), width: s.width as u32, height: s.height as u32, frames })
    }

    pub fn len(&self) -> usize {
        self.frames.len()
    }

    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }
}

pub struct FolderSource {
    frames: Arc<FolderFrames>,
    fps: f64,
    pool: Arc<SlotPool>,
    pacer: Pacer,
}

impl FolderSource {
    pub fn new(frames: Arc<FolderFrames>, fps: f64, buffers: usize) -> Result<FolderSource, CaptureError> {
        if !(fps > 0.0 && fps <= 240.0) {
            return Err(invalid(format!("folder fps {fps} must be in (0, 240]")));
        }
        let largest = frames.frames.iter().map(|f| f.len()).max().unwrap_or(0);
        Ok(FolderSource { pool: Arc::new(SlotPool::new(buffers.clamp(2, 32), HEADROOM + largest + TAILROOM + 1)), pacer: Pacer::new(fps), fps, frames })
    }
}

impl FrameSource for FolderSource {
    fn info(&self) -> SourceInfo {
        SourceInfo {
            device: Some(self.frames.path.display().to_string()),
            notes: vec![format!("{} JPEG file(s)", self.frames.len())],
            ..SourceInfo::without_driver("folder", (self.frames.width, self.frames.height), self.fps, "MJPG", self.pool.len() as u32)
        }
    }

    fn slots(&self) -> Arc<dyn SharedSlots> {
        self.pool.clone()
    }

    fn next_frame(&mut self, stop: &AtomicBool, stats: &CaptureStats) -> Result<Option<Frame>, CaptureError> {
        let Some((mut claim, seq)) = self.pacer.next_slot(&self.pool, stop, stats) else {
            return Ok(None);
        };
        let jpeg = &self.frames.frames[(seq % self.frames.len() as u64) as usize];
        claim.room()[..jpeg.len()].copy_from_slice(jpeg);
        CaptureStats::add(&stats.captured, 1);
        Ok(Some(claim.lease(jpeg.len(), seq, now_us())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jpeg::Encoder;
    use crate::pattern::render_offline;

    fn jpeg(w: usize, h: usize) -> Vec<u8> {
        let mut out = vec![0u8; w * h + 65536];
        let n = render_offline(&mut Encoder::new(70), w, h, "t", "r", &mut out).unwrap();
        out.truncate(n);
        out
    }

    fn folder(name: &str, files: &[(&str, Vec<u8>)]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mjpgd-folder-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (f, bytes) in files {
            std::fs::write(dir.join(f), bytes).unwrap();
        }
        dir
    }

    #[test]
    fn plays_the_files_in_name_order_looping_each_a_copy_in_a_slot() {
        let (a, b) = (jpeg(64, 48), jpeg(64, 48));
        let dir = folder("order", &[("2.jpg", b.clone()), ("1.JPEG", a.clone()), ("notes.txt", b"x".to_vec())]);
        let frames = Arc::new(FolderFrames::load(&dir).unwrap());
        assert_eq!((frames.len(), frames.width, frames.height), (2, 64, 48));
        let mut src = FolderSource::new(frames, 240.0, 3).unwrap();
        let (stop, stats) = (AtomicBool::new(false), CaptureStats::default());
        let slots = src.slots();
        for (i, want) in [&a, &b, &a].into_iter().enumerate() {
            let f = src.next_frame(&stop, &stats).unwrap().unwrap();
            assert_eq!(f.seq, i as u64);
            let (ptr, len) = slots.region(f.slot as usize);
            // SAFETY: the frame's slot is leased to the test, and `slots` keeps the memory alive.
            let slot = unsafe { std::slice::from_raw_parts(ptr, len) };
            assert_eq!(&slot[f.offset as usize..(f.offset + f.length) as usize], &want[..]);
            assert!(f.offset as usize >= HEADROOM && len - (f.offset + f.length) as usize >= TAILROOM, "room for the part around it");
            assert!(slots.release(f.slot as usize));
        }
        assert_eq!(src.info().notes, vec!["2 JPEG file(s)".to_string()]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn unusable_folders_are_refused_naming_the_reason() {
        let message = |p: &Path| FolderFrames::load(p).unwrap_err().message;
        assert!(message(Path::new("/nonexistent/mjpgd")).contains("cannot read /nonexistent/mjpgd"));
        let empty = folder("empty", &[]);
        assert!(message(&empty).contains("no .jpg files"));
        let mut cut = jpeg(64, 48);
        cut.truncate(cut.len() - 10);
        let broken = folder("broken", &[("a.jpg", jpeg(64, 48)), ("b.jpg", cut)]);
        assert!(message(&broken).contains("b.jpg is not a complete JPEG"));
        let mixed = folder("mixed", &[("a.jpg", jpeg(64, 48)), ("b.jpg", jpeg(32, 32))]);
        assert!(message(&mixed).contains("b.jpg is 32x32, not 64x48 like the first"));
        for d in [empty, broken, mixed] {
            std::fs::remove_dir_all(d).unwrap();
        }
    }
}
