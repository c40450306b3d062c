//! The lexical layer under the grammar: cuts a source text into top-level
//! statements and normalizes white space and comments, so that each statement
//! is parsed on its own and one syntax error does not hide the others.
//!
//! A statement ends at a newline or `;` outside braces, strings and comments,
//! unless the next line starts with an arrow or the line ends with one (a chain
//! written over several lines).
//!
//! Normalization is byte for byte, so every span into the normalized text is a
//! span into the original: comments (`#` or `//` to the end of the line, outside
//! strings) become ASCII spaces; so do tabs, the BOM and every Unicode space
//! separator (U+3000 ideographic space, no-break space, …); `\r` before `\n`
//! becomes a space and a lone `\r` a newline; a full-width `；` becomes `;`.
//! The grammar then needs only `" "` as white space and no comment rule, which
//! halves the work pest does between tokens.

use std::ops::Range;

/// A source cut into statements, with its normalized text.
pub(crate) struct Lexed {
    /// The source with comments and white space normalized; same length.
    pub(crate) text: String,
    /// Byte ranges of the statements, skipping blank and comment-only lines.
    pub(crate) statements: Vec<Range<usize>>,
}

/// Cuts `source` into statements and normalizes it.
pub(crate) fn lex(source: &str) -> Lexed {
    let (segments, text) = segments(source);
    let mut out: Vec<Range<usize>> = Vec::with_capacity(segments.len());
    let mut previous_ends_with_arrow = false;
    for segment in segments {
        let Some((first, last)) = segment.significant else {
            continue;
        };
        let piece = &source[first..last];
        let starts_with_arrow = starts_with_arrow(piece);
        match out.last_mut() {
            Some(prev) if starts_with_arrow || previous_ends_with_arrow => prev.end = last,
            _ => out.push(first..last),
        }
        previous_ends_with_arrow = ends_with_arrow(piece);
    }
    Lexed {
        text,
        statements: out,
    }
}

/// Returns the byte ranges of the statements of `source`, skipping blank and comment-only lines.
#[cfg(test)]
pub(crate) fn statements(source: &str) -> Vec<Range<usize>> {
    lex(source).statements
}

const ARROWS: [&str; 7] = ["→", "->", "－＞", "－>", "-＞", "⟶", "⇒"];

fn starts_with_arrow(text: &str) -> bool {
    ARROWS.iter().any(|a| text.starts_with(a))
}

fn ends_with_arrow(text: &str) -> bool {
    ARROWS.iter().any(|a| text.ends_with(a))
}

struct Segment {
    /// From the first to one past the last byte that is neither white space nor comment.
    significant: Option<(usize, usize)>,
}

/// Spaces other than ASCII `' '`: tab, BOM, and the Unicode space separators (Zs).
fn is_other_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\u{FEFF}' | '\u{00A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

/// Overwrites the bytes of `range` with `fill` followed by spaces.
fn blank(bytes: &mut [u8], range: Range<usize>, fill: u8) {
    let mut fill = Some(fill);
    for b in &mut bytes[range] {
        *b = fill.take().unwrap_or(b' ');
    }
}

fn segments(source: &str) -> (Vec<Segment>, String) {
    let mut bytes = source.as_bytes().to_vec();
    let mut segments = Vec::new();
    let mut depth: usize = 0;
    let mut significant: Option<(usize, usize)> = None;
    let mut chars = source.char_indices().peekable();
    let mark = |significant: &mut Option<(usize, usize)>, start: usize, end: usize| {
        *significant = Some(match *significant {
            Some((first, _)) => (first, end),
            None => (start, end),
        });
    };
    while let Some((i, c)) = chars.next() {
        match c {
            '\n' | ';' if depth == 0 => {
                segments.push(Segment {
                    significant: significant.take(),
                });
            }
            '#' => {
                let end = skip_line(&mut chars, i + 1);
                blank(&mut bytes, i..end, b' ');
            }
            '/' if matches!(chars.peek(), Some((_, '/'))) => {
                let end = skip_line(&mut chars, i + 1);
                blank(&mut bytes, i..end, b' ');
            }
            '\r' => {
                let fill = if matches!(chars.peek(), Some((_, '\n'))) {
                    b' '
                } else {
                    b'\n'
                };
                blank(&mut bytes, i..i + 1, fill);
            }
            '；' => {
                blank(&mut bytes, i..i + c.len_utf8(), b';');
                if depth == 0 {
                    segments.push(Segment {
                        significant: significant.take(),
                    });
                }
            }
            c if is_other_space(c) => blank(&mut bytes, i..i + c.len_utf8(), b' '),
            '"' | '“' | '「' | '《' => {
                let close = match c {
                    '"' => '"',
                    '“' => '”',
                    '「' => '」',
                    _ => '》',
                };
                let mut end = i + c.len_utf8();
                while let Some(&(j, d)) = chars.peek() {
                    if d == '\n' {
                        break;
                    }
                    chars.next();
                    end = j + d.len_utf8();
                    if d == '\\' && close == '"' {
                        if let Some(&(k, e)) = chars.peek() {
                            if e != '\n' {
                                chars.next();
                                end = k + e.len_utf8();
                            }
                        }
                    } else if d == close {
                        break;
                    }
                }
                mark(&mut significant, i, end);
            }
            '{' | '｛' => {
                depth += 1;
                mark(&mut significant, i, i + c.len_utf8());
            }
            '}' | '｝' => {
                depth = depth.saturating_sub(1);
                mark(&mut significant, i, i + c.len_utf8());
            }
            ' ' | '\n' | ';' => {}
            c => mark(&mut significant, i, i + c.len_utf8()),
        }
    }
    segments.push(Segment { significant });
    let text = String::from_utf8(bytes).expect("whole characters were replaced by ASCII bytes");
    (segments, text)
}

/// Skips to the end of the line (not past the `\n` or `\r`); returns where it stopped.
fn skip_line(chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>, mut end: usize) -> usize {
    while let Some(&(j, c)) = chars.peek() {
        if c == '\n' || c == '\r' {
            break;
        }
        end = j + c.len_utf8();
        chars.next();
    }
    end
}

#[cfg(test)]
mod tests {
    use super::{lex, statements};

    #[test]
    fn normalization_keeps_every_offset() {
        let source = "\u{FEFF}A\t→　B # 注释 {\r\n\"# 不是注释\"；C // x\rD";
        let lexed = lex(source);
        assert_eq!(lexed.text.len(), source.len());
        assert_eq!(
            lexed.text,
            "   A →   B            \n\"# 不是注释\";  C     \nD"
        );
    }

    fn cut(source: &str) -> Vec<&str> {
        statements(source).into_iter().map(|r| &source[r]).collect()
    }

    #[test]
    fn one_statement_per_line() {
        assert_eq!(cut("A → B\n\n  # note\nC → D # tail\n"), ["A → B", "C → D"]);
    }

    #[test]
    fn braces_span_lines() {
        assert_eq!(
            cut("ladder L {\n  warn at 80%\n}\nA → B"),
            ["ladder L {\n  warn at 80%\n}", "A → B"]
        );
    }

    #[test]
    fn arrows_continue_a_chain() {
        assert_eq!(cut("A → B\n  → C\nD ->\n E"), ["A → B\n  → C", "D ->\n E"]);
    }

    #[test]
    fn braces_in_strings_and_comments_do_not_count() {
        assert_eq!(cut("role R \"{\" # {\nA → B"), ["role R \"{\"", "A → B"]);
    }

    #[test]
    fn semicolons_separate() {
        assert_eq!(cut("A → B; C → D"), ["A → B", "C → D"]);
    }
}
