//! A V4L2 camera as a frame source: MJPEG passed through from the driver's buffers without a copy,
//! raw formats encoded once per frame into the shared pool.
use super::buffers::DriverBuffers;
use super::controls::{apply_controls, DesiredControls};
use super::device::{Device, DeviceFormat};
use super::raw::raw_planes;
use super::sys::*;
use crate::frame::{now_us, Frame};
use crate::jpeg::{find_end, has_huffman_tables, insert_huffman_tables, Encoder, Planes, HUFFMAN_SEGMENTS_LEN};
use crate::pool::{SlotPool, HEADROOM, TAILROOM};
use crate::source::{CaptureError, CaptureErrorKind, CaptureStats, FrameSource, SharedSlots, SourceInfo};
use std::os::fd::AsRawFd;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct V4l2Options {
    pub device: String,
    pub width: u32,
    pub height: u32,
    pub fps: f64,
    /// "auto", "mjpeg", "yuyv" or "nv12".
    pub format: String,
    pub quality: u8,
    pub buffers: u32,
    /// Drivers (by the name QUERYCAP reports, case and punctuation ignored) whose buffers can't be
    /// leased: the writer may overwrite a buffer a reader still holds. v4l2loopback always is one.
    pub copy_drivers: Vec<String>,
    /// Control values applied after every stream-on of this device. An Arc: clones of these options
    /// (the supervisor reopens the camera from its spec) share it, so every reopen applies the values
    /// last set over HTTP (the binding's Camera.setDesiredControls changes them).
    pub controls: DesiredControls,
}

#[cfg(test)]
impl V4l2Options {
    /// mjpgd's defaults (640x480 at 30 fps, auto format) for `device`, for tests.
    pub(crate) fn for_device(device: &str) -> V4l2Options {
        V4l2Options {
            device: device.into(),
            width: 640,
            height: 480,
            fps: 30.0,
            format: "auto".into(),
            quality: 80,
            buffers: 4,
            copy_drivers: vec![],
            controls: Default::default(),
        }
    }
}

/// Drivers known not to honour V4L2 buffer ownership (v4l2loopback reports "v4l2 loopback").
const COPY_DRIVERS: [&str; 1] = ["v4l2loopback"];

/// "v4l2 loopback", "V4L2-Loopback" → "v4l2loopback".
fn driver_key(name: &str) -> String {
    name.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}

/// Whether frames of `driver` must be copied out of its buffers at dequeue.
pub fn must_copy(driver: &str, extra: &[String]) -> bool {
    let key = driver_key(driver);
    COPY_DRIVERS.iter().any(|d| *d == key) || extra.iter().any(|d| driver_key(d) == key)
}

const MJPG: u32 = fourcc(b"MJPG");
const JPEG: u32 = fourcc(b"JPEG");
const YUYV: u32 = fourcc(b"YUYV");
const NV12: u32 = fourcc(b"NV12");
/// Smaller than any real JPEG frame: headers alone take more.
const MIN_JPEG: usize = 125;

/// Slots 0..n are the driver's buffers; n.. are the pool's (encoded frames, and MJPEG frames that
/// needed their Huffman tables added).
struct V4l2Slots {
    driver: DriverBuffers,
    pool: Option<Arc<SlotPool>>,
}

impl V4l2Slots {
    fn pool(&self) -> &SlotPool {
        self.pool.as_ref().expect("every V4L2 source has a pool")
    }
}

impl SharedSlots for V4l2Slots {
    fn count(&self) -> usize {
        self.driver.count() + self.pool.as_ref().map_or(0, |p| p.len())
    }
    fn region(&self, slot: usize) -> (*mut u8, usize) {
        let n = self.driver.count();
        match &self.pool {
            Some(p) if slot >= n => (p.slot_ptr(slot - n), p.capacity()),
            _ => self.driver.region(slot),
        }
    }
    fn release(&self, slot: usize) -> bool {
        let n = self.driver.count();
        match &self.pool {
            Some(p) if slot >= n => p.release(slot - n),
            _ => self.driver.release(slot),
        }
    }
    fn leased(&self) -> usize {
        self.driver.leased_count() + self.pool.as_ref().map_or(0, |p| p.leased())
    }
}

