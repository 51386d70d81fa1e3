//! The few V4L2 kernel structures and ioctls mjpgd uses (linux/videodev2.h), laid out by hand so the
//! build needs no bindgen/libclang. Request numbers are derived from the struct sizes, as the kernel's
//! _IOWR macro does, so a layout mistake shows up as ENOTTY rather than memory corruption.
//!
//! Soundness rests on two typed pieces: a request number carries the type of its argument
//! (`Request<T>`, built here from `T`'s size), and only structs marked `IoctlArg` (plain data with the
//! kernel's layout, for which all-zero bytes are a value) can be passed or `zeroed()`. Arguments the
//! kernel may follow a user pointer out of (`v4l2_format`, `v4l2_buffer`) go through the unsafe
//! `xioctl_ptr`, whose caller vouches for the pointers.
#![allow(non_camel_case_types)]
use std::marker::PhantomData;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::os::raw::{c_int, c_ulong, c_void};

pub const BUF_TYPE_VIDEO_CAPTURE: u32 = 1;
pub const FIELD_ANY: u32 = 0;
pub const CAP_VIDEO_CAPTURE: u32 = 0x0000_0001;
pub const CAP_STREAMING: u32 = 0x0400_0000;
pub const CAP_DEVICE_CAPS: u32 = 0x8000_0000;
pub const CAP_TIMEPERFRAME: u32 = 0x1000;
pub const BUF_FLAG_ERROR: u32 = 0x0040;
pub const CTRL_FLAG_NEXT_CTRL: u32 = 0x8000_0000;
pub const CTRL_FLAG_DISABLED: u32 = 0x0001;
pub const CTRL_FLAG_READ_ONLY: u32 = 0x0004;
pub const CTRL_TYPE_INTEGER: u32 = 1;
pub const CTRL_TYPE_BOOLEAN: u32 = 2;
pub const CTRL_TYPE_MENU: u32 = 3;
pub const CTRL_TYPE_BUTTON: u32 = 4;
pub const CTRL_TYPE_CTRL_CLASS: u32 = 6;
pub const CTRL_TYPE_INTEGER_MENU: u32 = 9;
pub const FRMSIZE_TYPE_DISCRETE: u32 = 1;
pub const FRMIVAL_TYPE_DISCRETE: u32 = 1;

pub const fn fourcc(code: &[u8; 4]) -> u32 {
    (code[0] as u32) | (code[1] as u32) << 8 | (code[2] as u32) << 16 | (code[3] as u32) << 24
}

pub fn fourcc_name(code: u32) -> String {
    code.to_le_bytes().iter().map(|&b| if b.is_ascii_graphic() { b as char } else { '?' }).collect()
}

/// How a set of capture buffers is shared with the driver (enum v4l2_memory, the values we use).
/// JS sees it as "mmap" or "userptr".
#[cfg_attr(feature = "napi", napi_derive::napi(string_enum = "lowercase"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Memory {
    /// The driver's own buffers, mapped into our address space.
    Mmap,
    /// Our memory, handed to the driver by address.
    UserPtr,
}

impl Memory {
    /// The kernel's number for it (the struct fields stay u32: the kernel writes them back).
    pub const fn raw(self) -> u32 {
        match self {
            Memory::Mmap => 1,
            Memory::UserPtr => 2,
        }
    }

    pub const fn name(self) -> &'static str {
        match self {
            Memory::Mmap => "MMAP",
            Memory::UserPtr => "USERPTR",
        }
    }
}

/// An ioctl argument the kernel copies in and out by the size its request number carries.
///
/// # Safety
/// Implementors are `#[repr(C)]` with exactly the layout of the kernel's struct, contain only
/// integers, arrays and unions of them (no references, no niches: every bit pattern the kernel may
/// write, and all-zero bytes, are valid values), and have no drop glue.
pub unsafe trait IoctlArg: Sized {}

/// An `IoctlArg` the kernel never follows a user pointer out of, for any value of its fields: the
/// kernel only copies `size_of::<Self>()` bytes in and out.
///
/// # Safety
/// As `IoctlArg`, and no field (whatever the other fields say) is an address the kernel reads or
/// writes through.
pub unsafe trait PlainArg: IoctlArg {}

