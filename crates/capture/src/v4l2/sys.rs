//! The few V4L2 kernel structures and ioctls mjpgd uses (linux/videodev2.h), laid out by hand so the
//! build needs no bindgen/libclang. Request numbers are derived from the struct sizes, as the kernel's
//! _IOWR macro does, so a layout mistake shows up as ENOTTY rather than memory corruption.
#![allow(non_camel_case_types, dead_code)]
use std::os::raw::{c_int, c_ulong, c_void};

pub const BUF_TYPE_VIDEO_CAPTURE: u32 = 1;
pub const MEMORY_MMAP: u32 = 1;
pub const MEMORY_USERPTR: u32 = 2;
pub const FIELD_ANY: u32 = 0;
pub const CAP_VIDEO_CAPTURE: u32 = 0x0000_0001;
pub const CAP_STREAMING: u32 = 0x0400_0000;
pub const CAP_DEVICE_CAPS: u32 = 0x8000_0000;
pub const CAP_TIMEPERFRAME: u32 = 0x1000;
pub const BUF_FLAG_ERROR: u32 = 0x0040;
pub const CTRL_FLAG_NEXT_CTRL: u32 = 0x8000_0000;
pub const CTRL_FLAG_DISABLED: u32 = 0x0001;
pub const CTRL_FLAG_READ_ONLY: u32 = 0x0004;
pub const CTRL_FLAG_INACTIVE: u32 = 0x0010;
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

const fn ioc(dir: u32, nr: u32, size: usize) -> c_ulong {
    ((dir << 30) | ((size as u32) << 16) | ((b'V' as u32) << 8) | nr) as c_ulong
}
const fn iowr<T>(nr: u32) -> c_ulong {
    ioc(3, nr, std::mem::size_of::<T>())
}

pub const VIDIOC_QUERYCAP: c_ulong = ioc(2, 0, std::mem::size_of::<v4l2_capability>());
pub const VIDIOC_ENUM_FMT: c_ulong = iowr::<v4l2_fmtdesc>(2);
pub const VIDIOC_G_FMT: c_ulong = iowr::<v4l2_format>(4);
pub const VIDIOC_S_FMT: c_ulong = iowr::<v4l2_format>(5);
pub const VIDIOC_REQBUFS: c_ulong = iowr::<v4l2_requestbuffers>(8);
pub const VIDIOC_QUERYBUF: c_ulong = iowr::<v4l2_buffer>(9);
pub const VIDIOC_QBUF: c_ulong = iowr::<v4l2_buffer>(15);
pub const VIDIOC_DQBUF: c_ulong = iowr::<v4l2_buffer>(17);
pub const VIDIOC_STREAMON: c_ulong = ioc(1, 18, std::mem::size_of::<c_int>());
pub const VIDIOC_STREAMOFF: c_ulong = ioc(1, 19, std::mem::size_of::<c_int>());
pub const VIDIOC_G_PARM: c_ulong = iowr::<v4l2_streamparm>(21);
pub const VIDIOC_S_PARM: c_ulong = iowr::<v4l2_streamparm>(22);
pub const VIDIOC_G_CTRL: c_ulong = iowr::<v4l2_control>(27);
pub const VIDIOC_S_CTRL: c_ulong = iowr::<v4l2_control>(28);
pub const VIDIOC_QUERYCTRL: c_ulong = iowr::<v4l2_queryctrl>(36);
pub const VIDIOC_QUERYMENU: c_ulong = iowr::<v4l2_querymenu>(37);
pub const VIDIOC_ENUM_FRAMESIZES: c_ulong = iowr::<v4l2_frmsizeenum>(74);
pub const VIDIOC_ENUM_FRAMEINTERVALS: c_ulong = iowr::<v4l2_frmivalenum>(75);

/// ioctl, retried on EINTR.
pub fn xioctl<T>(fd: c_int, request: c_ulong, arg: &mut T) -> std::io::Result<()> {
    loop {
        let r = unsafe { libc::ioctl(fd, request as _, arg as *mut T as *mut c_void) };
        if r != -1 {
            return Ok(());
        }
        let err = std::io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::EINTR) {
            return Err(err);
        }
    }
}

pub fn zeroed<T>() -> T {
    unsafe { std::mem::zeroed() }
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
        assert_eq!(VIDIOC_QUERYMENU, 0xc02c5625);
        // Known request numbers from videodev2.h on x86_64.
        assert_eq!(VIDIOC_QUERYCAP, 0x80685600);
        assert_eq!(VIDIOC_S_FMT, 0xc0d05605);
        assert_eq!(VIDIOC_QBUF, 0xc058560f);
        assert_eq!(VIDIOC_DQBUF, 0xc0585611);
        assert_eq!(VIDIOC_STREAMON, 0x40045612);
    }
}
