//! Text → AST: the pest binding, spans, and [`parse`].
//!
//! Invariants: this module knows nothing of petgraph, calendars or execution;
//! it never panics on any input, and no grammar rule is recursive, so the
//! parser's stack depth does not grow with the input.

pub mod ast;
mod ident;
mod parser;
mod split;

pub use ast::{File, Ident, Item, Name, Spanned};

use crate::diagnostics::{Code, Diagnostic, SourceId, Span};

/// The largest source accepted, in bytes (32 MiB). Larger files get [`Code::LimitExceeded`].
pub const MAX_SOURCE_LEN: usize = 32 * 1024 * 1024;

/// The longest name accepted, in characters. Longer names get [`Code::LimitExceeded`].
pub const MAX_NAME_CHARS: usize = 256;

/// Parses one `.sop` source into its syntax tree.
///
/// Every statement is parsed, even after an error, so the diagnostics
/// describe all syntax problems at once. Statements with errors are left out
/// of the returned [`File`].
///
/// # Example
/// ```
/// use sopflow::diagnostics::SourceId;
/// let (file, diagnostics) = sopflow::syntax::parse("市场部 → 研发部 within 3d", SourceId(0));
/// assert!(diagnostics.is_empty());
/// assert_eq!(file.items.len(), 1);
///
/// let (_, diagnostics) = sopflow::syntax::parse("市场部 → ", SourceId(0));
/// assert_eq!(diagnostics[0].code.as_str(), "E001");
/// ```
pub fn parse(source: &str, source_id: SourceId) -> (File, Vec<Diagnostic>) {
    parse_with(source, source_id, true)
}

/// Bytes of source parsed in one pest pass (see [`parse_with`]).
const CHUNK_BYTES: usize = 16 * 1024;

/// How many of `statements` (at least one) make up about [`CHUNK_BYTES`].
fn chunk_len(statements: &[std::ops::Range<usize>]) -> usize {
    let start = statements[0].start;
    statements
        .iter()
        .position(|r| r.end - start > CHUNK_BYTES)
        .unwrap_or(statements.len())
        .max(1)
}

/// [`parse`]; with `whole`, statements are parsed a chunk at a time, and one
/// by one only in chunks with syntax errors; without, always one by one.
fn parse_with(source: &str, source_id: SourceId, whole: bool) -> (File, Vec<Diagnostic>) {
    if source.len() > MAX_SOURCE_LEN {
        let diagnostic = Diagnostic::new(
            Code::LimitExceeded,
            format!("file is {} bytes, more than the limit of {MAX_SOURCE_LEN}", source.len()),
            source_id,
            Span::new(0, 0),
            "file too large",
        )
        .with_help("split the process into several files, or move shared declarations into a file loaded with `use`");
        return (File::default(), vec![diagnostic]);
    }
    let lexed = split::lex(source);
    let mut builder = parser::Builder::new(source_id, &lexed.text);
    let mut items = Vec::with_capacity(lexed.statements.len());
    let mut rest = &lexed.statements[..];
    while !rest.is_empty() {
        // Statements are parsed in chunks of about CHUNK_BYTES, one pest
        // pass each: few enough passes to amortize pest's setup, a token
        // queue small enough to stay in the CPU's cache. A chunk with a
        // syntax error is parsed again statement by statement.
        let chunk = if whole { chunk_len(rest) } else { 1 };
        if whole && builder.statements(&rest[..chunk], &mut items) {
            rest = &rest[chunk..];
            continue;
        }
        for range in &rest[..chunk] {
            let (text, original) = (&lexed.text[range.clone()], &source[range.clone()]);
            if let Some(item) = builder.statement(text, original, range.start) {
                items.push(item);
            }
        }
        rest = &rest[chunk..];
    }
    let mut diagnostics = builder.diagnostics;
    long_names(builder.long_names.into_inner(), source_id, &mut diagnostics);
    (File { items }, diagnostics)
}

/// E004 for every name of more than [`MAX_NAME_CHARS`] characters.
fn long_names(names: Vec<(Span, usize)>, source: SourceId, diagnostics: &mut Vec<Diagnostic>) {
    for (span, chars) in names {
        diagnostics.push(
            Diagnostic::new(
                Code::LimitExceeded,
                format!("name is {chars} characters long, more than the limit of {MAX_NAME_CHARS}"),
                source,
                span,
                "name too long",
            )
            .with_help("use a shorter name; put details in a `description`"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every `.sop` file of the examples and test fixtures.
    fn corpus() -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["examples", "tests/fixtures/check", "tests/fixtures/parse"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "sop") {
                    files.push(std::fs::read_to_string(path).unwrap());
                }
            }
        }
        assert!(files.len() > 60, "corpus not found: {}", files.len());
        files
    }

    /// Parses `source` both ways; returns whether the one-pass parse was taken.
    fn same_both_ways(source: &str) -> bool {
        let lexed = split::lex(source);
        let taken = parser::Builder::new(SourceId(0), &lexed.text)
            .statements(&lexed.statements, &mut Vec::new());
        let one_pass = parse_with(source, SourceId(0), true);
        let by_statement = parse_with(source, SourceId(0), false);
        assert_eq!(one_pass, by_statement, "{source}");
        taken
    }

    #[test]
    fn one_pass_parse_equals_statement_by_statement_on_the_corpus() {
        let corpus = corpus();
        let taken = corpus.iter().filter(|s| same_both_ways(s)).count();
        // The one-pass parse is taken for every file without syntax errors.
        assert!(taken > corpus.len() / 2, "{taken} of {}", corpus.len());
    }

    proptest! {
        /// Statements of the corpus that parse alone without errors, shuffled and joined by any separator,
        /// with comments and blank lines, parse the same both ways.
        #[test]
        fn one_pass_parse_equals_statement_by_statement(
            picks in proptest::collection::vec((any::<prop::sample::Index>(), 0..6usize), 1..12),
        ) {
            thread_local! {
                static STATEMENTS: Vec<String> = corpus()
                    .iter()
                    .flat_map(|s| {
                        let lexed = split::lex(s);
                        lexed.statements.into_iter().map(|r| s[r].to_owned()).collect::<Vec<_>>()
                    })
                    .filter(|s| parse(s, SourceId(0)).1.is_empty())
                    .collect();
            }
            let source = STATEMENTS.with(|all| {
                let mut source = String::new();
                for (index, separator) in &picks {
                    source.push_str(&all[index.index(all.len())]);
                    source.push_str(["\n", ";", "\n\n", " # 注释\n", "\r\n", "；"][*separator]);
                }
                source
            });
            // Statements without syntax errors make a file without syntax errors.
            prop_assert!(same_both_ways(&source), "one pass not taken: {source}");
        }
    }
}
