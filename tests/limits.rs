//! Bad and big input: no panic, no stack overflow, no runaway.
//!
//! There are no time limits here (a slow machine must not fail the tests);
//! the sizes are chosen so that each test takes about a second or less in the
//! test profile. Diagnostics are rendered too, since rendering a huge line
//! must not blow up either.

use sopflow::diagnostics::{Lang, RenderOptions};
use sopflow::syntax::MAX_SOURCE_LEN;
use sopflow::{Checked, Code};

fn check(source: &str) -> Checked {
    let checked = sopflow::check(source, "limits.sop");
    for lang in Lang::ALL {
        let _ = checked.diagnostics.render(&RenderOptions {
            color: false,
            width: 80,
            lang,
        });
    }
    checked
}

fn codes(checked: &Checked) -> Vec<Code> {
    checked.diagnostics.iter().map(|d| d.code).collect()
}

/// A chain of `lines + 1` steps over as many departments, one arrow per line
/// of about 175 bytes.
fn long_chain(lines: usize) -> String {
    let mut source = String::with_capacity(lines * 180);
    source.push_str("process 长流程\n");
    for i in 0..lines {
        let j = i + 1;
        source.push_str(&format!("研发中心第{i}部门:评估新产品的技术可行性与开发周期{i} → 研发中心第{j}部门:评估新产品的技术可行性与开发周期{j} within 3d\n"));
    }
    source
}

#[test]
fn ten_megabytes_of_flow() {
    let lines = 60_000;
    let source = long_chain(lines);
    assert!(source.len() >= 10_000_000, "{} bytes", source.len());
    let checked = check(&source);
    assert!(
        checked.diagnostics.is_empty(),
        "{:?}",
        codes(&checked).first()
    );
    let definition = checked.definition.expect("valid");
    assert_eq!(definition.steps().len(), lines + 1);
    assert_eq!(definition.graph().edge_count(), lines);
    assert_eq!(definition.departments().len(), lines + 1);
}

#[test]
fn ten_megabytes_on_one_line() {
    // One comment line of 10 MB, then a flow.
    let mut source = "#".repeat(10 * 1024 * 1024);
    source.push_str("\n市场部 → 研发部 within 3d\n");
    let checked = check(&source);
    assert!(checked.diagnostics.is_empty());
    assert_eq!(checked.definition.expect("valid").steps().len(), 2);
}

#[test]
fn larger_than_the_limit_is_e004() {
    let mut source = "# 注释\n".repeat(MAX_SOURCE_LEN / "# 注释\n".len() + 1);
    source.push_str("市场部 → 研发部\n");
    assert!(source.len() > 32 * 1024 * 1024);
    let checked = check(&source);
    assert_eq!(codes(&checked), [Code::LimitExceeded]);
    // Exactly at the limit is fine.
    let at_limit = format!(
        "市场部 → 研发部\n{}",
        "#".repeat(MAX_SOURCE_LEN - "市场部 → 研发部\n".len())
    );
    assert_eq!(at_limit.len(), MAX_SOURCE_LEN);
    assert!(check(&at_limit).diagnostics.is_empty());
}

#[test]
fn deeply_nested_braces() {
    for source in [
        "{".repeat(100_000),
        format!("step 研发部 {}", "{".repeat(100_000)),
        "{}".repeat(100_000),
        format!("{}{}", "{".repeat(50_000), "}".repeat(50_000)),
    ] {
        let checked = check(&source);
        assert!(checked.definition.is_none());
        assert!(
            codes(&checked).contains(&Code::Syntax),
            "{:?}",
            codes(&checked)
        );
    }
    // Nested groups in a flow, and closing braces without opening ones.
    let source = format!(
        "市场部 → {}研发部{}",
        "{".repeat(100_000),
        "}".repeat(100_000)
    );
    assert!(check(&source).definition.is_none());
    let source = format!("{}\n市场部 → 研发部", "}".repeat(100_000));
    assert!(check(&source).definition.is_none());
}

#[test]
fn a_hundred_thousand_arrows_on_one_line() {
    // A valid chain of 100 001 steps.
    let steps: Vec<String> = (0..=100_000).map(|i| format!("S{i}")).collect();
    let checked = check(&steps.join(" → "));
    assert!(
        checked.diagnostics.is_empty(),
        "{:?}",
        codes(&checked).first()
    );
    assert_eq!(checked.definition.expect("valid").steps().len(), 100_001);

    // Arrows with nothing between them.
    let checked = check(&"→".repeat(100_000));
    assert_eq!(codes(&checked), [Code::Syntax]);
    let checked = check(&format!("A{}", " -> A".repeat(100_000)));
    assert!(
        codes(&checked).contains(&Code::Cycle),
        "{:?}",
        codes(&checked)
    );

    // One step again and again: one self-loop, reported once.
    let checked = check(&format!("A{}", " → B → A".repeat(50_000)));
    assert_eq!(codes(&checked), [Code::Cycle]);
}

#[test]
fn a_hundred_thousand_lines_continued_with_arrows() {
    let mut source = String::from("S0");
    for i in 1..=100_000 {
        source.push_str(&format!("\n  → S{i}"));
    }
    let checked = check(&source);
    assert!(
        checked.diagnostics.is_empty(),
        "{:?}",
        codes(&checked).first()
    );
    assert_eq!(checked.definition.expect("valid").steps().len(), 100_001);
}

