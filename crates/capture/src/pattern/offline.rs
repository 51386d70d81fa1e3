//! The picture viewers see while their camera is missing, with the reason in words.
use super::draw::{canvas, rgb, text_height, text_width, WHITE};
use crate::jpeg::{EncodeError, Encoder};

/// Renders "CAMERA OFFLINE" with `reason` (wrapped to fit) into `out`; returns the JPEG length.
pub fn render_offline(encoder: &mut Encoder, width: usize, height: usize, title: &str, reason: &str, out: &mut [u8]) -> Result<usize, EncodeError> {
    let mut canvas = canvas(width, height);
    let (_, cb, cr) = rgb(60, 20, 20);
    canvas.fill_ramp(30, 60, (cb, cr));
    let title_scale = (width / 160).max(1);
    let x = width / 16;
    let mut y = height / 6;
    canvas.draw_text(x, y, title_scale, title, WHITE);
    y += text_height(title_scale) * 2;
    let scale = (title_scale / 2).max(1);
    let per_line = ((width - 2 * x) / text_width("x", scale)).max(1);
    for line in wrap(reason, per_line) {
        if y + text_height(scale) >= height {
            break;
        }
        canvas.draw_text(x, y, scale, &line, rgb(255, 210, 120));
        y += text_height(scale) * 3 / 2;
    }
    encoder.encode(&canvas.image(), out)
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let current = lines.last_mut().unwrap();
        if !current.is_empty() && current.len() + 1 + word.len() > width {
            lines.push(String::new());
        }
        let current = lines.last_mut().unwrap();
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jpeg::{find_end, frame_size, FrameSize};

    #[test]
    fn offline_picture_is_a_jpeg_of_the_camera_size() {
        let mut out = vec![0; 512 * 1024];
        let mut enc = Encoder::new(80);
        let n = render_offline(&mut enc, 640, 480, "CAMERA OFFLINE", "no such device /dev/video9", &mut out).unwrap();
        assert_eq!(find_end(&out[..n]), Some(n));
        assert_eq!(frame_size(&out[..n]), Some(FrameSize { width: 640, height: 480 }));
    }

    #[test]
    fn wrap_breaks_on_words() {
        assert_eq!(wrap("aa bb cc", 5), vec!["aa bb", "cc"]);
    }
}
