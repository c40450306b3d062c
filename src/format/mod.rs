//! The canonical layout of `.sop` files, for `sopflow fmt`: text in, text out.
//!
//! [`format()`] changes only white space, never a word or a punctuation mark,
//! so a formatted file means what it meant before; the author's spellings
//! stay as written (`within` or `时限`, `→` or `->`, `:` or `：`). The layout:
//!
//! - two spaces of indentation per level of braces; a line that continues a
//!   chain (it starts with an arrow, or the line above ends with one) one
//!   level more;
//! - one space between words, and around arrows, `&`, `|`, `{` and `}` (but
//!   none inside the braces of a group of steps: `{研发部, 财务部}`); none
//!   before `,` and `;`, one after; none around `:`, `：`, `，`, `、` and `；`,
//!   none after the `+` of a level (`+2d`); words the author wrote together
//!   stay together (`时限3天`);
//! - every comment is kept, a trailing one two spaces after the code, with no
//!   column alignment (alignment breaks when a line is edited);
//! - at most one blank line in a row, none at the start or end of the file or
//!   of a block; no trailing white space; `\n` line ends, the file ending
//!   with one; no byte-order mark.
//!
//! The line breaks are the author's: a statement written on one line stays
//! on one line. Formatting is idempotent: `format(format(x)) == format(x)`.
//!
//! This module does no I/O; it knows the lexer's rules for comments, quotes
//! and arrows (src/syntax/split.rs) and asks [`crate::syntax::parse`] whether
//! a source is valid before touching it.

mod lines;

use self::lines::{Kind, Line, Piece};
use crate::diagnostics::{Diagnostic, Severity, SourceId};

/// Spaces per level of indentation.
const INDENT: &str = "  ";

/// Lays out one `.sop` source canonically (see the [module docs](self)).
///
/// A source with syntax errors is not formatted: its error diagnostics are
/// returned (pointing into `source`, as `source_id`), and the caller should
/// leave it as it is. Only syntax matters here; a file with unknown names or
/// a cycle is formatted.
///
/// # Errors
/// The syntax errors of `source`, when it has any.
///
/// # Example
/// ```
/// use sopflow::diagnostics::SourceId;
/// let messy = "市场部→研发部   时限3天   #  评估\n\n\n\nstep 研发部 ：评估{\n\t交付物 《报告》 ,《原型》\n}\n";
/// let tidy = sopflow::format::format(messy, SourceId(0)).unwrap();
/// assert_eq!(
///     tidy,
///     "市场部 → 研发部 时限3天  #  评估\n\nstep 研发部：评估 {\n  交付物 《报告》, 《原型》\n}\n"
/// );
/// assert!(sopflow::format::format("市场部 → ", SourceId(0)).is_err());
/// ```
pub fn format(source: &str, source_id: SourceId) -> Result<String, Vec<Diagnostic>> {
    let (_, diagnostics) = crate::syntax::parse(source, source_id);
    let errors: Vec<Diagnostic> = diagnostics
        .into_iter()
        .filter(|d| d.severity() == Severity::Error)
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let text = source.strip_prefix('\u{FEFF}').unwrap_or(source);
    Ok(layout(&lines::lines(text)))
}

/// Whether `source` is already laid out canonically (and has no syntax errors).
///
/// # Example
/// ```
/// use sopflow::diagnostics::SourceId;
/// assert!(sopflow::format::is_formatted("A → B\n", SourceId(0)));
/// assert!(!sopflow::format::is_formatted("A→B", SourceId(0)));
/// ```
pub fn is_formatted(source: &str, source_id: SourceId) -> bool {
    format(source, source_id).is_ok_and(|formatted| formatted == source)
}

