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

use ast::DeclKind;
use std::ops::Range;

use crate::diagnostics::{tr, Code, Diagnostic, SourceId, Span};

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
/// With the `parallel` feature (default), a source of 256 KiB or more is
/// parsed in two halves, the second on a scoped thread that ends before this
/// returns; the result is the same as on one thread.
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
    parse_with(source, source_id, Mode::Parallel)
}

/// Bytes of source parsed in one pest pass (see [`parse_part`]).
const CHUNK_BYTES: usize = 16 * 1024;

/// How many of `statements` (at least one) make up about [`CHUNK_BYTES`].
fn chunk_len(statements: &[Range<usize>]) -> usize {
    let start = statements[0].start;
    statements
        .iter()
        .position(|r| r.end - start > CHUNK_BYTES)
        .unwrap_or(statements.len())
        .max(1)
}

/// How [`parse_with`] parses the statements the lexer cut.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    /// One pest pass per statement (what a chunk with a syntax error gets).
    OneByOne,
    /// A chunk of about [`CHUNK_BYTES`] per pest pass, on one thread (the
    /// tests compare the other modes with it).
    #[cfg_attr(not(test), allow(dead_code))]
    Chunks,
    /// Chunks, and a source of at least [`PARALLEL_BYTES`] split in two
    /// halves parsed on two threads (with the `parallel` feature).
    Parallel,
}

/// Sources at least this large are parsed on two threads with the
/// `parallel` feature: about 13 ms of parsing on one thread, against 32–56 µs
/// (best, median) to start and join a scoped thread on the CI machine.
const PARALLEL_BYTES: usize = 256 * 1024;

/// [`parse`], parsing statements as `mode` says.
fn parse_with(source: &str, source_id: SourceId, mode: Mode) -> (File, Vec<Diagnostic>) {
    if source.len() > MAX_SOURCE_LEN {
        let diagnostic = Diagnostic::new(
            Code::LimitExceeded,
            {
                let len = source.len();
                tr!(
                    "file is {len} bytes, more than the limit of {MAX_SOURCE_LEN}",
                    "文件有 {len} 字节，超过了上限 {MAX_SOURCE_LEN} 字节"
                )
            },
            source_id,
            Span::new(0, 0),
            tr!("file too large", "文件太大"),
        )
        .with_help(tr!(
            "split the process into several files, or move shared declarations into a file loaded with `use`",
            "把流程拆成几个文件，或者把共用的声明放进另一个文件，再用 `use` 引入"
        ));
        return (File::default(), vec![diagnostic]);
    }
    let lexed = split::lex(source);
    let part = |statements: &[Range<usize>]| {
        parse_part(
            source,
            &lexed.text,
            source_id,
            statements,
            mode != Mode::OneByOne,
        )
    };
    let parallel = cfg!(feature = "parallel") && mode == Mode::Parallel;
    let parsed = if parallel && source.len() >= PARALLEL_BYTES {
        parse_halves(source.len(), &lexed.statements, part)
    } else {
        part(&lexed.statements)
    };
    let Parsed {
        items,
        mut diagnostics,
        long_names: names,
        unparsed,
    } = parsed;
    long_names(names, source_id, &mut diagnostics);
    (File { items, unparsed }, diagnostics)
}

/// The syntax of some statements of a source.
struct Parsed {
    items: Vec<Item>,
    diagnostics: Vec<Diagnostic>,
    long_names: Vec<(Span, usize)>,
    unparsed: Vec<(DeclKind, Name)>,
}

