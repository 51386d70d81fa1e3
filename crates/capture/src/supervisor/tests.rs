use super::*;
use crate::jpeg::{frame_size, FrameSize};
use crate::pattern::PatternOptions;
use crate::source::SharedSlots;
use crate::v4l2::V4l2Options;
use std::sync::mpsc::Receiver;

fn pattern(width: u32, height: u32) -> SourceSpec {
    SourceSpec::Pattern(PatternOptions { width, height, fps: 100.0, quality: 70, buffers: 3 })
}

/// A supervisor whose frames are released at once; every event (frames included) is forwarded.
fn start(spec: SourceSpec, opts: SupervisorOptions) -> (Supervisor, Receiver<Event>) {
    let (tx, rx) = mpsc::channel();
    let mut slots: Option<Arc<dyn SharedSlots>> = None;
    let sup = Supervisor::start(spec, opts, move |ev| {
        match &ev {
            Event::Opened { slots: s, .. } => slots = Some(s.clone()),
            Event::Frame { frame, .. } => assert!(slots.as_ref().unwrap().release(frame.slot as usize)),
            _ => {}
        }
        let _ = tx.send(ev);
        Delivery::Taken
    });
    (sup, rx)
}

/// The next event `pick` accepts, skipping others; panics after 10 s.
fn next<T>(rx: &Receiver<Event>, what: &str, mut pick: impl FnMut(&Event) -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(10);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(ev) => {
                if let Some(v) = pick(&ev) {
                    return v;
                }
            }
            Err(_) => break,
        }
    }
    panic!("no {what} event");
}

fn frame_of(ev: &Event) -> Option<(u32, u64)> {
    match ev {
        Event::Frame { generation, frame } => Some((*generation, frame.seq)),
        _ => None,
    }
}

#[test]
fn opens_then_streams_frames_in_sequence() {
    let (mut sup, rx) = start(pattern(160, 120), SupervisorOptions::default());
    let generation = next(&rx, "opened", |e| match e {
        Event::Opened { generation, info, .. } => Some((*generation, info.width)),
        _ => None,
    });
    assert_eq!(generation, (1, 160));
    let a = next(&rx, "frame", frame_of);
    let b = next(&rx, "frame", frame_of);
    assert_eq!(a.0, 1);
    assert!(b.1 > a.1);
    sup.stop();
}

#[test]
fn pause_closes_the_source_shows_a_picture_and_resume_reopens() {
    let (mut sup, rx) = start(pattern(160, 120), SupervisorOptions { warmup: 2, ..Default::default() });
    let (_, before) = next(&rx, "frame", frame_of);
    sup.send(Command::Pause);
    next(&rx, "paused", |e| matches!(e, Event::Paused).then_some(()));
    let (jpeg, seq) = next(&rx, "paused picture", |e| match e {
        Event::Picture { kind: PictureKind::Paused, jpeg, seq, .. } => Some((jpeg.clone(), *seq)),
        Event::Frame { .. } => panic!("no camera frame while paused"),
        _ => None,
    });
    assert!(seq > before, "pictures continue the frames' sequence");
    assert_eq!(frame_size(&jpeg), Some(FrameSize { width: 160, height: 120 }));
    sup.send(Command::Resume);
    next(&rx, "resumed", |e| matches!(e, Event::Resumed).then_some(()));
    let generation = next(&rx, "reopened", |e| match e {
        Event::Opened { generation, .. } => Some(*generation),
        _ => None,
    });
    assert_eq!(generation, 2);
    let (g, after) = next(&rx, "frame after resume", frame_of);
    assert_eq!(g, 2);
    assert!(after > seq);
    sup.stop();
}

#[test]
fn a_still_at_another_size_switches_once_and_the_stream_comes_back() {
    let (mut sup, rx) = start(pattern(160, 120), SupervisorOptions { warmup: 1, ..Default::default() });
    next(&rx, "frame", frame_of);
    sup.send(Command::Still { id: 7, width: 320, height: 240 });
    let still = next(&rx, "still", |e| match e {
        Event::Still { id: 7, result } => Some(result.clone().unwrap()),
        _ => None,
    });
    assert_eq!((still.width, still.height), (320, 240));
    assert_eq!(frame_size(&still.jpeg), Some(FrameSize { width: 320, height: 240 }));
    assert_eq!(sup.still_switches(), 1);
    let (g, _) = next(&rx, "stream frame after the still", frame_of);
    assert_eq!(g, 2, "the stream was reopened at its own size");
    sup.stop();
}

#[test]
fn a_missing_device_gives_up_after_max_restarts_with_the_reason() {
    let spec = SourceSpec::V4l2(V4l2Options::for_device("/dev/video-does-not-exist"));
    let (mut sup, rx) = start(spec, SupervisorOptions { max_restarts: Some(2), ..Default::default() });
    let first = next(&rx, "failed", |e| match e {
        Event::Failed { error, attempt, .. } => Some((error.kind, *attempt)),
        _ => None,
    });
    assert_eq!(first, (CaptureErrorKind::NotFound, 1));
    next(&rx, "offline picture", |e| matches!(e, Event::Picture { kind: PictureKind::Offline, .. }).then_some(()));
    let (error, attempts) = next(&rx, "gave up", |e| match e {
        Event::GaveUp { error, attempts } => Some((error.clone(), *attempts)),
        _ => None,
    });
    assert_eq!(attempts, 2);
    assert!(error.message.contains("does not exist"), "{}", error.message);
    sup.stop();
}

#[test]
fn idle_release_closes_without_viewers_and_demand_reopens() {
    let opts = SupervisorOptions { idle_release: Some(Duration::from_millis(300)), warmup: 1, ..Default::default() };
    let (mut sup, rx) = start(pattern(160, 120), opts);
    next(&rx, "frame", frame_of);
    next(&rx, "released", |e| matches!(e, Event::Released).then_some(()));
    sup.send(Command::Demand);
    let generation = next(&rx, "reopened", |e| match e {
        Event::Opened { generation, .. } => Some(*generation),
        _ => None,
    });
    assert_eq!(generation, 2);
    // With a viewer the camera stays open past the idle time.
    sup.set_viewers(1);
    let (g, _) = next(&rx, "frame", frame_of);
    assert_eq!(g, 2);
    std::thread::sleep(Duration::from_millis(500));
    for e in rx.try_iter() {
        assert!(!matches!(e, Event::Released), "released while a viewer watches");
    }
    let (g, _) = next(&rx, "frame while watched", frame_of);
    assert_eq!(g, 2);
    sup.stop();
}

#[test]
fn frames_a_full_consumer_refuses_are_counted_dropped_and_their_slots_go_back() {
    let (tx, rx) = mpsc::channel();
    let mut slots: Option<Arc<dyn SharedSlots>> = None;
    let mut sup = Supervisor::start(pattern(160, 120), SupervisorOptions::default(), move |ev| match ev {
        Event::Opened { slots: s, .. } => {
            slots = Some(s);
            Delivery::Taken
        }
        Event::Frame { .. } => {
            let _ = tx.send(slots.as_ref().unwrap().leased());
            Delivery::Full
        }
        _ => Delivery::Taken,
    });
    // Twice the pool's 3 slots: only slots given back let the source go on.
    let leased: Vec<usize> = (0..6).map(|_| rx.recv_timeout(Duration::from_secs(10)).expect("a frame")).collect();
    assert_eq!(leased, vec![1; 6], "each frame's slot is leased while offered, and back before the next");
    sup.stop();
    assert!(sup.stats().dropped.load(Ordering::Relaxed) >= 6);
}
