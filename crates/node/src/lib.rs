//! N-API binding over mjpgd-capture. Thin by design: conversion of options, events and errors
//! between JS and the capture core, nothing that `cargo test` on the core can't reach.
use mjpgd_capture::capture::Event;
use mjpgd_capture::jpeg::{transform_jpeg as transform_bytes, Encoder, Transform};
use mjpgd_capture::pattern::{render_offline, PatternOptions, PatternSource};
use mjpgd_capture::v4l2::controls::ctl_name;
use mjpgd_capture::v4l2::{set_controls as set_device_controls, Device, DesiredControls, V4l2Options, V4l2Source};
use mjpgd_capture::{Capture, CaptureError, Delivery, Frame, FrameSource, SharedSlots};
use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// How many frame notifications may wait for the JS thread. A busy JS thread makes the capture
/// thread drop frames (counted) instead of queueing stale ones.
const FRAME_QUEUE: usize = 2;

#[napi(object)]
pub struct CameraOptions {
    /// "testpattern" or "v4l2".
    pub source: String,
    /// V4L2 device path (source "v4l2").
    pub device: Option<String>,
    /// "auto", "mjpeg", "yuyv" or "nv12" (source "v4l2").
    pub format: Option<String>,
    pub width: u32,
    pub height: u32,
    pub fps: f64,
    pub quality: u32,
    pub buffers: u32,
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
pub struct SourceInfo {
    pub kind: String,
    pub width: u32,
    pub height: u32,
    pub fps: f64,
    pub format: String,
    pub device: Option<String>,
    pub card: Option<String>,
    pub notes: Vec<String>,
    pub offered: Vec<String>,
    pub buffers: String,
}

#[napi(object)]
pub struct CameraStats {
    pub captured: f64,
    pub invalid: f64,
    pub dropped: f64,
    pub bytes_copied: f64,
    pub leased: u32,
}

type FrameArgs = FnArgs<(u32, u32, u32, f64, f64)>;
type FrameCallback = ThreadsafeFunction<Frame, (), FrameArgs, Status, false, false, FRAME_QUEUE>;
type StatusArgs = FnArgs<(String, String)>;
type StatusCallback = ThreadsafeFunction<Event, (), StatusArgs, Status, false, false, 0>;

/// One camera (or test pattern): its buffer pool and capture thread.
#[napi]
pub struct Camera {
    pending: Option<Box<dyn FrameSource>>,
    slots: Arc<dyn SharedSlots>,
    info: mjpgd_capture::SourceInfo,
    capture: Option<Capture>,
    buffers_wrapped: bool,
    /// Shared with the V4L2 options: what the next (re)open applies after stream-on.
    desired: DesiredControls,
}

fn to_js_error(e: CaptureError) -> Error {
    Error::new(Status::GenericFailure, format!("{}: {}", e.kind.as_str(), e.message))
}

#[napi]
impl Camera {
    /// Opens the source; throws "<kind>: <message>" when it can't.
    #[napi(constructor)]
    pub fn new(options: CameraOptions) -> Result<Camera> {
        let desired: DesiredControls = Default::default();
        *desired.lock().expect("new lock") = desired_of(options.controls.unwrap_or_default());
        let source: Box<dyn FrameSource> = match options.source.as_str() {
            "testpattern" => Box::new(
                PatternSource::new(PatternOptions {
                    width: options.width,
                    height: options.height,
                    fps: options.fps,
                    quality: options.quality.clamp(1, 100) as u8,
                    buffers: options.buffers as usize,
                })
                .map_err(to_js_error)?,
            ),
            "v4l2" => Box::new(
                V4l2Source::open(&V4l2Options {
                    device: options.device.clone().unwrap_or_else(|| "/dev/video0".into()),
                    width: options.width,
                    height: options.height,
                    fps: options.fps,
                    format: options.format.clone().unwrap_or_else(|| "auto".into()),
                    quality: options.quality.clamp(1, 100) as u8,
                    buffers: options.buffers,
                    controls: desired.clone(),
                })
                .map_err(to_js_error)?,
            ),
            other => {
                return Err(Error::new(Status::InvalidArg, format!("invalid_argument: unknown source kind {other:?}")))
            }
        };
        Ok(Camera { slots: source.slots(), info: source.info(), pending: Some(source), capture: None, buffers_wrapped: false, desired })
    }

