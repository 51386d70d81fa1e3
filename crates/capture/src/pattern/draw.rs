//! Drawing on a picture: rectangles, ramps and 5x7 text, in JPEG's YCbCr.
use super::font::{glyph, GLYPH_H, GLYPH_W};
use crate::jpeg::Planes;

/// A colour as (Y, Cb, Cr), full-range BT.601 as JPEG uses.
pub type Ycc = (u8, u8, u8);

pub const WHITE: Ycc = (235, 128, 128);
pub const BLACK: Ycc = (16, 128, 128);

/// Converts 8-bit RGB to JPEG's YCbCr.
pub const fn rgb(r: u8, g: u8, b: u8) -> Ycc {
    let (r, g, b) = (r as i32, g as i32, b as i32);
    let y = (77 * r + 150 * g + 29 * b) >> 8;
    let cb = ((-43 * r - 85 * g + 128 * b) >> 8) + 128;
    let cr = ((128 * r - 107 * g - 21 * b) >> 8) + 128;
    (y as u8, cb as u8, cr as u8)
}

/// A black 4:2:0 picture to draw on.
pub fn canvas(width: usize, height: usize) -> Planes {
    Planes::filled(width, height, 2, BLACK)
}

impl Planes {
    /// Fills a rectangle, clipped to the picture.
    pub fn fill_rect(&mut self, x: usize, y: usize, w: usize, h: usize, color: Ycc) {
        let (x1, y1) = ((x + w).min(self.width()), (y + h).min(self.height()));
        if x >= x1 || y >= y1 {
            return;
        }
        for row in y..y1 {
            self.luma_row(row)[x..x1].fill(color.0);
        }
        let vsub = self.vsub();
        for row in y / vsub..y1.div_ceil(vsub) {
            let (cb, cr) = self.chroma_row(row);
            cb[x / 2..x1.div_ceil(2)].fill(color.1);
            cr[x / 2..x1.div_ceil(2)].fill(color.2);
        }
    }

    /// Fills the picture with a horizontal luma ramp between two colours' chroma.
    pub fn fill_ramp(&mut self, from: u8, to: u8, chroma: (u8, u8)) {
        let w = self.width().max(2) - 1;
        for row in 0..self.height() {
            for (x, px) in self.luma_row(row).iter_mut().enumerate() {
                *px = (from as usize + (to as usize - from as usize) * x / w) as u8;
            }
        }
        self.fill_chroma(chroma.0, chroma.1);
    }

    /// Draws text with the 5x7 font, each font pixel `scale` pixels wide. Returns the width drawn.
    pub fn draw_text(&mut self, x: usize, y: usize, scale: usize, text: &str, color: Ycc) -> usize {
        let advance = (GLYPH_W + 1) * scale;
        for (i, c) in text.chars().enumerate() {
            let gx = x + i * advance;
            for (r, bits) in glyph(c).iter().enumerate() {
                for col in 0..GLYPH_W {
                    if bits & (0x10 >> col) != 0 {
                        self.fill_rect(gx + col * scale, y + r * scale, scale, scale, color);
                    }
                }
            }
        }
        text.chars().count() * advance
    }
}

/// Width in pixels that `draw_text` would use.
pub fn text_width(text: &str, scale: usize) -> usize {
    text.chars().count() * (GLYPH_W + 1) * scale
}

pub fn text_height(scale: usize) -> usize {
    GLYPH_H * scale
}
