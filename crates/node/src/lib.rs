//! N-API binding over mjpgd-capture. Thin by design: conversion of options, events and errors
//! between JS and the capture core, nothing that `cargo test` on the core can't reach.
use mjpgd_capture::folder::FolderFrames;
use mjpgd_capture::jpeg::{transform_jpeg as transform_bytes, Encoder, Transform};
use mjpgd_capture::pattern::{render_offline, PatternOptions};
use mjpgd_capture::supervisor::Still;
use mjpgd_capture::v4l2::{set_controls as set_device_controls, Control, DesiredControls, Device, V4l2Options};
// The boundary types are the core's own (its `napi` feature makes them napi objects and string enums).
use mjpgd_capture::{
    CaptureError, CaptureErrorKind, Command, Delivery, Event, Frame, PictureKind, SharedSlots, SourceInfo, SourceSpec, Supervisor, SupervisorOptions,
};
use mjpgd_net::direct::dup_stream_socket;
use mjpgd_net::part::{Part, MAX_HEADER};
use mjpgd_net::{DirectViewers, Handback, ViewerCounts};
use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// While JS doesn't ask for every frame (all its viewers are direct), it still gets one this often:
/// its newest frame, for newcomers and snapshots, never gets older than this.
const QUIET_KEEPALIVE: Duration = Duration::from_secs(1);

/// How many frame notifications may wait for the JS thread. A busy JS thread makes the capture
/// thread drop frames (counted) instead of queueing stale ones, except frames with handbacks: those
/// viewers are mid-part and JS needs the frame to finish it. (So the queue is counted here, not
/// bounded by napi: a bounded queue could only make the capture thread wait, and wait forever when
/// JS is the one waiting for it, in stop().)
const FRAME_QUEUE: usize = 2;

#[napi(object)]
pub struct CameraOptions {
    /// "testpattern", "v4l2" or "folder".
    pub source: String,
    /// V4L2 device path (source "v4l2"), or the folder of JPEGs (source "folder").
    pub device: Option<String>,
    /// "auto", "mjpeg", "yuyv" or "nv12" (source "v4l2").
    pub format: Option<String>,
    pub width: u32,
    pub height: u32,
    pub fps: f64,
    pub quality: u32,
    pub buffers: u32,
    /// Extra drivers whose frames are copied at dequeue (v4l2loopback always is).
    pub copy_drivers: Option<Vec<String>>,
    /// Failed opens in a row before the camera gives up (event "gave_up"); unset: forever.
    pub max_restarts: Option<u32>,
    /// Close the device after this many ms without viewers or demand; unset or 0: never.
    pub idle_release_ms: Option<u32>,
    /// Frames skipped after opening for a still, after idle release and after pause.
    pub warmup: Option<u32>,
    /// Controls (by v4l2-ctl name or numeric id) applied after every stream-on (source "v4l2").
    pub controls: Option<Vec<ControlValue>>,
}

/// One control to set: its name as v4l2-ctl spells it (or the driver's label, or a numeric id).
#[napi(object)]
pub struct ControlValue {
    pub name: String,
    pub value: i32,
}

fn desired_of(list: Vec<ControlValue>) -> Vec<(String, i32)> {
    list.into_iter().map(|c| (c.name, c.value)).collect()
}

#[napi(object)]
pub struct CameraStats {
    pub captured: f64,
    pub invalid: f64,
    pub dropped: f64,
    pub bytes_copied: f64,
    pub leased: u32,
    /// Mode switches made for stills.
    pub still_switches: f64,
}

/// What happened to a camera (the typed counterpart of the supervisor's events).
#[napi(string_enum = "snake_case")]
pub enum CameraEventKind {
    /// (Re)opened: `generation`, `info`. Frames of a new generation come from new slots.
    Opened,
    /// Failed (`errorKind`, `message`, `attempt`, `retryMs`); once per change of reason.
    Failed,
    /// Camera frames flow again.
    Recovered,
    /// An offline or paused picture (`picture`, `jpeg`, `seq`, `timestampUs`).
    Picture,
    Paused,
    Resumed,
    /// Closed for idleness; reopened on demand.
    Released,
    /// The answer to still(): `stillId` and either `jpeg`, `width`, `height`, `elapsedMs` or `errorKind`, `message`.
    Still,
    /// Too many failed opens in a row (`errorKind`, `message`, `attempt`): the camera stopped.
    GaveUp,
}

