//! N-API binding over mjpgd-capture. Thin by design: conversion of options, events and errors
//! between JS and the capture core, nothing that `cargo test` on the core can't reach.
use mjpgd_capture::capture::Event;
use mjpgd_capture::pattern::{PatternOptions, PatternSource};
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
    /// "testpattern" (more kinds come with the V4L2 source).
    pub source: String,
    pub width: u32,
    pub height: u32,
    pub fps: f64,
    pub quality: u32,
    pub buffers: u32,
}

#[napi(object)]
pub struct SourceInfo {
    pub kind: String,
    pub width: u32,
    pub height: u32,
    pub fps: f64,
    pub format: String,
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
}

fn to_js_error(e: CaptureError) -> Error {
    Error::new(Status::GenericFailure, format!("{}: {}", e.kind.as_str(), e.message))
}

#[napi]
impl Camera {
    /// Opens the source; throws "<kind>: <message>" when it can't.
    #[napi(constructor)]
    pub fn new(options: CameraOptions) -> Result<Camera> {
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
            other => {
                return Err(Error::new(Status::InvalidArg, format!("invalid_argument: unknown source kind {other:?}")))
            }
        };
        Ok(Camera { slots: source.slots(), info: source.info(), pending: Some(source), capture: None, buffers_wrapped: false })
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

    /// Gives a frame's slot back to the source. False if that slot was not leased.
    #[napi]
    pub fn release(&self, slot: u32) -> bool {
        self.slots.release(slot as usize)
    }

    #[napi]
    pub fn info(&self) -> SourceInfo {
        let i = &self.info;
        SourceInfo { kind: i.kind.clone(), width: i.width, height: i.height, fps: i.fps, format: i.format.clone() }
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