/// A value of `T` with every byte zero: the starting point the V4L2 API expects for its structs.
pub fn zeroed<T: IoctlArg>() -> T {
    // SAFETY: `IoctlArg` promises that all-zero bytes are a valid `T`.
    unsafe { std::mem::zeroed() }
}

#[repr(C)]
#[derive(Default)]
pub struct v4l2_capability {
    pub driver: [u8; 16],
    pub card: [u8; 32],
    pub bus_info: [u8; 32],
    pub version: u32,
    pub capabilities: u32,
    pub device_caps: u32,
    pub reserved: [u32; 3],
}

#[repr(C)]
#[derive(Default)]
pub struct v4l2_fmtdesc {
    pub index: u32,
    pub type_: u32,
    pub flags: u32,
    pub description: [u8; 32],
    pub pixelformat: u32,
    pub mbus_code: u32,
    pub reserved: [u32; 3],
}

#[repr(C)]
#[derive(Default, Clone, Copy)]
pub struct v4l2_pix_format {
    pub width: u32,
    pub height: u32,
    pub pixelformat: u32,
    pub field: u32,
    pub bytesperline: u32,
    pub sizeimage: u32,
    pub colorspace: u32,
    pub priv_: u32,
    pub flags: u32,
    pub ycbcr_enc: u32,
    pub quantization: u32,
    pub xfer_func: u32,
}

/// The kernel's union holds pointers (struct v4l2_window), hence pointer alignment.
#[repr(C)]
pub union v4l2_format_union {
    pub pix: v4l2_pix_format,
    pub raw_data: [u8; 200],
    _align: [*mut c_void; 0],
}

#[repr(C)]
pub struct v4l2_format {
    pub type_: u32,
    pub fmt: v4l2_format_union,
}

#[repr(C)]
#[derive(Default)]
pub struct v4l2_requestbuffers {
    pub count: u32,
    pub type_: u32,
    pub memory: u32,
    pub capabilities: u32,
    pub flags: u8,
    pub reserved: [u8; 3],
}

#[repr(C)]
#[derive(Default, Clone, Copy)]
pub struct v4l2_timecode {
    pub type_: u32,
    pub flags: u32,
    pub frames: u8,
    pub seconds: u8,
    pub minutes: u8,
    pub hours: u8,
    pub userbits: [u8; 4],
}