#[napi(object)]
pub struct CameraEvent {
    pub kind: CameraEventKind,
    pub generation: Option<u32>,
    pub info: Option<SourceInfo>,
    pub error_kind: Option<CaptureErrorKind>,
    pub message: Option<String>,
    pub attempt: Option<u32>,
    pub retry_ms: Option<u32>,
    pub picture: Option<PictureKind>,
    pub jpeg: Option<Buffer>,
    pub seq: Option<f64>,
    pub timestamp_us: Option<f64>,
    pub still_id: Option<f64>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub elapsed_ms: Option<f64>,
    /// A picture: direct viewers handed back while it was written to them (see `handbacksOf`).
    pub handbacks: Option<Vec<f64>>,
}

impl CameraEvent {
    fn of(kind: CameraEventKind) -> CameraEvent {
        CameraEvent {
            kind,
            generation: None,
            info: None,
            error_kind: None,
            message: None,
            attempt: None,
            retry_ms: None,
            picture: None,
            jpeg: None,
            seq: None,
            timestamp_us: None,
            still_id: None,
            width: None,
            height: None,
            elapsed_ms: None,
            handbacks: None,
        }
    }

    fn with_error(mut self, e: &CaptureError) -> CameraEvent {
        self.error_kind = Some(e.kind);
        self.message = Some(e.message.clone());
        self
    }

    fn from_event(event: Event) -> CameraEvent {
        use CameraEventKind as K;
        match event {
            Event::Opened { generation, info, .. } => CameraEvent { generation: Some(generation), info: Some(info), ..Self::of(K::Opened) },
            Event::Failed { error, attempt, retry_in } => {
                CameraEvent { attempt: Some(attempt), retry_ms: Some(retry_in.as_millis() as u32), ..Self::of(K::Failed) }.with_error(&error)
            }
            Event::Recovered => Self::of(K::Recovered),
            Event::Picture { kind, jpeg, seq, timestamp_us } => CameraEvent {
                picture: Some(kind),
                jpeg: Some(jpeg.as_ref().clone().into()),
                seq: Some(seq as f64),
                timestamp_us: Some(timestamp_us as f64),
                ..Self::of(K::Picture)
            },
            Event::Paused => Self::of(K::Paused),
            Event::Resumed => Self::of(K::Resumed),
            Event::Released => Self::of(K::Released),
            Event::Still { id, result: Ok(Still { jpeg, width, height, elapsed }) } => CameraEvent {
                still_id: Some(id as f64),
                jpeg: Some(jpeg.into()),
                width: Some(width),
                height: Some(height),
                elapsed_ms: Some(elapsed.as_secs_f64() * 1000.0),
                ..Self::of(K::Still)
            },
            Event::Still { id, result: Err(e) } => CameraEvent { still_id: Some(id as f64), ..Self::of(K::Still) }.with_error(&e),
            Event::GaveUp { error, attempts } => CameraEvent { attempt: Some(attempts), ..Self::of(K::GaveUp) }.with_error(&error),
            // Frames go through their own callback.
            Event::Frame { .. } => Self::of(K::Recovered),
        }
    }
}

type FrameArgs = FnArgs<(u32, u32, u32, f64, f64, u32, Option<Vec<f64>>)>;
type FrameCallback = ThreadsafeFunction<(u32, Frame, Vec<Handback>), (), FrameArgs, Status, false, false, 0>;
type EventCallback = ThreadsafeFunction<(Event, Vec<Handback>), (), CameraEvent, Status, false, false, 0>;

/// Handbacks for JS, flat: `[id, sent, gone (0/1), frames, bytes]` per viewer; None when there are none.
fn handbacks_of(list: Vec<Handback>) -> Option<Vec<f64>> {
    (!list.is_empty())
        .then(|| list.iter().flat_map(|h| [h.id as f64, h.sent as f64, h.gone as u8 as f64, h.counts.frames as f64, h.counts.bytes as f64]).collect())
}

