//! Raw camera pictures (YUYV, NV12) to the planar layout the JPEG encoder takes.
use crate::jpeg::PlanarImage;

/// Planar buffers with strides padded to 16 pixels, reused frame after frame.
pub struct Planes {
    width: usize,
    height: usize,
    vsub: usize,
    y_stride: usize,
    c_stride: usize,
    y: Vec<u8>,
    cb: Vec<u8>,
    cr: Vec<u8>,
}

impl Planes {
    /// `vsub` 1 keeps YUYV's 4:2:2 chroma; 2 is NV12's 4:2:0.
    pub fn new(width: usize, height: usize, vsub: usize) -> Planes {
        let y_stride = width.div_ceil(16) * 16;
        let c_stride = y_stride / 2;
        let c_rows = height.div_ceil(vsub);
        Planes { width, height, vsub, y_stride, c_stride, y: vec![0; y_stride * height], cb: vec![128; c_stride * c_rows], cr: vec![128; c_stride * c_rows] }
    }

    pub fn image(&self) -> PlanarImage<'_> {
        PlanarImage { width: self.width, height: self.height, y: &self.y, cb: &self.cb, cr: &self.cr, y_stride: self.y_stride, c_stride: self.c_stride, vsub: self.vsub }
    }

    /// De-interleaves YUYV (Y0 U Y1 V). Returns false if `src` is too short.
    pub fn fill_yuyv(&mut self, src: &[u8], bytes_per_line: usize) -> bool {
        let (w, h) = (self.width, self.height);
        let bpl = bytes_per_line.max(w * 2);
        if src.len() < bpl * (h - 1) + w * 2 {
            return false;
        }
        for row in 0..h {
            let line = &src[row * bpl..row * bpl + w * 2];
            let y = &mut self.y[row * self.y_stride..row * self.y_stride + w];
            let cb = &mut self.cb[row * self.c_stride..];
            let cr = &mut self.cr[row * self.c_stride..];
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
        let (w, h) = (self.width, self.height);
        let bpl = bytes_per_line.max(w);
        let c_rows = h.div_ceil(2);
        if src.len() < bpl * h + bpl * (c_rows - 1) + w {
            return false;
        }
        for row in 0..h {
            self.y[row * self.y_stride..row * self.y_stride + w].copy_from_slice(&src[row * bpl..row * bpl + w]);
        }
        let chroma = &src[bpl * h..];
        for row in 0..c_rows {
            let line = &chroma[row * bpl..row * bpl + w.div_ceil(2) * 2];
            for (i, pair) in line.chunks_exact(2).enumerate() {
                self.cb[row * self.c_stride + i] = pair[0];
                self.cr[row * self.c_stride + i] = pair[1];
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
        let mut p = Planes::new(w, h, 1);
        assert!(p.fill_yuyv(&yuyv, w * 2));
        assert!(!p.fill_yuyv(&yuyv[..100], w * 2), "short buffer refused");
        let mut out = vec![0; 64 * 1024];
        let n = Encoder::new(80).encode(&p.image(), &mut out).unwrap();
        assert_eq!(frame_size(&out[..n]), Some(FrameSize { width: 64, height: 48 }));

        let nv12: Vec<u8> = (0..w * h * 3 / 2).map(|i| (i % 253) as u8).collect();
        let mut p = Planes::new(w, h, 2);
        assert!(p.fill_nv12(&nv12, w));
        let n = Encoder::new(80).encode(&p.image(), &mut out).unwrap();
        assert_eq!(frame_size(&out[..n]), Some(FrameSize { width: 64, height: 48 }));
    }
}