pub struct V4l2Source {
    dev: Device,
    format: DeviceFormat,
    slots: Arc<V4l2Slots>,
    encoder: Option<(Encoder, Planes)>,
    info: SourceInfo,
    /// Software rate limit when the driver can't set the requested rate (µs between frames).
    min_interval_us: u64,
    last_delivered_us: u64,
    silence_ms: i32,
    seq: u64,
    failed: Option<CaptureError>,
    /// MJPEG frames are copied into the pool at dequeue and the driver's buffer re-queued at once
    /// (drivers that don't honour buffer ownership); JS then never holds driver memory.
    copy: bool,
}

fn pick_format(offered: &[u32], wanted: &str, path: &str) -> Result<u32, CaptureError> {
    let names = || offered.iter().map(|&f| fourcc_name(f)).collect::<Vec<_>>().join(", ");
    let choice = match wanted {
        "auto" => [MJPG, JPEG, YUYV, NV12].into_iter().find(|f| offered.contains(f)),
        "mjpeg" => [MJPG, JPEG].into_iter().find(|f| offered.contains(f)),
        "yuyv" => offered.contains(&YUYV).then_some(YUYV),
        "nv12" => offered.contains(&NV12).then_some(NV12),
        other => return Err(CaptureError::new(CaptureErrorKind::InvalidArgument, format!("format {other:?} is not one of auto, mjpeg, yuyv, nv12"))),
    };
    choice.ok_or_else(|| {
        CaptureError::new(CaptureErrorKind::Unsupported, format!("{path} offers {} — none usable as {wanted} (mjpgd reads MJPG, JPEG, YUYV, NV12)", names()))
    })
}

/// With format "auto", the size can decide: a format that has exactly `size` (MJPEG first), else
/// when `size` is beyond every offered size (a still at "max"), the format with the largest one. None:
/// no discrete sizes help; the usual preference applies. `offered` pairs each format with its sizes.
fn pick_format_for_size(offered: &[(u32, Vec<(u32, u32)>)], size: (u32, u32)) -> Option<u32> {
    let usable = || [MJPG, JPEG, YUYV, NV12].into_iter().filter_map(|f| offered.iter().find(|(o, _)| *o == f));
    if let Some((f, _)) = usable().find(|(_, sizes)| sizes.contains(&size)) {
        return Some(*f);
    }
    let area = |&(w, h): &(u32, u32)| w as u64 * h as u64;
    let largest = |sizes: &Vec<(u32, u32)>| sizes.iter().map(area).max().unwrap_or(0);
    let beyond_all = usable().all(|(_, sizes)| sizes.iter().all(|s| s.0 < size.0 && s.1 < size.1));
    if !beyond_all {
        return None;
    }
    // Preference order wins ties: max_by_key keeps the last maximum, so walk it reversed.
    let best = usable().collect::<Vec<_>>().into_iter().rev().max_by_key(|(_, sizes)| largest(sizes))?;
    (largest(&best.1) > 0).then_some(best.0)
}

/// One line per format: its discrete sizes, and for the format in use the rates at the chosen size.
fn describe_modes(dev: &Device, formats: &[u32], chosen: &DeviceFormat) -> Vec<String> {
    formats
        .iter()
        .map(|&f| {
            let sizes = dev.frame_sizes(f).iter().map(|(w, h)| format!("{w}x{h}")).collect::<Vec<_>>();
            let mut line = format!("{}: {}", fourcc_name(f), if sizes.is_empty() { "any size".to_string() } else { sizes.join(", ") });
            if f == chosen.fourcc {
                let rates = dev.frame_rates(f, chosen.width, chosen.height);
                if !rates.is_empty() {
                    let rates = rates.iter().map(|r| format!("{}", (r * 100.0).round() / 100.0)).collect::<Vec<_>>();
                    line += &format!("; at {}x{}: {} fps", chosen.width, chosen.height, rates.join(", "));
                }
            }
            line
        })
        .collect()
}

