//! End-to-end tests of `sopflow report` on a log that `sopflow simulate`
//! prints for five scripted instances over the example SOPs, mixed by
//! instant (tests/fixtures/report/events.jsonl, checked to be exactly what
//! simulate prints; `UPDATE_FIXTURES=1` rewrites it).

mod common;

use std::path::Path;

use common::{sopflow, ROOT};
const FIXTURES: &str = "crates/cli/tests/fixtures/report";
const LOG: &str = "crates/cli/tests/fixtures/report/events.jsonl";

/// The scripted instances: id, SOP, start, attributes.
const INSTANCES: [(&str, &str, &str, &[&str]); 5] = [
    (
        "NP-1",
        "新产品上市",
        "2026-03-02T09:00:00+08:00",
        &["上市日=2026-04-24"],
    ),
    (
        "NP-2",
        "新产品上市",
        "2026-03-09T09:00:00+08:00",
        &["上市日=2026-05-29"],
    ),
    (
        "CS-1",
        "客户问题处理",
        "2026-03-04T09:00:00+08:00",
        &["priority=P2"],
    ),
    (
        "CS-2",
        "客户问题处理",
        "2026-03-18T09:30:00+08:00",
        &["priority=P1"],
    ),
    ("MK-1", "市场营销活动", "2026-03-02T09:00:00+08:00", &[]),
];

/// Runs simulate for every instance; `instance` adds `--instance ID`.
fn simulate_all(instance: bool) -> Vec<String> {
    let mut outputs = Vec::new();
    for (id, sop, start, attrs) in INSTANCES {
        let file = format!("examples/{sop}.sop");
        let script = format!("{FIXTURES}/{id}.script.jsonl");
        let mut args = vec![
            "simulate",
            &file,
            "--start",
            start,
            "--script",
            &script,
            "--until",
            "2026-04-30T00:00:00+08:00",
        ];
        for attr in attrs {
            args.extend(["--attr", attr]);
        }
        if instance {
            args.extend(["--instance", id]);
        }
        let run = sopflow(&args);
        assert_eq!(run.code, 0, "{id}: {}", run.stderr);
        outputs.push(run.stdout);
    }
    outputs
}

/// The outputs mixed: every line, ordered by the event's instant (stable).
fn mixed(outputs: &[String]) -> String {
    let mut lines: Vec<(String, &str)> = outputs
        .iter()
        .flat_map(|o| o.lines())
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            (value["event"]["at"].as_str().unwrap().to_owned(), line)
        })
        .collect();
    lines.sort_by(|a, b| a.0.cmp(&b.0));
    lines.iter().map(|(_, line)| format!("{line}\n")).collect()
}

#[test]
fn the_fixture_log_is_what_simulate_prints() {
    let log = mixed(&simulate_all(true));
    let path = Path::new(ROOT).join(LOG);
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        std::fs::write(&path, &log).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        log, committed,
        "run with UPDATE_FIXTURES=1 to rewrite {LOG}"
    );
    // Mixed: the instances' events interleave.
    let instances: Vec<&str> = log
        .lines()
        .take(12)
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|v| {
            if v["instance"] == "NP-1" {
                "NP-1"
            } else {
                "other"
            }
        })
        .collect();
    assert!(instances.contains(&"NP-1") && instances.contains(&"other"));
}

