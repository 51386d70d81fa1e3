//! A fixed pool of frame buffers shared between the capture thread and JS.
//!
//! Each slot is owned by exactly one side at a time, tracked by an atomic state: the producer fills a
//! FREE slot, marks it LEASED and hands it over; the consumer releases it back to FREE. The memory is
//! allocated once and never moves, so JS can wrap each slot once as an external Buffer.
use std::sync::atomic::{AtomicU8, Ordering};

const FREE: u8 = 0;
const FILLING: u8 = 1;
const LEASED: u8 = 2;

/// Bytes kept free in front of every JPEG for the multipart part header.
pub const HEADROOM: usize = 256;
/// Bytes kept free after every JPEG for the part's closing CRLF.
pub const TAILROOM: usize = 16;

pub struct SlotPool {
    slots: Vec<Slot>,
    capacity: usize,
}

struct Slot {
    ptr: *mut u8,
    state: AtomicU8,
}

// Access to each slot's bytes is serialised by its state; the pointers never change.
unsafe impl Send for SlotPool {}
unsafe impl Sync for SlotPool {}

impl SlotPool {
    /// `count` slots of `capacity` bytes each (headroom and tailroom included).
    pub fn new(count: usize, capacity: usize) -> SlotPool {
        assert!(count > 0 && capacity > HEADROOM + TAILROOM);
        let slots = (0..count)
            .map(|_| {
                let mut mem = vec![0u8; capacity].into_boxed_slice();
                let ptr = mem.as_mut_ptr();
                std::mem::forget(mem);
                Slot { ptr, state: AtomicU8::new(FREE) }
            })
            .collect();
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

    /// Raw address of a slot, for wrapping it once as external memory.
    pub fn slot_ptr(&self, slot: usize) -> *mut u8 {
        self.slots[slot].ptr
    }

    /// Claims a free slot for filling; `None` when the consumer holds them all.
    pub fn claim(&self) -> Option<usize> {
        self.slots.iter().position(|s| {
            s.state.compare_exchange(FREE, FILLING, Ordering::Acquire, Ordering::Relaxed).is_ok()
        })
    }

    /// The bytes of a claimed slot. Only the claimer may call this, between `claim` and `lease`/`unclaim`.
    #[allow(clippy::mut_from_ref)]
    pub fn claimed_bytes(&self, slot: usize) -> &mut [u8] {
        debug_assert_eq!(self.slots[slot].state.load(Ordering::Relaxed), FILLING);
        unsafe { std::slice::from_raw_parts_mut(self.slots[slot].ptr, self.capacity) }
    }

    /// Hands a filled slot to the consumer.
    pub fn lease(&self, slot: usize) {
        self.slots[slot].state.store(LEASED, Ordering::Release);
    }

    /// Gives up a claimed slot without handing it over (e.g. encoding failed).
    pub fn unclaim(&self, slot: usize) {
        self.slots[slot].state.store(FREE, Ordering::Release);
    }

    /// Returns a leased slot. Returns false (and changes nothing) if the slot was not leased, so a
    /// double release from JS can't free a slot that is being filled.
    pub fn release(&self, slot: usize) -> bool {
        self.slots.get(slot).is_some_and(|s| {
            s.state.compare_exchange(LEASED, FREE, Ordering::AcqRel, Ordering::Relaxed).is_ok()
        })
    }

    /// Number of slots currently leased to the consumer.
    pub fn leased(&self) -> usize {
        self.slots.iter().filter(|s| s.state.load(Ordering::Relaxed) == LEASED).count()
    }
}

impl Drop for SlotPool {
    fn drop(&mut self) {
        for s in &self.slots {
            unsafe {
                drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(s.ptr, self.capacity)));
            }
        }
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
        assert_ne!(a, b);
        assert_eq!(pool.claim(), None, "both slots taken");
        pool.lease(a);
        pool.lease(b);
        assert_eq!(pool.leased(), 2);
        assert!(pool.release(a));
        assert!(!pool.release(a), "double release is refused");
        assert_eq!(pool.leased(), 1);
        assert_eq!(pool.claim(), Some(a));
        assert!(!pool.release(a), "a slot being filled can't be released");
        assert!(!pool.release(99), "unknown slot");
    }
}
