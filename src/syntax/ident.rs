//! [`Ident`]: the text of a name, stored without allocating when short.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

/// Bytes stored inline: 22 bytes hold 7 CJK characters (`供应链管理部`,
/// `技术可行性报告`) or 22 ASCII ones, which covers nearly every name.
const INLINE: usize = 22;

/// The text of a name as written in a `.sop` file (`研发部`, `评估`, `PMO`).
///
/// It behaves as a `&str` (it dereferences to one, and compares, hashes and
/// orders like one), but a name of up to 22 bytes is stored inside the value:
/// the syntax tree of a 10,000-step file makes no allocation per name.
///
/// ```
/// use sopflow::syntax::Ident;
/// let name = Ident::from("研发部");
/// assert_eq!(name, "研发部");
/// assert_eq!(name.chars().count(), 3);
/// assert_eq!(String::from(name), "研发部");
/// ```
#[derive(Clone)]
pub struct Ident(Repr);

#[derive(Clone)]
enum Repr {
    /// `len` bytes of UTF-8 at the start of `bytes`.
    Inline {
        len: u8,
        bytes: [u8; INLINE],
    },
    Heap(Box<str>),
}

impl Ident {
    /// The name as a string slice.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // Always valid: built from a `&str` cut at its end (see `From<&str>`).
            Repr::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            Repr::Heap(text) => text,
        }
    }
}

impl From<&str> for Ident {
    fn from(text: &str) -> Self {
        if text.len() <= INLINE {
            let mut bytes = [0; INLINE];
            bytes[..text.len()].copy_from_slice(text.as_bytes());
            Ident(Repr::Inline {
                // Cannot truncate: at most INLINE (22) bytes.
                len: text.len() as u8,
                bytes,
            })
        } else {
            Ident(Repr::Heap(text.into()))
        }
    }
}

impl From<String> for Ident {
    fn from(text: String) -> Self {
        if text.len() <= INLINE {
            Ident::from(text.as_str())
        } else {
            Ident(Repr::Heap(text.into_boxed_str()))
        }
    }
}

impl From<Ident> for String {
    fn from(ident: Ident) -> Self {
        match ident.0 {
            Repr::Heap(text) => text.into_string(),
            Repr::Inline { .. } => ident.as_str().to_owned(),
        }
    }
}

impl From<&Ident> for String {
    fn from(ident: &Ident) -> Self {
        ident.as_str().to_owned()
    }
}

impl Deref for Ident {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Ident {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Ident {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Ident {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Ident {}

impl PartialEq<str> for Ident {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Ident {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Ident {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialOrd for Ident {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ident {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for Ident {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Debug for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn short_names_are_inline_long_ones_on_the_heap() {
        assert!(matches!(
            Ident::from("技术可行性报告").0,
            Repr::Inline { .. }
        ));
        assert!(matches!(
            Ident::from("a".repeat(22).as_str()).0,
            Repr::Inline { .. }
        ));
        assert!(matches!(
            Ident::from("a".repeat(23).as_str()).0,
            Repr::Heap(_)
        ));
        assert_eq!(std::mem::size_of::<Ident>(), std::mem::size_of::<String>());
    }

    proptest! {
        /// An `Ident` is the string it was made from, whatever its length.
        #[test]
        fn round_trips_and_compares_like_str(a in "\\PC{0,30}", b in "\\PC{0,30}") {
            let (x, y) = (Ident::from(a.as_str()), Ident::from(b.clone()));
            prop_assert_eq!(x.as_str(), a.as_str());
            prop_assert_eq!(&*y, b.as_str());
            prop_assert_eq!(x == y, a == b);
            prop_assert_eq!(x.cmp(&y), a.cmp(&b));
            prop_assert_eq!(String::from(x.clone()), a.clone());
            prop_assert_eq!(format!("{x}|{x:?}"), format!("{a}|{a:?}"));
            let hash = |s: &dyn Fn(&mut std::collections::hash_map::DefaultHasher)| {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                s(&mut h);
                h.finish()
            };
            prop_assert_eq!(hash(&|h| x.hash(h)), hash(&|h| a.as_str().hash(h)));
        }
    }
}
