//! Cuts a source text into top-level statements, so that each is parsed on its
//! own and one syntax error does not hide the diagnostics of the others.
//!
//! A statement ends at a newline or `;` outside braces, strings and comments,
//! unless the next line starts with an arrow or the line ends with one (a chain
//! written over several lines).

use std::ops::Range;

/// Returns the byte ranges of the statements of `source`, skipping blank and comment-only lines.
pub(crate) fn statements(source: &str) -> Vec<Range<usize>> {
    let segments = segments(source);
    let mut out: Vec<Range<usize>> = Vec::with_capacity(segments.len());
    let mut previous_ends_with_arrow = false;
    for segment in segments {
        let Some((first, last)) = segment.significant else {
            continue;
        };
        let text = &source[first..last];
        let starts_with_arrow = starts_with_arrow(text);
        match out.last_mut() {
            Some(prev) if starts_with_arrow || previous_ends_with_arrow => prev.end = last,
            _ => out.push(first..last),
        }
        previous_ends_with_arrow = ends_with_arrow(text);
    }
    out
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

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\u{3000}' | '\u{00A0}' | '\u{FEFF}')
}

fn segments(source: &str) -> Vec<Segment> {
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
            '\n' | ';' | '；' if depth == 0 => {
                segments.push(Segment {
                    significant: significant.take(),
                });
            }
            '#' => skip_line(&mut chars),
            '/' if matches!(chars.peek(), Some((_, '/'))) => skip_line(&mut chars),
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
            c if is_space(c) || c == '\n' || c == ';' || c == '；' => {}
            c => mark(&mut significant, i, i + c.len_utf8()),
        }
    }
    segments.push(Segment { significant });
    segments
}

fn skip_line(chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>) {
    while let Some(&(_, c)) = chars.peek() {
        if c == '\n' {
            break;
        }
        chars.next();
    }
}

#[cfg(test)]
mod tests {
    use super::statements;

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
