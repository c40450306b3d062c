//! Diagnostics for `.sop` authors: codes, spans, labels, and their rendering.
//!
//! This module is a leaf: it depends on no other sopflow module.
//! Spans are byte ranges into a source text; [`LineIndex`] maps them to
//! `line:column` (characters, from 1) only when rendering.

mod code;
mod line_index;
mod render;
mod sarif;
mod text;

pub use code::{Code, ParseCodeError};
pub use line_index::{LineCol, LineIndex};
pub use render::{Record, RenderOptions};
pub use sarif::{SarifLog, SARIF_SCHEMA};
pub(crate) use text::tr;
pub use text::{Lang, ParseLangError, Text};

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

/// A byte range `start..end` into one source text.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, serde::Deserialize,
)]
pub struct Span {
    /// First byte of the range.
    pub start: usize,
    /// One past the last byte of the range.
    pub end: usize,
}

impl Span {
    /// Creates the span `start..end`.
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The smallest span that covers both `self` and `other`.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// Identifies one source text within a [`SourceMap`].
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, serde::Deserialize,
)]
pub struct SourceId(pub u32);

/// One source text and the name it is shown under (usually its path).
#[derive(Debug, Clone)]
pub struct Source {
    name: Arc<str>,
    text: Arc<str>,
    lines: LineIndex,
}

impl Source {
    /// Creates a source from its display name and text.
    pub fn new(name: impl Into<Arc<str>>, text: impl Into<Arc<str>>) -> Self {
        let text = text.into();
        let lines = LineIndex::new(&text);
        Source {
            name: name.into(),
            text,
            lines,
        }
    }
    /// The name shown in diagnostics, e.g. `flows/purchase.sop`.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The full text.
    pub fn text(&self) -> &str {
        &self.text
    }
    /// The line index of the text.
    pub fn lines(&self) -> &LineIndex {
        &self.lines
    }
}

/// All source texts that diagnostics may point into.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    sources: Vec<Source>,
}

impl SourceMap {
    /// Creates an empty map.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a source and returns its id.
    pub fn add(&mut self, source: Source) -> SourceId {
        let id = SourceId(u32::try_from(self.sources.len()).expect("fewer than 2^32 sources"));
        self.sources.push(source);
        id
    }
    /// Returns the source with this id, if it belongs to this map.
    pub fn get(&self, id: SourceId) -> Option<&Source> {
        self.sources.get(id.0 as usize)
    }
    /// Iterates over `(id, source)` pairs in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (SourceId, &Source)> {
        self.sources
            .iter()
            .enumerate()
            .map(|(i, s)| (SourceId(i as u32), s))
    }
}

/// How serious a diagnostic is. Errors fail `sopflow check`; warnings do not.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The file is invalid; no [`Definition`](crate::model::Definition) is produced.
    Error,
    /// Probably a mistake, but the file is still valid.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// A place in a source text with a short message, e.g. "…and 市场部 follows 财务部 here".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// The source the span points into.
    pub source: SourceId,
    /// The byte range.
    pub span: Span,
    /// Shown next to the underline; may be empty.
    pub message: Text,
}

/// One problem found in a `.sop` source.
///
/// The first label is the primary one (underlined with `^`); any others are
/// secondary (underlined with `-`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The stable code, e.g. [`Code::Cycle`] (`E020`). Its severity is the diagnostic's.
    pub code: Code,
    /// Lowercase, no final period, e.g. "flow contains a cycle" (in English).
    pub message: Text,
    /// Primary label first. Never empty.
    pub labels: Vec<Label>,
    /// What to do about it, e.g. "remove one of the two arrows".
    pub help: Option<Text>,
}

impl Diagnostic {
    /// Creates a diagnostic with a primary label.
    pub fn new(
        code: Code,
        message: impl Into<Text>,
        source: SourceId,
        span: Span,
        label: impl Into<Text>,
    ) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            labels: vec![Label {
                source,
                span,
                message: label.into(),
            }],
            help: None,
        }
    }
    /// Adds a secondary label.
    #[must_use]
    pub fn with_label(mut self, source: SourceId, span: Span, message: impl Into<Text>) -> Self {
        self.labels.push(Label {
            source,
            span,
            message: message.into(),
        });
        self
    }
    /// Sets the help line.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<Text>) -> Self {
        self.help = Some(help.into());
        self
    }
    /// The severity, given by the code.
    pub fn severity(&self) -> Severity {
        self.code.severity()
    }
    /// The primary label.
    pub fn primary(&self) -> &Label {
        &self.labels[0]
    }
}

/// Diagnostics together with the sources they point into, ready to render.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    sources: SourceMap,
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Bundles diagnostics with their sources. Items are sorted by source, then position.
    pub fn new(sources: SourceMap, mut items: Vec<Diagnostic>) -> Self {
        items.sort_by(|a, b| {
            let (la, lb) = (a.primary(), b.primary());
            (la.source, la.span.start, la.span.end).cmp(&(lb.source, lb.span.start, lb.span.end))
        });
        Diagnostics { sources, items }
    }
    /// The sources.
    pub fn sources(&self) -> &SourceMap {
        &self.sources
    }
    /// The diagnostics, in source order.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.items.iter()
    }
    /// Number of diagnostics.
    pub fn len(&self) -> usize {
        self.items.len()
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    /// Number of errors.
    pub fn error_count(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity() == Severity::Error)
            .count()
    }
    /// Number of warnings.
    pub fn warning_count(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity() == Severity::Warning)
            .count()
    }
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.error_count() > 0
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Renders every diagnostic without colour at width 80, as
/// [`Diagnostics::render`] with the default [`RenderOptions`].
impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.render(&RenderOptions::default()).trim_end())
    }
}

/// Diagnostics are the error of [`crate::parse`], so `?` works in functions
/// returning `Box<dyn Error>`.
impl std::error::Error for Diagnostics {}

/// The number of single-character edits between `a` and `b` (Levenshtein,
/// by characters): how suggestions find the nearest name or keyword.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}
