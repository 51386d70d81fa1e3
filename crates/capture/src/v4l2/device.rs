//! Opening and configuring a V4L2 capture device, with errors a user can act on.
use super::controls::ctl_name;
use super::sys::*;
use crate::source::{CaptureError, CaptureErrorKind};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;

pub struct Device {
    fd: OwnedFd,
    pub path: String,
    pub card: String,
    pub driver: String,
}

/// The format the driver actually chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceFormat {
    pub width: u32,
    pub height: u32,
    pub fourcc: u32,
    pub bytes_per_line: u32,
    pub size_image: u32,
}

/// One V4L2 control, as listed for users (with the `napi` feature, as JS gets it too).
#[cfg_attr(feature = "napi", napi_derive::napi(object))]
#[derive(Debug, Clone, PartialEq)]
pub struct Control {
    pub id: u32,
    /// As v4l2-ctl spells it ("white_balance_automatic").
    pub name: String,
    /// As the driver names it ("White Balance, Automatic").
    pub label: String,
    /// 1 integer, 2 boolean, 3 menu, 4 button, 9 integer menu, ... (enum v4l2_ctrl_type)
    pub kind: u32,
    pub minimum: i32,
    pub maximum: i32,
    pub step: i32,
    pub default: i32,
    pub value: Option<i32>,
    /// V4L2_CTRL_FLAG_*: read-only, inactive (e.g. a manual value while its automatic mode is on), ...
    pub flags: u32,
    /// Menu and integer-menu controls: the valid values and their labels (values may have gaps);
    /// none (absent in JS) for other kinds.
    pub menu: Option<Vec<MenuItem>>,
}

#[cfg_attr(feature = "napi", napi_derive::napi(object))]
#[derive(Debug, Clone, PartialEq)]
pub struct MenuItem {
    pub value: i32,
    pub label: String,
}

