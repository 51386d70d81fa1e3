//! The test pattern as a frame source: a sweeping bar, the frame number and the time, encoded on
//! the capture thread into the shared pool, paced to the requested rate.
use super::draw::{canvas, rgb, text_height, text_width, BLACK, WHITE};
use crate::frame::{now_us, Frame};
use crate::jpeg::Planes;
use crate::jpeg::{EncodeError, Encoder};
use crate::pace::Pacer;
use crate::pool::{SlotPool, HEADROOM, TAILROOM};
use crate::source::{CaptureError, CaptureErrorKind, CaptureStats, FrameSource, SharedSlots, SourceInfo};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct PatternOptions {
    pub width: u32,
    pub height: u32,
    pub fps: f64,
    pub quality: u8,
    pub buffers: usize,
}

pub struct PatternSource {
    opts: PatternOptions,
    pool: Arc<SlotPool>,
    encoder: Encoder,
    background: Planes,
    canvas: Planes,
    pacer: Pacer,
}

const BAR_COLORS: [(u8, u8, u8); 7] = [(192, 192, 192), (192, 192, 0), (0, 192, 192), (0, 192, 0), (192, 0, 192), (192, 0, 0), (0, 0, 192)];

impl PatternSource {
    pub fn new(opts: PatternOptions) -> Result<PatternSource, CaptureError> {
        let invalid = |m: String| Err(CaptureError::new(CaptureErrorKind::InvalidArgument, m));
        if !(16..=8192).contains(&opts.width) || !(16..=8192).contains(&opts.height) {
            return invalid(format!("test pattern size {}x{} must be 16..8192", opts.width, opts.height));
        }
        if !(opts.fps > 0.0 && opts.fps <= 240.0) {
            return invalid(format!("test pattern fps {} must be in (0, 240]", opts.fps));
        }
        let (w, h) = (opts.width as usize, opts.height as usize);
        // Worst case for a noisy picture at quality 100 is about 3 bytes per pixel; the pattern is
        // far below that, and an oversized frame is reported, not written past the slot.
        let capacity = HEADROOM + w * h * 3 / 2 + 4096 + TAILROOM;
        let mut background = canvas(w, h);
        let (_, cb, cr) = rgb(20, 40, 90);
        background.fill_ramp(40, 110, (cb, cr));
        let bar_w = w.div_ceil(BAR_COLORS.len());
        for (i, &(r, g, b)) in BAR_COLORS.iter().enumerate() {
            background.fill_rect(i * bar_w, h * 3 / 4, bar_w, h / 4, rgb(r, g, b));
        }
        let scale = (w / 320).max(1);
        background.draw_text(8 * scale, 8 * scale, scale * 2, "MJPGD TEST PATTERN", WHITE);
        let size = format!("{}X{} @ {} FPS", opts.width, opts.height, opts.fps);
        background.draw_text(8 * scale, 32 * scale, scale, &size, WHITE);
        Ok(PatternSource {
            pool: Arc::new(SlotPool::new(opts.buffers.clamp(2, 32), capacity)),
            encoder: Encoder::new(opts.quality),
            canvas: canvas(w, h),
            background,
            pacer: Pacer::new(opts.fps),
            opts,
        })
    }

    fn draw(&mut self, seq: u64, timestamp_us: u64) {
        let (w, h) = (self.canvas.width(), self.canvas.height());
        self.canvas.clone_from(&self.background);
        // The bar crosses the picture in two seconds whatever the rate, so motion is visible.
        let period = (self.opts.fps * 2.0).max(2.0) as u64;
        let bar_w = (w / 16).max(2);
        let x = ((seq % period) as usize * (w + bar_w)) / period as usize;
        self.canvas.fill_rect(x.saturating_sub(bar_w), 0, bar_w.min(x.max(1)), h * 3 / 4, WHITE);
        let scale = (w / 160).max(1);
        let text_y = h / 2 - text_height(scale);
        let frame_text = format!("FRAME {seq:08}");
        let tw = text_width(&frame_text, scale);
        self.canvas.fill_rect(8, text_y - 4, tw + 8, text_height(scale) * 3 + 8, BLACK);
        self.canvas.draw_text(12, text_y, scale, &frame_text, WHITE);
        let clock = clock_text(timestamp_us);
        self.canvas.draw_text(12, text_y + text_height(scale) * 3 / 2, scale, &clock, rgb(255, 230, 0));
    }
}

/// "HH:MM:SS.mmm" (UTC) of a Unix time in microseconds.
fn clock_text(timestamp_us: u64) -> String {
    let ms = timestamp_us / 1000;
    let s = ms / 1000;
    format!("{:02}:{:02}:{:02}.{:03} UTC", (s / 3600) % 24, (s / 60) % 60, s % 60, ms % 1000)
}

impl FrameSource for PatternSource {
    fn info(&self) -> SourceInfo {
        SourceInfo::without_driver("testpattern", (self.opts.width, self.opts.height), self.opts.fps, "pattern", self.pool.len() as u32)
    }

    fn slots(&self) -> Arc<dyn SharedSlots> {
        self.pool.clone()
    }

