//! Encoding planar YCbCr to JPEG with the system libjpeg-turbo, through csrc/encoder.c.
use std::ffi::{c_void, CStr};
use std::os::raw::{c_char, c_int, c_long};

extern "C" {
    fn mjpgd_encoder_new() -> *mut c_void;
    fn mjpgd_encoder_free(handle: *mut c_void);
    fn mjpgd_encoder_error(handle: *mut c_void) -> *const c_char;
    fn mjpgd_encode_planar(
        handle: *mut c_void,
        y: *const u8,
        cb: *const u8,
        cr: *const u8,
        width: c_int,
        height: c_int,
        y_stride: c_int,
        c_stride: c_int,
        vsub: c_int,
        quality: c_int,
        out: *mut u8,
        cap: usize,
    ) -> c_long;
}

/// A borrowed planar picture: full-size luma, chroma at half width and 1/`vsub` height.
/// Strides must cover the width rounded up to 16 (luma) / 8 (chroma) pixels: libjpeg reads whole blocks.
pub struct PlanarImage<'a> {
    pub width: usize,
    pub height: usize,
    pub y: &'a [u8],
    pub cb: &'a [u8],
    pub cr: &'a [u8],
    pub y_stride: usize,
    pub c_stride: usize,
    /// 2 for 4:2:0, 1 for 4:2:2.
    pub vsub: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncodeError {
    /// The output buffer was too small for the encoded picture.
    OutputTooSmall {
        capacity: usize,
    },
    /// The planes are smaller than width, height and strides require.
    BadPlanes(String),
    Libjpeg(String),
}

impl std::fmt::Display for EncodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EncodeError::OutputTooSmall { capacity } => {
                write!(f, "encoded JPEG does not fit in {capacity} bytes")
            }
            EncodeError::BadPlanes(why) => write!(f, "bad picture planes: {why}"),
            EncodeError::Libjpeg(msg) => write!(f, "libjpeg: {msg}"),
        }
    }
}

impl std::error::Error for EncodeError {}

/// One libjpeg compressor, reused frame after frame (set-up is done only when size or quality change).
pub struct Encoder {
    handle: *mut c_void,
    quality: u8,
}

// SAFETY: the handle is a heap object of its own (libjpeg keeps no thread-local state), used only
// through &mut self, so moving the Encoder to the capture thread hands all of it over.
unsafe impl Send for Encoder {}

impl Encoder {
    pub fn new(quality: u8) -> Encoder {
        // SAFETY: takes nothing; returns a new handle owned by this Encoder, or null (checked).
        let handle = unsafe { mjpgd_encoder_new() };
        assert!(!handle.is_null(), "libjpeg compressor could not be created (out of memory)");
        Encoder { handle, quality: quality.clamp(1, 100) }
    }

    /// Encodes `img` into `out`, returning the JPEG's length.
    pub fn encode(&mut self, img: &PlanarImage, out: &mut [u8]) -> Result<usize, EncodeError> {
        check_planes(img)?;
        // SAFETY: the handle is live and ours alone (&mut self). check_planes guarantees every plane
        // holds stride × rows bytes with strides covering the width rounded up to 16, which is all
        // the encoder reads; it writes at most `out.len()` bytes into `out` and keeps no pointer.
        let n = unsafe {
            mjpgd_encode_planar(
                self.handle,
                img.y.as_ptr(),
                img.cb.as_ptr(),
                img.cr.as_ptr(),
                img.width as c_int,
                img.height as c_int,
                img.y_stride as c_int,
                img.c_stride as c_int,
                img.vsub as c_int,
                self.quality as c_int,
                out.as_mut_ptr(),
                out.len(),
            )
        };
        match n {
            -2 => Err(EncodeError::OutputTooSmall { capacity: out.len() }),
            n if n < 0 => {
                // SAFETY: the handle is live; its message is a NUL-terminated buffer inside it, copied
                // out before the handle is used again.
                let msg = unsafe { CStr::from_ptr(mjpgd_encoder_error(self.handle)) };
                Err(EncodeError::Libjpeg(msg.to_string_lossy().into_owned()))
            }
            n => Ok(n as usize),
        }
    }
}

impl Drop for Encoder {
    fn drop(&mut self) {
        // SAFETY: the handle came from mjpgd_encoder_new and is freed once, here.
        unsafe { mjpgd_encoder_free(self.handle) }
    }
}

fn check_planes(img: &PlanarImage) -> Result<(), EncodeError> {
    let bad = |why: String| Err(EncodeError::BadPlanes(why));
    if img.width == 0 || img.height == 0 || img.width > 16384 || img.height > 16384 {
        return bad(format!("size {}x{} out of range", img.width, img.height));
    }
    if img.vsub != 1 && img.vsub != 2 {
        return bad(format!("vertical subsampling {} (expected 1 or 2)", img.vsub));
    }
    let padded_w = img.width.div_ceil(16) * 16;
    if img.y_stride < padded_w || img.c_stride < padded_w / 2 {
        return bad("strides must cover the width rounded up to 16".into());
    }
    let chroma_h = img.height.div_ceil(img.vsub);
    if img.y.len() < img.y_stride * img.height || img.cb.len() < img.c_stride * chroma_h || img.cr.len() < img.c_stride * chroma_h {
        return bad("planes shorter than stride x height".into());
    }
    Ok(())
}
