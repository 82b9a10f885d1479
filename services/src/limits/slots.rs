//! Counting what is open per key (a connection, a caller): a slot is taken while there is room
//! and given back when its guard is dropped, so a call or stream that ends for any reason (the
//! client went away, an error, the server stopping) frees its slot.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

/// Open slots per key; a key without open slots is forgotten, so the table holds only the keys
/// that have something open.
#[derive(Debug)]
pub(super) struct Slots<K> {
    open: Arc<Mutex<HashMap<K, u64>>>,
}

impl<K> Clone for Slots<K> {
    fn clone(&self) -> Self {
        Slots {
            open: Arc::clone(&self.open),
        }
    }
}

impl<K: Hash + Eq + Clone> Slots<K> {
    /// An empty table.
    pub(super) fn new() -> Self {
        Slots {
            open: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// A slot for `key` when fewer than `max` are open, else `None`.
    pub(super) fn take(&self, key: &K, max: u64) -> Option<Slot<K>> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(key.clone()).or_insert(0);
        if *count >= max {
            return None;
        }
        *count += 1;
        Some(Slot {
            slots: self.clone(),
            key: key.clone(),
        })
    }

    /// How many are open for `key`.
    #[cfg(test)]
    pub(super) fn open(&self, key: &K) -> u64 {
        let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        open.get(key).copied().unwrap_or(0)
    }
}

/// One taken slot, given back when dropped.
#[derive(Debug)]
pub(super) struct Slot<K: Hash + Eq> {
    slots: Slots<K>,
    key: K,
}

impl<K: Hash + Eq> Drop for Slot<K> {
    fn drop(&mut self) {
        let mut open = self
            .slots
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.key) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_is_given_back_when_dropped() {
        let slots = Slots::new();
        let first = slots.take(&"a", 2).expect("room");
        let second = slots.take(&"a", 2).expect("room");
        assert!(slots.take(&"a", 2).is_none());
        assert!(
            slots.take(&"b", 2).is_some(),
            "another key has its own room"
        );
        drop(first);
        assert_eq!(slots.open(&"a"), 1);
        let third = slots.take(&"a", 2).expect("room again");
        drop((second, third));
        assert_eq!(slots.open(&"a"), 0);
        assert!(
            slots.open.lock().unwrap().is_empty(),
            "empty keys are forgotten"
        );
    }
}
