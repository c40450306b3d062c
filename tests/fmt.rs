//! Properties of [`sopflow::format::format`] (the layout of `sopflow fmt`):
//!
//! - it is idempotent: `fmt(fmt(x)) == fmt(x)`;
//! - it never changes meaning: `fmt(x)` checks to the same definition (its
//!   JSON shape) and the same diagnostics (code and message) as `x`;
//! - the layout does not depend on the layout it was given: re-indenting,
//!   `\r\n` line ends, trailing spaces and extra blank lines format the same;
//!
//! over every `.sop` file of tests/fixtures and examples, and over generated
//! sources with random spacing. Files with syntax errors are refused.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use sopflow::diagnostics::SourceId;
use sopflow::format::format;
use sopflow::load::FsResolver;
use sopflow::{Checked, Loader};

/// Every `.sop` file under `examples/` and `tests/fixtures/`.
fn corpus() -> Vec<PathBuf> {
    fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, files);
            } else if path.extension().is_some_and(|e| e == "sop") {
                files.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    walk(&root.join("examples"), &mut files);
    walk(&root.join("tests/fixtures"), &mut files);
    files.sort();
    assert!(files.len() > 90, "corpus not found: {}", files.len());
    files
}

/// Checks `text` as the file `path` (so that `use` finds its neighbours).
fn check_as(path: &Path, text: &str) -> Checked {
    let dir = path.parent().unwrap();
    let loader = Loader::new(FsResolver::new(dir).unwrap());
    let name = path.file_name().unwrap().to_str().unwrap();
    loader.check_source(name, text)
}

/// What a check found, without positions: the definition's JSON and each
/// diagnostic's code and message.
fn meaning(checked: &Checked) -> (Option<serde_json::Value>, Vec<(String, String)>) {
    let definition = checked
        .definition
        .as_ref()
        .map(|d| serde_json::to_value(d).unwrap());
    let diagnostics = checked
        .diagnostics
        .iter()
        .map(|d| (d.code.as_str().to_owned(), d.message.to_string()))
        .collect();
    (definition, diagnostics)
}

#[test]
fn every_corpus_file_formats_idempotently_without_changing_meaning() {
    let (mut formatted, mut refused) = (0, 0);
    for path in corpus() {
        let source = std::fs::read_to_string(&path).unwrap();
        let Ok(once) = format(&source, SourceId(0)) else {
            refused += 1;
            // Refused only for syntax errors, which `check` reports too.
            let checked = check_as(&path, &source);
            assert!(checked.diagnostics.has_errors(), "{}", path.display());
            continue;
        };
        formatted += 1;
        let twice = format(&once, SourceId(0)).unwrap();
        assert_eq!(once, twice, "not idempotent: {}", path.display());
        assert_eq!(
            meaning(&check_as(&path, &source)),
            meaning(&check_as(&path, &once)),
            "meaning changed: {}\n{once}",
            path.display()
        );
    }
    assert!(
        formatted > 60 && refused > 10,
        "{formatted} formatted, {refused} refused"
    );
}

#[test]
fn the_examples_are_formatted() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for entry in std::fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "sop") {
            let source = std::fs::read_to_string(&path).unwrap();
            assert_eq!(
                format(&source, SourceId(0)).unwrap(),
                source,
                "run `sopflow fmt examples/`: {}",
                path.display()
            );
        }
    }
}

/// Re-lays `formatted` out: each line indented anew (`indents`), with
/// trailing spaces (`trailing`), `\r\n` line ends (`crlf`), blank lines
/// doubled, and blank lines after `{` and before `}`.
fn disturb(formatted: &str, indents: &[usize], trailing: &[bool], crlf: bool) -> String {
    let end = if crlf { "\r\n" } else { "\n" };
    let mut out = String::new();
    for (i, line) in formatted.lines().enumerate() {
        let k = i % indents.len();
        let indent = ["", " ", "    ", "\t", "\u{3000}", "        "][indents[k] % 6];
        if line.trim_start().starts_with('}') && indents[k].is_multiple_of(2) {
            out.push_str(end);
        }
        if line.is_empty() {
            out.push_str(end);
        } else {
            out.push_str(indent);
            out.push_str(line.trim_start());
        }
        if trailing[k] {
            out.push_str(" \t");
        }
        out.push_str(end);
        if line.ends_with('{') && indents[k].is_multiple_of(3) {
            out.push_str(end);
        }
    }
    out
}

