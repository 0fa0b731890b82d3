//! The ids a run has seen, to find repeated ones, in at most 8 bytes an id: each id is a
//! 64-bit hash (SipHash with fixed keys); the top 16 bits pick one of 65,536 buckets and the
//! other 48 bits are kept in it, sorted, 6 bytes each. Buckets grow by a quarter at a time,
//! so they hold at most a quarter more than they use (a hash set of the ids' text would take
//! 40 bytes and more an id, one of 64-bit hashes 9 to 18).
//!
//! Two different ids are taken for one with a chance of about n²/2⁶⁵ for n contacts (one in
//! 370,000 runs of 10 million).

use std::hash::Hasher;

/// Buckets, by the top bits of a hash.
const BUCKET_BITS: u32 = 16;

/// Bytes kept per id: the hash's bits below the bucket's.
const ENTRY: usize = 6;

/// The ids seen so far.
pub(super) struct SeenIds {
    buckets: Vec<Vec<u8>>,
}

impl SeenIds {
    /// No ids yet (the empty buckets take 1.5 MiB).
    pub(super) fn new() -> SeenIds {
        SeenIds {
            buckets: (0..1usize << BUCKET_BITS).map(|_| Vec::new()).collect(),
        }
    }

    /// Notes `id`; `false` when it was seen before.
    pub(super) fn insert(&mut self, id: &str) -> bool {
        self.insert_hash(hash(id))
    }

    fn insert_hash(&mut self, hash: u64) -> bool {
        let bucket = &mut self.buckets[(hash >> (64 - BUCKET_BITS)) as usize];
        let bytes = hash.to_be_bytes();
        // big-endian, so comparing the bytes compares the numbers
        let key = &bytes[8 - ENTRY..];
        let (mut low, mut high) = (0, bucket.len() / ENTRY);
        while low < high {
            let middle = (low + high) / 2;
            match bucket[middle * ENTRY..(middle + 1) * ENTRY].cmp(key) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return false,
            }
        }
        if bucket.len() == bucket.capacity() {
            let more = (bucket.len() / ENTRY / 4).max(4) * ENTRY;
            bucket.reserve_exact(more);
        }
        let at = low * ENTRY;
        let end = bucket.len();
        bucket.extend_from_slice(key);
        bucket.copy_within(at..end, at + ENTRY);
        bucket[at..at + ENTRY].copy_from_slice(key);
        true
    }
}

/// An id's 64-bit hash, the same in every run.
fn hash(id: &str) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    hasher.write(id.as_bytes());
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn it_answers_as_a_set_of_the_hashes_would() {
        let mut seen = SeenIds::new();
        let mut reference = HashSet::new();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in 0..200_000u64 {
            // SplitMix64, with hashes crowded into few buckets and repeated often
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            let h = match i % 3 {
                0 => z,
                1 => (z & 0x0003_FFFF_FFFF_FFFF) | (7 << 48),
                _ => z % 5_000,
            };
            assert_eq!(seen.insert_hash(h), reference.insert(h), "hash {h:#x}");
        }
        for bucket in &seen.buckets {
            assert!(bucket.chunks(ENTRY).is_sorted());
        }
    }

    #[test]
    fn ids_are_told_apart_by_their_text() {
        let mut seen = SeenIds::new();
        assert!(seen.insert("c1"));
        assert!(seen.insert("c2"));
        assert!(!seen.insert("c1"));
        assert!(seen.insert("C1"));
    }
}
