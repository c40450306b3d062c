//! Cuts a source into lines of pieces: words, quoted text, punctuation and a
//! trailing comment, each piece knowing whether white space preceded it.
//!
//! The cut mirrors the lexer of [`crate::syntax`] (src/syntax/split.rs): the
//! same comment starts (`#`, `//`), the same quotes (`"…"` with `\` escapes,
//! `“…”`, `「…」`, `《…》`, each ending at the end of its line), the same white
//! space (tabs, the BOM and every Unicode space separator), and the same
//! arrows. Pieces keep their text exactly as written.

/// What a piece of a line is, as far as spacing goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// A name, keyword, number, duration, date, …: a run of other characters.
    Word,
    /// Quoted text or a 《title》, kept byte for byte.
    Quoted,
    /// `→`, `->` and the other arrows.
    Arrow,
    /// `&`, `＆`, `|`, `｜`: spaced on both sides.
    Operator,
    /// `{`
    Open,
    /// `}`
    Close,
    /// `,` and `;`: no space before, one after.
    Separator,
    /// `:`, `：`, `，`, `、`, `；`: no space on either side.
    Tight,
    /// `+` of an escalation level: no space after.
    Plus,
}

/// One piece of a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Piece<'a> {
    pub(super) kind: Kind,
    pub(super) text: &'a str,
    /// Whether white space separated it from the piece before.
    pub(super) space_before: bool,
}

/// One line of source: its pieces and its comment, if any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Line<'a> {
    pub(super) pieces: Vec<Piece<'a>>,
    /// `# …` or `// …` to the end of the line, without trailing white space.
    pub(super) comment: Option<&'a str>,
}

impl Line<'_> {
    /// Whether the line has neither code nor comment.
    pub(super) fn is_blank(&self) -> bool {
        self.pieces.is_empty() && self.comment.is_none()
    }
    /// Whether the line's code starts with an arrow (continuing a chain).
    pub(super) fn starts_with_arrow(&self) -> bool {
        self.pieces.first().is_some_and(|p| p.kind == Kind::Arrow)
    }
    /// Whether the line's code ends with an arrow (the chain goes on below).
    pub(super) fn ends_with_arrow(&self) -> bool {
        self.pieces.last().is_some_and(|p| p.kind == Kind::Arrow)
    }
}

/// The arrows of the grammar, longest spellings first where one starts another.
const ARROWS: [&str; 7] = ["→", "->", "－＞", "－>", "-＞", "⟶", "⇒"];

/// White space other than `' '`, as the lexer counts it.
fn is_space(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\u{FEFF}' | '\u{00A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

/// The kind of a one-character piece, if `c` is punctuation.
fn punctuation(c: char) -> Option<Kind> {
    Some(match c {
        '{' => Kind::Open,
        '}' => Kind::Close,
        '&' | '＆' | '|' | '｜' => Kind::Operator,
        ',' | ';' => Kind::Separator,
        ':' | '：' | '，' | '、' | '；' => Kind::Tight,
        '+' => Kind::Plus,
        _ => return None,
    })
}

/// Cuts `source` into lines (`\n`, `\r\n` or a lone `\r` end a line).
pub(super) fn lines(source: &str) -> Vec<Line<'_>> {
    let mut lines = vec![Line::default()];
    let mut space = false;
    let mut i = 0;
    while let Some(c) = source[i..].chars().next() {
        let rest = &source[i..];
        let line = lines.last_mut().expect("there is always a current line");
        if c == '\n' || c == '\r' {
            i += if rest.starts_with("\r\n") { 2 } else { 1 };
            lines.push(Line::default());
            space = false;
            continue;
        }
        if is_space(c) {
            space = true;
            i += c.len_utf8();
            continue;
        }
        if c == '#' || rest.starts_with("//") {
            let end = rest.find(['\n', '\r']).unwrap_or(rest.len());
            line.comment = Some(rest[..end].trim_end_matches(is_space));
            i += end;
            continue;
        }
        let (kind, len) = if let Some(arrow) = ARROWS.iter().find(|a| rest.starts_with(**a)) {
            (Kind::Arrow, arrow.len())
        } else if let Some(kind) = punctuation(c) {
            (kind, c.len_utf8())
        } else if let Some(close) = closing_quote(c) {
            (Kind::Quoted, quoted_len(rest, close))
        } else {
            let len = rest
                .char_indices()
                .find(|&(j, d)| {
                    j > 0
                        && (d == '\n'
                            || d == '\r'
                            || d == '#'
                            || is_space(d)
                            || punctuation(d).is_some()
                            || closing_quote(d).is_some()
                            || rest[j..].starts_with("//")
                            || ARROWS.iter().any(|a| rest[j..].starts_with(a)))
                })
                .map_or(rest.len(), |(j, _)| j);
            (Kind::Word, len)
        };
        line.pieces.push(Piece {
            kind,
            text: &rest[..len],
            space_before: space,
        });
        space = false;
        i += len;
    }
    lines
}

/// The closing quote of an opening one.
fn closing_quote(open: char) -> Option<char> {
    Some(match open {
        '"' => '"',
        '“' => '”',
        '「' => '」',
        '《' => '》',
        _ => return None,
    })
}

/// The length of the quoted text at the start of `rest`: up to and including
/// `close`, or to the end of the line when it is missing.
fn quoted_len(rest: &str, close: char) -> usize {
    let mut chars = rest.char_indices().skip(1);
    while let Some((j, d)) = chars.next() {
        match d {
            '\n' | '\r' => return j,
            '\\' if close == '"' => {
                if let Some((k, e)) = chars.next() {
                    if e == '\n' || e == '\r' {
                        return k;
                    }
                }
            }
            d if d == close => return j + d.len_utf8(),
            _ => {}
        }
    }
    rest.len()
}
