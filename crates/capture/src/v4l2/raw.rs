//! Raw camera pictures (YUYV, NV12) into the planar layout the JPEG encoder takes.
use crate::jpeg::Planes;

/// A picture for raw frames of `width`×`height`: `vsub` 1 keeps YUYV's 4:2:2 chroma, 2 is NV12's 4:2:0.
pub fn raw_planes(width: usize, height: usize, vsub: usize) -> Planes {
    Planes::filled(width, height, vsub, (0, 128, 128))
}

impl Planes {
    /// De-interleaves YUYV (Y0 U Y1 V). Returns false if `src` is too short.
    pub fn fill_yuyv(&mut self, src: &[u8], bytes_per_line: usize) -> bool {
        let (w, h) = (self.width(), self.height());
        let bpl = bytes_per_line.max(w * 2);
        if src.len() < bpl * (h - 1) + w * 2 {
            return false;
        }
        for row in 0..h {
            let line = &src[row * bpl..row * bpl + w * 2];
            let (y, cb, cr) = self.rows(row);
            for (i, px) in line.chunks_exact(4).enumerate() {
                y[2 * i] = px[0];
                y[2 * i + 1] = px[2];
                cb[i] = px[1];
                cr[i] = px[3];
            }
        }
        true
    }

    /// Splits NV12 (Y plane, then interleaved CbCr at half height). Returns false if `src` is too short.
    pub fn fill_nv12(&mut self, src: &[u8], bytes_per_line: usize) -> bool {
        let (w, h) = (self.width(), self.height());
        let bpl = bytes_per_line.max(w);
        let c_rows = h.div_ceil(2);
        if src.len() < bpl * h + bpl * (c_rows - 1) + w {
            return false;
        }
        for row in 0..h {
            self.luma_row(row).copy_from_slice(&src[row * bpl..row * bpl + w]);
        }
        let chroma = &src[bpl * h..];
        for row in 0..c_rows {
            let line = &chroma[row * bpl..row * bpl + w.div_ceil(2) * 2];
            let (cb, cr) = self.chroma_row(row);
            for (i, pair) in line.chunks_exact(2).enumerate() {
                cb[i] = pair[0];
                cr[i] = pair[1];
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jpeg::{frame_size, Encoder, FrameSize};

    #[test]
    fn yuyv_and_nv12_pictures_encode_to_jpegs_of_their_size() {
        let (w, h) = (64usize, 48usize);
        let yuyv: Vec<u8> = (0..w * h * 2).map(|i| (i % 251) as u8).collect();
        let mut p = raw_planes(w, h, 1);
        assert!(p.fill_yuyv(&yuyv, w * 2));
        assert!(!p.fill_yuyv(&yuyv[..100], w * 2), "short buffer refused");
        let mut out = vec![0; 64 * 1024];
        let n = Encoder::new(80).encode(&p.image(), &mut out).unwrap();
        assert_eq!(frame_size(&out[..n]), Some(FrameSize { width: 64, height: 48 }));

        let nv12: Vec<u8> = (0..w * h * 3 / 2).map(|i| (i % 253) as u8).collect();
        let mut p = raw_planes(w, h, 2);
        assert!(p.fill_nv12(&nv12, w));
        let n = Encoder::new(80).encode(&p.image(), &mut out).unwrap();
        assert_eq!(frame_size(&out[..n]), Some(FrameSize { width: 64, height: 48 }));
    }
}
