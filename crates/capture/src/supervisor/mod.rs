//! The capture supervisor: the one owner of a camera's life. It opens and configures the source,
//! streams from it, reopens it with backoff after errors (showing the offline picture meanwhile),
//! closes it on pause or after idleness, switches it to a still's size and back, and gives up after
//! `max_restarts` failed opens in a row. Everything happens on its own thread; the consumer gets
//! typed events and sends commands.
mod event;
mod spec;

pub use event::{Command, Delivery, Event, PictureKind, Still};
pub use spec::SourceSpec;

use crate::frame::now_us;
use crate::jpeg::Encoder;
use crate::pattern::render_offline;
use crate::source::{CaptureError, CaptureErrorKind, CaptureStats, FrameSource, OpenSource};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const FIRST_RETRY: Duration = Duration::from_millis(500);
const MAX_RETRY: Duration = Duration::from_secs(5);
/// How often the offline or paused picture is sent again (newcomers and snapshots get it at once anyway).
const PICTURE_REPEAT: Duration = Duration::from_secs(1);
/// A still that has not come within this long is given up (the stream comes back either way).
const STILL_BUDGET: Duration = Duration::from_secs(10);
/// Longest wait for a command while nothing streams, so stop is noticed quickly.
const IDLE_POLL: Duration = Duration::from_millis(200);

#[derive(Debug, Clone, Default)]
pub struct SupervisorOptions {
    /// Failed opens in a row before giving up; None: forever.
    pub max_restarts: Option<u32>,
    /// Close the device after this long without viewers or demand; None: never.
    pub idle_release: Option<Duration>,
    /// Frames skipped after opening for a still or after an idle release (exposure settles).
    pub warmup: u32,
}

/// State shared between the supervisor's thread and its handle.
struct Shared {
    stop: AtomicBool,
    /// Set on stop and on every command: a source waiting for a frame returns early.
    wake: AtomicBool,
    viewers: AtomicU32,
    last_demand_ms: AtomicU64,
    stats: CaptureStats,
    /// Mode switches made for stills.
    still_switches: AtomicU64,
}

pub struct Supervisor {
    commands: Sender<Command>,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

fn now_ms() -> u64 {
    now_us() / 1000
}

impl Supervisor {
    /// Starts the supervisor's thread, which calls `sink` for every event.
    pub fn start<S>(spec: SourceSpec, opts: SupervisorOptions, sink: S) -> Supervisor
    where
        S: FnMut(Event) -> Delivery + Send + 'static,
    {
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            wake: AtomicBool::new(false),
            viewers: AtomicU32::new(0),
            last_demand_ms: AtomicU64::new(now_ms()),
            stats: CaptureStats::default(),
            still_switches: AtomicU64::new(0),
        });
        let (commands, rx) = mpsc::channel();
        let thread = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("mjpgd-capture".into())
                .spawn(move || Runner::new(spec, opts, sink, shared, rx).run())
                .expect("spawning the capture thread")
        };
        Supervisor { commands, shared, thread: Some(thread) }
    }

    pub fn send(&self, command: Command) {
        if matches!(command, Command::Demand | Command::Still { .. }) {
            self.shared.last_demand_ms.store(now_ms(), Ordering::Relaxed);
        }
        let _ = self.commands.send(command);
        self.shared.wake.store(true, Ordering::Release);
    }

    /// How many viewers watch now; while any do, the camera is never released for idleness.
    pub fn set_viewers(&self, n: u32) {
        let before = self.shared.viewers.swap(n, Ordering::Relaxed);
        self.shared.last_demand_ms.store(now_ms(), Ordering::Relaxed);
        if n > before {
            self.send(Command::Demand);
        }
    }

    pub fn stats(&self) -> &CaptureStats {
        &self.shared.stats
    }

    pub fn still_switches(&self) -> u64 {
        self.shared.still_switches.load(Ordering::Relaxed)
    }

    /// Stops and joins the thread (the source is closed). Idempotent.
    pub fn stop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        self.shared.wake.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Supervisor {
    fn drop(&mut self) {
        self.stop();
    }
}

struct Runner<S> {
    spec: SourceSpec,
    opts: SupervisorOptions,
    sink: S,
    shared: Arc<Shared>,
    rx: Receiver<Command>,
    source: Option<OpenSource>,
    generation: u32,
    /// One sequence for camera frames and pictures alike, across reopens (viewers compare them).
    seq: u64,
    paused: bool,
    released: bool,
    failing: Option<CaptureError>,
    attempts: u32,
    backoff: Duration,
    retry_at: Instant,
    picture: Option<(PictureKind, Arc<Vec<u8>>)>,
    picture_at: Instant,
    /// Frames to skip from the source just opened.
    warmup_left: u32,
    /// Warm-up owed to the next open (after idle release or pause).
    warmup_next: u32,
    gave_up: bool,
}

