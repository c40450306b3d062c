//! End-to-end tests of `sopflow due` and `sopflow simulate`.

use std::path::Path;
use std::process::Command;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn sopflow(args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_sopflow"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the sopflow binary runs");
    let run = Run {
        code: output
            .status
            .code()
            .expect("sopflow exits, it is not killed"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    };
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

fn due(calendar: &str, from: &str, within: &str) -> Run {
    sopflow(&[
        "due",
        "--calendar",
        calendar,
        "--from",
        from,
        "--within",
        within,
    ])
}

#[test]
fn due_counts_working_days_across_national_day() {
    // 2026-09-30 is a Wednesday; 10-01..10-07 are off; 10-10 (Saturday) is a make-up workday.
    let run = due("cn", "2026-09-30T10:00:00+08:00", "3wd");
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "2026-10-10T18:00:00+08:00\n"),
        "{}",
        run.stderr
    );
    let run = due("cn", "2026-09-30T10:00:00+08:00", "8wh");
    assert_eq!(run.stdout, "2026-10-08T10:00:00+08:00\n");
    let run = due("cn", "2026-09-30T10:00:00+08:00", "2d");
    assert_eq!(run.stdout, "2026-10-02T10:00:00+08:00\n");
    let run = due("cn", "2026-09-30T02:00:00Z", "1工作日");
    assert_eq!(run.stdout, "2026-10-08T18:00:00+08:00\n");
}

#[test]
fn due_reads_a_calendar_from_a_file() {
    let run = due("examples/org.sop#公司", "2026-03-02T09:00:00+08:00", "1wd");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("2026-03-03T"), "{}", run.stdout);
    let run = due("examples/org.sop#没有", "2026-03-02T09:00:00+08:00", "1wd");
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("declares no calendar `没有`"),
        "{}",
        run.stderr
    );
}

#[test]
fn due_refuses_to_guess_beyond_the_calendar() {
    let run = due("cn", "2026-12-30T10:00:00+08:00", "5wd");
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("2027"), "{}", run.stderr);
}

#[test]
fn due_reports_bad_arguments() {
    for (from, within) in [
        ("yesterday", "3wd"),
        ("2026-03-02T09:00:00+08:00", "3 days"),
        ("2026-03-02T09:00:00+08:00", "3x"),
    ] {
        let run = due("cn", from, within);
        assert_eq!(run.code, 2, "{from} {within}");
        assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    }
    let run = due("missing.sop", "2026-03-02T09:00:00+08:00", "1wd");
    assert_eq!(run.code, 2);
}

#[test]
fn simulate_prints_a_warning_and_two_escalation_levels() {
    let run = sopflow(&[
        "simulate",
        "examples/新产品上市.sop",
        "--start",
        "2026-03-02T09:00:00+08:00",
        "--attr",
        "上市日=2026-06-30",
        "--script",
        "examples/新产品上市.script.jsonl",
        "--until",
        "2026-03-11T00:00:00+08:00",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let types: Vec<String> = run
        .stdout
        .lines()
        .map(|line| {
            let event: serde_json::Value = serde_json::from_str(line).expect("each line is JSON");
            event["type"]
                .as_str()
                .expect("events have a type")
                .to_owned()
        })
        .collect();
    assert_eq!(
        types,
        [
            "instance_started",
            "step_activated",
            "step_completed",
            "step_activated",
            "warning_raised",
            "deadline_missed",
            "escalated",
            "escalated",
            "step_completed",
            "step_activated",
        ]
    );
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn simulate_reports_failed_commands_and_goes_on() {
    let dir = std::env::temp_dir().join(format!("sopflow-sim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("s.jsonl");
    std::fs::write(
        &script,
        "{\"at\":\"2026-03-02T10:00:00+08:00\",\"type\":\"complete\",\"id\":\"x\",\"step\":\"市场部:提交需求\",\"actor\":\"财务部\"}\n\
         {\"at\":\"2026-03-02T11:00:00+08:00\",\"type\":\"cancel\",\"id\":\"y\",\"actor\":\"PMO\",\"reason\":\"立项取消\"}\n",
    )
    .unwrap();
    let script = script.to_string_lossy().into_owned();
    let run = sopflow(&[
        "simulate",
        "examples/新产品上市.sop",
        "--start",
        "2026-03-02T09:00:00+08:00",
        "--attr",
        "上市日=2026-06-30",
        "--script",
        &script,
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("script line 1") && run.stderr.contains("may not act"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout
            .lines()
            .last()
            .unwrap()
            .contains("\"instance_cancelled\""),
        "{}",
        run.stdout
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn simulate_needs_the_attributes_its_sop_uses() {
    let run = sopflow(&[
        "simulate",
        "examples/新产品上市.sop",
        "--start",
        "2026-03-02T09:00:00+08:00",
    ]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("上市日"), "{}", run.stderr);
    let run = sopflow(&[
        "simulate",
        "examples/新产品上市.sop",
        "--start",
        "2026-03-02T09:00:00+08:00",
        "--attr",
        "上市日",
    ]);
    assert_eq!(run.code, 2);
    assert!(Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/新产品上市.sop")
        .exists());
}
