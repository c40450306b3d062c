//! Output formats for [`Diagnostics`]: rustc-style text for people, JSON
//! records for tools, and GitHub Actions workflow commands for CI.
//!
//! The text format is drawn by `annotate-snippets`, the renderer of rustc and
//! cargo. It measures characters with `unicode-width`, so underlines stay
//! aligned under Chinese text (a Han character is 2 columns wide).
//!
//! Rendering never panics on bad spans: offsets past the end of a text, inside
//! a UTF-8 character or inside a line terminator are clamped (see
//! [`LineIndex::line_col`]), and labels whose source is not in the
//! [`SourceMap`](super::SourceMap) are left out.

use annotate_snippets::{Annotation, AnnotationKind, Group, Level, Renderer, Snippet};
use serde::{Deserialize, Serialize};

use super::{
    Code, Diagnostic, Diagnostics, Label, Lang, LineCol, LineIndex, Severity, Source, SourceId,
    Span,
};

/// How [`Diagnostics::render`] draws its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RenderOptions {
    /// Whether to emit ANSI colour codes.
    pub color: bool,
    /// The terminal width in columns; longer source lines are cut around the
    /// underlined part.
    pub width: usize,
    /// The language of messages, labels, help lines and the words `error`,
    /// `warning` and `help`.
    pub lang: Lang,
}

impl Default for RenderOptions {
    /// No colour, 80 columns, English.
    fn default() -> Self {
        RenderOptions {
            color: false,
            width: 80,
            lang: Lang::En,
        }
    }
}

/// One diagnostic flattened for machines: where its primary label points,
/// and what it says.
///
/// Lines and columns count from 1; columns count characters (see
/// [`LineCol`]). The end position is exclusive: it is the position just past
/// the last character of the primary span, so an empty span has
/// `end == start`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The name of the source, e.g. `flows/purchase.sop`; empty if the label
    /// points into a source that is not in the map.
    pub file: String,
    /// The line where the primary span starts.
    pub line: usize,
    /// The column where the primary span starts.
    pub column: usize,
    /// The line where the primary span ends.
    pub end_line: usize,
    /// The column just past the end of the primary span.
    pub end_column: usize,
    /// Error or warning, given by the code.
    pub severity: Severity,
    /// The stable code, serialized as e.g. `"E020"`.
    pub code: Code,
    /// The message, e.g. "flow contains a cycle".
    pub message: String,
    /// The help line, or `None` (JSON `null`).
    pub help: Option<String>,
    /// The language of `message` and `help`, serialized as `"en"` or `"zh"`.
    #[serde(default)]
    pub lang: Lang,
}

