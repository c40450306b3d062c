//! The format 1 fingerprint, kept only so that states and histories written
//! by format 1 still restore: FNV-1a 64 over the definition's JSON export.
//!
//! Invariant: nothing new is written with it. A format 1 state is checked
//! against it once, then carries the current fingerprint
//! ([`Definition::fingerprint`]). It matches only while the JSON export of
//! the definition is unchanged; a format 1 state that no longer matches is
//! [`ExecError::DefinitionMismatch`], as it was before.

use super::*;

/// FNV-1a 64, written into by serde_json so that no buffer is allocated.
struct Fnv(u64);

impl std::io::Write for Fnv {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The format 1 fingerprint of `def`.
pub(super) fn fingerprint(def: &Definition) -> u64 {
    let mut hasher = Fnv(0xcbf2_9ce4_8422_2325);
    // Serializing into a hasher cannot fail: every map of a definition has
    // string keys; were it to fail, the value differs and the state is refused.
    let _ = serde_json::to_writer(&mut hasher, def);
    hasher.0
}