    /// The pool's slots as Buffers over the source's own memory. Call once: the same memory must
    /// not be wrapped twice (V8 aborts on that).
    #[napi]
    pub fn buffers(&mut self, env: Env) -> Result<Vec<Buffer>> {
        if self.buffers_wrapped {
            return Err(Error::new(Status::GenericFailure, "buffers() may be called only once per camera"));
        }
        self.buffers_wrapped = true;
        (0..self.slots.count())
            .map(|i| {
                let (ptr, len) = self.slots.region(i);
                // The finalizer's hint keeps the pool alive until V8 drops the last view of it.
                let keep_alive = self.slots.clone();
                let slice = unsafe { BufferSlice::from_external(&env, ptr, len, keep_alive, |_, pool| drop(pool))? };
                slice.into_buffer(&env)
            })
            .collect()
    }

    /// Starts capturing. `onFrame(slot, offset, length, seq, timestampUs)` gets each frame's lease;
    /// `onStatus(kind, message)` gets "error" (with "<kind>: <message>") and "recovered".
    #[napi(
        ts_args_type = "onFrame: (slot: number, offset: number, length: number, seq: number, timestampUs: number) => void, onStatus: (kind: 'error' | 'recovered', message: string) => void"
    )]
    pub fn start(&mut self, on_frame: Function<'_, FrameArgs, ()>, on_status: Function<'_, StatusArgs, ()>) -> Result<()> {
        let Some(source) = self.pending.take() else {
            return Err(Error::new(Status::GenericFailure, "camera already started or stopped"));
        };
        let frames: FrameCallback = on_frame
            .build_threadsafe_function::<Frame>()
            .callee_handled::<false>()
            .max_queue_size::<FRAME_QUEUE>()
            .build_callback(|ctx| {
                let f = ctx.value;
                Ok((f.slot, f.offset, f.length, f.seq as f64, f.timestamp_us as f64).into())
            })?;
        let statuses: StatusCallback = on_status
            .build_threadsafe_function::<Event>()
            .callee_handled::<false>()
            .build_callback(|ctx| {
                Ok(match ctx.value {
                    Event::Error(e) => ("error".to_string(), format!("{}: {}", e.kind.as_str(), e.message)),
                    _ => ("recovered".to_string(), String::new()),
                }
                .into())
            })?;
        self.capture = Some(Capture::start(source, move |event| match event {
            Event::Frame(frame) => match frames.call(frame, ThreadsafeFunctionCallMode::NonBlocking) {
                Status::Ok => Delivery::Taken,
                _ => Delivery::Full,
            },
            other => {
                statuses.call(other, ThreadsafeFunctionCallMode::Blocking);
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

    /// Gives a frame's slot back to the source. False if that slot was not leased.
    #[napi]
    pub fn release(&self, slot: u32) -> bool {
        self.slots.release(slot as usize)
    }

    #[napi]
    pub fn info(&self) -> SourceInfo {
        let i = &self.info;
        SourceInfo {
            kind: i.kind.clone(),
            width: i.width,
            height: i.height,
            fps: i.fps,
            format: i.format.clone(),
            device: i.device.clone(),
            card: i.card.clone(),
            notes: i.notes.clone(),
            offered: i.offered.clone(),
            buffers: i.buffers.clone(),
        }
    }

    #[napi]
    pub fn stats(&self) -> CameraStats {
        let load = |c: Option<&std::sync::atomic::AtomicU64>| c.map_or(0.0, |c| c.load(Ordering::Relaxed) as f64);
        let s = self.capture.as_ref().map(|c| c.stats());
        CameraStats {
            captured: load(s.map(|s| &s.captured)),
            invalid: load(s.map(|s| &s.invalid)),
            dropped: load(s.map(|s| &s.dropped)),
            bytes_copied: load(s.map(|s| &s.bytes_copied)),
            leased: self.slots.leased() as u32,
        }
    }

    /// Stops the capture thread (joins it). Idempotent.
    #[napi]
    pub fn stop(&mut self) {
        self.pending = None;
        if let Some(mut c) = self.capture.take() {
            c.stop();
        }
    }
}

#[napi(object)]
pub struct ControlInfo {
    pub id: u32,
    /// As v4l2-ctl spells it ("white_balance_automatic").
    pub name: String,
    /// As the driver names it ("White Balance, Automatic").
    pub label: String,
    /// V4L2 control type: 1 integer, 2 boolean, 3 menu, 4 button, 9 integer menu, ...
    pub kind: u32,
    pub minimum: i32,
    pub maximum: i32,
    pub step: i32,
    pub default: i32,
    pub value: Option<i32>,
    /// V4L2_CTRL_FLAG_* (4 read-only, 16 inactive, ...).
    pub flags: u32,
    /// Menu controls: the valid values with their labels.
    pub menu: Option<Vec<ControlMenuItem>>,
}

#[napi(object)]
pub struct ControlMenuItem {
    pub value: i32,
    pub label: String,
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
pub fn list_controls(device: String) -> Result<Vec<ControlInfo>> {
    let dev = Device::open(&device).map_err(to_js_error)?;
    Ok(dev
        .controls()
        .into_iter()
        .map(|c| ControlInfo {
            id: c.id,
            name: ctl_name(&c.name),
            label: c.name,
            kind: c.kind,
            flags: c.flags,
            menu: (!c.menu.is_empty()).then(|| c.menu.into_iter().map(|m| ControlMenuItem { value: m.value, label: m.label }).collect()),
            minimum: c.minimum,
            maximum: c.maximum,
            step: c.step,
            default: c.default,
            value: c.value,
        })
        .collect())
}

/// Sets a control by name (case and punctuation ignored) and returns the value the driver kept.
#[napi]
pub fn set_control(device: String, name: String, value: i32) -> Result<i32> {
    Device::open(&device).and_then(|dev| dev.set_control_named(&name, value)).map_err(to_js_error)
}

/// Sets several controls at once: all are checked first (unknown name, out of range → throws
/// "invalid_argument: ..." naming the control and what it accepts, nothing set); if the driver then
/// refuses one, the ones set before it are restored and the error names it.
#[napi]
pub fn set_controls(device: String, controls: Vec<ControlValue>) -> Result<Vec<ControlSet>> {
    let dev = Device::open(&device).map_err(to_js_error)?;
    let done = set_device_controls(&dev, &desired_of(controls)).map_err(to_js_error)?;
    Ok(done.into_iter().map(|(c, value)| ControlSet { name: ctl_name(&c.name), id: c.id, value }).collect())
}

/// `jpeg` rotated or flipped without re-encoding (TurboJPEG, DCT domain): `op` is one of none,
/// rotate90, rotate180, rotate270, fliph, flipv, transpose, transverse. Throws
/// "invalid_argument: ..." for an unknown op or a JPEG TurboJPEG can't read.
#[napi]
pub fn transform_jpeg(jpeg: BufferSlice, op: String) -> Result<Buffer> {
    let t = Transform::parse(&op).ok_or_else(|| Error::new(Status::InvalidArg, format!("invalid_argument: unknown transform {op:?}")))?;
    transform_bytes(&jpeg, t).map(Buffer::from).map_err(|e| Error::new(Status::InvalidArg, format!("invalid_argument: {e}")))
}

/// The JPEG shown to viewers while their camera is away, with the reason in words.
#[napi]
pub fn render_offline_jpeg(width: u32, height: u32, title: String, reason: String) -> Result<Buffer> {
    let (w, h) = (width.clamp(16, 8192) as usize, height.clamp(16, 8192) as usize);
    let mut out = vec![0u8; w * h + 64 * 1024];
    let n = render_offline(&mut Encoder::new(75), w, h, &title, &reason, &mut out)
        .map_err(|e| Error::new(Status::GenericFailure, e.to_string()))?;
    out.truncate(n);
    Ok(out.into())
}

/// TCP_NOTSENT_LOWAT (and SO_SNDBUF when > 0) on one accepted connection of the node transport.
#[napi]
pub fn tune_socket(fd: i32, unsent_limit: u32, send_buffer: u32) -> Result<()> {
    mjpgd_capture::sockopt::tune_socket(fd, unsent_limit, send_buffer)
        .map_err(|e| Error::new(Status::GenericFailure, format!("tuning a viewer connection: {e}")))
}

/// Bounds the data the kernel may hold unsent for each connection accepted on `port` (TCP_NOTSENT_LOWAT,
/// plus SO_SNDBUF when `sendBuffer` > 0), by tuning this process's listening socket(s) on that port.
/// Returns how many listening sockets were changed.
#[napi]
pub fn limit_unsent(port: u32, unsent_limit: u32, send_buffer: u32) -> Result<u32> {
    mjpgd_capture::sockopt::limit_unsent(port as u16, unsent_limit, send_buffer)
        .map(|n| n as u32)
        .map_err(|e| Error::new(Status::GenericFailure, format!("tuning the listening socket on port {port}: {e}")))
}

/// Writes `chunks` (from byte `skip` on) to a connected socket in one sendmsg, without blocking and
/// without queueing: returns the bytes the kernel took (0 when its buffer is full). The node transport
/// uses it so no queue outside the kernel ever references a capture slot.
#[napi]
pub fn send_chunks(fd: i32, chunks: Vec<BufferSlice>, skip: u32) -> Result<u32> {
    let slices: Vec<&[u8]> = chunks.iter().map(|c| &c[..]).collect();
    mjpgd_capture::sockopt::send_vectored(fd, &slices, skip as usize)
        .map(|n| n as u32)
        .map_err(|e| Error::new(Status::GenericFailure, format!("{}: {e}", e.kind())))
}