impl V4l2Source {
    pub fn open(opts: &V4l2Options) -> Result<V4l2Source, CaptureError> {
        let dev = Device::open(&opts.device)?;
        let formats = dev.formats();
        let by_size = || {
            let offered: Vec<_> = formats.iter().map(|&f| (f, dev.frame_sizes(f))).collect();
            pick_format_for_size(&offered, (opts.width, opts.height))
        };
        // A size only some formats have (often: the largest ones only raw) picks among them.
        let fourcc = match (opts.format.as_str(), pick_format(&formats, &opts.format, &opts.device)?) {
            ("auto", default) => by_size().unwrap_or(default),
            (_, chosen) => chosen,
        };
        let format = dev.set_format(opts.width, opts.height, fourcc)?;
        if format.fourcc != fourcc {
            return Err(CaptureError::new(
                CaptureErrorKind::Unsupported,
                format!("{}: asked for {}, the driver set {}", opts.device, fourcc_name(fourcc), fourcc_name(format.fourcc)),
            ));
        }
        let mut notes = vec![];
        if (format.width, format.height) != (opts.width, opts.height) {
            notes.push(format!("requested {}x{}, got {}x{}", opts.width, opts.height, format.width, format.height));
        }
        let driver_rate = dev.set_rate(opts.fps)?;
        let mut min_interval_us = 0;
        let fps = match driver_rate {
            Some(r) => {
                if (r - opts.fps).abs() > 0.01 {
                    notes.push(format!("requested {} fps, the driver set {r} fps", opts.fps));
                }
                r
            }
            None => {
                min_interval_us = (1e6 / opts.fps * 0.95) as u64;
                notes.push(format!("the driver can't set a frame rate: running at its own rate, dropping evenly to at most {} fps", opts.fps));
                opts.fps
            }
        };
        let passthrough = format.fourcc == MJPG || format.fourcc == JPEG;
        let copy = passthrough && must_copy(&dev.driver, &opts.copy_drivers);
        let count = opts.buffers.clamp(2, 32);
        // USERPTR buffers with headroom where the driver supports them (an MJPEG part then leaves in
        // one write), else the driver's own MMAP buffers.
        let driver = DriverBuffers::user(&dev, count, format.size_image as usize).or_else(|_| DriverBuffers::map(&dev, count))?;
        let (w, h) = (format.width as usize, format.height as usize);
        let encoder = (!passthrough).then(|| (Encoder::new(opts.quality), raw_planes(w, h, if format.fourcc == NV12 { 2 } else { 1 })));
        // Zero-copy passthrough needs the pool only for frames missing their Huffman tables, so a
        // small one; copying passthrough puts every frame there.
        let (pool_slots, pool_bytes) = if copy {
            (count as usize, format.size_image as usize + HUFFMAN_SEGMENTS_LEN)
        } else if passthrough {
            (2, format.size_image as usize + HUFFMAN_SEGMENTS_LEN)
        } else {
            (opts.buffers.clamp(2, 32) as usize, w * h * 2 + 4096)
        };
        let pool = Some(Arc::new(SlotPool::new(pool_slots, HEADROOM + pool_bytes + TAILROOM)));
        let in_our_memory = driver.memory() == Memory::UserPtr;
        if copy {
            notes.push(format!("driver {:?} does not honour buffer ownership: each frame is copied once at dequeue", dev.driver));
        } else if passthrough && !in_our_memory {
            notes.push("the driver has no USERPTR buffers: each part goes out as header + JPEG (two writes)".into());
        }
        // What JS may hold before the camera starves: the driver's granted buffers when frames are
        // leased from them, else the pool.
        let pool_size = if passthrough && !copy { driver.count() } else { pool.as_ref().map_or(0, |p| p.len()) };
        let slots = Arc::new(V4l2Slots { driver, pool });
        for i in 0..slots.driver.count() as u32 {
            slots.driver.queue(&dev, i)?;
        }
        let mut t: i32 = BUF_TYPE_VIDEO_CAPTURE as i32;
        xioctl(dev.fd(), VIDIOC_STREAMON, &mut t).map_err(|e| dev.error("VIDIOC_STREAMON", e))?;
        // After stream-on: some UVC cameras ignore focus and exposure set before it.
        let wanted = opts.controls.lock().map(|c| c.clone()).unwrap_or_default();
        for outcome in apply_controls(&dev, &wanted) {
            if let Err(why) = outcome.result {
                notes.push(format!("control {}: {why}", outcome.asked));
            }
        }
        let info = SourceInfo {
            kind: "v4l2".into(),
            width: format.width,
            height: format.height,
            fps,
            format: fourcc_name(format.fourcc),
            device: Some(opts.device.clone()),
            card: Some(dev.card.clone()),
            notes,
            offered: describe_modes(&dev, &formats, &format),
            buffers: Some(slots.driver.memory()),
            pool_size: pool_size as u32,
            copied: copy,
        };
        // A camera that sends nothing for this long is reported, not waited on forever.
        let silence_ms = ((4000.0 / fps.max(0.1)) as i32).max(2000);
        Ok(V4l2Source { dev, format, slots, encoder, info, min_interval_us, last_delivered_us: 0, silence_ms, seq: 0, failed: None, copy })
    }

