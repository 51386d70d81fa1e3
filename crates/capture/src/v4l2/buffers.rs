//! The driver's buffers. A buffer the capture thread dequeued is leased to JS as-is (zero copy); JS's
//! release puts it on a queue and wakes the capture thread, which re-queues it.
//!
//! Two kinds: USERPTR buffers are mjpgd's own memory, each with a page of headroom in front of where the
//! driver writes, so the multipart header goes right before the JPEG and a part leaves in one write.
//! Drivers without USERPTR get MMAP buffers, mapped once (the JPEG then starts the buffer).
use super::device::Device;
use super::sys::*;
use crate::source::{CaptureError, CaptureErrorKind};
use std::os::raw::c_void;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

struct Mapping {
    ptr: *mut u8,
    len: usize,
}

/// Headroom in front of USERPTR data: one page, so the driver's part stays page-aligned.
pub const USER_HEADROOM: usize = 4096;
/// Room after USERPTR data for the part's trailer.
const USER_TAILROOM: usize = 256;

pub struct DriverBuffers {
    memory: u32,
    maps: Vec<Mapping>,
    leased: Vec<AtomicBool>,
    released: Mutex<Vec<u32>>,
    /// Written on release so a capture thread waiting in poll() re-queues at once.
    wake_fd: i32,
}

// The mappings stay valid until drop; access is serialised by the lease flags.
unsafe impl Send for DriverBuffers {}
unsafe impl Sync for DriverBuffers {}

impl DriverBuffers {
    /// REQBUFS for `count` buffers of the given memory kind (the driver may give more or fewer), and
    /// the release queue's eventfd; the caller adds the memory.
    fn request(dev: &Device, count: u32, memory: u32) -> Result<(u32, DriverBuffers), CaptureError> {
        let kind = if memory == MEMORY_USERPTR { "USERPTR" } else { "MMAP" };
        let mut req = v4l2_requestbuffers { count, type_: BUF_TYPE_VIDEO_CAPTURE, memory, ..Default::default() };
        xioctl(dev.fd(), VIDIOC_REQBUFS, &mut req).map_err(|e| dev.error(&format!("VIDIOC_REQBUFS ({kind})"), e))?;
        if req.count < 2 {
            return Err(CaptureError::new(CaptureErrorKind::Unsupported, format!("{}: the driver gave only {} {kind} buffer(s)", dev.path, req.count)));
        }
        let wake_fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        if wake_fd < 0 {
            return Err(CaptureError::new(CaptureErrorKind::Io, format!("eventfd: {}", std::io::Error::last_os_error())));
        }
        Ok((req.count, DriverBuffers { memory, maps: vec![], leased: vec![], released: Mutex::new(vec![]), wake_fd }))
    }

    fn push(&mut self, ptr: *mut u8, len: usize) {
        self.maps.push(Mapping { ptr, len });
        self.leased.push(AtomicBool::new(false));
    }

