//! End-to-end tests of `sopflow due` and `sopflow simulate`.

mod common;

use std::path::Path;

use common::{sopflow, Run};

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
    assert!(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .join("examples/新产品上市.sop")
        .exists());
}

/// Runs `simulate` on 新产品上市 with `script` as its script file; the
/// script's path is shown as `[SCRIPT]`.
fn simulate_script(name: &str, script: &str, extra: &[&str]) -> Run {
    let dir = std::env::temp_dir().join(format!("sopflow-strict-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("s.jsonl");
    std::fs::write(&path, script).unwrap();
    let path = path.to_string_lossy().into_owned();
    let mut args = vec![
        "simulate",
        "examples/新产品上市.sop",
        "--start",
        "2026-03-02T09:00:00+08:00",
        "--attr",
        "上市日=2026-06-30",
        "--script",
        &path,
    ];
    args.extend_from_slice(extra);
    let mut run = sopflow(&args);
    run.stderr = run.stderr.replace(&path, "[SCRIPT]");
    std::fs::remove_dir_all(&dir).unwrap();
    run
}

#[test]
fn simulate_rejects_unknown_script_fields_naming_line_and_field() {
    let run = simulate_script(
        "outcome",
        "# a comment\n{\"at\":\"2026-03-03T10:00:00+08:00\",\"type\":\"complete\",\"id\":\"c1\",\"step\":\"市场部:提交需求\",\"actor\":\"市场部\",\"outcome\":\"通过\"}\n",
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    insta::assert_snapshot!(run.stderr, @"error: [SCRIPT]:2: unknown field `outcome`, expected one of `id`, `step`, `actor`, `deliverables`, `outcomes`");
    // Every command type is strict, the optional fields included.
    for line in [
        r#"{"at":"2026-03-03T10:00:00Z","type":"pause","id":"p","step":"市场部:提交需求","actor":"市场部","why":"x"}"#,
        r#"{"at":"2026-03-03T10:00:00Z","type":"cancel","id":"c","actor":"PMO","reason":"x","step":"市场部:提交需求"}"#,
        r#"{"at":"2026-03-03T10:00:00Z","type":"resume","id":"r","step":"市场部:提交需求","actor":"市场部","reason":"x"}"#,
    ] {
        let run = simulate_script("each", &format!("{line}\n"), &[]);
        assert_eq!(run.code, 2, "{line}: {}", run.stderr);
        assert!(
            run.stderr.starts_with("error: [SCRIPT]:1: unknown field `"),
            "{}",
            run.stderr
        );
    }
    // A misspelt type is named too.
    let run = simulate_script(
        "type",
        "{\"at\":\"2026-03-03T10:00:00Z\",\"type\":\"finish\",\"id\":\"f\"}\n",
        &[],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .starts_with("error: [SCRIPT]:1: unknown variant `finish`"),
        "{}",
        run.stderr
    );
}

#[test]
fn simulate_names_the_at_field_and_its_format() {
    let run = simulate_script(
        "at",
        "{\"at\":\"2026-03-03T10:00:00\",\"type\":\"cancel\",\"id\":\"c\",\"actor\":\"PMO\",\"reason\":\"x\"}\n",
        &[],
    );
    assert_eq!(run.code, 2);
    insta::assert_snapshot!(run.stderr, @"error: [SCRIPT]:1: invalid `at` `2026-03-03T10:00:00`: premature end of input; write RFC 3339 with a UTC offset, e.g. 2026-03-02T10:00:00+08:00 or 2026-03-02T02:00:00Z");
    let run = simulate_script(
        "no-at",
        "{\"type\":\"cancel\",\"id\":\"c\",\"actor\":\"PMO\",\"reason\":\"x\"}\n",
        &[],
    );
    assert_eq!(run.code, 2);
    insta::assert_snapshot!(run.stderr, @r#"error: [SCRIPT]:1: missing field `at`: the instant the command is issued, RFC 3339 with a UTC offset, e.g. "at":"2026-03-02T10:00:00+08:00""#);
}

#[test]
fn simulate_until_before_start_is_a_usage_error() {
    let run = sopflow(&[
        "simulate",
        "examples/新产品上市.sop",
        "--start",
        "2026-03-02T09:00:00+08:00",
        "--attr",
        "上市日=2026-06-30",
        "--until",
        "2026-03-01T09:00:00+08:00",
    ]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    insta::assert_snapshot!(run.stderr, @"error: --until `2026-03-01T09:00:00+08:00` is earlier than --start `2026-03-02T09:00:00+08:00`; give an --until at or after the start");
    // --until equal to --start is allowed: the instance starts and stops.
    let run = sopflow(&[
        "simulate",
        "examples/新产品上市.sop",
        "--start",
        "2026-03-02T09:00:00+08:00",
        "--attr",
        "上市日=2026-06-30",
        "--until",
        "2026-03-02T01:00:00Z",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[cfg(unix)]
#[test]
fn simulate_on_a_path_that_is_not_utf8_says_so_like_check() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let path = OsStr::from_bytes(b"examples/\xff.sop");
    let run = |command: &str| {
        let mut sopflow = common::command(&[command]);
        sopflow.arg(path).args(if command == "simulate" {
            &["--start", "2026-03-02T09:00:00+08:00"][..]
        } else {
            &[]
        });
        let run = common::run(sopflow);
        (Some(run.code), run.stderr)
    };
    let (code, stderr) = run("simulate");
    assert_eq!(code, Some(2));
    assert_eq!(
        stderr,
        "error: cannot read `examples/\u{fffd}.sop`: the path is not valid UTF-8\n"
    );
    // `check` says the same about a path it cannot name (here: a missing one).
    let (code, stderr) = run("check");
    assert_eq!(code, Some(2));
    assert!(
        stderr.starts_with("error: cannot read `examples/\u{fffd}.sop`: "),
        "{stderr}"
    );
}

#[test]
fn due_agrees_with_the_language_on_zero_and_huge_durations() {
    for within in ["0wd", "0d", "0工作日"] {
        let run = due("cn", "2026-09-30T10:00:00+08:00", within);
        assert_eq!(run.code, 2, "{within}");
        assert_eq!(run.stdout, "");
        assert!(
            run.stderr
                .contains("a duration must be positive, as in .sop files (E030)"),
            "{}",
            run.stderr
        );
    }
    let run = due("cn", "2026-09-30T10:00:00+08:00", "0wd");
    insta::assert_snapshot!(run.stderr, @"error: invalid --within `0wd`: a duration must be positive, as in .sop files (E030); write at least 1, e.g. 1wd");
    let run = due("cn", "2026-09-30T10:00:00+08:00", "36601d");
    assert_eq!(run.code, 2);
    insta::assert_snapshot!(run.stderr, @"error: invalid --within `36601d`: durations are limited to 100 years, as in .sop files (E031): at most 36600d");
    // The language's own answer to the same durations.
    let codes = |source: &str| -> Vec<&'static str> {
        sopflow::check(source, "x.sop")
            .diagnostics
            .iter()
            .map(|d| d.code.as_str())
            .collect()
    };
    assert_eq!(
        codes("process x { calendar cn }\n市场部 → 研发部 within 0wd"),
        ["E030"]
    );
    assert_eq!(codes("市场部 → 研发部 within 36601d"), ["E031"]);
}

/// The year-end cliff as a user met it: `cn` has no 2027 data, and completing
/// the step before a `3wd` step on 2026-12-29 used to fail and stick.
#[test]
fn simulate_runs_through_the_year_end_on_a_provisional_deadline() {
    let dir = std::env::temp_dir().join(format!("sopflow-yearend-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sop = dir.join("上新.sop");
    std::fs::write(
        &sop,
        "process 上新 { calendar cn }\n市场部 → 研发部 within 3wd\n",
    )
    .unwrap();
    let script = dir.join("s.jsonl");
    std::fs::write(
        &script,
        "{\"at\":\"2026-12-29T10:00:00+08:00\",\"type\":\"complete\",\"id\":\"c1\",\"step\":\"市场部\",\"actor\":\"市场部\"}\n",
    )
    .unwrap();
    let run = sopflow(&[
        "simulate",
        &sop.to_string_lossy(),
        "--start",
        "2026-12-28T09:00:00+08:00",
        "--script",
        &script.to_string_lossy(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[3].contains(r#""due":"2027-01-01T10:00:00Z","provisional":true"#),
        "{}",
        run.stdout
    );
    assert!(
        lines[4].contains(
            r#""type":"calendar_data_missing","step":"研发部","calendar":"cn","year":2027"#
        ),
        "{}",
        run.stdout
    );
    // Timers still fire: the deadline is missed on the virtual clock.
    assert!(lines[5].contains("deadline_missed"), "{}", run.stdout);
}