fn counts_of(c: ViewerCounts) -> Vec<f64> {
    vec![c.frames as f64, c.bytes as f64]
}

/// Writes a camera frame's part to the direct viewers, laid out in its slot.
fn send_to_direct(direct: &DirectViewers, slots: &dyn SharedSlots, frame: &Frame, handbacks: &mut Vec<Handback>) {
    let (ptr, len) = slots.region(frame.slot as usize);
    let (at, length) = (frame.offset as usize, frame.length as usize);
    if at + length > len {
        return;
    }
    // SAFETY: the frame's slot is leased to this consumer and not yet handed to JS (the frame
    // callback, after this call, does that), so nothing else reads or writes its bytes now; `slots`
    // keeps the memory alive, and region() is the slot's whole extent.
    let mem = unsafe { std::slice::from_raw_parts_mut(ptr, len) };
    let mut spare = [0u8; MAX_HEADER];
    direct.send(Part::around(mem, at, length, frame.timestamp_us, &mut spare).pieces(), handbacks);
}

/// The slots frames are leased from now, and their generation (one per open of the source).
type CurrentSlots = Arc<Mutex<Option<(u32, Arc<dyn SharedSlots>)>>>;

/// One camera (or test pattern), owned by a capture supervisor on its own thread.
#[napi]
pub struct Camera {
    spec: Option<(SourceSpec, SupervisorOptions)>,
    supervisor: Option<Supervisor>,
    current: CurrentSlots,
    info: Arc<Mutex<SourceInfo>>,
    /// The newest generation whose slots JS wrapped: memory is wrapped once.
    wrapped: u32,
    next_still: AtomicU64,
    /// Shared with the V4L2 options in the supervisor's spec: what every (re)open applies after stream-on.
    desired: DesiredControls,
    /// Stream viewers the capture thread writes to itself (see mjpgd_net::direct).
    direct: Arc<DirectViewers>,
    /// JS wants every frame (it writes to some viewer itself, or waits for a frame); when false, it
    /// gets handbacks and one frame per QUIET_KEEPALIVE.
    every_frame: Arc<AtomicBool>,
    /// Frames only the direct viewers got (JS never saw them).
    quiet_frames: Arc<AtomicU64>,
}

/// A capture error as a JS Error: its kind is the error's `code` ("not_found", ...), its message the reason.
fn to_js_error(e: CaptureError) -> Error<CaptureErrorKind> {
    Error::new(e.kind, e.message)
}

#[napi]
impl Camera {
    /// Describes the camera; nothing is opened until start().
    #[napi(constructor)]
    pub fn new(options: CameraOptions) -> Result<Camera, CaptureErrorKind> {
        let quality = options.quality.clamp(1, 100) as u8;
        let desired: DesiredControls = Default::default();
        *desired.lock().unwrap_or_else(|p| p.into_inner()) = desired_of(options.controls.unwrap_or_default());
        let spec = match options.source.as_str() {
            "testpattern" => SourceSpec::Pattern(PatternOptions {
                width: options.width,
                height: options.height,
                fps: options.fps,
                quality,
                buffers: options.buffers as usize,
            }),
            "folder" => {
                let path = options.device.clone().unwrap_or_default();
                let frames = FolderFrames::load(std::path::Path::new(&path)).map_err(to_js_error)?;
                SourceSpec::Folder { frames: Arc::new(frames), fps: options.fps, buffers: options.buffers as usize }
            }
            "v4l2" => SourceSpec::V4l2(V4l2Options {
                device: options.device.clone().unwrap_or_else(|| "/dev/video0".into()),
                width: options.width,
                height: options.height,
                fps: options.fps,
                format: options.format.clone().unwrap_or_else(|| "auto".into()),
                quality,
                buffers: options.buffers,
                copy_drivers: options.copy_drivers.clone().unwrap_or_default(),
                controls: desired.clone(),
            }),
            other => return Err(Error::new(CaptureErrorKind::InvalidArgument, format!("unknown source kind {other:?}"))),
        };
        let opts = SupervisorOptions {
            max_restarts: options.max_restarts,
            idle_release: options.idle_release_ms.filter(|&ms| ms > 0).map(|ms| Duration::from_millis(ms as u64)),
            warmup: options.warmup.unwrap_or(0),
        };
        // What /state shows until the device is open: what was asked for.
        let info = SourceInfo {
            kind: options.source.clone(),
            width: options.width,
            height: options.height,
            fps: options.fps,
            format: options.format.clone().unwrap_or_else(|| "auto".into()),
            device: options.device.clone(),
            card: None,
            notes: vec![],
            offered: vec![],
            buffers: None,
            pool_size: options.buffers,
            copied: false,
        };
        Ok(Camera {
            spec: Some((spec, opts)),
            supervisor: None,
            current: Arc::new(Mutex::new(None)),
            info: Arc::new(Mutex::new(info)),
            wrapped: 0,
            next_still: AtomicU64::new(1),
            desired,
            direct: Arc::new(DirectViewers::new()),
            every_frame: Arc::new(AtomicBool::new(true)),
            quiet_frames: Arc::new(AtomicU64::new(0)),
        })
    }