fn c_str(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// Maps an errno from the device to an error kind and a message that says what to do.
pub fn device_error(path: &str, what: &str, err: std::io::Error) -> CaptureError {
    use CaptureErrorKind::*;
    let (kind, hint) = match err.raw_os_error() {
        Some(libc::ENOENT) => (NotFound, format!("{path} does not exist (is the camera plugged in?)")),
        Some(libc::EACCES) | Some(libc::EPERM) => {
            (PermissionDenied, format!("no permission to open {path}: add the user to the video group (sudo usermod -aG video $USER) and log in again"))
        }
        Some(libc::EBUSY) => (Busy, format!("{path} is busy: another program is using the camera")),
        Some(libc::ENODEV) | Some(libc::ENXIO) => (DeviceGone, format!("{path} is gone (unplugged?)")),
        Some(libc::ENOTTY) => (NotACaptureDevice, format!("{path} is not a V4L2 device")),
        _ => (Io, format!("{path}: {what} failed: {err}")),
    };
    CaptureError::new(kind, hint)
}

impl Device {
    pub fn open(path: &str) -> Result<Device, CaptureError> {
        if path.contains('\0') {
            return Err(CaptureError::new(CaptureErrorKind::InvalidArgument, "device path contains a NUL byte"));
        }
        // O_RDWR | O_NONBLOCK, and std adds O_CLOEXEC.
        let fd: OwnedFd =
            std::fs::OpenOptions::new().read(true).write(true).custom_flags(libc::O_NONBLOCK).open(path).map_err(|e| device_error(path, "open", e))?.into();
        let mut cap: v4l2_capability = Default::default();
        xioctl(fd.as_fd(), VIDIOC_QUERYCAP, &mut cap).map_err(|e| device_error(path, "VIDIOC_QUERYCAP", e))?;
        let caps = if cap.capabilities & CAP_DEVICE_CAPS != 0 { cap.device_caps } else { cap.capabilities };
        if caps & CAP_VIDEO_CAPTURE == 0 || caps & CAP_STREAMING == 0 {
            return Err(CaptureError::new(
                CaptureErrorKind::NotACaptureDevice,
                format!("{path} ({}) is not a video capture device with streaming I/O", c_str(&cap.card)),
            ));
        }
        Ok(Device { fd, path: path.to_string(), card: c_str(&cap.card), driver: c_str(&cap.driver) })
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    pub fn error(&self, what: &str, err: std::io::Error) -> CaptureError {
        device_error(&self.path, what, err)
    }

    /// Pixel formats the device offers, in its order of preference.
    pub fn formats(&self) -> Vec<u32> {
        let mut out = vec![];
        for index in 0..64 {
            let mut d = v4l2_fmtdesc { index, type_: BUF_TYPE_VIDEO_CAPTURE, ..Default::default() };
            if xioctl(self.fd(), VIDIOC_ENUM_FMT, &mut d).is_err() {
                break;
            }
            out.push(d.pixelformat);
        }
        out
    }

    /// Discrete frame sizes for a format (empty for stepwise/continuous devices).
    pub fn frame_sizes(&self, fourcc: u32) -> Vec<(u32, u32)> {
        let mut out = vec![];
        for index in 0..256 {
            let mut s = v4l2_frmsizeenum { index, pixel_format: fourcc, ..Default::default() };
            if xioctl(self.fd(), VIDIOC_ENUM_FRAMESIZES, &mut s).is_err() || s.type_ != FRMSIZE_TYPE_DISCRETE {
                break;
            }
            out.push((s.size[0], s.size[1]));
        }
        out
    }

    /// Discrete frame rates (fps) for a format and size.
    pub fn frame_rates(&self, fourcc: u32, width: u32, height: u32) -> Vec<f64> {
        let mut out = vec![];
        for index in 0..64 {
            let mut i = v4l2_frmivalenum { index, pixel_format: fourcc, width, height, ..Default::default() };
            if xioctl(self.fd(), VIDIOC_ENUM_FRAMEINTERVALS, &mut i).is_err() || i.type_ != FRMIVAL_TYPE_DISCRETE {
                break;
            }
            if i.interval[0] > 0 {
                out.push(i.interval[1] as f64 / i.interval[0] as f64);
            }
        }
        out
    }

    /// S_FMT, returning what the driver actually set (it may adjust size and format).
    pub fn set_format(&self, width: u32, height: u32, fourcc: u32) -> Result<DeviceFormat, CaptureError> {
        let mut f: v4l2_format = zeroed();
        f.type_ = BUF_TYPE_VIDEO_CAPTURE;
        f.fmt.pix = v4l2_pix_format { width, height, pixelformat: fourcc, field: FIELD_ANY, ..Default::default() };
        // SAFETY: a single-planar capture format: the kernel follows no pointer in it (only the
        // overlay types' struct v4l2_window in the union carries addresses).
        unsafe { xioctl_ptr(self.fd(), VIDIOC_S_FMT, &mut f) }.map_err(|e| self.error("VIDIOC_S_FMT", e))?;
        // SAFETY: for a capture type the kernel fills the `pix` member; any bytes are a valid
        // v4l2_pix_format (plain integers).
        let p = unsafe { f.fmt.pix };
        Ok(DeviceFormat { width: p.width, height: p.height, fourcc: p.pixelformat, bytes_per_line: p.bytesperline, size_image: p.sizeimage })
    }

    /// S_PARM. Returns the rate the driver chose, or None when it can't set one (no TIMEPERFRAME).
    pub fn set_rate(&self, fps: f64) -> Result<Option<f64>, CaptureError> {
        let mut p: v4l2_streamparm = zeroed();
        p.type_ = BUF_TYPE_VIDEO_CAPTURE;
        if xioctl(self.fd(), VIDIOC_G_PARM, &mut p).is_err() {
            return Ok(None);
        }
        // SAFETY: G_PARM for a capture type fills the `capture` member; it is plain integers, valid
        // whatever the bytes.
        if unsafe { p.parm.capture.capability } & CAP_TIMEPERFRAME == 0 {
            return Ok(None);
        }
        let denominator = (fps * 1000.0).round().max(1.0) as u32;
        p.parm.capture.timeperframe = v4l2_fract { numerator: 1000, denominator };
        xioctl(self.fd(), VIDIOC_S_PARM, &mut p).map_err(|e| self.error("VIDIOC_S_PARM", e))?;
        // SAFETY: S_PARM writes `capture` back (plain integers, as above).
        let t = unsafe { p.parm.capture.timeperframe };
        Ok((t.numerator > 0).then(|| t.denominator as f64 / t.numerator as f64))
    }

    pub fn controls(&self) -> Vec<Control> {
        let mut out = vec![];
        let mut id = CTRL_FLAG_NEXT_CTRL;
        for _ in 0..1024 {
            let mut q = v4l2_queryctrl { id, ..Default::default() };
            if xioctl(self.fd(), VIDIOC_QUERYCTRL, &mut q).is_err() {
                break;
            }
            id = q.id | CTRL_FLAG_NEXT_CTRL;
            // Control class headers are not controls; disabled controls can't be used.
            if q.flags & CTRL_FLAG_DISABLED != 0 || q.type_ == CTRL_TYPE_CTRL_CLASS {
                continue;
            }
            let mut c = v4l2_control { id: q.id, value: 0 };
            let value = xioctl(self.fd(), VIDIOC_G_CTRL, &mut c).ok().map(|_| c.value);
            let menu = (q.type_ == CTRL_TYPE_MENU || q.type_ == CTRL_TYPE_INTEGER_MENU).then(|| self.menu(&q)).filter(|m| !m.is_empty());
            let label = c_str(&q.name);
            out.push(Control {
                flags: q.flags,
                menu,
                id: q.id,
                name: ctl_name(&label),
                label,
                kind: q.type_,
                minimum: q.minimum,
                maximum: q.maximum,
                step: q.step,
                default: q.default_value,
                value,
            });
        }
        out
    }

    /// The items of a menu control; indexes the driver skips (EINVAL) are gaps, not the end.
    fn menu(&self, q: &v4l2_queryctrl) -> Vec<MenuItem> {
        let mut out = vec![];
        if q.minimum < 0 || q.maximum < q.minimum || q.maximum - q.minimum > 255 {
            return out;
        }
        for index in q.minimum..=q.maximum {
            let mut m = v4l2_querymenu { id: q.id, index: index as u32, ..Default::default() };
            if xioctl(self.fd(), VIDIOC_QUERYMENU, &mut m).is_err() {
                continue;
            }
            let label = if q.type_ == CTRL_TYPE_INTEGER_MENU {
                // The union holds a little-endian __s64 in its first 8 bytes.
                i64::from_le_bytes(m.name[..8].try_into().expect("8 bytes")).to_string()
            } else {
                c_str(&m.name)
            };
            out.push(MenuItem { value: index, label });
        }
        out
    }

    /// S_CTRL's errors mean other things than open's (EACCES is not a missing group membership).
    fn control_error(&self, err: std::io::Error) -> CaptureError {
        use CaptureErrorKind::*;
        match err.raw_os_error() {
            Some(libc::EACCES) | Some(libc::EPERM) => CaptureError::new(
                InvalidArgument,
                format!("{}: the driver refuses this control now (inactive, e.g. a manual value while its automatic mode is on, or read-only)", self.path),
            ),
            Some(libc::EINVAL) | Some(libc::ERANGE) => CaptureError::new(InvalidArgument, format!("{}: the driver refuses this value ({err})", self.path)),
            Some(libc::EBUSY) => CaptureError::new(Busy, format!("{}: the control can't change now (busy: the stream holds it)", self.path)),
            _ => self.error("VIDIOC_S_CTRL", err),
        }
    }

    pub fn set_control(&self, id: u32, value: i32) -> Result<i32, CaptureError> {
        let mut c = v4l2_control { id, value };
        xioctl(self.fd(), VIDIOC_S_CTRL, &mut c).map_err(|e| self.control_error(e))?;
        let mut r = v4l2_control { id, value: 0 };
        xioctl(self.fd(), VIDIOC_G_CTRL, &mut r).map_err(|e| self.error("VIDIOC_G_CTRL", e))?;
        Ok(r.value)
    }
}

/// Turns a user's control name ("Brightness", "brightness", "white_balance_automatic") into a match key.
pub(crate) fn control_key(name: &str) -> String {
    name.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}
