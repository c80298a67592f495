//! A handful of values kept by key, the least recently used one given up when a new one needs its place.
//!
//! The results keep few things (a few surveys' respondents, a few dozen finished results), so a list searched from
//! end to end is both the simplest and the fastest way to find them.

/// At most `capacity` values by key, each with the moment it was last used.
pub struct Recent<K, V> {
    capacity: usize,
    entries: Vec<(K, V, u64)>,
    clock: u64,
}

impl<K: PartialEq, V: Clone> Recent<K, V> {
    /// Keeps at most `capacity` values (at least one).
    pub fn new(capacity: usize) -> Self {
        Self { capacity: capacity.max(1), entries: Vec::new(), clock: 0 }
    }

    /// The value kept for `key`, now counted as used.
    pub fn get(&mut self, key: &K) -> Option<V> {
        self.clock += 1;
        let clock = self.clock;
        let entry = self.entries.iter_mut().find(|(kept, ..)| kept == key)?;
        entry.2 = clock;
        Some(entry.1.clone())
    }

    /// The value kept for `key`, or `make()`'s, kept from now on.
    pub fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> V {
        if let Some(value) = self.get(&key) {
            return value;
        }
        let value = make();
        self.insert(key, value.clone());
        value
    }

    /// Keeps `value` for `key` (instead of the one kept for it), giving up the least recently used value when full.
    pub fn insert(&mut self, key: K, value: V) {
        self.clock += 1;
        if let Some(entry) = self.entries.iter_mut().find(|(kept, ..)| *kept == key) {
            *entry = (key, value, self.clock);
            return;
        }
        if self.entries.len() >= self.capacity
            && let Some(oldest) = (0..self.entries.len()).min_by_key(|&index| self.entries[index].2)
        {
            self.entries.swap_remove(oldest);
        }
        self.entries.push((key, value, self.clock));
    }

    /// How many values are kept.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::Recent;

    #[test]
    fn the_least_recently_used_value_gives_way() {
        let mut recent = Recent::new(3);
        for key in ["a", "b", "c"] {
            recent.insert(key, key.len());
        }
        assert_eq!(recent.get(&"a"), Some(1), "a is used again");
        recent.insert("d", 1);
        assert_eq!(recent.len(), 3);
        assert_eq!(recent.get(&"b"), None, "b was used least recently");
        assert!(recent.get(&"a").is_some() && recent.get(&"c").is_some() && recent.get(&"d").is_some());
        recent.insert("e", 1);
        assert_eq!(recent.get(&"a"), None, "now a is the oldest");
    }

    #[test]
    fn a_key_kept_again_replaces_its_value_and_takes_no_second_place() {
        let mut recent = Recent::new(2);
        recent.insert("a", 1);
        recent.insert("a", 2);
        assert_eq!((recent.len(), recent.get(&"a")), (1, Some(2)));
        assert_eq!(recent.get_or_insert_with("a", || 3), 2);
        assert_eq!(recent.get_or_insert_with("b", || 4), 4);
        assert_eq!(recent.get(&"b"), Some(4));
    }
}
