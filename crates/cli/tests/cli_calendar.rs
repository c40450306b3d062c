//! End-to-end tests of the calendar commands: `sopflow calendar` (month
//! grids, snapshot-tested), `sopflow check --today` (W031) and what `sopflow
//! due` says outside a calendar's years.

mod common;

use common::sopflow;

/// Runs `sopflow calendar SPEC YEAR`, which must succeed, and returns its output.
fn calendar(spec: &str, year: &str) -> String {
    let run = sopflow(&["calendar", spec, year]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "");
    run.stdout
}

#[test]
fn calendar_cn_2026() {
    insta::assert_snapshot!(calendar("cn", "2026"));
}

#[test]
fn calendar_year_not_covered() {
    let text = calendar("cn", "2027");
    assert!(text.contains("2027 is NOT covered"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn calendar_from_a_file_with_a_company_calendar() {
    insta::assert_snapshot!(calendar("examples/org.sop#公司", "2026"));
}

#[test]
fn calendar_with_a_year_added_in_a_sop_file() {
    let file = "tests/fixtures/calendar/extended.sop";
    let cn = calendar(&format!("{file}#cn"), "2027");
    assert!(cn.contains("holiday data: 2024..2027 (covered)"), "{cn}");
    assert!(cn.contains("02-08..02-12  holiday  测试假期"), "{cn}");
    // The extension of the extended cn: its week and hours, cn's 2027 and its own day.
    insta::assert_snapshot!(calendar(&format!("{file}#工厂"), "2027"));
}

#[test]
fn calendar_reports_bad_arguments() {
    for args in [
        &["calendar", "cn"][..],
        &["calendar", "cn", "二〇二六"],
        &["calendar", "cn", "0"],
        &["calendar", "cn", "10000"],
        &["calendar", "missing.sop", "2026"],
        &["calendar", "examples/org.sop#没有", "2026"],
    ] {
        let run = sopflow(args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stdout);
        assert!(!run.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn check_warns_before_the_end_of_the_calendar() {
    // The examples use `cn` and `公司`, which end with 2026.
    let run = sopflow(&["check", "--today", "2026-12-02", "examples/"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    insta::assert_snapshot!(run.stdout);

    let run = sopflow(&["check", "--today", "2026-03-02", "examples/"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.stdout, "checked 4 files: no problems\n");

    let run = sopflow(&["check", "--today", "2026-12-32", "examples/"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--today"), "{}", run.stderr);
}

#[test]
fn due_outside_the_calendar_says_how_to_add_the_year() {
    let run = sopflow(&[
        "due",
        "--calendar",
        "cn",
        "--from",
        "2026-12-30T10:00:00+08:00",
        "--within",
        "5wd",
    ]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "");
    insta::assert_snapshot!(run.stderr);

    // With the year added in a .sop file, the same deadline is computed.
    let run = sopflow(&[
        "due",
        "--calendar",
        "tests/fixtures/calendar/extended.sop#cn",
        "--from",
        "2026-12-30T10:00:00+08:00",
        "--within",
        "5wd",
    ]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "2027-01-07T18:00:00+08:00\n"),
        "{}",
        run.stderr
    );
}