    fn next_frame(&mut self, stop: &AtomicBool, stats: &CaptureStats) -> Result<Option<Frame>, CaptureError> {
        // Its own handle on the pool, so the claim doesn't hold `self` borrowed while drawing.
        let pool = self.pool.clone();
        let Some((mut claim, seq)) = self.pacer.next_slot(&pool, stop, stats) else {
            return Ok(None);
        };
        let timestamp_us = now_us();
        self.draw(seq, timestamp_us);
        match self.encoder.encode(&self.canvas.image(), claim.room()) {
            Ok(length) => {
                CaptureStats::add(&stats.captured, 1);
                Ok(Some(claim.lease(length, seq, timestamp_us)))
            }
            // The claim goes out of scope: the slot is free again.
            Err(e) => {
                let kind = match e {
                    EncodeError::OutputTooSmall { .. } => CaptureErrorKind::Unsupported,
                    _ => CaptureErrorKind::Io,
                };
                Err(CaptureError::new(kind, format!("test pattern: {e}")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jpeg::{find_end, frame_size, has_huffman_tables, FrameSize};
    use std::sync::atomic::Ordering;

    fn source(width: u32, height: u32, fps: f64) -> PatternSource {
        PatternSource::new(PatternOptions { width, height, fps, quality: 80, buffers: 3 }).unwrap()
    }

    fn jpeg_of(src: &PatternSource, f: &Frame) -> Vec<u8> {
        let (ptr, len) = src.slots().region(f.slot as usize);
        // SAFETY: the frame's slot is leased to the test (nothing writes it), and the source, which
        // owns the memory, outlives the slice.
        let slot = unsafe { std::slice::from_raw_parts(ptr, len) };
        slot[f.offset as usize..(f.offset + f.length) as usize].to_vec()
    }

    #[test]
    fn frames_are_valid_jpegs_of_the_requested_size() {
        for (w, h) in [(640, 480), (320, 240), (1280, 720), (100, 75)] {
            let mut src = source(w, h, 200.0);
            let stats = CaptureStats::default();
            let f = src.next_frame(&AtomicBool::new(false), &stats).unwrap().unwrap();
            let jpeg = jpeg_of(&src, &f);
            assert_eq!(find_end(&jpeg), Some(jpeg.len()), "{w}x{h}: SOI..EOI spans the frame");
            assert!(has_huffman_tables(&jpeg));
            assert_eq!(frame_size(&jpeg), Some(FrameSize { width: w as u16, height: h as u16 }));
        }
    }

    #[test]
    fn sequence_timestamps_and_pictures_advance() {
        let mut src = source(320, 240, 100.0);
        let stats = CaptureStats::default();
        let stop = AtomicBool::new(false);
        let a = src.next_frame(&stop, &stats).unwrap().unwrap();
        let first = jpeg_of(&src, &a);
        assert!(src.slots().release(a.slot as usize));
        let b = src.next_frame(&stop, &stats).unwrap().unwrap();
        assert_eq!(b.seq, a.seq + 1);
        assert!(b.timestamp_us > a.timestamp_us);
        // Paced: about 10 ms apart at 100 fps.
        assert!(b.timestamp_us - a.timestamp_us >= 5_000, "{} us", b.timestamp_us - a.timestamp_us);
        assert_ne!(first, jpeg_of(&src, &b), "the picture changes from frame to frame");
        assert_eq!(stats.captured.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn leases_are_returned_and_a_full_pool_drops_instead_of_blocking() {
        let mut src = source(160, 120, 240.0);
        let stats = CaptureStats::default();
        let stop = AtomicBool::new(false);
        let slots = src.slots();
        let held: Vec<Frame> = (0..3).map(|_| src.next_frame(&stop, &stats).unwrap().unwrap()).collect();
        assert_eq!(slots.leased(), 3);
        assert_eq!(src.next_frame(&stop, &stats).unwrap(), None, "no free slot: frame dropped");
        assert_eq!(stats.dropped.load(Ordering::Relaxed), 1);
        for f in &held {
            assert!(slots.release(f.slot as usize));
        }
        assert_eq!(slots.leased(), 0);
        assert!(src.next_frame(&stop, &stats).unwrap().is_some());
    }

    #[test]
    fn stop_interrupts_the_wait() {
        let mut src = source(160, 120, 0.5);
        let stats = CaptureStats::default();
        let stop = AtomicBool::new(false);
        src.next_frame(&stop, &stats).unwrap();
        stop.store(true, Ordering::Relaxed);
        assert_eq!(src.next_frame(&stop, &stats).unwrap(), None);
    }

    #[test]
    fn bad_options_are_refused_with_the_reason() {
        let err = PatternSource::new(PatternOptions { width: 0, height: 480, fps: 30.0, quality: 80, buffers: 4 }).err().unwrap();
        assert_eq!(err.kind, CaptureErrorKind::InvalidArgument);
        assert!(err.message.contains("0x480"));
    }

    #[test]
    fn clock_text_is_utc_time_of_day() {
        assert_eq!(clock_text(3_723_004_000), "01:02:03.004 UTC");
    }
}