    fn requeue(&self, index: u32) -> Result<(), CaptureError> {
        self.slots.driver.queue(&self.dev, index)
    }

    fn requeue_released(&self) -> Result<(), CaptureError> {
        for index in self.slots.driver.take_released() {
            self.requeue(index)?;
        }
        Ok(())
    }

    /// Waits for the camera (or a release from JS). Ok(false) = woken without a frame.
    fn wait(&self) -> Result<bool, CaptureError> {
        let mut fds = [
            libc::pollfd { fd: self.dev.fd().as_raw_fd(), events: libc::POLLIN, revents: 0 },
            libc::pollfd { fd: self.slots.driver.wake_fd().as_raw_fd(), events: libc::POLLIN, revents: 0 },
        ];
        // Short slices so a stop request is noticed quickly; silence is measured across them.
        // SAFETY: `fds` is a live array of the 2 entries passed; both descriptors are borrowed from
        // owners that outlive the call.
        let r = unsafe { libc::poll(fds.as_mut_ptr(), 2, 200) };
        if r < 0 {
            let e = std::io::Error::last_os_error();
            return if e.raw_os_error() == Some(libc::EINTR) { Ok(false) } else { Err(self.dev.error("poll", e)) };
        }
        if fds[0].revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0 && fds[0].revents & libc::POLLIN == 0 {
            // POLLERR with every buffer leased just means "nothing queued"; otherwise the device is gone.
            if self.slots.driver.leased_count() < self.slots.driver.count() {
                return Err(CaptureError::new(CaptureErrorKind::DeviceGone, format!("{} stopped delivering frames (unplugged?)", self.dev.path)));
            }
            return Ok(false);
        }
        Ok(fds[0].revents & libc::POLLIN != 0)
    }

    fn dequeue(&self) -> Result<Option<v4l2_buffer>, CaptureError> {
        let mut b = self.slots.driver.query(0);
        // SAFETY: a single-planar buffer of our set; DQBUF fills the struct and follows no pointer in
        // it (a USERPTR buffer's address is ours, see DriverBuffers::queue).
        match unsafe { xioctl_ptr(self.dev.fd(), VIDIOC_DQBUF, &mut b) } {
            Ok(()) => Ok(Some(b)),
            Err(e) if e.raw_os_error() == Some(libc::EAGAIN) => Ok(None),
            Err(e) => Err(self.dev.error("VIDIOC_DQBUF", e)),
        }
    }

    fn deliver(&mut self, b: v4l2_buffer, stats: &CaptureStats) -> Result<Option<Frame>, CaptureError> {
        let now = now_us();
        if b.flags & BUF_FLAG_ERROR != 0 {
            CaptureStats::add(&stats.invalid, 1);
            self.requeue(b.index)?;
            return Ok(None);
        }
        if self.min_interval_us > 0 && now.saturating_sub(self.last_delivered_us) < self.min_interval_us {
            self.requeue(b.index)?;
            return Ok(None);
        }
        let seq = self.seq;
        // Taken out for the duration so the encoder and `self`'s helpers can be used together.
        let mut encoder = self.encoder.take();
        let frame = self.make_frame(&mut encoder, b, seq, now, stats);
        self.encoder = encoder;
        let Some(frame) = frame? else { return Ok(None) };
        self.seq += 1;
        self.last_delivered_us = now;
        CaptureStats::add(&stats.captured, 1);
        Ok(Some(frame))
    }