#[test]
fn table_in_english() {
    let run = sopflow(&["report", "--sop", "examples/", "--lang", "en", LOG]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "");
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn table_in_chinese_for_march() {
    let run = sopflow(&[
        "report",
        "--sop",
        "examples/",
        "--lang",
        "zh",
        "--from",
        "2026-03-01",
        "--to",
        "2026-04-01",
        LOG,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn json() {
    let run = sopflow(&["report", "--sop", "examples/", "--format", "json", LOG]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
    let card: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(card["instances"], 5);
}

#[test]
fn csv_has_a_bom_and_crlf() {
    let run = sopflow(&[
        "report",
        "--sop",
        "examples/",
        "--format",
        "csv",
        "--lang",
        "zh",
        "--from",
        "2026-03-01T00:00:00+08:00",
        "--to",
        "2026-04-01T00:00:00+08:00",
        LOG,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with('\u{feff}'));
    assert_eq!(
        run.stdout.matches("\r\n").count(),
        run.stdout.matches('\n').count()
    );
    insta::assert_snapshot!(run.stdout.replace("\r\n", "⏎\n"));
}

#[test]
fn html_is_one_self_contained_file() {
    let run = sopflow(&[
        "report",
        "--sop",
        "examples/",
        "--format",
        "html",
        "--lang",
        "zh",
        LOG,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html = &run.stdout;
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains(sopflow_server_chart_start()));
    for outside in ["<script src", "<link", "@import", "url("] {
        assert!(!html.contains(outside), "{outside}");
    }
    for text in ["跨部门协作评分", "研发部", "按周趋势", "口径说明"] {
        assert!(html.contains(text), "{text}");
    }
}

/// The first bytes of the vendored Chart.js, as a check that it is inlined.
fn sopflow_server_chart_start() -> &'static str {
    "Chart.js v4"
}

#[test]
fn bare_events_concatenated_give_the_same_scorecard() {
    let bare: String = simulate_all(false).concat();
    let path =
        std::env::temp_dir().join(format!("sopflow-report-bare-{}.jsonl", std::process::id()));
    std::fs::write(&path, bare).unwrap();
    let from_bare = sopflow(&[
        "report",
        "--sop",
        "examples/",
        "--format",
        "json",
        path.to_str().unwrap(),
    ]);
    std::fs::remove_file(&path).unwrap();
    let from_records = sopflow(&["report", "--sop", "examples/", "--format", "json", LOG]);
    assert_eq!(from_bare.code, 0, "{}", from_bare.stderr);
    // Without --instance, simulate names each instance after its file: the
    // two runs of 新产品上市 become `新产品上市` and `新产品上市#2`.
    let (bare, records): (serde_json::Value, serde_json::Value) = (
        serde_json::from_str(&from_bare.stdout).unwrap(),
        serde_json::from_str(&from_records.stdout).unwrap(),
    );
    assert_eq!(bare, records);
}

#[test]
fn bad_input_is_explained() {
    let run = sopflow(&["report", "--sop", "examples/", "--from", "三月", LOG]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("invalid --from `三月`"),
        "{}",
        run.stderr
    );

    let run = sopflow(&[
        "report",
        "--sop",
        "examples/",
        "--from",
        "2026-04-01",
        "--to",
        "2026-03-01",
        LOG,
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("not after --from"), "{}", run.stderr);

    let run = sopflow(&["report", "--sop", "examples/", "no-such.jsonl"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("cannot read `no-such.jsonl`"),
        "{}",
        run.stderr
    );

    let run = sopflow(&[
        "report",
        "--sop",
        "examples/",
        "--zone",
        "Mars/Olympus",
        LOG,
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("invalid --zone"), "{}", run.stderr);

    // A log line that is not an event names its line.
    let run = sopflow(&[
        "report",
        "--sop",
        "examples/",
        "examples/新产品上市.script.jsonl",
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains(":line 2:"), "{}", run.stderr);

    // Instances of a process not given are not counted, and say so.
    let run = sopflow(&["report", "--sop", "examples/新产品上市.sop", LOG]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("instance `CS-1`: no definition of process `客户问题处理`"),
        "{}",
        run.stderr
    );
}

#[test]
fn report_from_a_store() {
    use sopflow::exec::{Attributes, Command};
    let dir = std::env::temp_dir().join(format!("sopflow-report-db-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("store.db").display());
    let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    tokio.block_on(async {
        let runtime = sopflow_runtime::Runtime::connect(&url).await.unwrap();
        let files = sopflow_runtime::SopFiles::new(
            "上新.sop",
            "process 上新 { calendar cn }\n市场部 → 研发部 within 1wd\n",
        );
        let now = at("2026-03-02T09:00:00+08:00");
        runtime.deploy(&files, now).await.unwrap();
        runtime
            .start("上新", "A-1", Attributes::new(), now)
            .await
            .unwrap();
        let done = |id: &str, step: &str| Command::complete(id, step, step);
        runtime
            .handle("A-1", done("c1", "市场部"), at("2026-03-02T10:00:00+08:00"))
            .await
            .unwrap();
        // Due at the end of the next working day (03-03 18:00); done 03-04 10:00:
        // one working hour late.
        runtime
            .handle("A-1", done("c2", "研发部"), at("2026-03-04T10:00:00+08:00"))
            .await
            .unwrap();
        runtime.close().await;
    });
    let run = sopflow(&["report", "--db", &url, "--format", "json"]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let card: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(card["instances"], 1);
    let rd = &card["departments"][1];
    assert_eq!(rd["department"], "研发部");
    assert_eq!(rd["figures"]["late"], 1);
    assert_eq!(rd["figures"]["lateness_seconds"], 3600);
    assert_eq!(card["departments"][0]["figures"]["completed"], 1);

    let run = sopflow(&["report", "--db", "mysql://nowhere"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cannot open --db"), "{}", run.stderr);
}