impl Diagnostics {
    /// Renders every diagnostic in rustc style, separated by blank lines.
    ///
    /// The result is empty when there are no diagnostics and otherwise ends
    /// with a newline. Labels in another source than the primary label's are
    /// shown in a snippet of their own, headed by ` ::: file:line:col`.
    ///
    /// # Example
    /// ```
    /// use sopflow::diagnostics::{
    ///     Code, Diagnostic, Diagnostics, RenderOptions, Source, SourceMap, Span,
    /// };
    ///
    /// let text = "市场部 → 财务部 within 2d\n财务部 → 市场部 within 1d\n";
    /// let mut sources = SourceMap::new();
    /// let id = sources.add(Source::new("flows/purchase.sop", text));
    /// let back = text.rfind("市场部").unwrap();
    /// let diagnostic = Diagnostic::new(
    ///     Code::Cycle,
    ///     "flow contains a cycle",
    ///     id,
    ///     Span::new(back, back + "市场部".len()),
    ///     "…and 市场部 follows 财务部 here, closing the cycle",
    /// )
    /// .with_help("remove one of the two arrows");
    ///
    /// let diagnostics = Diagnostics::new(sources, vec![diagnostic]);
    /// let out = diagnostics.render(&RenderOptions::default());
    /// assert!(out.starts_with("error[E020]: flow contains a cycle\n --> flows/purchase.sop:2:7\n"));
    /// // The carets sit under 市场部 (2 columns per character), after
    /// // "财务部 → ", which is 9 columns wide.
    /// assert!(out.contains("\n2 | 财务部 → 市场部 within 1d\n  |          ^^^^^^ …and"));
    /// assert!(out.contains("= help: remove one of the two arrows"));
    /// ```
    pub fn render(&self, opts: &RenderOptions) -> String {
        let mut out = String::new();
        for (i, diagnostic) in self.items.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&self.render_one(diagnostic, opts));
            out.push('\n');
        }
        out
    }

    /// Renders one diagnostic in rustc style, without a final newline.
    ///
    /// `diagnostic` need not be one of `self`'s, but its labels are looked up
    /// in `self`'s sources; labels whose source is missing are left out.
    pub fn render_one(&self, diagnostic: &Diagnostic, opts: &RenderOptions) -> String {
        let lang = opts.lang;
        let (level, help_level) = match lang {
            Lang::En => (
                match diagnostic.severity() {
                    Severity::Error => Level::ERROR,
                    Severity::Warning => Level::WARNING,
                },
                Level::HELP,
            ),
            Lang::Zh => (
                match diagnostic.severity() {
                    Severity::Error => Level::ERROR.with_name("错误"),
                    Severity::Warning => Level::WARNING.with_name("警告"),
                },
                Level::HELP.with_name("提示"),
            ),
        };
        let title = level
            .primary_title(diagnostic.message.get(lang))
            .id(diagnostic.code.as_str());
        let mut group = Group::with_title(title);
        for (id, labels) in labels_by_source(&diagnostic.labels) {
            if let Some(source) = self.sources.get(id) {
                group = group.element(snippet(source, &labels, lang));
            }
        }
        if let Some(help) = &diagnostic.help {
            group = group.element(help_level.message(help.get(lang)));
        }
        let renderer = if opts.color {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        renderer.term_width(opts.width).render(&[group])
    }

    /// One [`Record`] per diagnostic, in order, located at its primary label,
    /// in English.
    pub fn records(&self) -> Vec<Record> {
        self.records_in(Lang::En)
    }

    /// One [`Record`] per diagnostic, in order, located at its primary label,
    /// with the message and help line in `lang`.
    pub fn records_in(&self, lang: Lang) -> Vec<Record> {
        self.items
            .iter()
            .map(|diagnostic| self.record(diagnostic, lang))
            .collect()
    }

    /// The [`records_in`](Self::records_in) `lang` as a pretty-printed JSON array.
    pub fn to_json_in(&self, lang: Lang) -> String {
        serde_json::to_string_pretty(&self.records_in(lang))
            .expect("records hold only strings, integers and unit enums, which always serialize")
    }

    /// The [`records`](Self::records) (English) as a pretty-printed JSON array.
    ///
    /// # Example
    /// ```
    /// use sopflow::diagnostics::{Code, Diagnostic, Diagnostics, Source, SourceMap, Span};
    ///
    /// let mut sources = SourceMap::new();
    /// let id = sources.add(Source::new("a.sop", "市场部 → 法务部\n"));
    /// let d = Diagnostic::new(Code::UnknownDepartment, "unknown department `法务部`",
    ///     id, Span::new(14, 23), "not declared");
    /// let json = Diagnostics::new(sources, vec![d]).to_json();
    /// assert!(json.contains(r#""code": "E010""#));
    /// assert!(json.contains(r#""column": 7"#));
    /// assert!(json.contains(r#""help": null"#));
    /// ```
    pub fn to_json(&self) -> String {
        self.to_json_in(Lang::En)
    }

    /// Renders every diagnostic as a GitHub Actions workflow command, one per
    /// line, so that CI shows it as an annotation on the file:
    ///
    /// ```text
    /// ::error file=flows/purchase.sop,line=4,col=7,endLine=4,endColumn=10,title=E020::flow contains a cycle (help: remove one of the two arrows)
    /// ```
    ///
    /// Warnings use `::warning`. Values are escaped as GitHub requires: in the
    /// message `%`, `\r` and `\n` become `%25`, `%0D` and `%0A`; in the
    /// properties `:` and `,` also become `%3A` and `%2C`.
    pub fn render_github(&self) -> String {
        self.render_github_in(Lang::En)
    }

    /// [`render_github`](Self::render_github) with messages and help lines
    /// in `lang` (the help is then introduced by `提示：`).
    pub fn render_github_in(&self, lang: Lang) -> String {
        let mut out = String::new();
        for record in self.records_in(lang) {
            let command = match record.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let mut message = record.message;
            if let Some(help) = &record.help {
                match lang {
                    Lang::En => {
                        message.push_str(" (help: ");
                        message.push_str(help);
                        message.push(')');
                    }
                    Lang::Zh => {
                        message.push_str("（提示：");
                        message.push_str(help);
                        message.push('）');
                    }
                }
            }
            out.push_str(&format!(
                "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
                escape_property(&record.file),
                record.line,
                record.column,
                record.end_line,
                record.end_column,
                escape_property(record.code.as_str()),
                escape_data(&message),
            ));
        }
        out
    }

    fn record(&self, diagnostic: &Diagnostic, lang: Lang) -> Record {
        let located = diagnostic
            .labels
            .first()
            .and_then(|label| Some((label, self.sources.get(label.source)?)));
        let (file, start, end) = match located {
            Some((label, source)) => {
                let (text, index) = (source.text(), source.lines());
                let (start, end) = clamp_span(index, text, label.span);
                (
                    source.name().to_owned(),
                    index.line_col(text, start),
                    index.line_col(text, end),
                )
            }
            None => {
                let origin = LineCol { line: 1, column: 1 };
                (String::new(), origin, origin)
            }
        };
        Record {
            file,
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
            severity: diagnostic.severity(),
            code: diagnostic.code,
            message: diagnostic.message.get(lang).to_owned(),
            help: diagnostic
                .help
                .as_ref()
                .map(|help| help.get(lang).to_owned()),
            lang,
        }
    }
}