/// Writes `lines` out in the canonical layout.
fn layout(lines: &[Line<'_>]) -> String {
    let continues = continuations(lines);
    let mut out = String::new();
    let mut depth: usize = 0;
    // A blank line is written only before the next non-blank one, and only
    // when that one does not close a block and the last one did not open one.
    let mut blank_pending = false;
    let mut opened_block = true;
    for (line, &continues) in lines.iter().zip(&continues) {
        if line.is_blank() {
            blank_pending = true;
            continue;
        }
        let leading_closes = line
            .pieces
            .iter()
            .take_while(|p| p.kind == Kind::Close)
            .count();
        if blank_pending && !opened_block && leading_closes == 0 {
            out.push('\n');
        }
        blank_pending = false;
        let level = depth.saturating_sub(leading_closes) + usize::from(continues);
        for _ in 0..level {
            out.push_str(INDENT);
        }
        write_code(&line.pieces, &mut out);
        if let Some(comment) = line.comment {
            if !line.pieces.is_empty() {
                out.push_str("  ");
            }
            out.push_str(comment);
        }
        out.push('\n');
        for piece in &line.pieces {
            match piece.kind {
                Kind::Open => depth += 1,
                Kind::Close => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        opened_block = line.pieces.last().is_some_and(|p| p.kind == Kind::Open);
    }
    out
}

/// For each line, whether it continues a chain of arrows: its code starts
/// with an arrow or the code line above ends with one. A comment-only line
/// continues a chain when the next code line does.
fn continuations(lines: &[Line<'_>]) -> Vec<bool> {
    let mut continues = vec![false; lines.len()];
    let mut previous_ends_with_arrow = false;
    for (i, line) in lines.iter().enumerate() {
        if !line.pieces.is_empty() {
            continues[i] = line.starts_with_arrow() || previous_ends_with_arrow;
            previous_ends_with_arrow = line.ends_with_arrow();
        }
    }
    let mut next = false;
    for (i, line) in lines.iter().enumerate().rev() {
        if line.pieces.is_empty() {
            continues[i] = next && line.comment.is_some();
        } else {
            next = continues[i];
        }
    }
    continues
}

/// Writes the code of one line, spaced canonically.
fn write_code(pieces: &[Piece<'_>], out: &mut String) {
    // For each brace opened on this line, whether it opens a group of steps
    // in a flow (`{研发部, 财务部}`, written tight) rather than a block.
    let mut groups: Vec<bool> = Vec::new();
    let mut previous: Option<(&Piece<'_>, Brace)> = None;
    for piece in pieces {
        let brace = match piece.kind {
            Kind::Open => {
                let group = previous.is_none_or(|(p, _)| p.kind == Kind::Arrow);
                groups.push(group);
                if group {
                    Brace::Group
                } else {
                    Brace::Block
                }
            }
            Kind::Close => match groups.pop() {
                Some(true) => Brace::Group,
                _ => Brace::Block,
            },
            _ => Brace::None,
        };
        if let Some((before, before_brace)) = previous {
            if space_between(before, before_brace, piece, brace) {
                out.push(' ');
            }
        }
        out.push_str(piece.text);
        previous = Some((piece, brace));
    }
}

/// Whether a brace opens or closes a group of steps or a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Brace {
    /// Not a brace.
    None,
    /// `{研发部, 财务部}` in a flow: no space inside.
    Group,
    /// `step A { … }`: one space inside.
    Block,
}

/// Whether one space goes between two pieces of a line.
fn space_between(
    before: &Piece<'_>,
    before_brace: Brace,
    after: &Piece<'_>,
    after_brace: Brace,
) -> bool {
    use Kind::*;
    match (before.kind, after.kind) {
        (Open, Close) => false,
        (Open, _) if before_brace == Brace::Group => false,
        (_, Close) if after_brace == Brace::Group => false,
        (_, Separator | Tight) | (Tight | Plus, _) => false,
        (Arrow | Operator | Open | Close | Separator, _) | (_, Arrow | Operator | Open | Close) => {
            true
        }
        _ => after.space_before,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(source: &str) -> String {
        format(source, SourceId(0)).unwrap()
    }

    #[test]
    fn spacing_around_punctuation() {
        assert_eq!(fmt("A->B  ->  C"), "A -> B -> C\n");
        assert_eq!(
            fmt("销售部&市场部 : 方案 → B"),
            "销售部 & 市场部:方案 → B\n"
        );
        assert_eq!(
            fmt("step A {outcomes 通过|驳回}\nA → B when 通过\nA → C when 驳回"),
            "step A { outcomes 通过 | 驳回 }\nA → B when 通过\nA → C when 驳回\n"
        );
        assert_eq!(
            fmt("ladder L {\n+ 2d notify head , notify PMO\n}"),
            "ladder L {\n  +2d notify head, notify PMO\n}\n"
        );
        assert_eq!(fmt("A → { B,C } → D"), "A → {B, C} → D\n");
        assert_eq!(fmt("{ A ,B}→C"), "{A, B} → C\n");
        assert_eq!(fmt("process P {}"), "process P {}\n");
    }

    #[test]
    fn words_written_together_stay_together() {
        assert_eq!(fmt("A → B 时限3天"), "A → B 时限3天\n");
        assert_eq!(fmt("A → B 3个工作日内"), "A → B 3个工作日内\n");
        assert_eq!(
            fmt("calendar C {\n zone Etc/GMT+8\n hours 09:00-12:00 \n}"),
            "calendar C {\n  zone Etc/GMT+8\n  hours 09:00-12:00\n}\n"
        );
    }

    #[test]
    fn quoted_text_and_comments_are_kept_byte_for_byte() {
        let source = "role R  \"a  ,b # c\"  #  x  ,  y  \nrole S “ 两  个 ”\n";
        assert_eq!(
            fmt(source),
            "role R \"a  ,b # c\"  #  x  ,  y\nrole S “ 两  个 ”\n"
        );
    }

    #[test]
    fn chains_over_several_lines_are_indented_once() {
        assert_eq!(
            fmt("A\n-> B\n# 注释\n      -> C\nD → E"),
            "A\n  -> B\n  # 注释\n  -> C\nD → E\n"
        );
        assert_eq!(fmt("A →\nB"), "A →\n  B\n");
    }

    #[test]
    fn blank_lines() {
        assert_eq!(
            fmt("\n\nA → B\n\n\n\nstep A {\n\n  within 3d\n\n}\n\n"),
            "A → B\n\nstep A {\n  within 3d\n}\n"
        );
    }

    #[test]
    fn line_ends_and_byte_order_mark() {
        assert_eq!(fmt("\u{FEFF}A → B\r\nC → D\r\n"), "A → B\nC → D\n");
        assert_eq!(fmt("step A {\r within 3d\r}"), "step A {\n  within 3d\n}\n");
        assert_eq!(fmt(""), "");
        assert_eq!(fmt("# 只有注释"), "# 只有注释\n");
    }

    #[test]
    fn a_source_with_syntax_errors_is_refused() {
        let errors = format("市场部 → \nstep {", SourceId(3)).unwrap_err();
        assert!(!errors.is_empty());
        assert!(errors.iter().all(|d| d.severity() == Severity::Error));
    }
}
