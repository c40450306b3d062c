//! A stable fingerprint of a [`Definition`]'s normalized content.

use super::Definition;

/// The FNV-1a 64-bit offset basis.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
/// The FNV-1a 64-bit prime.
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// An FNV-1a hasher that serde_json writes into, so no buffer is allocated.
struct Fnv(u64);

impl std::io::Write for Fnv {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(FNV_PRIME);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Definition {
    /// A stable 64-bit hash (FNV-1a) of the definition's normalized content: its
    /// JSON serialization (header, departments, roles, calendars, ladders, steps
    /// in topological order, arrows and rework permissions; source locations are
    /// not part of it). The value is the same on every platform and every run, so
    /// executor instances record it and refuse to run against another definition.
    ///
    /// # Example
    /// ```
    /// let a = sopflow::parse("市场部 → 研发部 within 3d", "a.sop").unwrap();
    /// let b = sopflow::parse("市场部 → 研发部 within 3d", "a.sop").unwrap();
    /// let c = sopflow::parse("市场部 → 研发部 within 4d", "a.sop").unwrap();
    /// assert_eq!(a.fingerprint(), b.fingerprint());
    /// assert_ne!(a.fingerprint(), c.fingerprint());
    /// ```
    pub fn fingerprint(&self) -> u64 {
        let mut hasher = Fnv(FNV_OFFSET);
        serde_json::to_writer(&mut hasher, self).expect(
            "serializing a definition into a hasher cannot fail: all its maps have string keys",
        );
        hasher.0
    }
}
