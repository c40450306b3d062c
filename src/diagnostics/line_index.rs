//! Maps byte offsets to `line:column` positions.
//!
//! Lines end at `"\n"` or `"\r\n"`; a lone `"\r"` is part of its line. Lines
//! and columns count from 1, and columns count characters (`char`s), not
//! bytes, so `市场部` is three columns, as an editor's status bar shows it.
//!
//! Lookups never panic: offsets past the end of the text, inside a UTF-8
//! character or inside a line terminator are clamped to the nearest sensible
//! position.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::Span;

/// A position in a text: a line and a column, both counted from 1.
///
/// The column counts characters, not bytes and not display width.
/// It prints as `line:column`, e.g. `4:7`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LineCol {
    /// The line, from 1.
    pub line: usize,
    /// The column in characters, from 1.
    pub column: usize,
}

impl fmt::Display for LineCol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// The start of every line of a text, for mapping byte offsets to [`LineCol`].
///
/// A text that ends with a line terminator has no extra empty line after it:
/// `"a\nb\n"` has two lines, like [`str::lines`]. The empty text has one
/// empty line.
///
/// # Example
/// ```
/// use sopflow::diagnostics::{LineCol, LineIndex, Span};
///
/// let text = "process 采购\r\n市场部 → 财务部 within 2d\r\n";
/// let index = LineIndex::new(text);
/// assert_eq!(index.line_count(), 2);
///
/// let offset = text.find("财务部").unwrap();
/// assert_eq!(index.line_col(text, offset), LineCol { line: 2, column: 7 });
///
/// // Line spans exclude the terminator.
/// let line = index.line_span(2);
/// assert_eq!(&text[line.start..line.end], "市场部 → 财务部 within 2d");
///
/// // Out-of-range offsets are clamped, never a panic.
/// assert_eq!(index.line_col(text, 10_000), LineCol { line: 2, column: 20 });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    /// Byte offset of the first byte of each line. Never empty; starts with 0.
    starts: Vec<usize>,
    /// Byte offset where each line's content ends, before its terminator.
    ends: Vec<usize>,
}

impl Default for LineIndex {
    /// The index of the empty text: one empty line.
    fn default() -> Self {
        LineIndex::new("")
    }
}

impl LineIndex {
    /// Indexes the lines of `text`.
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut ends = Vec::new();
        for (i, _) in text.match_indices('\n') {
            let content_end = if i > 0 && bytes[i - 1] == b'\r' {
                i - 1
            } else {
                i
            };
            ends.push(content_end);
            starts.push(i + 1);
        }
        ends.push(text.len());
        // A final terminator ends the last line; it does not start an empty one.
        if starts.len() > 1 && starts.last() == Some(&text.len()) {
            starts.pop();
            ends.pop();
        }
        LineIndex { starts, ends }
    }

    /// The number of lines; at least 1.
    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// The byte span of a line (counted from 1), without its line terminator.
    ///
    /// Line numbers outside `1..=line_count()` are clamped into that range.
    pub fn line_span(&self, line: usize) -> Span {
        let i = line.clamp(1, self.line_count()) - 1;
        Span::new(self.starts[i], self.ends[i])
    }

    /// The line and column of the byte `offset` in `text`, the text this
    /// index was built from.
    ///
    /// The offset is first clamped into the text and down to a character
    /// boundary. A byte order mark at the start of the text is not counted as a
    /// column. An offset inside a line terminator, or at the very end of a
    /// text that ends with one, maps to just past the last character of its
    /// line, where an "unexpected end of line" is best shown.
    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let offset = self.clamp(text, offset, false);
        let i = self.line_index(offset);
        let column = text
            .get(self.starts[i]..offset)
            .map_or(0, |before| before.chars().count());
        // A byte order mark at the start of the text is not a column: editors do not show it.
        let bom = usize::from(i == 0 && offset > 0 && text.starts_with('\u{feff}'));
        let column = column - bom;
        LineCol {
            line: i + 1,
            column: column + 1,
        }
    }

    /// Clamps `offset` into `text`, onto a character boundary (rounding down,
    /// or up when `round_up`), and out of any line terminator (to the end of
    /// the line's content).
    pub(crate) fn clamp(&self, text: &str, offset: usize, round_up: bool) -> usize {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            // Terminates: 0 and text.len() are always boundaries.
            if round_up {
                offset += 1;
            } else {
                offset -= 1;
            }
        }
        offset.min(self.ends[self.line_index(offset)])
    }

    /// The 0-based index of the line containing `offset`.
    pub(crate) fn line_index(&self, offset: usize) -> usize {
        // `starts[0] == 0 <= offset`, so the partition point is at least 1.
        self.starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1)
    }

    /// The byte offset where the line after the 0-based line `i` starts, or
    /// `None` for the last line.
    pub(crate) fn next_line_start(&self, i: usize) -> Option<usize> {
        self.starts.get(i + 1).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lc(line: usize, column: usize) -> LineCol {
        LineCol { line, column }
    }

    #[test]
    fn empty_text_has_one_line() {
        let index = LineIndex::new("");
        assert_eq!(index.line_count(), 1);
        assert_eq!(index.line_span(1), Span::new(0, 0));
        assert_eq!(index.line_col("", 0), lc(1, 1));
        assert_eq!(index.line_col("", 5), lc(1, 1));
    }

    #[test]
    fn trailing_newline_adds_no_line() {
        let text = "a → b\n";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 1);
        // The end of the file is shown just past `b`.
        assert_eq!(index.line_col(text, text.len()), lc(1, 6));
        let text = "a\n\n";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 2);
        assert_eq!(index.line_span(2), Span::new(2, 2));
        assert_eq!(index.line_col(text, 3), lc(2, 1));
    }

    #[test]
    fn crlf_and_lone_cr() {
        let text = "ab\r\ncd\re\r\n";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 2);
        assert_eq!(index.line_span(1), Span::new(0, 2));
        assert_eq!(index.line_span(2), Span::new(4, 8));
        assert_eq!(index.line_col(text, 2), lc(1, 3)); // the `\r`
        assert_eq!(index.line_col(text, 3), lc(1, 3)); // the `\n`, clamped
        assert_eq!(index.line_col(text, 4), lc(2, 1));
        assert_eq!(index.line_col(text, 7), lc(2, 4)); // `e`, after a lone `\r`
    }

    #[test]
    fn columns_count_chars_in_mixed_text() {
        let text = "step 研发部:评估 { within 3wd }";
        let index = LineIndex::new(text);
        let at = |needle: &str| index.line_col(text, text.find(needle).expect("needle present"));
        assert_eq!(at("研发部"), lc(1, 6));
        assert_eq!(at(":"), lc(1, 9));
        assert_eq!(at("评估"), lc(1, 10));
        assert_eq!(at("{"), lc(1, 13));
        assert_eq!(at("within"), lc(1, 15));
    }

    #[test]
    fn offsets_inside_a_char_round_down() {
        let text = "市场部";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, 4), lc(1, 2));
        assert_eq!(index.clamp(text, 4, true), 6);
        assert_eq!(index.clamp(text, 4, false), 3);
    }

    #[test]
    fn line_span_clamps_line_numbers() {
        let index = LineIndex::new("a\nbc");
        assert_eq!(index.line_span(0), Span::new(0, 1));
        assert_eq!(index.line_span(2), Span::new(2, 4));
        assert_eq!(index.line_span(99), Span::new(2, 4));
    }
}
