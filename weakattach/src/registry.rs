//! [`Registry`]: what a table keeps of its entries, so that `clear` and its
//! drop find them: one pointer per entry, to the record in the key's node.
//!
//! Each record knows its position (`slot`), so removing any entry is a swap
//! with the last one. The storage grows when full (fourfold while small, by
//! doubling from `KEEP` entries on) and shrinks by half when a quarter full:
//! a table gives its memory back as its keys die, at amortized O(1) per
//! removal, and a table that hovers at a boundary does not reallocate on
//! every call.
//!
//! Every access to a registry, and to the `slot` of a record in it, happens
//! under the table's lock (but for one read by a `clear` that holds the
//! record, `Record::is_claimed`); a record stays alive while it is in a
//! registry (its key's release takes it out first, under that lock). A
//! `clear` takes records out a batch at a time, under one lock each.

use crate::record::{CLAIMED, Record};

/// Below this capacity a registry does not shrink.
const KEEP: usize = 16;

pub(crate) struct Registry {
    records: Vec<*const Record>,
}

impl Registry {
    pub(crate) const fn new() -> Self {
        Registry {
            records: Vec::new(),
        }
    }

    /// Adds `record`, which is in no registry. The pointer must carry the
    /// provenance of the record's whole node or spare (not only of the
    /// record): a `clear` that takes it out may be the one that frees it.
    ///
    /// # Panics
    /// When the table already holds `u32::MAX - 1` entries.
    pub(crate) fn add(&mut self, record: *const Record) {
        let slot = u32::try_from(self.records.len())
            .ok()
            .filter(|&slot| slot != CLAIMED)
            .expect("weakattach: a table holds at most 4,294,967,294 entries");
        if self.records.len() == self.records.capacity() {
            self.grow();
        }
        self.records.push(record);
        // SAFETY: the record is alive (the caller is adding it); under the
        // table's lock (see the module docs).
        unsafe { (*record).set_slot(slot) };
    }

    /// Takes `record` out, if it is still here: `false` if a `clear` took it
    /// out first (`CLAIMED`).
    ///
    /// # Safety
    /// `record` is in this registry or was taken out of it by `pop`.
    pub(crate) unsafe fn remove(&mut self, record: &Record) -> bool {
        // SAFETY: under the table's lock.
        let slot = unsafe { record.slot() };
        if slot == CLAIMED {
            return false;
        }
        let slot = slot as usize;
        debug_assert!(core::ptr::eq(self.records[slot], record));
        self.records.swap_remove(slot);
        if let Some(&moved) = self.records.get(slot) {
            // SAFETY: `moved` is in this registry, hence alive; under the lock.
            #[allow(clippy::cast_possible_truncation)] // `add` checked
            unsafe {
                (*moved).set_slot(slot as u32);
            }
        }
        self.shrink();
        true
    }

    /// Takes any record out, marking it `CLAIMED`: the caller must deal with
    /// its value.
    pub(crate) fn pop(&mut self) -> Option<*const Record> {
        let record = self.records.pop()?;
        // SAFETY: `record` was in this registry, hence alive; under the lock.
        unsafe { (*record).set_slot(CLAIMED) };
        self.shrink();
        Some(record)
    }

    /// Makes room for 4 entries, then grows fourfold up to `KEEP` and by
    /// doubling after: a short-lived table of a few entries (a set built for
    /// one traversal) reallocates once or twice, not at 4, 8 and 16 as a
    /// `Vec` would.
    #[cold]
    fn grow(&mut self) {
        let capacity = self.records.capacity();
        let more = if capacity < KEEP {
            (capacity * 3).max(4)
        } else {
            capacity
        };
        self.records.reserve_exact(more);
    }

    fn shrink(&mut self) {
        let capacity = self.records.capacity();
        if capacity > KEEP && self.records.len() <= capacity / 4 {
            self.records.shrink_to(capacity / 2);
        }
    }
}