    fn make_frame(
        &self,
        encoder: &mut Option<(Encoder, Planes)>,
        b: v4l2_buffer,
        seq: u64,
        now: u64,
        stats: &CaptureStats,
    ) -> Result<Option<Frame>, CaptureError> {
        let index = b.index as usize;
        // SAFETY: buffer `index` was just dequeued, so the driver is done with it; below, it is leased
        // to JS or re-queued only after the last use of `data`.
        let data = unsafe { self.slots.driver.bytes(index, b.bytesused as usize) };
        let Some((encoder, planes)) = encoder else {
            // Drivers may claim the whole buffer as used: the JPEG ends at its EOI marker.
            return match find_end(data) {
                Some(len) if len >= MIN_JPEG && self.copy => self.copied(&data[..len], b.index, seq, now, stats),
                Some(len) if len >= MIN_JPEG && has_huffman_tables(&data[..len]) => {
                    self.slots.driver.lease(index);
                    let offset = self.slots.driver.data_offset() as u32;
                    Ok(Some(Frame { slot: b.index, offset, length: len as u32, seq, timestamp_us: now }))
                }
                Some(len) if len >= MIN_JPEG => self.with_huffman_tables(&data[..len], b.index, seq, now, stats),
                _ => {
                    CaptureStats::add(&stats.invalid, 1);
                    self.requeue(b.index)?;
                    Ok(None)
                }
            };
        };
        let ok = if self.format.fourcc == NV12 {
            planes.fill_nv12(data, self.format.bytes_per_line as usize)
        } else {
            planes.fill_yuyv(data, self.format.bytes_per_line as usize)
        };
        self.requeue(b.index)?;
        if !ok {
            CaptureStats::add(&stats.invalid, 1);
            return Ok(None);
        }
        let Some(mut claim) = self.slots.pool().claim() else {
            CaptureStats::add(&stats.dropped, 1);
            return Ok(None);
        };
        match encoder.encode(&planes.image(), claim.room()) {
            Ok(len) => Ok(Some(self.pool_frame(claim.lease(len, seq, now)))),
            Err(e) => Err(CaptureError::new(CaptureErrorKind::Io, format!("encoding {} frame: {e}", fourcc_name(self.format.fourcc)))),
        }
    }

    /// A frame leased from the pool, named by its slot among all of this source's slots.
    fn pool_frame(&self, frame: Frame) -> Frame {
        Frame { slot: (self.slots.driver.count() as u32) + frame.slot, ..frame }
    }

    /// A frame from a driver that doesn't honour buffer ownership: copied once into the pool (with
    /// the standard Huffman tables added if missing), the driver's buffer re-queued at once.
    fn copied(&self, jpeg: &[u8], index: u32, seq: u64, now: u64, stats: &CaptureStats) -> Result<Option<Frame>, CaptureError> {
        if !has_huffman_tables(jpeg) {
            return self.with_huffman_tables(jpeg, index, seq, now, stats);
        }
        self.write_to_pool(jpeg.len(), index, seq, now, stats, |room| {
            // None (too big for the slot) counts the frame invalid.
            room.get_mut(..jpeg.len())?.copy_from_slice(jpeg);
            Some(jpeg.len())
        })
    }

    /// A UVC-style frame without Huffman tables: copied into the pool with the standard tables added
    /// (browsers can't decode it otherwise). The driver's buffer goes straight back.
    fn with_huffman_tables(&self, jpeg: &[u8], index: u32, seq: u64, now: u64, stats: &CaptureStats) -> Result<Option<Frame>, CaptureError> {
        self.write_to_pool(jpeg.len(), index, seq, now, stats, |room| insert_huffman_tables(jpeg, room))
    }

    /// Writes a frame of `copied` bytes from driver buffer `index` into a pool slot with `write` (the
    /// JPEG's length, or None when it doesn't fit or is malformed: counted invalid), re-queues the
    /// driver's buffer, and leases the slot. No free slot: the frame is dropped (counted).
    fn write_to_pool(
        &self,
        copied: usize,
        index: u32,
        seq: u64,
        now: u64,
        stats: &CaptureStats,
        write: impl FnOnce(&mut [u8]) -> Option<usize>,
    ) -> Result<Option<Frame>, CaptureError> {
        let written = self.slots.pool().claim().map(|mut claim| {
            let len = write(claim.room());
            (claim, len)
        });
        self.requeue(index)?;
        match written {
            Some((claim, Some(len))) => {
                CaptureStats::add(&stats.bytes_copied, copied as u64);
                Ok(Some(self.pool_frame(claim.lease(len, seq, now))))
            }
            // Dropping the claim frees the slot.
            Some((_, None)) => {
                CaptureStats::add(&stats.invalid, 1);
                Ok(None)
            }
            None => {
                CaptureStats::add(&stats.dropped, 1);
                Ok(None)
            }
        }
    }
}

