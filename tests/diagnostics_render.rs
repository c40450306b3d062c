//! Snapshot tests of the diagnostic output formats: rustc-style text (no
//! colour, width 80), JSON records and GitHub workflow commands.
//!
//! Besides the snapshots, every text test checks the underline's column
//! independently, by measuring the source line with `unicode-width`.

use std::collections::HashSet;

use sopflow::diagnostics::{
    Code, Diagnostic, Diagnostics, LineCol, LineIndex, RenderOptions, Severity, Source, SourceMap,
    Span,
};
use unicode_width::UnicodeWidthStr;

/// The span of the `nth` (from 0) occurrence of `needle` in `text`.
fn span_of(text: &str, needle: &str, nth: usize) -> Span {
    let (start, _) = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("occurrence {nth} of {needle:?} in {text:?}"));
    Span::new(start, start + needle.len())
}

fn render(diagnostics: &Diagnostics) -> String {
    diagnostics.render(&RenderOptions::default())
}

/// Asserts that, in `out`, the source line showing `line_text` is followed by
/// an underline of `mark`s exactly under `needle`, measured in display
/// columns (a Han character is 2 columns wide).
fn assert_underlined(out: &str, line_text: &str, needle: &str, mark: char) {
    let lines: Vec<&str> = out.lines().collect();
    let at = lines
        .iter()
        .position(|line| line.ends_with(&format!("| {line_text}")))
        .unwrap_or_else(|| panic!("no line showing {line_text:?} in\n{out}"));
    let gutter = lines[at].len() - line_text.len();
    let needle_at = line_text.find(needle).expect("needle in line");
    let expected_column = lines[at][..gutter].width() + line_text[..needle_at].width();

    let underline = lines.get(at + 1).expect("a line below the source line");
    // Everything before the marks is ASCII (`  |` and spaces), so bytes are columns.
    let column = underline
        .find(mark)
        .unwrap_or_else(|| panic!("no {mark:?} in {underline:?}"));
    assert_eq!(column, expected_column, "underline misplaced:\n{out}");
    let marks = underline[column..]
        .chars()
        .take_while(|&c| c == mark)
        .count();
    assert_eq!(marks, needle.width(), "underline length:\n{out}");
}

#[test]
fn ascii_line() {
    let text = "process purchase\nmarketing -> finance within 0d\n";
    let mut sources = SourceMap::new();
    let id = sources.add(Source::new("flows/purchase.sop", text));
    let d = Diagnostic::new(
        Code::NonPositiveDuration,
        "duration must be positive",
        id,
        span_of(text, "0d", 0),
        "zero days",
    )
    .with_help("give a positive duration, e.g. `within 2d`");
    let out = render(&Diagnostics::new(sources, vec![d]));
    assert_underlined(&out, "marketing -> finance within 0d", "0d", '^');
    insta::with_settings!({ description => text }, {
        insta::assert_snapshot!("ascii_line", out);
    });
}

#[test]
fn chinese_line_mid_line_caret() {
    let text = "department 市场部\n市场部 → 法务部:审核合同 within 2d\n";
    let mut sources = SourceMap::new();
    let id = sources.add(Source::new("flows/合同.sop", text));
    let d = Diagnostic::new(
        Code::UnknownDepartment,
        "unknown department `法务部`",
        id,
        span_of(text, "法务部", 0),
        "not declared by any `department` statement",
    )
    .with_help("declare it: `department 法务部`");
    let diagnostics = Diagnostics::new(sources, vec![d]);
    let out = render(&diagnostics);
    assert_underlined(&out, "市场部 → 法务部:审核合同 within 2d", "法务部", '^');
    // The header column counts characters: 市场部, space, →, space come first.
    assert!(out.contains(" --> flows/合同.sop:2:7\n"), "{out}");
    insta::with_settings!({ description => text }, {
        insta::assert_snapshot!("chinese_line_mid_line_caret", out);
    });
}

#[test]
fn full_width_brace() {
    let text = "step 研发部:评估 ｛\n  within 3wd\n}\n";
    let mut sources = SourceMap::new();
    let id = sources.add(Source::new("flows/研发.sop", text));
    let d = Diagnostic::new(
        Code::FullWidth,
        "full-width `｛` where `{` is expected",
        id,
        span_of(text, "｛", 0),
        "full-width brace",
    )
    .with_help("replace `｛` with `{`");
    let out = render(&Diagnostics::new(sources, vec![d]));
    // `｛` is one character but two columns wide: two carets.
    assert_underlined(&out, "step 研发部:评估 ｛", "｛", '^');
    insta::with_settings!({ description => text }, {
        insta::assert_snapshot!("full_width_brace", out);
    });
}