#[repr(C)]
#[derive(Clone, Copy)]
pub union v4l2_buffer_m {
    pub offset: u32,
    pub userptr: c_ulong,
    pub fd: i32,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct v4l2_buffer {
    pub index: u32,
    pub type_: u32,
    pub bytesused: u32,
    pub flags: u32,
    pub field: u32,
    pub timestamp: libc::timeval,
    pub timecode: v4l2_timecode,
    pub sequence: u32,
    pub memory: u32,
    pub m: v4l2_buffer_m,
    pub length: u32,
    pub reserved2: u32,
    pub request_fd: i32,
}

#[repr(C)]
#[derive(Default, Clone, Copy)]
pub struct v4l2_fract {
    pub numerator: u32,
    pub denominator: u32,
}

#[repr(C)]
#[derive(Default, Clone, Copy)]
pub struct v4l2_captureparm {
    pub capability: u32,
    pub capturemode: u32,
    pub timeperframe: v4l2_fract,
    pub extendedmode: u32,
    pub readbuffers: u32,
    pub reserved: [u32; 4],
}

#[repr(C)]
pub union v4l2_streamparm_union {
    pub capture: v4l2_captureparm,
    pub raw_data: [u8; 200],
}

#[repr(C)]
pub struct v4l2_streamparm {
    pub type_: u32,
    pub parm: v4l2_streamparm_union,
}

#[repr(C)]
#[derive(Default)]
pub struct v4l2_frmsizeenum {
    pub index: u32,
    pub pixel_format: u32,
    pub type_: u32,
    /// discrete: [width, height]; stepwise: [min_w, max_w, step_w, min_h, max_h, step_h]
    pub size: [u32; 6],
    pub reserved: [u32; 2],
}

#[repr(C)]
#[derive(Default)]
pub struct v4l2_frmivalenum {
    pub index: u32,
    pub pixel_format: u32,
    pub width: u32,
    pub height: u32,
    pub type_: u32,
    /// discrete: [num, den]; stepwise: min, max, step fractions
    pub interval: [u32; 6],
    pub reserved: [u32; 2],
}

#[repr(C)]
#[derive(Default)]
pub struct v4l2_queryctrl {
    pub id: u32,
    pub type_: u32,
    pub name: [u8; 32],
    pub minimum: i32,
    pub maximum: i32,
    pub step: i32,
    pub default_value: i32,
    pub flags: u32,
    pub reserved: [u32; 2],
}

#[repr(C)]
#[derive(Default)]
pub struct v4l2_control {
    pub id: u32,
    pub value: i32,
}

/// One menu item. The kernel declares it packed with a union of `name[32]` and `__s64 value`
/// (integer menus); as bytes here, so the struct has no padding either way (44 bytes).
#[repr(C)]
#[derive(Default)]
pub struct v4l2_querymenu {
    pub id: u32,
    pub index: u32,
    pub name: [u8; 32],
    pub reserved: u32,
}

/// Marks hand-laid structs as ioctl arguments; `plain` ones also as pointer-free.
macro_rules! ioctl_args {
    ($($t:ty),* $(,)?) => {$(
        // SAFETY: each struct given is #[repr(C)] and laid out as in linux/videodev2.h (sizes
        // checked by the test below), and holds only integers, integer arrays, unions of those and
        // `libc::timeval` (two integers): all-zero bytes and anything the kernel writes are values.
        unsafe impl IoctlArg for $t {}
    )*};
    (plain: $($t:ty),* $(,)?) => {$(
        ioctl_args!($t);
        // SAFETY: no field of these is a pointer, whatever the other fields say, and the kernel
        // reads them as fixed-size records (v4l2_streamparm's union holds only v4l2_captureparm and
        // raw bytes; c_int is STREAMON's buffer type).
        unsafe impl PlainArg for $t {}
    )*};
}

ioctl_args!(plain: v4l2_capability, v4l2_fmtdesc, v4l2_requestbuffers, v4l2_streamparm, v4l2_frmsizeenum, v4l2_frmivalenum, v4l2_queryctrl, v4l2_querymenu, v4l2_control, c_int);
// Not plain: v4l2_format's union holds struct v4l2_window, whose clip list and bitmap are user
// addresses the kernel writes for overlay types; v4l2_buffer has `m.userptr` and `m.planes`.
ioctl_args!(v4l2_format, v4l2_buffer);

/// An ioctl request number that takes a `T`. Only this module makes them, each from `T`'s own size,
/// so the size the kernel copies always matches the argument passed with it.
pub struct Request<T> {
    number: c_ulong,
    _arg: PhantomData<fn(&mut T)>,
}

impl<T> Clone for Request<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Request<T> {}

impl<T: IoctlArg> Request<T> {
    const fn new(dir: u32, nr: u32) -> Request<T> {
        let size = std::mem::size_of::<T>() as u32;
        Request { number: ((dir << 30) | (size << 16) | ((b'V' as u32) << 8) | nr) as c_ulong, _arg: PhantomData }
    }
    /// _IOR: the kernel writes the argument.
    const fn read(nr: u32) -> Request<T> {
        Self::new(2, nr)
    }
    /// _IOW: the kernel reads the argument.
    const fn write(nr: u32) -> Request<T> {
        Self::new(1, nr)
    }
    /// _IOWR: both.
    const fn read_write(nr: u32) -> Request<T> {
        Self::new(3, nr)
    }

