//! Structural look at JPEG bytes: where a frame really ends, its size, which tables it carries.
//! No decoding: this runs on every camera frame.

/// Width and height from the frame header (SOFn).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameSize {
    pub width: u16,
    pub height: u16,
}

/// Length of the JPEG that starts at `data[0]`: up to and including the EOI marker (FFD9) that
/// follows the entropy-coded data. Drivers may report a whole buffer as used, or pad the frame, so
/// trusting `bytesused` is not enough. `None` if there is no SOI or no EOI.
pub fn find_end(data: &[u8]) -> Option<usize> {
    if data.len() < 4 || data[0] != 0xFF || data[1] != 0xD8 {
        return None;
    }
    let mut i = 2;
    // Walk the marker segments up to SOS, so that an FFD9 inside e.g. an embedded EXIF thumbnail
    // is not mistaken for the end.
    while i + 4 <= data.len() {
        if data[i] != 0xFF {
            return scan_for_eoi(data, i);
        }
        let marker = data[i + 1];
        match marker {
            0xFF => i += 1, // fill byte
            0xD9 => return Some(i + 2),
            0xD0..=0xD7 | 0x01 => i += 2,
            0xDA => {
                let len = u16::from_be_bytes([data[i + 2], data[i + 3]]) as usize;
                return scan_for_eoi(data, i + 2 + len);
            }
            _ => i += 2 + u16::from_be_bytes([data[i + 2], data[i + 3]]) as usize,
        }
    }
    None
}

// In entropy-coded data every FF is followed by 00 or a restart marker, so the first FFD9 is the end.
fn scan_for_eoi(data: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i + 1 < data.len() {
        if data[i] == 0xFF && data[i + 1] == 0xD9 {
            return Some(i + 2);
        }
        i += 1;
    }
    None
}

/// Visits the marker segments before the scan, passing (marker, payload) until `visit` returns
/// false. Returns the offset of the SOS marker when the walk got that far over well-formed segments.
fn walk_header(data: &[u8], mut visit: impl FnMut(u8, &[u8]) -> bool) -> Option<usize> {
    if data.len() < 4 || data[0] != 0xFF || data[1] != 0xD8 {
        return None;
    }
    let mut i = 2;
    while i + 4 <= data.len() && data[i] == 0xFF {
        let marker = data[i + 1];
        if marker == 0xFF {
            i += 1;
            continue;
        }
        match marker {
            0xDA => return Some(i),
            0xD9 => return None,
            _ => {}
        }
        let len = u16::from_be_bytes([data[i + 2], data[i + 3]]) as usize;
        if len < 2 || i + 2 + len > data.len() {
            return None;
        }
        if !visit(marker, &data[i + 4..i + 2 + len]) {
            return None;
        }
        i += 2 + len;
    }
    None
}

/// Offset of the SOS marker, if the header before it is well formed.
pub(crate) fn start_of_scan(data: &[u8]) -> Option<usize> {
    walk_header(data, |_, _| true)
}

/// The picture size from the SOFn header, if there is one.
pub fn frame_size(data: &[u8]) -> Option<FrameSize> {
    let mut size = None;
    walk_header(data, |marker, payload| {
        let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof && payload.len() >= 5 {
            size = Some(FrameSize { height: u16::from_be_bytes([payload[1], payload[2]]), width: u16::from_be_bytes([payload[3], payload[4]]) });
            return false;
        }
        true
    });
    size
}

/// Whether the header defines any Huffman table (DHT). Many UVC cameras leave them out.
pub fn has_huffman_tables(data: &[u8]) -> bool {
    let mut found = false;
    walk_header(data, |marker, _| {
        found = marker == 0xC4;
        !found
    });
    found
}
