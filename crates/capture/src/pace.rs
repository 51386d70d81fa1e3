//! Frame pacing for sources that make their own frames (the test pattern, a folder of JPEGs): one
//! frame per interval on a fixed schedule, restarted when the thread falls more than a frame behind.
use crate::pool::{Claim, SlotPool};
use crate::source::CaptureStats;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub struct Pacer {
    interval: Duration,
    next_due: Instant,
    /// The next frame's number.
    seq: u64,
}

impl Pacer {
    pub fn new(fps: f64) -> Pacer {
        Pacer { interval: Duration::from_secs_f64(1.0 / fps), next_due: Instant::now(), seq: 0 }
    }

    /// Waits for the next frame's time and claims a slot for it: the claim and the frame's number, or
    /// None when stopped or when JS holds every slot (that frame is skipped rather than waited for,
    /// so the source doesn't fall behind; counted as dropped).
    pub fn next_slot<'p>(&mut self, pool: &'p SlotPool, stop: &AtomicBool, stats: &CaptureStats) -> Option<(Claim<'p>, u64)> {
        if !self.wait(stop) {
            return None;
        }
        let seq = self.seq;
        self.seq += 1;
        let Some(claim) = pool.claim() else {
            CaptureStats::add(&stats.dropped, 1);
            return None;
        };
        Some((claim, seq))
    }

    /// Sleeps until the next frame is due; false when `stop` was set meanwhile (checked every 50 ms).
    pub fn wait(&mut self, stop: &AtomicBool) -> bool {
        loop {
            if stop.load(Ordering::Relaxed) {
                return false;
            }
            let now = Instant::now();
            if now >= self.next_due {
                // Late by more than a frame (e.g. the machine was suspended): restart the schedule.
                self.next_due = if now - self.next_due > self.interval { now + self.interval } else { self.next_due + self.interval };
                return true;
            }
            std::thread::sleep((self.next_due - now).min(Duration::from_millis(50)));
        }
    }
}