impl<S: FnMut(Event) -> Delivery> Runner<S> {
    fn new(spec: SourceSpec, opts: SupervisorOptions, sink: S, shared: Arc<Shared>, rx: Receiver<Command>) -> Self {
        let now = Instant::now();
        Runner {
            spec,
            opts,
            sink,
            shared,
            rx,
            source: None,
            generation: 0,
            seq: 0,
            paused: false,
            released: false,
            failing: None,
            attempts: 0,
            backoff: FIRST_RETRY,
            retry_at: now,
            picture: None,
            picture_at: now,
            warmup_left: 0,
            warmup_next: 0,
            gave_up: false,
        }
    }

    fn stopping(&self) -> bool {
        self.shared.stop.load(Ordering::Acquire)
    }

    fn run(mut self) {
        while !self.stopping() && !self.gave_up {
            self.shared.wake.store(false, Ordering::Release);
            while let Ok(c) = self.rx.try_recv() {
                self.handle(c);
            }
            if self.stopping() || self.gave_up {
                break;
            }
            if self.paused || self.released {
                self.repeat_picture();
                self.wait_for_command(IDLE_POLL);
                continue;
            }
            if self.idle_due() {
                self.close();
                self.released = true;
                self.warmup_next = self.opts.warmup;
                (self.sink)(Event::Released);
                continue;
            }
            if self.source.is_none() {
                let now = Instant::now();
                if now < self.retry_at {
                    self.repeat_picture();
                    self.wait_for_command((self.retry_at - now).min(IDLE_POLL));
                    continue;
                }
                match self.spec.open(None) {
                    Ok(source) => self.opened(source),
                    Err(e) => self.open_failed(e),
                }
                continue;
            }
            self.pump();
        }
        self.close();
    }

    fn wait_for_command(&mut self, timeout: Duration) {
        match self.rx.recv_timeout(timeout) {
            Ok(c) => self.handle(c),
            Err(RecvTimeoutError::Timeout) => {}
            // The handle is gone, so stop is set (its drop stops first): don't spin until it is seen.
            Err(RecvTimeoutError::Disconnected) => std::thread::sleep(timeout),
        }
    }

    fn handle(&mut self, command: Command) {
        match command {
            Command::Pause if !self.paused => {
                self.paused = true;
                self.close();
                (self.sink)(Event::Paused);
                let text = format!("{} is released for another program; resume with POST /resume or by removing the pause file", self.spec.name());
                self.show_picture(PictureKind::Paused, "CAMERA PAUSED", &text);
            }
            Command::Resume if self.paused => {
                self.paused = false;
                self.picture = None;
                self.retry_at = Instant::now();
                self.warmup_next = self.opts.warmup;
                (self.sink)(Event::Resumed);
            }
            Command::Demand if self.released => {
                self.released = false;
                self.retry_at = Instant::now();
            }
            Command::Still { id, width, height } => self.take_still(id, width, height),
            _ => {}
        }
    }

    fn idle_due(&self) -> bool {
        let Some(limit) = self.opts.idle_release else { return false };
        self.shared.viewers.load(Ordering::Relaxed) == 0
            && now_ms().saturating_sub(self.shared.last_demand_ms.load(Ordering::Relaxed)) >= limit.as_millis() as u64
    }

    fn close(&mut self) {
        // Dropping the source closes the device; JS may still hold views of its slots, which keep
        // the memory (not the device) alive until they are collected.
        self.source = None;
    }

    fn opened(&mut self, source: Box<dyn FrameSource>) {
        self.generation += 1;
        self.attempts = 0;
        self.warmup_left = std::mem::take(&mut self.warmup_next);
        let source = OpenSource::new(source);
        (self.sink)(Event::Opened { generation: self.generation, info: source.info(), slots: source.slots().clone() });
        self.source = Some(source);
    }

    fn open_failed(&mut self, error: CaptureError) {
        self.attempts += 1;
        if self.opts.max_restarts.is_some_and(|max| self.attempts >= max) {
            self.gave_up = true;
            (self.sink)(Event::GaveUp { error, attempts: self.attempts });
            return;
        }
        self.report(error);
        self.retry_later();
    }

    fn retry_later(&mut self) {
        self.retry_at = Instant::now() + self.backoff;
        self.backoff = (self.backoff * 2).min(MAX_RETRY);
    }