    /// The slots of `generation` as Buffers over the source's own memory, or null when that
    /// generation is gone (the camera was reopened since). Each generation's memory is wrapped once:
    /// V8 aborts when the same memory is wrapped twice.
    #[napi]
    pub fn buffers(&mut self, env: Env, generation: u32) -> Result<Option<Vec<Buffer>>> {
        let slots = match &*self.current.lock().unwrap() {
            Some((g, slots)) if *g == generation => slots.clone(),
            _ => return Ok(None),
        };
        if generation <= self.wrapped {
            return Err(Error::new(Status::GenericFailure, format!("buffers of generation {generation} were already wrapped")));
        }
        self.wrapped = generation;
        (0..slots.count())
            .map(|i| {
                let (ptr, len) = slots.region(i);
                // The finalizer's hint keeps the slots alive until V8 drops the last view of them.
                let keep_alive = slots.clone();
                // SAFETY: `ptr..ptr+len` is one slot of `slots`, whose memory never moves and is
                // freed only when the last Arc goes; the finalizer holds one until V8 is done with
                // the Buffer. Each generation's slots are wrapped once (checked above).
                let slice = unsafe { BufferSlice::from_external(&env, ptr, len, keep_alive, |_, pool| drop(pool))? };
                slice.into_buffer(&env)
            })
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }

    /// Starts the supervisor. `onFrame(slot, offset, length, seq, timestampUs, generation, handbacks)`
    /// gets each camera frame's lease, after the capture thread wrote its part to the direct viewers
    /// (`handbacks`: those that left the direct set on it, flat `[id, sent, gone, frames, bytes]…`, or
    /// undefined); `onEvent(event)` everything else, in order.
    #[napi(
        ts_args_type = "onFrame: (slot: number, offset: number, length: number, seq: number, timestampUs: number, generation: number, handbacks?: number[]) => void, onEvent: (event: CameraEvent) => void"
    )]
    pub fn start(&mut self, on_frame: Function<'_, FrameArgs, ()>, on_event: Function<'_, CameraEvent, ()>) -> Result<()> {
        let Some((spec, opts)) = self.spec.take() else {
            return Err(Error::new(Status::GenericFailure, "camera already started or stopped"));
        };
        // Frame notifications queued for the JS thread and not yet taken by it.
        let queued = Arc::new(AtomicUsize::new(0));
        let taken = queued.clone();
        let frames: FrameCallback =
            on_frame.build_threadsafe_function::<(u32, Frame, Vec<Handback>)>().callee_handled::<false>().build_callback(move |ctx| {
                taken.fetch_sub(1, Ordering::AcqRel);
                let (g, f, handbacks) = ctx.value;
                Ok((f.slot, f.offset, f.length, f.seq as f64, f.timestamp_us as f64, g, handbacks_of(handbacks)).into())
            })?;
        let events: EventCallback = on_event.build_threadsafe_function::<(Event, Vec<Handback>)>().callee_handled::<false>().build_callback(|ctx| {
            let (event, handbacks) = ctx.value;
            Ok(CameraEvent { handbacks: handbacks_of(handbacks), ..CameraEvent::from_event(event) })
        })?;
        let (current, info, direct) = (self.current.clone(), self.info.clone(), self.direct.clone());
        let (every_frame, quiet_frames) = (self.every_frame.clone(), self.quiet_frames.clone());
        // The capture thread's own view of the current slots: no lock per frame.
        let mut slots_now: Option<(u32, Arc<dyn SharedSlots>)> = None;
        let mut last_to_js = Instant::now();
        // After any event (opened, a picture, resumed, ...) JS gets the next camera frame whatever it
        // asked: its newest frame must not stay a paused or offline picture once the camera is back.
        let mut after_event = true;
        self.supervisor = Some(Supervisor::start(spec, opts, move |event| match event {
            Event::Frame { generation, frame } => {
                let mut handbacks = Vec::new();
                let slots = slots_now.as_ref().filter(|(g, _)| *g == generation).map(|(_, s)| s);
                if let Some(slots) = slots.filter(|_| !direct.is_empty()) {
                    send_to_direct(&direct, slots.as_ref(), &frame, &mut handbacks);
                }
                // Nobody in JS needs this frame: no wake-up for it.
                let quiet = handbacks.is_empty() && !after_event && !every_frame.load(Ordering::Relaxed) && last_to_js.elapsed() < QUIET_KEEPALIVE;
                if let Some(slots) = slots.filter(|_| quiet) {
                    slots.release(frame.slot as usize);
                    quiet_frames.fetch_add(1, Ordering::Relaxed);
                    return Delivery::Taken;
                }
                if handbacks.is_empty() && queued.load(Ordering::Acquire) >= FRAME_QUEUE {
                    return Delivery::Full;
                }
                (last_to_js, after_event) = (Instant::now(), false);
                queued.fetch_add(1, Ordering::AcqRel);
                match frames.call((generation, frame, handbacks), ThreadsafeFunctionCallMode::NonBlocking) {
                    Status::Ok => Delivery::Taken,
                    _ => {
                        queued.fetch_sub(1, Ordering::AcqRel);
                        Delivery::Full
                    }
                }
            }
            other => {
                after_event = true;
                let mut handbacks = Vec::new();
                if let Event::Opened { generation, info: i, slots } = &other {
                    // Before any frame of this generation is sent, so JS finds its slots.
                    *current.lock().unwrap() = Some((*generation, slots.clone()));
                    *info.lock().unwrap() = i.clone();
                    slots_now = Some((*generation, slots.clone()));
                }
                if let Event::Picture { jpeg, timestamp_us, .. } = &other {
                    if !direct.is_empty() {
                        let mut spare = [0u8; MAX_HEADER];
                        direct.send(Part::of_jpeg(jpeg, *timestamp_us, &mut spare).pieces(), &mut handbacks);
                    }
                }
                events.call((other, handbacks), ThreadsafeFunctionCallMode::Blocking);
                Delivery::Taken
            }
        }));
        Ok(())
    }

    /// Replaces the controls applied after every (re)open and stream-on of this camera. Doesn't touch
    /// the device now: setControls does that.
    #[napi]
    pub fn set_desired_controls(&self, controls: Vec<ControlValue>) {
        // A poisoned lock only means a panic elsewhere mid-update; the list is still a plain Vec.
        let mut d = self.desired.lock().unwrap_or_else(|p| p.into_inner());
        *d = desired_of(controls);
    }

    /// Makes stream viewer `id` direct: from the next frame on, the capture thread writes each part to
    /// the connected stream socket `fd` itself (a duplicate of it: JS may close its own at any time),
    /// until the kernel doesn't take one whole (a handback) or removeDirect(id). JS must not write to
    /// the socket meanwhile. Throws for an fd that isn't a stream socket.
    #[napi]
    pub fn add_direct(&self, id: u32, fd: i32) -> Result<(), CaptureErrorKind> {
        let owned = dup_stream_socket(fd).map_err(|e| Error::new(CaptureErrorKind::InvalidArgument, format!("direct viewer {id}: {e}")))?;
        self.direct.add(id, owned);
        Ok(())
    }

    /// Takes viewer `id` out of the direct set: `[frames, bytes]` it got since its counts were last
    /// taken, or null when it isn't direct (handed back already, or never added).
    #[napi]
    pub fn remove_direct(&self, id: u32) -> Option<Vec<f64>> {
        self.direct.remove(id).map(counts_of)
    }

    /// `[frames, bytes]` direct viewer `id` got since its counts were last taken (then zero), or null.
    #[napi]
    pub fn take_direct_counts(&self, id: u32) -> Option<Vec<f64>> {
        self.direct.take_counts(id).map(counts_of)
    }

    /// Whether JS gets every frame (true, the start) or, while all its viewers are direct and nobody
    /// waits for a frame, only handbacks and one frame a second (false).
    #[napi]
    pub fn set_every_frame(&self, every: bool) {
        self.every_frame.store(every, Ordering::Relaxed);
    }

    /// Frames only the direct viewers got, JS never saw (while it didn't want every frame).
    #[napi]
    pub fn quiet_frames(&self) -> f64 {
        self.quiet_frames.load(Ordering::Relaxed) as f64
    }

    /// Gives a frame's slot back. False if that slot was not leased, or its generation is gone.
    #[napi]
    pub fn release(&self, generation: u32, slot: u32) -> bool {
        match &*self.current.lock().unwrap() {
            Some((g, slots)) if *g == generation => slots.release(slot as usize),
            _ => false,
        }
    }

    /// Closes the device and shows the paused picture until resume().
    #[napi]
    pub fn pause(&self) {
        self.send(Command::Pause);
    }

    #[napi]
    pub fn resume(&self) {
        self.send(Command::Resume);
    }

    /// Someone wants a frame (a snapshot): reopens a camera released for idleness.
    #[napi]
    pub fn demand(&self) {
        self.send(Command::Demand);
    }

    /// How many viewers watch (none for `idleRelease`: the camera may be released).
    #[napi]
    pub fn set_viewers(&self, viewers: u32) {
        if let Some(s) = &self.supervisor {
            s.set_viewers(viewers);
        }
    }

    /// Asks for one still at width×height (0×0: the largest the camera takes); the answer is a
    /// "still" event with the returned id.
    #[napi]
    pub fn still(&self, width: u32, height: u32) -> f64 {
        let id = self.next_still.fetch_add(1, Ordering::Relaxed);
        self.send(Command::Still { id, width, height });
        id as f64
    }

    fn send(&self, command: Command) {
        if let Some(s) = &self.supervisor {
            s.send(command);
        }
    }

    /// What the source delivers (what was asked for, until it is first opened).
    #[napi]
    pub fn info(&self) -> SourceInfo {
        self.info.lock().unwrap().clone()
    }

    #[napi]
    pub fn stats(&self) -> CameraStats {
        let load = |c: Option<&std::sync::atomic::AtomicU64>| c.map_or(0.0, |c| c.load(Ordering::Relaxed) as f64);
        let s = self.supervisor.as_ref().map(|c| c.stats());
        let leased = self.current.lock().unwrap().as_ref().map_or(0, |(_, slots)| slots.leased() as u32);
        CameraStats {
            captured: load(s.map(|s| &s.captured)),
            invalid: load(s.map(|s| &s.invalid)),
            dropped: load(s.map(|s| &s.dropped)),
            bytes_copied: load(s.map(|s| &s.bytes_copied)),
            leased,
            still_switches: self.supervisor.as_ref().map_or(0.0, |s| s.still_switches() as f64),
        }
    }

    /// Stops the supervisor (joins its thread, closes the device). Idempotent.
    #[napi]
    pub fn stop(&mut self) {
        self.spec = None;
        if let Some(mut s) = self.supervisor.take() {
            s.stop();
        }
        self.direct.clear();
    }
}