    /// The driver's own buffers: REQBUFS + QUERYBUF + mmap.
    pub fn map(dev: &Device, count: u32) -> Result<DriverBuffers, CaptureError> {
        let (count, mut bufs) = Self::request(dev, count, MEMORY_MMAP)?;
        for index in 0..count {
            let mut b = query(index);
            xioctl(dev.fd(), VIDIOC_QUERYBUF, &mut b).map_err(|e| dev.error("VIDIOC_QUERYBUF", e))?;
            let len = b.length as usize;
            let ptr = unsafe {
                libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ | libc::PROT_WRITE, libc::MAP_SHARED, dev.fd(), b.m.offset as libc::off_t)
            };
            if ptr == libc::MAP_FAILED {
                return Err(dev.error("mmap", std::io::Error::last_os_error()));
            }
            bufs.push(ptr as *mut u8, len);
        }
        Ok(bufs)
    }

    /// mjpgd's own page-aligned memory for frames of up to `size` bytes, with headroom (USERPTR).
    /// Fails (and the caller falls back to MMAP) when the driver doesn't do USERPTR.
    pub fn user(dev: &Device, count: u32, size: usize) -> Result<DriverBuffers, CaptureError> {
        let (count, mut bufs) = Self::request(dev, count, MEMORY_USERPTR)?;
        let len = USER_HEADROOM + size.div_ceil(4096) * 4096 + USER_TAILROOM;
        for _ in 0..count {
            let mut ptr: *mut c_void = std::ptr::null_mut();
            if unsafe { libc::posix_memalign(&mut ptr, 4096, len) } != 0 {
                return Err(CaptureError::new(CaptureErrorKind::Io, "out of memory for capture buffers"));
            }
            bufs.push(ptr as *mut u8, len);
        }
        Ok(bufs)
    }

    /// Where the driver's data starts inside each buffer.
    pub fn data_offset(&self) -> usize {
        if self.memory == MEMORY_USERPTR { USER_HEADROOM } else { 0 }
    }

    /// Hands buffer `index` (back) to the driver.
    pub fn queue(&self, dev: &Device, index: u32) -> Result<(), CaptureError> {
        let mut b = self.query(index);
        xioctl(dev.fd(), VIDIOC_QBUF, &mut b).map_err(|e| dev.error("VIDIOC_QBUF", e))
    }

    /// A v4l2_buffer naming buffer `index` of this set (for QBUF/DQBUF).
    pub fn query(&self, index: u32) -> v4l2_buffer {
        let mut b = query(index);
        b.memory = self.memory;
        if self.memory == MEMORY_USERPTR {
            let m = &self.maps[index as usize];
            b.m.userptr = unsafe { m.ptr.add(USER_HEADROOM) } as libc::c_ulong;
            b.length = (m.len - USER_HEADROOM - USER_TAILROOM) as u32;
        }
        b
    }

    pub fn count(&self) -> usize {
        self.maps.len()
    }

    pub fn region(&self, index: usize) -> (*mut u8, usize) {
        (self.maps[index].ptr, self.maps[index].len)
    }

    /// The driver's data in buffer `index` (at most `len` bytes of it).
    pub fn bytes(&self, index: usize, len: usize) -> &[u8] {
        let m = &self.maps[index];
        let start = self.data_offset();
        unsafe { std::slice::from_raw_parts(m.ptr.add(start), len.min(m.len - start)) }
    }

    pub fn wake_fd(&self) -> i32 {
        self.wake_fd
    }

    pub fn lease(&self, index: usize) {
        self.leased[index].store(true, Ordering::Release);
    }

    /// From JS: the lease is over. The capture thread re-queues the buffer.
    pub fn release(&self, index: usize) -> bool {
        let Some(flag) = self.leased.get(index) else { return false };
        if !flag.swap(false, Ordering::AcqRel) {
            return false;
        }
        self.released.lock().unwrap().push(index as u32);
        let one: u64 = 1;
        unsafe { libc::write(self.wake_fd, &one as *const u64 as *const c_void, 8) };
        true
    }

    pub fn leased_count(&self) -> usize {
        self.leased.iter().filter(|l| l.load(Ordering::Relaxed)).count()
    }

    /// Buffers JS gave back since the last call.
    pub fn take_released(&self) -> Vec<u32> {
        let mut drained = 0u64;
        unsafe { libc::read(self.wake_fd, &mut drained as *mut u64 as *mut c_void, 8) };
        std::mem::take(&mut *self.released.lock().unwrap())
    }
}

impl Drop for DriverBuffers {
    fn drop(&mut self) {
        for m in &self.maps {
            if self.memory == MEMORY_USERPTR {
                unsafe { libc::free(m.ptr as *mut c_void) };
            } else {
                unsafe { libc::munmap(m.ptr as *mut c_void, m.len) };
            }
        }
        unsafe { libc::close(self.wake_fd) };
    }
}

pub fn query(index: u32) -> v4l2_buffer {
    let mut b: v4l2_buffer = zeroed();
    b.index = index;
    b.type_ = BUF_TYPE_VIDEO_CAPTURE;
    b.memory = MEMORY_MMAP;
    b
}