#[test]
fn an_arrow_between_two_large_groups_is_e004() {
    // 3,000 × 3,000 would be nine million arrows: refused, and reported once.
    let group = |prefix: &str| {
        let names: Vec<String> = (0..3_000).map(|i| format!("{prefix}{i}")).collect();
        format!("{{{}}}", names.join(", "))
    };
    let checked = check(&format!("开始 → {} → {}", group("甲"), group("乙")));
    assert_eq!(codes(&checked), [Code::LimitExceeded]);
    assert!(checked.definition.is_none());

    // 100 × 100 (10,000 arrows) is within the limit.
    let small = |prefix: &str| {
        let names: Vec<String> = (0..100).map(|i| format!("{prefix}{i}")).collect();
        format!("{{{}}}", names.join(", "))
    };
    let checked = check(&format!("开始 → {} → {}", small("甲"), small("乙")));
    assert_eq!(codes(&checked), [], "{:?}", codes(&checked));
}

#[test]
fn a_megabyte_string() {
    let text = "需".repeat(1024 * 1024 / 3 + 1);
    let source = format!("department 研发部 \"{text}\"\nstep 研发部 {{ accept \"{text}\" }}\n市场部 → 研发部\ndepartment 市场部\n");
    let checked = check(&source);
    assert!(checked.diagnostics.is_empty(), "{:?}", codes(&checked));
    let definition = checked.definition.expect("valid");
    assert_eq!(
        definition.departments()[0].description.as_deref(),
        Some(text.as_str())
    );
    // Unterminated, it is an error, not a hang.
    let checked = check(&format!("department 研发部 \"{text}\n市场部 → 研发部"));
    assert!(codes(&checked).contains(&Code::Syntax));
}

#[test]
fn a_long_name_is_e004_even_when_huge() {
    let name = "研".repeat(1_000_000);
    let checked = check(&format!("市场部 → {name}"));
    assert_eq!(codes(&checked), [Code::LimitExceeded]);
}

#[test]
fn nul_bytes_and_control_characters() {
    for c in (0u8..0x20)
        .chain([0x7f])
        .map(char::from)
        .chain(['\u{85}', '\u{2028}', '\u{2029}', '\u{200b}', '\u{fffd}'])
    {
        for source in [
            format!("市场部 → 研发部{c}"),
            format!("{c}市场部 → 研发部"),
            format!("市场部 {c}→ 研发部"),
            format!("\"{c}\""),
        ] {
            let checked = check(&source);
            assert_eq!(
                checked.definition.is_some(),
                !checked.diagnostics.has_errors(),
                "{source:?}"
            );
        }
    }
    let checked = check("市场部 → 研发部\0");
    assert!(codes(&checked).contains(&Code::Syntax));
    let checked = check(&"\0".repeat(100_000));
    assert!(codes(&checked).contains(&Code::Syntax));
}

/// The JSON export of a valid source.
fn json(source: &str) -> String {
    let definition = sopflow::parse(source, "same.sop")
        .unwrap_or_else(|d| panic!("{}", d.render(&RenderOptions::default())));
    serde_json::to_string(&definition).expect("serializes")
}

#[test]
fn crlf_line_endings_parse_the_same_as_lf() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/parse");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("readable")
        .map(|e| e.expect("an entry").path())
        .collect();
    files.sort();
    for path in files {
        let lf = std::fs::read_to_string(&path).expect("readable");
        let crlf = lf.replace('\n', "\r\n");
        assert_eq!(json(&lf), json(&crlf), "{}", path.display());
        // The spans differ (each line is one byte longer), but line:col stay the same.
        let checked = sopflow::check(&crlf, "crlf.sop");
        let definition = checked.definition.expect("valid");
        for (_, step) in definition.steps() {
            let span = step.location.span;
            assert!(crlf.is_char_boundary(span.start) && crlf.is_char_boundary(span.end));
            assert!(
                !crlf[span.start..span.end].contains('\r'),
                "{}: {:?}",
                path.display(),
                &crlf[span.start..span.end]
            );
        }
    }
    // A syntax error is reported on the same line and column.
    let lf = sopflow::check("市场部 → 研发部\n研发部 → → 财务部\n", "e.sop");
    let crlf = sopflow::check("市场部 → 研发部\r\n研发部 → → 财务部\r\n", "e.sop");
    let records = |c: &Checked| {
        c.diagnostics
            .records()
            .into_iter()
            .map(|r| (r.line, r.column, r.message))
            .collect::<Vec<_>>()
    };
    assert_eq!(records(&lf), records(&crlf));
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let source = "市场部:提交需求 → 研发部:评估 within 3d\nstep 研发部:评估 { deliver 《报告》 }\n";
    assert_eq!(json(source), json(&format!("\u{feff}{source}")));
    assert_eq!(
        json("department 市场部\n市场部 → 市场部:发布"),
        json("\u{feff}department 市场部\n市场部 → 市场部:发布")
    );
    // A BOM before a comment or a blank line, and with CRLF.
    assert_eq!(
        json(source),
        json(&format!(
            "\u{feff}# 注释\r\n\r\n{}",
            source.replace('\n', "\r\n")
        ))
    );
}
