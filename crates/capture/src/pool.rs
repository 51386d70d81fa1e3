//! A fixed pool of frame buffers shared between the capture thread and JS.
//!
//! Each slot is owned by exactly one side at a time, tracked by an atomic state: the producer claims a
//! FREE slot (a `Claim`, the only way to write it), fills it and leases it to the consumer, or drops
//! the claim and the slot is FREE again; the consumer releases a leased slot back to FREE. The memory
//! is allocated once and never moves, so JS can wrap each slot once as an external Buffer.
use crate::frame::Frame;
use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicU8, Ordering};

const FREE: u8 = 0;
const FILLING: u8 = 1;
const LEASED: u8 = 2;

/// Bytes kept free in front of every JPEG for the multipart part header.
pub const HEADROOM: usize = 256;
/// Bytes kept free after every JPEG for the part's closing CRLF.
pub const TAILROOM: usize = 16;

pub struct SlotPool {
    slots: Box<[Slot]>,
    capacity: usize,
}

struct Slot {
    /// Written by the claimer through `Claim`, and by JS (the part header) through the raw address
    /// while leased: hence UnsafeCell, never a plain `[u8]` behind `&self`.
    mem: Box<[UnsafeCell<u8>]>,
    state: AtomicU8,
}

// SAFETY: a slot's bytes are touched by one side at a time: by the holder of its `Claim` (FILLING,
// won by a compare-exchange, so one claimer) or by the consumer while LEASED; the Release stores of
// `lease`/`release` and the Acquire loads that win a slot order the accesses. Everything else in the
// pool is immutable or atomic.
unsafe impl Sync for SlotPool {}

impl SlotPool {
    /// `count` slots of `capacity` bytes each (headroom and tailroom included).
    pub fn new(count: usize, capacity: usize) -> SlotPool {
        assert!(count > 0 && capacity > HEADROOM + TAILROOM);
        let slots = (0..count).map(|_| Slot { mem: (0..capacity).map(|_| UnsafeCell::new(0)).collect(), state: AtomicU8::new(FREE) }).collect();
        SlotPool { slots, capacity }
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Raw address of a slot, for wrapping it once as external memory. Its bytes may be read or
    /// written through it only while the slot is leased to the one doing so.
    pub fn slot_ptr(&self, slot: usize) -> *mut u8 {
        // UnsafeCell<u8> has u8's layout, and writing through a pointer derived from it is allowed.
        UnsafeCell::raw_get(self.slots[slot].mem.as_ptr())
    }

    /// Claims a free slot for filling; `None` when the consumer holds them all.
    pub fn claim(&self) -> Option<Claim<'_>> {
        let index = self.slots.iter().position(|s| s.state.compare_exchange(FREE, FILLING, Ordering::Acquire, Ordering::Relaxed).is_ok())?;
        Some(Claim { pool: self, index })
    }

    /// Returns a leased slot. Returns false (and changes nothing) if the slot was not leased, so a
    /// double release from JS can't free a slot that is being filled.
    pub fn release(&self, slot: usize) -> bool {
        self.slots.get(slot).is_some_and(|s| s.state.compare_exchange(LEASED, FREE, Ordering::AcqRel, Ordering::Relaxed).is_ok())
    }

    /// Number of slots currently leased to the consumer.
    pub fn leased(&self) -> usize {
        self.slots.iter().filter(|s| s.state.load(Ordering::Relaxed) == LEASED).count()
    }
}

/// A slot being filled: the producer's exclusive hold on it. `lease` hands it to the consumer;
/// dropping the claim instead (a failed encode, an error on the way) makes the slot free again.
pub struct Claim<'a> {
    pool: &'a SlotPool,
    index: usize,
}

impl Claim<'_> {
    /// The slot's index in its pool.
    pub fn index(&self) -> usize {
        self.index
    }

    /// Where the JPEG goes: the slot between its headroom and its tailroom.
    pub fn room(&mut self) -> &mut [u8] {
        let len = self.pool.capacity - HEADROOM - TAILROOM;
        // SAFETY: the slot is FILLING and this claim won it, so no other claim, and no consumer (it
        // only touches LEASED slots), reaches these bytes until `lease` or drop; `&mut self` keeps
        // a single slice alive at a time. The range lies inside the slot (capacity > HEADROOM +
        // TAILROOM, checked in `new`), and the UnsafeCells allow writing through `&SlotPool`.
        unsafe { std::slice::from_raw_parts_mut(self.pool.slot_ptr(self.index).add(HEADROOM), len) }
    }

    /// Hands the slot to the consumer with a JPEG of `length` bytes at the start of the room; the
    /// frame names the slot by its index in this pool.
    pub fn lease(self, length: usize, seq: u64, timestamp_us: u64) -> Frame {
        assert!(length <= self.pool.capacity - HEADROOM - TAILROOM, "a JPEG lies inside its slot's room");
        let frame = Frame { slot: self.index as u32, offset: HEADROOM as u32, length: length as u32, seq, timestamp_us };
        self.pool.slots[self.index].state.store(LEASED, Ordering::Release);
        std::mem::forget(self);
        frame
    }
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        self.pool.slots[self.index].state.store(FREE, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_cycle_through_claim_lease_release() {
        let pool = SlotPool::new(2, 1024);
        let a = pool.claim().unwrap();
        let b = pool.claim().unwrap();
        let (ia, ib) = (a.index(), b.index());
        assert_ne!(ia, ib);
        assert!(pool.claim().is_none(), "both slots taken");
        a.lease(10, 0, 0);
        b.lease(10, 1, 0);
        assert_eq!(pool.leased(), 2);
        assert!(pool.release(ia));
        assert!(!pool.release(ia), "double release is refused");
        assert_eq!(pool.leased(), 1);
        let again = pool.claim().unwrap();
        assert_eq!(again.index(), ia);
        assert!(!pool.release(ia), "a slot being filled can't be released");
        assert!(!pool.release(99), "unknown slot");
    }

    #[test]
    fn a_dropped_claim_frees_its_slot_and_a_lease_says_where_the_jpeg_is() {
        let pool = SlotPool::new(1, 1024);
        let mut claim = pool.claim().unwrap();
        claim.room()[..3].copy_from_slice(b"abc");
        drop(claim);
        assert_eq!(pool.leased(), 0);
        let mut claim = pool.claim().expect("the unclaimed slot is free again");
        assert_eq!(claim.room().len(), 1024 - HEADROOM - TAILROOM);
        claim.room()[..3].copy_from_slice(b"xyz");
        let frame = claim.lease(3, 7, 9);
        assert_eq!((frame.slot, frame.offset, frame.length, frame.seq, frame.timestamp_us), (0, HEADROOM as u32, 3, 7, 9));
        // SAFETY: the slot is leased to this test, and the pool outlives the slice.
        let bytes = unsafe { std::slice::from_raw_parts(pool.slot_ptr(0).add(HEADROOM), 3) };
        assert_eq!(bytes, b"xyz");
        assert!(pool.claim().is_none());
    }
}