    pub const fn number(self) -> c_ulong {
        self.number
    }
}

pub const VIDIOC_QUERYCAP: Request<v4l2_capability> = Request::read(0);
pub const VIDIOC_ENUM_FMT: Request<v4l2_fmtdesc> = Request::read_write(2);
pub const VIDIOC_S_FMT: Request<v4l2_format> = Request::read_write(5);
pub const VIDIOC_REQBUFS: Request<v4l2_requestbuffers> = Request::read_write(8);
pub const VIDIOC_QUERYBUF: Request<v4l2_buffer> = Request::read_write(9);
pub const VIDIOC_QBUF: Request<v4l2_buffer> = Request::read_write(15);
pub const VIDIOC_DQBUF: Request<v4l2_buffer> = Request::read_write(17);
pub const VIDIOC_STREAMON: Request<c_int> = Request::write(18);
pub const VIDIOC_STREAMOFF: Request<c_int> = Request::write(19);
pub const VIDIOC_G_PARM: Request<v4l2_streamparm> = Request::read_write(21);
pub const VIDIOC_S_PARM: Request<v4l2_streamparm> = Request::read_write(22);
pub const VIDIOC_G_CTRL: Request<v4l2_control> = Request::read_write(27);
pub const VIDIOC_S_CTRL: Request<v4l2_control> = Request::read_write(28);
pub const VIDIOC_QUERYCTRL: Request<v4l2_queryctrl> = Request::read_write(36);
pub const VIDIOC_QUERYMENU: Request<v4l2_querymenu> = Request::read_write(37);
pub const VIDIOC_ENUM_FRAMESIZES: Request<v4l2_frmsizeenum> = Request::read_write(74);
pub const VIDIOC_ENUM_FRAMEINTERVALS: Request<v4l2_frmivalenum> = Request::read_write(75);

/// ioctl with an argument the kernel follows no pointer out of, retried on EINTR.
pub fn xioctl<T: PlainArg>(fd: BorrowedFd<'_>, request: Request<T>, arg: &mut T) -> std::io::Result<()> {
    // SAFETY: `PlainArg` says the kernel touches nothing but the argument itself, which is a live,
    // exclusively borrowed `T` of the size the request number carries.
    unsafe { xioctl_ptr(fd, request, arg) }
}

/// ioctl, retried on EINTR, for arguments that may carry user addresses.
///
/// # Safety
/// Every user address in `arg` that the kernel uses for this request and buffer type (USERPTR
/// `m.userptr`, multi-planar `m.planes`, an overlay's clip list) points to memory the kernel may
/// write for as long as the driver holds it (for a queued USERPTR buffer: until it is dequeued, or
/// the stream is turned off, or the device closed).
pub unsafe fn xioctl_ptr<T: IoctlArg>(fd: BorrowedFd<'_>, request: Request<T>, arg: &mut T) -> std::io::Result<()> {
    loop {
        // SAFETY: `arg` is a live `T` and the request's size is `size_of::<T>()` (Request<T> is only
        // built from it), so the kernel copies within it; pointers in it are the caller's contract.
        // Whatever file `fd` is, its handler takes the size from the number (the _IOC convention).
        let r = unsafe { libc::ioctl(fd.as_raw_fd(), request.number() as _, arg as *mut T as *mut c_void) };
        if r != -1 {
            return Ok(());
        }
        let err = std::io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::EINTR) {
            return Err(err);
        }
    }
}

#[cfg(all(test, target_pointer_width = "64"))]
mod tests {
    use super::*;
    use std::mem::size_of;

    #[test]
    fn layouts_match_the_kernel_on_64_bit() {
        assert_eq!(size_of::<v4l2_capability>(), 104);
        assert_eq!(size_of::<v4l2_fmtdesc>(), 64);
        assert_eq!(size_of::<v4l2_format>(), 208);
        assert_eq!(size_of::<v4l2_requestbuffers>(), 20);
        assert_eq!(size_of::<v4l2_buffer>(), 88);
        assert_eq!(size_of::<v4l2_streamparm>(), 204);
        assert_eq!(size_of::<v4l2_frmsizeenum>(), 44);
        assert_eq!(size_of::<v4l2_frmivalenum>(), 52);
        assert_eq!(size_of::<v4l2_queryctrl>(), 68);
        assert_eq!(size_of::<v4l2_querymenu>(), 44);
        assert_eq!(VIDIOC_QUERYMENU.number(), 0xc02c5625);
        // Known request numbers from videodev2.h on x86_64.
        assert_eq!(VIDIOC_QUERYCAP.number(), 0x80685600);
        assert_eq!(VIDIOC_S_FMT.number(), 0xc0d05605);
        assert_eq!(VIDIOC_QBUF.number(), 0xc058560f);
        assert_eq!(VIDIOC_DQBUF.number(), 0xc0585611);
        assert_eq!(VIDIOC_STREAMON.number(), 0x40045612);
    }
}