    /// Tells the consumer once per change of reason, and shows the offline picture with it.
    fn report(&mut self, error: CaptureError) {
        if self.failing.as_ref() == Some(&error) {
            self.repeat_picture();
            return;
        }
        (self.sink)(Event::Failed { error: error.clone(), attempt: self.attempts, retry_in: self.backoff });
        let reason = format!("{}: {}: {}", self.spec.name(), error.kind.as_str(), error.message);
        self.failing = Some(error);
        self.show_picture(PictureKind::Offline, "CAMERA OFFLINE", &reason);
    }

    fn show_picture(&mut self, kind: PictureKind, title: &str, text: &str) {
        let (w, h) = self.spec.size();
        let (w, h) = (w.clamp(16, 8192) as usize, h.clamp(16, 8192) as usize);
        let mut out = vec![0u8; w * h + 64 * 1024];
        match render_offline(&mut Encoder::new(75), w, h, title, text, &mut out) {
            Ok(n) => {
                out.truncate(n);
                self.picture = Some((kind, Arc::new(out)));
                self.picture_at = Instant::now() - PICTURE_REPEAT;
                self.repeat_picture();
            }
            // Without a picture viewers keep the last frame; the event already said why.
            Err(_) => self.picture = None,
        }
    }

    fn repeat_picture(&mut self) {
        let Some((kind, jpeg)) = self.picture.clone() else { return };
        if self.picture_at.elapsed() < PICTURE_REPEAT {
            return;
        }
        self.picture_at = Instant::now();
        self.seq += 1;
        (self.sink)(Event::Picture { kind, jpeg, seq: self.seq, timestamp_us: now_us() });
    }

    /// One round of the open source: a frame delivered, nothing, or an error handled.
    fn pump(&mut self) {
        let Some(source) = self.source.as_mut() else { return };
        match source.next_frame(&self.shared.wake, &self.shared.stats) {
            Ok(Some(held)) => {
                if self.warmup_left > 0 {
                    // Dropped: the slot goes back.
                    self.warmup_left -= 1;
                    return;
                }
                if self.failing.take().is_some() {
                    self.picture = None;
                    self.backoff = FIRST_RETRY;
                    (self.sink)(Event::Recovered);
                }
                self.seq += 1;
                let (generation, seq, sink) = (self.generation, self.seq, &mut self.sink);
                let taken = held.hand_over(|frame| sink(Event::Frame { generation, frame: crate::Frame { seq, ..frame } }) == Delivery::Taken);
                if !taken {
                    CaptureStats::add(&self.shared.stats.dropped, 1);
                }
            }
            Ok(None) => self.repeat_picture(),
            // A silent camera may start again on its own: keep it open, say so, show the picture.
            Err(e) if e.kind == CaptureErrorKind::Timeout => self.report(e),
            Err(e) => {
                self.close();
                self.report(e);
                self.retry_later();
            }
        }
    }

    /// Closes the stream, opens the camera at the still's size, skips the warm-up frames, keeps one
    /// JPEG, and reopens the stream. Viewers keep the last frame meanwhile.
    fn take_still(&mut self, id: u64, width: u32, height: u32) {
        let started = Instant::now();
        if self.paused {
            let e = CaptureError::new(CaptureErrorKind::Busy, format!("{} is paused", self.spec.name()));
            (self.sink)(Event::Still { id, result: Err(e) });
            return;
        }
        self.close();
        CaptureStats::add(&self.shared.still_switches, 1);
        let result = self.capture_still(width, height, started);
        // Back to the stream at once: viewers have waited long enough.
        self.released = false;
        match self.spec.open(None) {
            Ok(source) => self.opened(source),
            Err(e) => self.open_failed(e),
        }
        let result = result.map(|s| Still { elapsed: started.elapsed(), ..s });
        (self.sink)(Event::Still { id, result });
    }

    fn capture_still(&mut self, width: u32, height: u32, started: Instant) -> Result<Still, CaptureError> {
        let mut source = OpenSource::new(self.spec.open(Some((width, height)))?);
        let info = source.info();
        let mut skip = self.opts.warmup;
        loop {
            if started.elapsed() > STILL_BUDGET || self.stopping() {
                return Err(CaptureError::new(CaptureErrorKind::Timeout, format!("no still from {} within {} s", self.spec.name(), STILL_BUDGET.as_secs())));
            }
            // Waits on stop only: commands that arrive now are handled after the switch back.
            let Some(held) = source.next_frame(&self.shared.stop, &self.shared.stats)? else { continue };
            if skip > 0 {
                // Dropped: the slot goes back.
                skip -= 1;
                continue;
            }
            // Copied out, then the slot goes back as `held` is dropped.
            let jpeg = held.jpeg().to_vec();
            CaptureStats::add(&self.shared.stats.bytes_copied, jpeg.len() as u64);
            return Ok(Still { jpeg, width: info.width, height: info.height, elapsed: Duration::ZERO });
        }
    }
}

#[cfg(test)]
mod tests;
