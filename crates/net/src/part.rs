//! The multipart part around one JPEG, as the capture thread writes it to direct viewers. Byte for
//! byte what src/stream/multipart.ts and src/stream/part.ts write (the JS side finishes a part the
//! capture thread started, so the two must agree): the part header, the JPEG, the next delimiter.

/// The delimiter sent right after each JPEG (in the same write), so clients show a frame at once.
pub const TRAILER: &[u8] = b"\r\n--mjpgdframe\r\n";
/// The longest part header (a 10-digit length, a 20-digit seconds count).
pub const MAX_HEADER: usize = 128;

const HEAD_A: &[u8] = b"Content-Type: image/jpeg\r\nContent-Length: ";
const HEAD_B: &[u8] = b"\r\nX-Timestamp: ";
const HEAD_END: &[u8] = b"\r\n\r\n";

fn digits(mut n: u64) -> usize {
    let mut d = 1;
    while n >= 10 {
        n /= 10;
        d += 1;
    }
    d
}

fn put_decimal(out: &mut [u8], mut n: u64) {
    for b in out.iter_mut().rev() {
        *b = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

/// Bytes of the part header for a JPEG of `length` bytes captured at `timestamp_us`.
pub fn header_len(length: usize, timestamp_us: u64) -> usize {
    HEAD_A.len() + digits(length as u64) + HEAD_B.len() + digits(timestamp_us / 1_000_000) + 7 + HEAD_END.len()
}

/// Writes the part header into the start of `out` (at least `header_len` bytes); returns its length.
/// `X-Timestamp` is seconds with microseconds, the form ustreamer uses.
pub fn write_header(out: &mut [u8], length: usize, timestamp_us: u64) -> usize {
    let mut p = 0;
    let mut put = |bytes: &[u8], out: &mut [u8]| {
        out[p..p + bytes.len()].copy_from_slice(bytes);
        p += bytes.len();
    };
    put(HEAD_A, out);
    let mut number = [0u8; 20];
    let d = digits(length as u64);
    put_decimal(&mut number[..d], length as u64);
    put(&number[..d], out);
    put(HEAD_B, out);
    let (s, us) = (timestamp_us / 1_000_000, timestamp_us % 1_000_000);
    let d = digits(s);
    put_decimal(&mut number[..d], s);
    put(&number[..d], out);
    put(b".", out);
    put_decimal(&mut number[..6], us);
    put(&number[..6], out);
    put(HEAD_END, out);
    p
}

/// One part as up to three slices, in order.
pub struct Part<'a> {
    pieces: [&'a [u8]; 3],
    count: usize,
}

impl<'a> Part<'a> {
    pub fn pieces(&self) -> &[&'a [u8]] {
        &self.pieces[..self.count]
    }

    pub fn len(&self) -> usize {
        self.pieces().iter().map(|p| p.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The part of the JPEG `mem[at..at + length]`, laid out in place: the header goes into the room in
    /// front of the JPEG and the delimiter into the room behind it where `mem` has that room (one
    /// piece), else the header into `spare` and the delimiter as a piece of its own.
    pub fn around(mem: &'a mut [u8], at: usize, length: usize, timestamp_us: u64, spare: &'a mut [u8; MAX_HEADER]) -> Part<'a> {
        let header = header_len(length, timestamp_us);
        let end = at + length;
        let trailer_fits = mem.len() - end >= TRAILER.len();
        let stop = if trailer_fits { end + TRAILER.len() } else { end };
        if trailer_fits {
            mem[end..stop].copy_from_slice(TRAILER);
        }
        let in_front = at >= header;
        if in_front {
            write_header(&mut mem[at - header..at], length, timestamp_us);
        }
        let mem: &'a [u8] = mem;
        let tail: &'a [u8] = if trailer_fits { &[] } else { TRAILER };
        if in_front {
            Part::of([&mem[at - header..stop], tail, &[]])
        } else {
            let n = write_header(spare, length, timestamp_us);
            Part::of([&spare[..n], &mem[at..stop], tail])
        }
    }

    /// The part of a JPEG that has no room around it (an offline or paused picture).
    pub fn of_jpeg(jpeg: &'a [u8], timestamp_us: u64, spare: &'a mut [u8; MAX_HEADER]) -> Part<'a> {
        let n = write_header(spare, jpeg.len(), timestamp_us);
        Part::of([&spare[..n], jpeg, TRAILER])
    }

    fn of(list: [&'a [u8]; 3]) -> Part<'a> {
        let mut pieces: [&'a [u8]; 3] = [&[]; 3];
        let mut count = 0;
        for p in list.into_iter().filter(|p| !p.is_empty()) {
            pieces[count] = p;
            count += 1;
        }
        Part { pieces, count }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(p: &Part) -> Vec<u8> {
        p.pieces().concat()
    }

    const EXPECTED: &[u8] = b"Content-Type: image/jpeg\r\nContent-Length: 5\r\nX-Timestamp: 1700000000.000042\r\n\r\nJPEG!\r\n--mjpgdframe\r\n";

    #[test]
    fn the_header_is_what_the_js_side_writes() {
        let mut out = [0u8; MAX_HEADER];
        let n = write_header(&mut out, 38_912, 1_764_626_400_123_456);
        assert_eq!(&out[..n], b"Content-Type: image/jpeg\r\nContent-Length: 38912\r\nX-Timestamp: 1764626400.123456\r\n\r\n");
        assert_eq!(n, header_len(38_912, 1_764_626_400_123_456));
        assert!(header_len(u32::MAX as usize, u64::MAX) <= MAX_HEADER);
    }

    #[test]
    fn a_part_with_room_around_it_is_one_piece_and_without_it_three() {
        let mut spare = [0u8; MAX_HEADER];
        let mut roomy = vec![0u8; 128 + 5 + 16];
        roomy[128..133].copy_from_slice(b"JPEG!");
        let part = Part::around(&mut roomy, 128, 5, 1_700_000_000_000_042, &mut spare);
        assert_eq!(part.pieces().len(), 1);
        assert_eq!(joined(&part), EXPECTED);

        let mut spare = [0u8; MAX_HEADER];
        let mut tight = b"JPEG!".to_vec();
        let part = Part::around(&mut tight, 0, 5, 1_700_000_000_000_042, &mut spare);
        assert_eq!(part.pieces().len(), 3);
        assert_eq!(joined(&part), EXPECTED);
        assert_eq!(part.len(), EXPECTED.len());

        let mut spare = [0u8; MAX_HEADER];
        let part = Part::of_jpeg(b"JPEG!", 1_700_000_000_000_042, &mut spare);
        assert_eq!(joined(&part), EXPECTED);
    }
}
