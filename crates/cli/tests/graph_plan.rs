//! End-to-end tests of `sopflow graph` and `sopflow plan`: what a user sees,
//! and the exit status.

mod common;

use common::sopflow;

#[test]
fn graph_mermaid_by_default_in_the_locale_language() {
    let run = sopflow(&["graph", "examples/客户问题处理.sop"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("flowchart TB"));
    assert!(run.stdout.contains("|\"otherwise\"|"));
    let zh = sopflow(&["graph", "examples/客户问题处理.sop", "--lang", "zh"]);
    assert!(zh.stdout.contains("|\"其他\"|"));
}

#[test]
fn graph_every_format_to_a_file() {
    let dir = std::env::temp_dir().join(format!("sopflow-graph-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (format, start) in [
        ("mermaid", "flowchart"),
        ("dot", "digraph"),
        ("svg", "<svg"),
    ] {
        let path = dir.join(format!("flow.{format}"));
        let run = sopflow(&[
            "graph",
            "examples/新产品上市.sop",
            "--format",
            format,
            "-o",
            path.to_str().unwrap(),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(run.stdout.is_empty());
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with(start), "{format}: {text}");
    }
    let svg = std::fs::read_to_string(dir.join("flow.svg")).unwrap();
    assert!(svg.contains(r#"<g class="step" data-step="研发部:评估" data-department="研发部">"#));
    assert!(svg.contains("Noto Sans CJK SC"));
    assert!(
        !svg.contains("http://")
            || !svg
                .replace("http://www.w3.org/2000/svg", "")
                .contains("http")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn graph_of_a_file_with_errors_fails() {
    let dir = std::env::temp_dir().join(format!("sopflow-graph-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.sop");
    std::fs::write(&file, "市场部 → 研发部 within 0d\n").unwrap();
    let run = sopflow(&["graph", file.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("E030"), "{}", run.stderr);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn plan_human_in_both_languages() {
    let args = [
        "plan",
        "examples/新产品上市.sop",
        "--start",
        "2026-03-02T09:00:00+08:00",
        "--attr",
        "上市日=2026-06-30",
    ];
    let run = sopflow(&args);
    assert_eq!(run.code, 1, "infeasible: {}", run.stderr);
    insta::assert_snapshot!("plan_en", run.stdout);
    let mut zh = args.to_vec();
    zh.extend(["--lang", "zh"]);
    let run = sopflow(&zh);
    insta::assert_snapshot!("plan_zh", run.stdout);
}

#[test]
fn plan_json_and_feasible_exit() {
    let run = sopflow(&[
        "plan",
        "examples/客户问题处理.sop",
        "--start",
        "2026-03-02T09:00:00+08:00",
        "--attr",
        "priority=P1",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(value["deadline"]["feasible"], true);
    assert_eq!(value["critical_path"][0], "客服部:登记工单");
}

#[test]
fn plan_scan_names_the_worst_start() {
    let run = sopflow(&[
        "plan",
        "examples/客户问题处理.sop",
        "--start",
        "2026-01-05T09:00:00+08:00",
        "--scan",
        "12m",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("plan_scan", run.stdout);
}

#[test]
fn plan_usage_errors() {
    let cases: [(&[&str], &str); 4] = [
        (&["--start", "2026-03-02"], "invalid --start"),
        (
            &["--start", "2026-03-02T09:00:00+08:00", "--scan", "1y"],
            "invalid --scan",
        ),
        (
            &["--start", "2026-03-02T09:00:00+08:00", "--attr", "上市日"],
            "invalid --attr",
        ),
        (
            &["--start", "2026-03-02T09:00:00+08:00"],
            "missing attribute `上市日`",
        ),
    ];
    for (extra, message) in cases {
        let mut args = vec!["plan", "examples/新产品上市.sop"];
        args.extend_from_slice(extra);
        let run = sopflow(&args);
        assert_eq!(run.code, 2, "{extra:?}");
        assert!(run.stderr.contains(message), "{extra:?}: {}", run.stderr);
    }
}
