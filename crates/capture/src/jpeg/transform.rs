//! Lossless rotate and flip of a JPEG (DCT domain, TurboJPEG's tjTransform through csrc/transform.c).
use std::os::raw::{c_char, c_int};

/// The eight lossless orientations, as TurboJPEG numbers them (TJXOP_*).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    None = 0,
    FlipH = 1,
    FlipV = 2,
    Transpose = 3,
    Transverse = 4,
    Rotate90 = 5,
    Rotate180 = 6,
    Rotate270 = 7,
}

impl Transform {
    /// "none", "rotate90", "rotate180", "rotate270", "fliph", "flipv", "transpose", "transverse".
    pub fn parse(name: &str) -> Option<Transform> {
        use Transform::*;
        Some(match name {
            "none" => None,
            "fliph" => FlipH,
            "flipv" => FlipV,
            "transpose" => Transpose,
            "transverse" => Transverse,
            "rotate90" => Rotate90,
            "rotate180" => Rotate180,
            "rotate270" => Rotate270,
            _ => return Option::None,
        })
    }

    /// Whether width and height trade places.
    pub fn swaps_sides(self) -> bool {
        matches!(self, Transform::Transpose | Transform::Transverse | Transform::Rotate90 | Transform::Rotate270)
    }
}

extern "C" {
    fn mjpgd_transform_bound(input: *const u8, len: usize, err: *mut c_char, err_len: usize) -> usize;
    fn mjpgd_transform(input: *const u8, len: usize, op: c_int, out: *mut u8, cap: usize, err: *mut c_char, err_len: usize) -> usize;
}

fn message(err: &[u8]) -> String {
    let end = err.iter().position(|&b| b == 0).unwrap_or(err.len());
    String::from_utf8_lossy(&err[..end]).into_owned()
}

/// `jpeg` turned by `t`, as a new JPEG. Edge blocks that can't move losslessly (sides that aren't a
/// multiple of the MCU size) are trimmed. Errors say what TurboJPEG found wrong with the input.
pub fn transform_jpeg(jpeg: &[u8], t: Transform) -> Result<Vec<u8>, String> {
    let mut err = [0u8; 200];
    // SAFETY: `jpeg` is a valid slice for its length; `err` is a writable buffer of the length
    // passed; the shim reads only within those bounds and keeps no pointer after it returns.
    let cap = unsafe { mjpgd_transform_bound(jpeg.as_ptr(), jpeg.len(), err.as_mut_ptr().cast(), err.len()) };
    if cap == 0 {
        return Err(format!("not a JPEG TurboJPEG can read: {}", message(&err)));
    }
    let mut out = vec![0u8; cap];
    // SAFETY: as above, and `out` is `cap` writable bytes; TJFLAG_NOREALLOC in the shim keeps
    // TurboJPEG from replacing or freeing it, so the output is within `out` or the call fails.
    let n = unsafe { mjpgd_transform(jpeg.as_ptr(), jpeg.len(), t as c_int, out.as_mut_ptr(), cap, err.as_mut_ptr().cast(), err.len()) };
    if n == 0 {
        return Err(format!("lossless transform failed: {}", message(&err)));
    }
    out.truncate(n);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jpeg::{frame_size, Encoder};
    use crate::pattern::render_offline;

    fn picture(w: usize, h: usize) -> Vec<u8> {
        let mut out = vec![0u8; w * h + 64 * 1024];
        let n = render_offline(&mut Encoder::new(80), w, h, "TRANSFORM", "test", &mut out).expect("render");
        out.truncate(n);
        out
    }

    fn size(jpeg: &[u8]) -> (u32, u32) {
        let s = frame_size(jpeg).expect("a JPEG with a frame header");
        (s.width as u32, s.height as u32)
    }

    #[test]
    fn rotations_swap_sides_and_flips_keep_them() {
        let src = picture(640, 480);
        for (t, want) in [
            (Transform::Rotate90, (480, 640)),
            (Transform::Rotate270, (480, 640)),
            (Transform::Transpose, (480, 640)),
            (Transform::Rotate180, (640, 480)),
            (Transform::FlipH, (640, 480)),
            (Transform::FlipV, (640, 480)),
        ] {
            let out = transform_jpeg(&src, t).unwrap_or_else(|e| panic!("{t:?}: {e}"));
            assert_eq!(size(&out), want, "{t:?}");
            assert_eq!(t.swaps_sides(), want.0 == 480, "{t:?}");
            assert_eq!(&out[..2], &[0xff, 0xd8]);
            assert_eq!(&out[out.len() - 2..], &[0xff, 0xd9]);
        }
    }

    #[test]
    fn four_quarter_turns_give_the_same_coefficients_back() {
        // DCT-domain and lossless: turning back gives the original picture; compare the two
        // turned-back encodings of it (the original's tables may be ordered differently).
        let src = picture(320, 240);
        let once = transform_jpeg(&transform_jpeg(&src, Transform::Rotate180).unwrap(), Transform::Rotate180).unwrap();
        let mut four = src.clone();
        for _ in 0..4 {
            four = transform_jpeg(&four, Transform::Rotate90).unwrap();
        }
        assert_eq!(once, four);
        assert_ne!(transform_jpeg(&src, Transform::Rotate180).unwrap(), once, "a half turn changes the picture");
    }

    #[test]
    fn names_and_bad_input() {
        assert_eq!(Transform::parse("rotate90"), Some(Transform::Rotate90));
        assert_eq!(Transform::parse("sideways"), None);
        assert!(transform_jpeg(b"not a jpeg at all", Transform::Rotate90).unwrap_err().starts_with("not a JPEG"));
        assert!(transform_jpeg(&[], Transform::FlipH).is_err());
    }
}