#[test]
fn tab_before_label() {
    let text = "step 研发部:评估 {\n\towner 法务部\n}\n";
    let mut sources = SourceMap::new();
    let id = sources.add(Source::new("flows/研发.sop", text));
    let d = Diagnostic::new(
        Code::UnknownDepartment,
        "unknown department `法务部`",
        id,
        span_of(text, "法务部", 0),
        "not declared",
    );
    let diagnostics = Diagnostics::new(sources, vec![d]);
    let out = render(&diagnostics);
    // The header counts the tab as one character; the display expands it to 4 spaces.
    assert!(out.contains(" --> flows/研发.sop:2:8\n"), "{out}");
    assert_eq!(diagnostics.records()[0].column, 8);
    assert_underlined(&out, "    owner 法务部", "法务部", '^');
    insta::with_settings!({ description => text }, {
        insta::assert_snapshot!("tab_before_label", out);
    });
}

#[test]
fn secondary_label_on_earlier_line() {
    let text = "process 采购 { version 1 }\n\
                市场部 → 财务部 within 2d\n\
                研发部 → 法务部 within 3d\n\
                财务部 → 市场部 within 1d\n";
    let mut sources = SourceMap::new();
    let id = sources.add(Source::new("flows/purchase.sop", text));
    let d = Diagnostic::new(
        Code::Cycle,
        "flow contains a cycle",
        id,
        span_of(text, "市场部", 1),
        "…and 市场部 follows 财务部 here, closing the cycle",
    )
    .with_label(id, span_of(text, "财务部", 0), "财务部 follows 市场部 here")
    .with_help("remove one of the two arrows, or split the flow into two processes");
    let out = render(&Diagnostics::new(sources, vec![d]));
    assert_underlined(&out, "市场部 → 财务部 within 2d", "财务部", '-');
    assert_underlined(&out, "财务部 → 市场部 within 1d", "市场部", '^');
    assert!(out.contains(" --> flows/purchase.sop:4:7\n"), "{out}");
    insta::with_settings!({ description => text }, {
        insta::assert_snapshot!("secondary_label_on_earlier_line", out);
    });
}

#[test]
fn distant_labels_fold_the_lines_between() {
    let mut text = String::from("department 市场部\n");
    for i in 0..8 {
        text.push_str(&format!("role 角色{i}\n"));
    }
    text.push_str("department 市场部 head 王经理\n");
    let mut sources = SourceMap::new();
    let id = sources.add(Source::new("org.sop", text.as_str()));
    let d = Diagnostic::new(
        Code::Duplicate,
        "department `市场部` defined twice",
        id,
        span_of(&text, "市场部", 1),
        "defined again here",
    )
    .with_label(id, span_of(&text, "市场部", 0), "first defined here");
    let out = render(&Diagnostics::new(sources, vec![d]));
    assert!(out.contains("\n...\n"), "{out}");
    assert!(!out.contains("角色4"), "{out}");
    insta::with_settings!({ description => text.as_str() }, {
        insta::assert_snapshot!("distant_labels_fold_the_lines_between", out);
    });
}

#[test]
fn labels_across_two_files() {
    let main = "use \"org.sop\"\ndepartment 市场部 head 李经理\n市场部 → 研发部 within 3wd\n";
    let org = "department 研发部\ndepartment 市场部 head 王经理\n";
    let mut sources = SourceMap::new();
    let main_id = sources.add(Source::new("flows/main.sop", main));
    let org_id = sources.add(Source::new("flows/org.sop", org));
    let d = Diagnostic::new(
        Code::Duplicate,
        "department `市场部` defined twice",
        main_id,
        span_of(main, "市场部", 0),
        "defined again here",
    )
    .with_label(
        org_id,
        span_of(org, "市场部", 0),
        "first defined here, in a used file",
    )
    .with_help("delete one of the two definitions");
    let out = render(&Diagnostics::new(sources, vec![d]));
    assert!(out.contains(" --> flows/main.sop:2:12\n"), "{out}");
    assert!(out.contains(" ::: flows/org.sop:2:12\n"), "{out}");
    assert_underlined(&out, "department 市场部 head 李经理", "市场部", '^');
    assert_underlined(&out, "department 市场部 head 王经理", "市场部", '-');
    insta::with_settings!({ description => format!("flows/main.sop:\n{main}\nflows/org.sop:\n{org}") }, {
        insta::assert_snapshot!("labels_across_two_files", out);
    });
}

