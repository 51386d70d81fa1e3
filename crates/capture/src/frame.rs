//! What a source hands over for each captured picture.

/// One captured JPEG, living in a slot of its source's buffer pool until released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    /// Index of the pool slot holding the JPEG.
    pub slot: u32,
    /// Where the JPEG starts inside the slot. Pools with headroom leave space in front so that the
    /// multipart part header can be written there and a part goes out in one write.
    pub offset: u32,
    /// JPEG length in bytes (SOI through EOI).
    pub length: u32,
    /// Capture sequence number, increasing by one per captured picture (gaps = dropped pictures).
    pub seq: u64,
    /// Capture time, microseconds since the Unix epoch (wall clock, comparable across processes).
    pub timestamp_us: u64,
}

/// Microseconds since the Unix epoch, now.
pub fn now_us() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_micros() as u64).unwrap_or(0)
}