/// Parses `statements` of `source` (`text` is its normalized form).
///
/// With `chunks`, statements are parsed a chunk at a time, and one by one
/// only in chunks with syntax errors; without, always one by one.
fn parse_part(
    source: &str,
    text: &str,
    source_id: SourceId,
    statements: &[Range<usize>],
    chunks: bool,
) -> Parsed {
    let mut builder = parser::Builder::new(source_id, text);
    let mut items = Vec::with_capacity(statements.len());
    let mut rest = statements;
    while !rest.is_empty() {
        // Statements are parsed in chunks of about CHUNK_BYTES, one pest
        // pass each: few enough passes to amortize pest's setup, a token
        // queue small enough to stay in the CPU's cache. A chunk with a
        // syntax error is parsed again statement by statement.
        let chunk = if chunks { chunk_len(rest) } else { 1 };
        if chunks && builder.statements(&rest[..chunk], &mut items) {
            rest = &rest[chunk..];
            continue;
        }
        for range in &rest[..chunk] {
            let (text, original) = (&text[range.clone()], &source[range.clone()]);
            if let Some(item) = builder.statement(text, original, range.start) {
                items.push(item);
            }
        }
        rest = &rest[chunk..];
    }
    Parsed {
        items,
        diagnostics: builder.diagnostics,
        long_names: builder.long_names.into_inner(),
        unparsed: builder.unparsed,
    }
}

/// Parses the statements before the middle of the source on this thread and
/// the rest on a scoped second one, then joins the two in order. Where no
/// thread can be started, this thread parses both.
fn parse_halves(
    len: usize,
    statements: &[Range<usize>],
    part: impl Fn(&[Range<usize>]) -> Parsed + Sync,
) -> Parsed {
    let (first, second) = statements.split_at(statements.partition_point(|r| r.start < len / 2));
    std::thread::scope(|scope| {
        let helper = std::thread::Builder::new()
            .name("sopflow-parse".to_owned())
            .spawn_scoped(scope, || part(second));
        let mut parsed = part(first);
        let rest = match helper.map(|h| h.join()) {
            Ok(Ok(rest)) => rest,
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            Err(_) => part(second),
        };
        parsed.items.extend(rest.items);
        parsed.diagnostics.extend(rest.diagnostics);
        parsed.long_names.extend(rest.long_names);
        parsed.unparsed.extend(rest.unparsed);
        parsed
    })
}

/// E004 for every name of more than [`MAX_NAME_CHARS`] characters.
fn long_names(names: Vec<(Span, usize)>, source: SourceId, diagnostics: &mut Vec<Diagnostic>) {
    for (span, chars) in names {
        diagnostics.push(
            Diagnostic::new(
                Code::LimitExceeded,
                tr!(
                    "name is {chars} characters long, more than the limit of {MAX_NAME_CHARS}",
                    "名称有 {chars} 个字，超过了上限 {MAX_NAME_CHARS} 个字"
                ),
                source,
                span,
                tr!("name too long", "名称太长"),
            )
            .with_help(tr!(
                "use a shorter name; put details in a `description`",
                "请用一个更短的名称，详细说明写在 `description` 里"
            )),
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
        let one_pass = parse_with(source, SourceId(0), Mode::Chunks);
        let by_statement = parse_with(source, SourceId(0), Mode::OneByOne);
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

    /// A source large enough to be parsed on two threads, with syntax
    /// errors on both sides of its middle, parses the same as on one.
    #[test]
    fn two_threads_parse_the_same_as_one() {
        let mut source = String::new();
        let mut i = 0;
        while source.len() < 2 * PARALLEL_BYTES {
            if i % 997 == 0 {
                source.push_str("部门: → 缺少步骤\n");
            }
            source.push_str(&format!(
                "部门{}:动作{i} → 部门{}:动作{} within 3d\n",
                i % 7,
                (i + 1) % 7,
                i + 1
            ));
            if i % 500 == 0 {
                source.push_str(&format!(
                    "step 部门{}:动作{i} {{\n  deliver 《报告》\n}}\n",
                    i % 7
                ));
            }
            i += 1;
        }
        let parallel = parse_with(&source, SourceId(0), Mode::Parallel);
        let serial = parse_with(&source, SourceId(0), Mode::Chunks);
        assert!(parallel.1.len() > 2, "{:?}", parallel.1);
        assert_eq!(parallel, serial);
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