impl FrameSource for V4l2Source {
    fn info(&self) -> SourceInfo {
        self.info.clone()
    }

    fn slots(&self) -> Arc<dyn SharedSlots> {
        self.slots.clone()
    }

    fn next_frame(&mut self, stop: &AtomicBool, stats: &CaptureStats) -> Result<Option<Frame>, CaptureError> {
        // A failed device stays failed: whoever owns the source reopens it.
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let result = (|| {
            let started = std::time::Instant::now();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                self.requeue_released()?;
                if let Some(b) = self.dequeue()? {
                    return self.deliver(b, stats);
                }
                if !self.wait()? && started.elapsed().as_millis() as i32 > self.silence_ms {
                    return Err(CaptureError::new(CaptureErrorKind::Timeout, format!("{} sent no frame for {} s", self.dev.path, self.silence_ms / 1000)));
                }
            }
            Ok(None)
        })();
        if let Err(e) = &result {
            if e.kind != CaptureErrorKind::Timeout {
                self.failed = Some(e.clone());
            }
        }
        result
    }
}

impl Drop for V4l2Source {
    fn drop(&mut self) {
        let mut t: i32 = BUF_TYPE_VIDEO_CAPTURE as i32;
        let _ = xioctl(self.dev.fd(), VIDIOC_STREAMOFF, &mut t);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_choice_prefers_mjpeg_and_explains_refusals() {
        assert_eq!(pick_format(&[YUYV, MJPG], "auto", "/dev/video0").unwrap(), MJPG);
        assert_eq!(pick_format(&[YUYV, NV12], "auto", "/dev/video0").unwrap(), YUYV);
        assert_eq!(pick_format(&[YUYV, MJPG], "yuyv", "/dev/video0").unwrap(), YUYV);
        let e = pick_format(&[fourcc(b"RGB3")], "auto", "/dev/video0").unwrap_err();
        assert_eq!(e.kind, CaptureErrorKind::Unsupported);
        assert!(e.message.contains("RGB3"), "{}", e.message);
        assert_eq!(pick_format(&[YUYV], "h264", "/dev/video0").unwrap_err().kind, CaptureErrorKind::InvalidArgument);
    }

    #[test]
    fn auto_format_follows_the_size_asked_for() {
        let offered = vec![(YUYV, vec![(640, 480), (1280, 720), (2592, 1944)]), (MJPG, vec![(640, 480), (1280, 720)])];
        assert_eq!(pick_format_for_size(&offered, (1280, 720)), Some(MJPG), "both have it: MJPEG");
        assert_eq!(pick_format_for_size(&offered, (2592, 1944)), Some(YUYV), "only raw has it");
        assert_eq!(pick_format_for_size(&offered, (8192, 8192)), Some(YUYV), "max: the format with the largest size");
        assert_eq!(pick_format_for_size(&offered, (1000, 700)), None, "no exact size: the usual preference");
        let same = vec![(YUYV, vec![(1920, 1080)]), (MJPG, vec![(1920, 1080)])];
        assert_eq!(pick_format_for_size(&same, (8192, 8192)), Some(MJPG), "ties go to MJPEG");
        assert_eq!(pick_format_for_size(&[(YUYV, vec![])], (8192, 8192)), None, "stepwise sizes: no help");
    }

    #[test]
    fn loopback_and_listed_drivers_are_copied() {
        assert!(must_copy("v4l2 loopback", &[]));
        assert!(!must_copy("uvcvideo", &[]));
        assert!(!must_copy("vivid", &[]));
        assert!(must_copy("vivid", &["VIVID".into()]));
        assert!(must_copy("my-cam", &["my cam".into()]));
    }

    #[test]
    fn opening_a_missing_device_says_so() {
        let opts = V4l2Options::for_device("/dev/video-does-not-exist");
        let e = V4l2Source::open(&opts).err().unwrap();
        assert_eq!(e.kind, CaptureErrorKind::NotFound);
        assert!(e.message.contains("does not exist"));
    }

    #[test]
    fn a_file_that_is_not_a_device_is_refused() {
        let opts = V4l2Options::for_device("/dev/null");
        assert_eq!(V4l2Source::open(&opts).err().unwrap().kind, CaptureErrorKind::NotACaptureDevice);
    }
}
