//! The driver's buffers. A buffer the capture thread dequeued is leased to JS as-is (zero copy); JS's
//! release puts it on a queue and wakes the capture thread, which re-queues it.
//!
//! Two kinds: USERPTR buffers are mjpgd's own memory, each with a page of headroom in front of where the
//! driver writes, so the multipart header goes right before the JPEG and a part leaves in one write.
//! Drivers without USERPTR get MMAP buffers, mapped once (the JPEG then starts the buffer).
use super::device::Device;
use super::sys::*;
use crate::source::{CaptureError, CaptureErrorKind};
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
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
    memory: Memory,
    maps: Vec<Mapping>,
    leased: Vec<AtomicBool>,
    released: Mutex<Vec<u32>>,
    /// An eventfd, written on release so a capture thread waiting in poll() re-queues at once.
    wake: File,
}

// SAFETY: the raw pointers are mappings/allocations owned by this value, valid until its drop and
// never moved; which side may touch a buffer's bytes is settled by the driver queue and the lease
// flags (atomics), and the release queue is a Mutex. Nothing in it is tied to one thread.
unsafe impl Send for DriverBuffers {}
// SAFETY: as for Send: shared access only reads the pointers and goes through atomics and the Mutex.
unsafe impl Sync for DriverBuffers {}

impl DriverBuffers {
    /// REQBUFS for `count` buffers of the given memory kind (the driver may give more or fewer), and
    /// the release queue's eventfd; the caller adds the memory.
    fn request(dev: &Device, count: u32, memory: Memory) -> Result<(u32, DriverBuffers), CaptureError> {
        let kind = memory.name();
        let mut req = v4l2_requestbuffers { count, type_: BUF_TYPE_VIDEO_CAPTURE, memory: memory.raw(), ..Default::default() };
        xioctl(dev.fd(), VIDIOC_REQBUFS, &mut req).map_err(|e| dev.error(&format!("VIDIOC_REQBUFS ({kind})"), e))?;
        if req.count < 2 {
            return Err(CaptureError::new(CaptureErrorKind::Unsupported, format!("{}: the driver gave only {} {kind} buffer(s)", dev.path, req.count)));
        }
        // SAFETY: eventfd takes no pointers; it returns a new descriptor or -1.
        let raw = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        if raw < 0 {
            return Err(CaptureError::new(CaptureErrorKind::Io, format!("eventfd: {}", std::io::Error::last_os_error())));
        }
        // SAFETY: `raw` was just returned by eventfd, is open, and nothing else owns it.
        let wake = File::from(unsafe { OwnedFd::from_raw_fd(raw) });
        Ok((req.count, DriverBuffers { memory, maps: vec![], leased: vec![], released: Mutex::new(vec![]), wake }))
    }

    fn push(&mut self, ptr: *mut u8, len: usize) {
        self.maps.push(Mapping { ptr, len });
        self.leased.push(AtomicBool::new(false));
    }