/// A control after setControls: its v4l2-ctl name, id and the value the driver kept.
#[napi(object)]
pub struct ControlSet {
    pub name: String,
    pub id: u32,
    pub value: i32,
}

/// Lists a device's controls. Works while the camera streams (controls need no exclusive access).
#[napi]
pub fn list_controls(device: String) -> Result<Vec<Control>, CaptureErrorKind> {
    Ok(Device::open(&device).map_err(to_js_error)?.controls())
}

/// Sets several controls at once: all are checked first (unknown name, out of range → throws code
/// "invalid_argument" naming the control and what it accepts, nothing set); if the driver then
/// refuses one, the ones set before it are restored and the error names it.
#[napi]
pub fn set_controls(device: String, controls: Vec<ControlValue>) -> Result<Vec<ControlSet>, CaptureErrorKind> {
    let dev = Device::open(&device).map_err(to_js_error)?;
    let done = set_device_controls(&dev, &desired_of(controls)).map_err(to_js_error)?;
    Ok(done.into_iter().map(|(c, value)| ControlSet { name: c.name, id: c.id, value }).collect())
}

/// `jpeg` rotated or flipped without re-encoding (TurboJPEG, DCT domain): `op` is one of none,
/// rotate90, rotate180, rotate270, fliph, flipv, transpose, transverse. Throws code
/// "invalid_argument" for an unknown op or a JPEG TurboJPEG can't read.
#[napi]
pub fn transform_jpeg(jpeg: BufferSlice, op: String) -> Result<Buffer, CaptureErrorKind> {
    let invalid = |message: String| Error::new(CaptureErrorKind::InvalidArgument, message);
    let t = Transform::parse(&op).ok_or_else(|| invalid(format!("unknown transform {op:?}")))?;
    transform_bytes(&jpeg, t).map(Buffer::from).map_err(|e| invalid(e.to_string()))
}