#[test]
fn empty_span_at_end_of_file() {
    // With and without a final newline, the caret points just past `{`.
    for (name, text) in [
        (
            "eof_newline.sop",
            "step 研发部:评估 {\n  within 3d\n  deliver 《报告》\n",
        ),
        (
            "eof.sop",
            "step 研发部:评估 {\n  within 3d\n  deliver 《报告》",
        ),
    ] {
        let mut sources = SourceMap::new();
        let id = sources.add(Source::new(name, text));
        let end = Span::new(text.len(), text.len());
        let d = Diagnostic::new(
            Code::Syntax,
            "expected `}`, found end of file",
            id,
            end,
            "expected `}` here",
        )
        .with_label(id, span_of(text, "{", 0), "to close this block");
        let diagnostics = Diagnostics::new(sources, vec![d]);
        let out = render(&diagnostics);
        assert!(out.contains(&format!(" --> {name}:3:15\n")), "{out}");
        let record = &diagnostics.records()[0];
        assert_eq!(
            (
                record.line,
                record.column,
                record.end_line,
                record.end_column
            ),
            (3, 15, 3, 15)
        );
        // "  deliver 《报告》" is 18 columns wide; the caret comes right after it.
        let underline = out
            .lines()
            .find(|l| l.trim_end().ends_with("^ expected `}` here"))
            .expect("caret line");
        assert_eq!(
            underline.find('^'),
            Some("3 | ".len() + "  deliver 《报告》".width()),
            "{out}"
        );
        insta::with_settings!({ description => text, snapshot_suffix => name }, {
            insta::assert_snapshot!("empty_span_at_end_of_file", out);
        });
    }
}

#[test]
fn crlf_line_endings() {
    let text = "process 采购\r\n市场部 → 财务部 within 2d\r\n财务部:审批 → 法务部 within 1wd\r\n";
    let mut sources = SourceMap::new();
    let id = sources.add(Source::new("flows/crlf.sop", text));
    let d = Diagnostic::new(
        Code::NoCalendar,
        "`wd` needs a calendar",
        id,
        span_of(text, "1wd", 0),
        "working days, but no calendar is in scope",
    )
    .with_label(
        id,
        span_of(text, "process 采购", 0),
        "this process has no `calendar` field",
    )
    .with_help("add `calendar NAME` to the process, or use `d` for elapsed days");
    let diagnostics = Diagnostics::new(sources, vec![d]);
    let out = render(&diagnostics);
    assert!(!out.contains('\r') && !out.contains('␍'), "{out:?}");
    assert_underlined(&out, "财务部:审批 → 法务部 within 1wd", "1wd", '^');
    let record = &diagnostics.records()[0];
    assert_eq!(
        (
            record.line,
            record.column,
            record.end_line,
            record.end_column
        ),
        (3, 21, 3, 24)
    );
    insta::with_settings!({ description => format!("{text:?}") }, {
        insta::assert_snapshot!("crlf_line_endings", out);
    });
}

/// One error and one warning in two files, used by the machine formats.
fn two_problems() -> Diagnostics {
    let flow = "process 发布 { calendar 工厂 }\n法务部:审核 → 市场部:发布 when 通过\n法务部:审核 → 研发部:修改 when 驳回\n{市场部:发布, 研发部:修改} → 财务部:归档\n";
    let org = "ladder 标准 {\n  +2d notify head\n  +1d notify owner\n}\n";
    let mut sources = SourceMap::new();
    let flow_id = sources.add(Source::new("flows/发布.sop", flow));
    let org_id = sources.add(Source::new("org, shared: v2.sop", org));
    let join = Diagnostic::new(
        Code::ExclusiveJoin,
        "this join waits for both branches of an exclusive choice",
        flow_id,
        span_of(flow, "{市场部:发布, 研发部:修改}", 0),
        "only one of these steps runs",
    )
    .with_label(
        flow_id,
        span_of(flow, "法务部:审核", 0),
        "the choice is made here",
    );
    let calendar = Diagnostic::new(
        Code::UnknownCalendar,
        "unknown calendar `工厂`",
        flow_id,
        span_of(flow, "工厂", 0),
        "",
    )
    .with_help("define it in org.sop, e.g. `calendar 工厂 { zone Asia/Shanghai }`");
    let order = Diagnostic::new(
        Code::LadderOrder,
        "escalation levels out of order",
        org_id,
        span_of(org, "+1d", 0),
        "earlier than the level above",
    );
    Diagnostics::new(sources, vec![order, join, calendar])
}