    /// The driver's own buffers: REQBUFS + QUERYBUF + mmap.
    pub fn map(dev: &Device, count: u32) -> Result<DriverBuffers, CaptureError> {
        let (count, mut bufs) = Self::request(dev, count, Memory::Mmap)?;
        for index in 0..count {
            let mut b = query(index, Memory::Mmap);
            // SAFETY: an MMAP single-planar buffer: QUERYBUF writes the struct only (the offset to
            // map), it follows no pointer in it.
            unsafe { xioctl_ptr(dev.fd(), VIDIOC_QUERYBUF, &mut b) }.map_err(|e| dev.error("VIDIOC_QUERYBUF", e))?;
            let len = b.length as usize;
            // SAFETY: a new shared mapping chosen by the kernel (null hint), of the length and offset
            // the driver reported for this buffer; it is unmapped once, in drop.
            let ptr = unsafe {
                libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ | libc::PROT_WRITE, libc::MAP_SHARED, dev.fd().as_raw_fd(), b.m.offset as libc::off_t)
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
        let (count, mut bufs) = Self::request(dev, count, Memory::UserPtr)?;
        let len = USER_HEADROOM + size.div_ceil(4096) * 4096 + USER_TAILROOM;
        for _ in 0..count {
            let mut ptr: *mut c_void = std::ptr::null_mut();
            // SAFETY: `ptr` is a live out-parameter; 4096 is a power of two and a multiple of the
            // pointer size. The block is freed once, in drop.
            if unsafe { libc::posix_memalign(&mut ptr, 4096, len) } != 0 {
                return Err(CaptureError::new(CaptureErrorKind::Io, "out of memory for capture buffers"));
            }
            bufs.push(ptr as *mut u8, len);
        }
        Ok(bufs)
    }

    pub fn memory(&self) -> Memory {
        self.memory
    }

    /// Where the driver's data starts inside each buffer.
    pub fn data_offset(&self) -> usize {
        match self.memory {
            Memory::UserPtr => USER_HEADROOM,
            Memory::Mmap => 0,
        }
    }

    /// Hands buffer `index` (back) to the driver.
    pub fn queue(&self, dev: &Device, index: u32) -> Result<(), CaptureError> {
        let mut b = self.query(index);
        // SAFETY: a single-planar buffer of this set. For USERPTR, `m.userptr` is this buffer's own
        // allocation past the headroom, `length` bytes of it, which stays allocated until this value
        // drops; its owner (V4l2Source) turns the stream off first, and a failed open drops it before
        // STREAMON, when the driver writes nothing. MMAP buffers carry no address.
        unsafe { xioctl_ptr(dev.fd(), VIDIOC_QBUF, &mut b) }.map_err(|e| dev.error("VIDIOC_QBUF", e))
    }

    /// A v4l2_buffer naming buffer `index` of this set (for QBUF/DQBUF).
    pub fn query(&self, index: u32) -> v4l2_buffer {
        let mut b = query(index, self.memory);
        if self.memory == Memory::UserPtr {
            let m = &self.maps[index as usize];
            b.m.userptr = m.ptr.wrapping_add(USER_HEADROOM) as libc::c_ulong;
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
    ///
    /// # Safety
    /// Buffer `index` is dequeued (the driver writes nothing into it) and not leased (JS doesn't
    /// write its part header into it), for as long as the returned slice lives.
    pub unsafe fn bytes(&self, index: usize, len: usize) -> &[u8] {
        let m = &self.maps[index];
        let start = self.data_offset();
        // SAFETY: `start..start+len` lies inside the mapping (clamped to its length), which lives as
        // long as `self`; nobody writes it meanwhile (the caller's contract).
        unsafe { std::slice::from_raw_parts(m.ptr.add(start), len.min(m.len - start)) }
    }

    pub fn wake_fd(&self) -> BorrowedFd<'_> {
        self.wake.as_fd()
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
        // Adds 1 to the eventfd's counter; it can't overflow at our rates, and a failed wake only
        // delays the re-queue to the capture thread's next poll slice.
        let _ = (&self.wake).write_all(&1u64.to_ne_bytes());
        true
    }

    pub fn leased_count(&self) -> usize {
        self.leased.iter().filter(|l| l.load(Ordering::Relaxed)).count()
    }

    /// Buffers JS gave back since the last call.
    pub fn take_released(&self) -> Vec<u32> {
        // Resets the eventfd's counter (EAGAIN when it is already 0: nothing to drain).
        let _ = (&self.wake).read(&mut [0u8; 8]);
        std::mem::take(&mut *self.released.lock().unwrap())
    }
}

impl Drop for DriverBuffers {
    fn drop(&mut self) {
        for m in &self.maps {
            match self.memory {
                // SAFETY: allocated by posix_memalign in `user`, freed only here.
                Memory::UserPtr => unsafe { libc::free(m.ptr as *mut c_void) },
                // SAFETY: mapped with this length in `map`, unmapped only here; JS's views keep this
                // value alive, so none is left pointing at it.
                Memory::Mmap => unsafe {
                    libc::munmap(m.ptr as *mut c_void, m.len);
                },
            }
        }
    }
}

/// A v4l2_buffer naming capture buffer `index` of the given memory kind.
fn query(index: u32, memory: Memory) -> v4l2_buffer {
    let mut b: v4l2_buffer = zeroed();
    b.index = index;
    b.type_ = BUF_TYPE_VIDEO_CAPTURE;
    b.memory = memory.raw();
    b
}
