//! An owned planar YCbCr picture in the layout the encoder takes, reused frame after frame: drawn on
//! by the test pattern and the offline picture (pattern/draw.rs), filled from raw camera frames
//! (v4l2/raw.rs).
use super::encode::PlanarImage;

/// Full-size luma and half-width chroma at 1/`vsub` height, strides padded to 16 pixels (libjpeg
/// reads whole blocks).
#[derive(Clone)]
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
    /// A `width`×`height` picture with every sample (padding included) set to `(y, cb, cr)`. `vsub` 2
    /// is 4:2:0 (NV12, drawn pictures), 1 keeps YUYV's 4:2:2.
    pub fn filled(width: usize, height: usize, vsub: usize, (y, cb, cr): (u8, u8, u8)) -> Planes {
        assert!(vsub == 1 || vsub == 2, "vertical chroma subsampling is 1 or 2");
        let y_stride = width.div_ceil(16) * 16;
        let c_stride = y_stride / 2;
        let c_rows = height.div_ceil(vsub);
        Planes { width, height, vsub, y_stride, c_stride, y: vec![y; y_stride * height], cb: vec![cb; c_stride * c_rows], cr: vec![cr; c_stride * c_rows] }
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn height(&self) -> usize {
        self.height
    }

    /// Luma rows per chroma row.
    pub fn vsub(&self) -> usize {
        self.vsub
    }

    /// The `width` visible luma samples of `row`.
    pub fn luma_row(&mut self, row: usize) -> &mut [u8] {
        let start = row * self.y_stride;
        &mut self.y[start..start + self.width]
    }

    /// Chroma row `row` (Cb, Cr), each a whole stride (at least half the width, rounded up).
    pub fn chroma_row(&mut self, row: usize) -> (&mut [u8], &mut [u8]) {
        let start = row * self.c_stride;
        (&mut self.cb[start..start + self.c_stride], &mut self.cr[start..start + self.c_stride])
    }

    /// Luma row `row` (as `luma_row`) with the chroma row it shares (as `chroma_row`), at once.
    pub fn rows(&mut self, row: usize) -> (&mut [u8], &mut [u8], &mut [u8]) {
        let (ys, cs) = (row * self.y_stride, (row / self.vsub) * self.c_stride);
        (&mut self.y[ys..ys + self.width], &mut self.cb[cs..cs + self.c_stride], &mut self.cr[cs..cs + self.c_stride])
    }

    /// Every chroma sample, padding included.
    pub fn fill_chroma(&mut self, cb: u8, cr: u8) {
        self.cb.fill(cb);
        self.cr.fill(cr);
    }

    /// The picture as the encoder takes it.
    pub fn image(&self) -> PlanarImage<'_> {
        PlanarImage {
            width: self.width,
            height: self.height,
            y: &self.y,
            cb: &self.cb,
            cr: &self.cr,
            y_stride: self.y_stride,
            c_stride: self.c_stride,
            vsub: self.vsub,
        }
    }
}