/// The JPEG shown to viewers while their camera is away, with the reason in words.
#[napi]
pub fn render_offline_jpeg(width: u32, height: u32, title: String, reason: String) -> Result<Buffer> {
    let (w, h) = (width.clamp(16, 8192) as usize, height.clamp(16, 8192) as usize);
    let mut out = vec![0u8; w * h + 64 * 1024];
    let n = render_offline(&mut Encoder::new(75), w, h, &title, &reason, &mut out).map_err(|e| Error::new(Status::GenericFailure, e.to_string()))?;
    out.truncate(n);
    Ok(out.into())
}

/// TCP_NOTSENT_LOWAT (and SO_SNDBUF when > 0) on one accepted connection of the node transport.
#[napi]
pub fn tune_socket(fd: i32, unsent_limit: u32, send_buffer: u32) -> Result<()> {
    mjpgd_net::sockopt::tune_socket(fd, unsent_limit, send_buffer).map_err(|e| Error::new(Status::GenericFailure, format!("tuning a viewer connection: {e}")))
}

/// Bounds the data the kernel may hold unsent for each connection accepted on `port` (TCP_NOTSENT_LOWAT,
/// plus SO_SNDBUF when `sendBuffer` > 0), by tuning this process's listening socket(s) on that port.
/// Returns how many listening sockets were changed.
#[napi]
pub fn limit_unsent(port: u32, unsent_limit: u32, send_buffer: u32) -> Result<u32> {
    mjpgd_net::sockopt::limit_unsent(port as u16, unsent_limit, send_buffer)
        .map(|n| n as u32)
        .map_err(|e| Error::new(Status::GenericFailure, format!("tuning the listening socket on port {port}: {e}")))
}

/// Writes `chunks` (from byte `skip` on) to a connected socket in one sendmsg, without blocking and
/// without queueing: returns the bytes the kernel took (0 when its buffer is full). The node transport
/// uses it so no queue outside the kernel ever references a capture slot.
#[napi]
pub fn send_chunks(fd: i32, chunks: Vec<BufferSlice>, skip: u32) -> Result<u32> {
    let slices: Vec<&[u8]> = chunks.iter().map(|c| &c[..]).collect();
    mjpgd_net::sockopt::send_vectored(fd, &slices, skip as usize)
        .map(|n| n as u32)
        .map_err(|e| Error::new(Status::GenericFailure, format!("{}: {e}", e.kind())))
}