/// Groups labels by source, keeping the order in which sources first appear
/// (so the primary label's source comes first). Each label carries whether it
/// is the primary one.
fn labels_by_source(labels: &[Label]) -> Vec<(SourceId, Vec<(bool, &Label)>)> {
    let mut groups: Vec<(SourceId, Vec<(bool, &Label)>)> = Vec::new();
    for (i, label) in labels.iter().enumerate() {
        let entry = (i == 0, label);
        match groups.iter_mut().find(|(id, _)| *id == label.source) {
            Some((_, group)) => group.push(entry),
            None => groups.push((label.source, vec![entry])),
        }
    }
    groups
}

/// Clamps a span into `text` (see [`LineIndex::line_col`]): the start rounds
/// down to a character boundary, the end rounds up, and `start <= end`.
fn clamp_span(index: &LineIndex, text: &str, span: Span) -> (usize, usize) {
    let start = index.clamp(text, span.start.min(span.end), false);
    let end = index.clamp(text, span.start.max(span.end), true).max(start);
    (start, end)
}

/// A snippet of `source` showing the lines that `labels` touch, and the lines
/// between them (folded by the renderer when there are many).
fn snippet<'a>(
    source: &'a Source,
    labels: &[(bool, &'a Label)],
    lang: Lang,
) -> Snippet<'a, Annotation<'a>> {
    let (text, index) = (source.text(), source.lines());
    let spans: Vec<(usize, usize)> = labels
        .iter()
        .map(|(_, label)| clamp_span(index, text, label.span))
        .collect();

    // 0-based lines of the first and last character touched.
    let first = spans
        .iter()
        .map(|&(start, _)| index.line_index(start))
        .min()
        .unwrap_or(0);
    let last = spans
        .iter()
        .map(|&(start, end)| index.line_index(if end > start { end - 1 } else { end }))
        .max()
        .unwrap_or(0);
    let excerpt_start = index.line_span(first + 1).start;
    let excerpt_end = index.next_line_start(last).unwrap_or(text.len());
    // The excerpt holds whole lines, terminators included, so spans keep their
    // meaning once shifted. Should the index not match the text, show it all.
    let (mut excerpt, mut offset, line_start) = match text.get(excerpt_start..excerpt_end) {
        Some(excerpt) => (excerpt, excerpt_start, first + 1),
        None => (text, 0, 1),
    };
    // A byte order mark is not shown and not a column (as in `LineIndex::line_col`).
    if offset == 0 {
        if let Some(rest) = excerpt.strip_prefix('\u{feff}') {
            excerpt = rest;
            offset = '\u{feff}'.len_utf8();
        }
    }

    let annotations = labels
        .iter()
        .zip(&spans)
        .map(|(&(primary, label), &(start, end))| {
            let kind = if primary {
                AnnotationKind::Primary
            } else {
                AnnotationKind::Context
            };
            let message = (!label.message.is_empty()).then_some(label.message.get(lang));
            kind.span(start.saturating_sub(offset)..end.saturating_sub(offset))
                .label(message)
        });
    Snippet::source(excerpt)
        .path(source.name())
        .line_start(line_start)
        .annotations(annotations)
}

/// Escapes the message of a GitHub workflow command.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value of a GitHub workflow command.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::SourceMap;

    #[test]
    fn escapes_follow_github_rules() {
        assert_eq!(escape_data("100%\r\ndone: a,b"), "100%25%0D%0Adone: a,b");
        assert_eq!(escape_property("C:\\a,b%\n"), "C%3A\\a%2Cb%25%0A");
    }

    #[test]
    fn bad_spans_never_panic() {
        let text = "市场部 → 财务部\r\n研发部";
        let mut sources = SourceMap::new();
        let id = sources.add(Source::new("a.sop", text));
        let missing = SourceId(7);
        let spans = [
            Span::new(0, 0),
            Span::new(1, 2),
            Span::new(4, 1),
            Span::new(20, 22),
            Span::new(21, 21),
            Span::new(0, 999),
            Span::new(999, 9999),
            Span::new(usize::MAX, usize::MAX),
            Span::new(text.len(), text.len()),
        ];
        for span in spans {
            for width in [0, 1, 10, 80] {
                let d = Diagnostic::new(Code::Syntax, "bad", id, span, "here")
                    .with_label(missing, span, "nowhere")
                    .with_label(id, Span::new(span.end, span.start), "")
                    .with_help("none");
                let all = Diagnostics::new(sources.clone(), vec![d.clone()]);
                let out = all.render(&RenderOptions {
                    color: false,
                    width,
                    lang: Lang::En,
                });
                assert!(
                    out.starts_with("error[E001]: bad\n --> a.sop:"),
                    "{span:?}: {out}"
                );
                let _ = all.render(&RenderOptions {
                    color: true,
                    width,
                    lang: Lang::Zh,
                });
                let _ = all.render_github();
                let _ = all.to_json();
                let d = Diagnostic {
                    labels: vec![],
                    ..d
                };
                let all = Diagnostics {
                    sources: sources.clone(),
                    items: vec![d.clone()],
                };
                assert!(all
                    .render_one(&d, &RenderOptions::default())
                    .starts_with("error[E001]: bad"));
                assert_eq!(all.records()[0].file, "");
            }
        }
    }

    #[test]
    fn empty_file_renders() {
        let mut sources = SourceMap::new();
        let id = sources.add(Source::new("empty.sop", ""));
        let d = Diagnostic::new(
            Code::Syntax,
            "expected a statement",
            id,
            Span::new(0, 0),
            "file is empty",
        );
        let out = Diagnostics::new(sources, vec![d]).render(&RenderOptions::default());
        assert!(out.contains(" --> empty.sop:1:1"), "{out}");
    }
}
