//! A small, fast, non-cryptographic hasher for internal maps (FxHash's
//! word-at-a-time rotate-xor-multiply, with a folded multiply per word). Keys here are our own ids, not
//! attacker-chosen table sizes, and the maps live only for one run.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

/// FxHash state.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        // Folded multiply: the high half of the product carries the
        // upper bits' influence back down, so two words differing in
        // neighbouring bytes cannot cancel (plain `* SEED` only carries
        // upwards, and ids such as `…teaching-1A_Ma.…` / `…-1A_En.…`
        // collided on all 64 bits).
        let x = u128::from(self.hash.rotate_left(5) ^ word) * u128::from(SEED);
        #[allow(clippy::cast_possible_truncation)]
        {
            self.hash = (x as u64) ^ ((x >> 64) as u64);
        }
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            if let Ok(w) = <[u8; 8]>::try_from(c) {
                self.add(u64::from_le_bytes(w));
            }
        }
        // The last 1..=7 bytes as one word, without a byte loop: two
        // overlapping 4-byte reads, or the first, middle and last byte.
        let rest = chunks.remainder();
        let n = rest.len();
        if let (Some(lo), Some(hi)) = (rest.first_chunk::<4>(), rest.last_chunk::<4>()) {
            let (lo, hi) = (u32::from_le_bytes(*lo), u32::from_le_bytes(*hi));
            self.add(u64::from(lo) | (u64::from(hi) << 32));
        } else if let (Some(a), Some(b), Some(c)) = (rest.first(), rest.get(n / 2), rest.last()) {
            self.add(u64::from(*a) | (u64::from(*b) << 8) | (u64::from(*c) << 16));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_u128(&mut self, i: u128) {
        // Low then high word (truncation intended).
        #[allow(clippy::cast_possible_truncation)]
        self.add(i as u64);
        self.add((i >> 64) as u64);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        // fmix64 (MurmurHash3's finaliser): spread every input bit over the
        // low bits hashbrown uses for buckets. Without it, ids sharing long
        // prefixes cluster badly.
        let mut h = self.hash;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

/// A `HashMap` with [`FxHasher`].
pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;
/// A `HashSet` with [`FxHasher`].
pub(crate) type FxSet<K> = HashSet<K, BuildHasherDefault<FxHasher>>;

/// An empty map with room for `n`.
pub(crate) fn map_with<K, V>(n: usize) -> FxMap<K, V> {
    FxMap::with_capacity_and_hasher(n, BuildHasherDefault::default())
}

/// An empty set with room for `n`.
pub(crate) fn set_with<K>(n: usize) -> FxSet<K> {
    FxSet::with_capacity_and_hasher(n, BuildHasherDefault::default())
}
