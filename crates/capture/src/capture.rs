//! The capture thread: pulls frames from a source and hands them to a consumer (JS, or a test).
use crate::frame::Frame;
use crate::source::{CaptureError, CaptureStats, FrameSource, SharedSlots, SourceInfo};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// What the capture thread tells its consumer.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A frame whose slot is now leased to the consumer.
    Frame(Frame),
    /// The source failed; the thread keeps retrying with backoff. Sent once per change of reason.
    Error(CaptureError),
    /// Frames flow again after an error.
    Recovered,
}

/// Whether the consumer took an event. A consumer that can't keep up says `Full`, and the frame's
/// slot goes straight back to the source (counted as dropped) instead of queueing up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Taken,
    Full,
}

pub struct Capture {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    stats: Arc<CaptureStats>,
    slots: Arc<dyn SharedSlots>,
    info: SourceInfo,
}

const MAX_BACKOFF: Duration = Duration::from_secs(5);

impl Capture {
    /// Starts the capture thread for `source`, calling `sink` on that thread for every event.
    pub fn start<S>(source: Box<dyn FrameSource>, sink: S) -> Capture
    where
        S: FnMut(Event) -> Delivery + Send + 'static,
    {
        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(CaptureStats::default());
        let slots = source.slots();
        let info = source.info();
        let thread = {
            let (stop, stats, slots) = (stop.clone(), stats.clone(), slots.clone());
            std::thread::Builder::new()
                .name("mjpgd-capture".into())
                .spawn(move || run(source, sink, &stop, &stats, &*slots))
                .expect("spawning the capture thread")
        };
        Capture { stop, thread: Some(thread), stats, slots, info }
    }

    pub fn stats(&self) -> &CaptureStats {
        &self.stats
    }

    pub fn slots(&self) -> &Arc<dyn SharedSlots> {
        &self.slots
    }

    pub fn info(&self) -> &SourceInfo {
        &self.info
    }

    /// Stops and joins the capture thread. Idempotent.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        self.stop();
    }
}

fn run(
    mut source: Box<dyn FrameSource>,
    mut sink: impl FnMut(Event) -> Delivery,
    stop: &AtomicBool,
    stats: &CaptureStats,
    slots: &dyn SharedSlots,
) {
    let mut failing: Option<CaptureError> = None;
    let mut backoff = Duration::from_millis(100);
    while !stop.load(Ordering::Relaxed) {
        match source.next_frame(stop, stats) {
            Ok(Some(frame)) => {
                if failing.take().is_some() {
                    sink(Event::Recovered);
                    backoff = Duration::from_millis(100);
                }
                if sink(Event::Frame(frame)) == Delivery::Full {
                    slots.release(frame.slot as usize);
                    CaptureStats::add(&stats.dropped, 1);
                }
            }
            Ok(None) => {}
            Err(e) => {
                if failing.as_ref() != Some(&e) {
                    sink(Event::Error(e.clone()));
                    failing = Some(e);
                }
                sleep_unless_stopped(backoff, stop);
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

fn sleep_unless_stopped(total: Duration, stop: &AtomicBool) {
    let step = Duration::from_millis(20);
    let mut left = total;
    while !left.is_zero() && !stop.load(Ordering::Relaxed) {
        let d = left.min(step);
        std::thread::sleep(d);
        left -= d;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::{PatternOptions, PatternSource};
    use std::sync::mpsc;

    #[test]
    fn delivers_frames_and_recycles_refused_ones() {
        let src = PatternSource::new(PatternOptions { width: 160, height: 120, fps: 200.0, quality: 70, buffers: 2 })
            .unwrap();
        let (tx, rx) = mpsc::channel();
        let mut n = 0;
        let mut cap = Capture::start(Box::new(src), move |ev| {
            n += 1;
            // Refuse every other frame, as a full JS queue would.
            if n % 2 == 0 {
                return Delivery::Full;
            }
            tx.send(ev).unwrap();
            Delivery::Taken
        });
        let mut seqs = vec![];
        for _ in 0..4 {
            match rx.recv_timeout(Duration::from_secs(5)).unwrap() {
                Event::Frame(f) => {
                    seqs.push(f.seq);
                    assert!(cap.slots().release(f.slot as usize));
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        cap.stop();
        assert!(seqs.windows(2).all(|w| w[1] > w[0]));
        assert!(cap.stats().dropped.load(Ordering::Relaxed) >= 3, "refused frames are counted");
        assert_eq!(cap.slots().leased(), 0, "refused frames went back to the pool");
    }
}