#[test]
fn several_diagnostics_are_separated_by_blank_lines() {
    let out = render(&two_problems());
    assert_eq!(
        out.matches("\n\nerror").count() + out.matches("\n\nwarning").count(),
        2,
        "{out}"
    );
    assert!(out.ends_with('\n') && !out.ends_with("\n\n"), "{out:?}");
    assert_underlined(
        &out,
        "{市场部:发布, 研发部:修改} → 财务部:归档",
        "{市场部:发布, 研发部:修改}",
        '^',
    );
    insta::assert_snapshot!("several_diagnostics", out);
}

#[test]
fn json_output() {
    let diagnostics = two_problems();
    let json = diagnostics.to_json();
    let parsed: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(parsed.as_array().map(Vec::len), Some(3));
    assert_eq!(parsed[0]["severity"], "error");
    assert_eq!(parsed[1]["help"], serde_json::Value::Null);
    assert_eq!(parsed[2]["code"], "W030");
    let back: Vec<sopflow::diagnostics::Record> =
        serde_json::from_str(&json).expect("records deserialize");
    assert_eq!(back, diagnostics.records());
    assert_eq!(back[2].severity, Severity::Warning);
    insta::assert_snapshot!("json_output", json);
}

#[test]
fn github_output_escapes() {
    let mut diagnostics: Vec<Diagnostic> = two_problems().iter().cloned().collect();
    let text = "ladder 标准 { warn at 100% }\n";
    let mut sources = two_problems().sources().clone();
    let id = sources.add(Source::new("C:\\flows\\a,b.sop", text));
    diagnostics.push(
        Diagnostic::new(
            Code::WarnAfterDeadline,
            "warning at 100%\r\nof the window",
            id,
            span_of(text, "100%", 0),
            "at the deadline",
        )
        .with_help("warn earlier,\ne.g. at 80%"),
    );
    let out = Diagnostics::new(sources, diagnostics).render_github();
    assert_eq!(out.lines().count(), 4, "{out}");
    assert!(out
        .lines()
        .all(|l| l.starts_with("::error file=") || l.starts_with("::warning file=")));
    assert!(
        out.contains(
            "file=C%3A\\flows\\a%2Cb.sop,line=1,col=21,endLine=1,endColumn=25,title=E033::"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "::warning at 100%25%0D%0Aof the window (help: warn earlier,%0Ae.g. at 80%25)\n"
        ),
        "{out}"
    );
    assert!(out.contains("file=org%2C shared%3A v2.sop,"), "{out}");
    insta::assert_snapshot!("github_output", out);
}

#[test]
fn every_code_round_trips() {
    let mut seen = HashSet::new();
    for &code in Code::all() {
        assert!(seen.insert(code.as_str()), "duplicate code string {code}");
        assert_eq!(code.as_str().parse::<Code>(), Ok(code));
        assert_eq!(code.to_string(), code.as_str());
        let expected = if code.as_str().starts_with('W') {
            Severity::Warning
        } else {
            Severity::Error
        };
        assert_eq!(code.severity(), expected);
        let json = serde_json::to_string(&code).expect("serializes");
        assert_eq!(json, format!("\"{code}\""));
    }
    assert_eq!(seen.len(), 40);
    assert!("E000".parse::<Code>().is_err());
    assert!("".parse::<Code>().is_err());
    assert_eq!("e020".parse::<Code>(), Ok(Code::Cycle));
}

#[test]
fn line_index_counts_chars_in_mixed_text() {
    let text = "department 研发部 head \"王总监\"\nstep 研发部:评估 { deliver 《技术可行性报告》, \"demo v2\" }\n";
    let index = LineIndex::new(text);
    assert_eq!(index.line_count(), 2);
    let at = |needle: &str| index.line_col(text, span_of(text, needle, 0).start);
    assert_eq!(
        at("研发部"),
        LineCol {
            line: 1,
            column: 12
        }
    );
    assert_eq!(
        at("head"),
        LineCol {
            line: 1,
            column: 16
        }
    );
    assert_eq!(
        at("王总监"),
        LineCol {
            line: 1,
            column: 22
        }
    );
    assert_eq!(
        at("评估"),
        LineCol {
            line: 2,
            column: 10
        }
    );
    assert_eq!(
        at("《"),
        LineCol {
            line: 2,
            column: 23
        }
    );
    assert_eq!(
        at("demo"),
        LineCol {
            line: 2,
            column: 35
        }
    );
    // An offset inside a character rounds down to its start.
    let inside = span_of(text, "评估", 0).start + 1;
    assert_eq!(
        index.line_col(text, inside),
        LineCol {
            line: 2,
            column: 10
        }
    );
    assert_eq!(
        LineCol {
            line: 2,
            column: 10
        }
        .to_string(),
        "2:10"
    );
}
