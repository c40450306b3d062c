//! The languages diagnostics are written in, and texts that carry both.
//!
//! A [`Diagnostic`](super::Diagnostic) keeps every message, label and help
//! line as a [`Text`]: the English and the Chinese wording side by side,
//! written together where the problem is found. Rendering picks one with
//! [`Lang`] (see [`RenderOptions`](super::RenderOptions)); nothing here reads
//! the environment. `sopflow check` chooses the language from `--lang` or the
//! locale.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The language diagnostics are rendered in.
///
/// # Example
/// ```
/// use sopflow::diagnostics::Lang;
///
/// assert_eq!("zh".parse::<Lang>(), Ok(Lang::Zh));
/// assert_eq!(Lang::default(), Lang::En);
/// // The locale variables in order of precedence: LC_ALL, LC_MESSAGES, LANG.
/// assert_eq!(Lang::from_locale([None, Some("zh_CN.UTF-8"), Some("en_US.UTF-8")]), Lang::Zh);
/// assert_eq!(Lang::from_locale([Some("C"), Some("zh_CN.UTF-8"), None]), Lang::En);
/// assert_eq!(Lang::from_locale([None, None, None]), Lang::En);
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English, the default.
    #[default]
    En,
    /// Simplified Chinese, written for authors who are not programmers.
    Zh,
}

impl Lang {
    /// Both languages.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Zh];

    /// The code as written on the command line and in JSON: `"en"` or `"zh"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// The language a POSIX locale asks for, given the values of `LC_ALL`,
    /// `LC_MESSAGES` and `LANG` in that order (`None` or empty when unset).
    ///
    /// The first variable that is set decides: a value starting with `zh`
    /// (`zh_CN.UTF-8`, `zh_TW`, `zh`) means Chinese, anything else English.
    /// With none set, English.
    pub fn from_locale<'a>(vars: impl IntoIterator<Item = Option<&'a str>>) -> Lang {
        let first = vars.into_iter().flatten().find(|value| !value.is_empty());
        match first {
            Some(value) if value.starts_with("zh") => Lang::Zh,
            _ => Lang::En,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error returned when a string is neither `en` nor `zh`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language `{0}`: use `en` or `zh`")]
pub struct ParseLangError(String);

impl FromStr for Lang {
    type Err = ParseLangError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "en" => Ok(Lang::En),
            "zh" => Ok(Lang::Zh),
            _ => Err(ParseLangError(s.to_owned())),
        }
    }
}

/// A message in English and, usually, in Chinese.
///
/// Texts built from a plain string (`"…".into()`) have no Chinese wording and
/// show the English one in every language; sopflow's own diagnostics always
/// carry both (a test checks every code).
///
/// # Example
/// ```
/// use sopflow::diagnostics::{Lang, Text};
///
/// let text = Text::new("unknown department `法务部`", "没有名为“法务部”的部门");
/// assert_eq!(text.get(Lang::Zh), "没有名为“法务部”的部门");
/// assert_eq!(text.get(Lang::En), "unknown department `法务部`");
/// assert_eq!(text, "unknown department `法务部`");
/// let plain = Text::from("bad");
/// assert_eq!(plain.get(Lang::Zh), "bad");
/// assert!(!plain.has_zh());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Text {
    en: String,
    zh: Option<String>,
}

impl Text {
    /// A text with both wordings.
    pub fn new(en: impl Into<String>, zh: impl Into<String>) -> Self {
        Text {
            en: en.into(),
            zh: Some(zh.into()),
        }
    }

    /// The wording in `lang`; English when there is no Chinese wording.
    pub fn get(&self, lang: Lang) -> &str {
        match (lang, &self.zh) {
            (Lang::Zh, Some(zh)) => zh,
            _ => &self.en,
        }
    }

    /// The English wording.
    pub fn en(&self) -> &str {
        &self.en
    }

    /// The Chinese wording, if there is one.
    pub fn zh(&self) -> Option<&str> {
        self.zh.as_deref()
    }

    /// The English and the Chinese wording (English when there is none), to
    /// build a longer text from this one.
    pub(crate) fn parts(&self) -> (&str, &str) {
        (&self.en, self.get(Lang::Zh))
    }

    /// Whether there is a Chinese wording.
    pub fn has_zh(&self) -> bool {
        self.zh.is_some()
    }

    /// Whether both wordings are empty (an empty label).
    pub fn is_empty(&self) -> bool {
        self.en.is_empty() && self.zh.as_deref().is_none_or(str::is_empty)
    }
}

impl From<String> for Text {
    /// An English-only text.
    fn from(en: String) -> Self {
        Text { en, zh: None }
    }
}

impl From<&str> for Text {
    /// An English-only text.
    fn from(en: &str) -> Self {
        Text {
            en: en.to_owned(),
            zh: None,
        }
    }
}

impl From<&String> for Text {
    /// An English-only text.
    fn from(en: &String) -> Self {
        Text {
            en: en.clone(),
            zh: None,
        }
    }
}

/// Shows the English wording.
impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en)
    }
}

/// The English wording, so that code written when messages were `String`s
/// (`d.message.contains("cycle")`) keeps working.
impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.en
    }
}

/// Compares the English wording.
impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.en == other
    }
}

/// Compares the English wording.
impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.en == *other
    }
}

/// Builds a [`Text`] from an English and a Chinese format string, each
/// formatted like [`format!`] (arguments may be captured by name).
///
/// ```text
/// tr!("unknown department `{name}`", "没有名为“{name}”的部门")
/// ```
macro_rules! tr {
    ($en:literal, $zh:literal $(,)?) => {
        $crate::diagnostics::Text::new(format!($en), format!($zh))
    };
}
pub(crate) use tr;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_precedence() {
        assert_eq!(
            Lang::from_locale([Some("zh_CN.UTF-8"), None, None]),
            Lang::Zh
        );
        assert_eq!(Lang::from_locale([Some(""), None, Some("zh_TW")]), Lang::Zh);
        assert_eq!(
            Lang::from_locale([Some("en_US"), Some("zh_CN"), None]),
            Lang::En
        );
        assert_eq!(Lang::from_locale([None, None, Some("C.UTF-8")]), Lang::En);
        assert_eq!(Lang::from_locale([None, None, Some("zh")]), Lang::Zh);
    }

    #[test]
    fn tr_formats_both() {
        let name = "法务部";
        let text = tr!("unknown `{name}`", "未知的“{name}”");
        assert_eq!(text.en(), "unknown `法务部`");
        assert_eq!(text.zh(), Some("未知的“法务部”"));
    }
}