/// The formatted corpus files, with their paths.
fn formatted_corpus() -> &'static [(PathBuf, String)] {
    static CORPUS: std::sync::OnceLock<Vec<(PathBuf, String)>> = std::sync::OnceLock::new();
    CORPUS.get_or_init(|| {
        corpus()
            .into_iter()
            .filter_map(|path| {
                let source = std::fs::read_to_string(&path).unwrap();
                let formatted = format(&source, SourceId(0)).ok()?;
                Some((path, formatted))
            })
            .collect()
    })
}

/// Pieces of statements over the steps `A` to `E`, joined by random spacing.
fn messy_source() -> impl Strategy<Value = String> {
    let space = prop::sample::select(&["", " ", "  ", "\t", "\u{3000}"][..]);
    let needed = prop::sample::select(&[" ", "   ", "\t", "\u{3000}"][..]);
    let arrow = prop::sample::select(&["→", "->", "－＞", "⇒"][..]);
    let colon = prop::sample::select(&[":", "："][..]);
    let comma = prop::sample::select(&[",", "，", "、"][..]);
    let attr = prop::sample::select(
        &[
            "",
            " within 3d",
            " 时限 2wd",
            " 3个工作日内",
            " when ok",
            " 结果为 no",
            " otherwise",
        ][..],
    );
    let node = (0usize..5, prop::option::of(colon), attr);
    let line = (
        prop::collection::vec((node, space.clone(), arrow, space.clone()), 1..4),
        0usize..5,
        prop::sample::select(&["", "  # 注释", " // 说明 → x", "\n"][..]),
        prop::bool::weighted(0.2),
        (comma, space.clone()),
    );
    let extra = prop::sample::select(
        &[
            "",
            "step A {outcomes ok|no}",
            "step A {\n outcomes ok | no\n\n}",
            "rework C → A max 2",
            "step B {within 1d ;deliver 《报告》 ,《原型》}",
            "ladder L {\n\twarn at 80%\n+ 2d notify head , notify PMO\n}",
            "department A head 王强 escalate PMO→总经理",
            "process P {\n  version 2.1\n}",
        ][..],
    );
    (
        prop::collection::vec(line, 1..6),
        prop::collection::vec(extra, 0..3),
        needed,
    )
        .prop_map(|(lines, extras, needed)| {
            const STEPS: [&str; 5] = ["A", "B", "C", "D", "E"];
            let mut source = String::new();
            for (chain, last, comment, group, (comma, gap)) in lines {
                for ((step, colon, attr), before, arrow, after) in chain {
                    source.push_str(STEPS[step]);
                    if let Some(colon) = colon {
                        source.push_str(&format!("{before}{colon}{after}动作"));
                    }
                    source.push_str(attr);
                    source.push_str(&format!("{before}{arrow}{after}"));
                }
                if group {
                    source.push_str(&format!("{{{gap}D{comma}{gap}E{gap}}}"));
                } else {
                    source.push_str(STEPS[last]);
                }
                source.push_str(comment);
                source.push('\n');
            }
            for extra in extras {
                source.push_str(&extra.replace(' ', needed));
                source.push('\n');
            }
            source
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any layout of a formatted corpus file formats back to it.
    #[test]
    fn layout_does_not_depend_on_the_layout_given(
        pick in any::<prop::sample::Index>(),
        indents in prop::collection::vec(0usize..6, 1..8),
        trailing in prop::collection::vec(any::<bool>(), 8),
        crlf in any::<bool>(),
    ) {
        let corpus = formatted_corpus();
        let (path, formatted) = &corpus[pick.index(corpus.len())];
        let disturbed = disturb(formatted, &indents, &trailing[..indents.len()], crlf);
        let again = format(&disturbed, SourceId(0));
        prop_assert_eq!(again.as_ref(), Ok(formatted), "{}:\n{}", path.display(), disturbed);
    }

    /// Generated sources with random spacing: idempotent, same meaning.
    #[test]
    fn generated_sources_keep_their_meaning(source in messy_source()) {
        let Ok(once) = format(&source, SourceId(0)) else {
            prop_assert!(sopflow::check(&source, "p.sop").diagnostics.has_errors());
            return Ok(());
        };
        let twice = format(&once, SourceId(0));
        prop_assert_eq!(twice.as_ref(), Ok(&once));
        let before = meaning(&sopflow::check(&source, "p.sop"));
        let after = meaning(&sopflow::check(&once, "p.sop"));
        prop_assert_eq!(before, after, "{}\n=>\n{}", source, once);
    }
}

/// Most generated sources have no syntax errors, so the property above tests something.
#[test]
fn generated_sources_are_mostly_formatted() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = messy_source();
    let formatted = (0..200)
        .filter(|_| {
            let source = strategy.new_tree(&mut runner).unwrap().current();
            format(&source, SourceId(0)).is_ok()
        })
        .count();
    assert!(formatted > 120, "{formatted} of 200");
}
