//! Static plans: hand-computed schedules on the built-in `cn` calendar
//! (one across 国庆), properties of every plan, and snapshots of what
//! `sopflow plan` shows for the examples.

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use sopflow::diagnostics::Lang;
use sopflow::exec::Attributes;
use sopflow::plan::{plan, render, render_scan, scan, Measure, Plan};
use sopflow::Definition;

fn t(s: &str) -> DateTime<Utc> {
    s.parse().expect("an RFC 3339 instant")
}

fn example(name: &str) -> Definition {
    sopflow::Loader::new(sopflow::load::FsResolver::new("examples").expect("examples/ exists"))
        .check(&format!("examples/{name}.sop"))
        .expect("the example reads")
        .definition
        .expect("the example is valid")
}

fn step<'p>(plan: &'p Plan, key: &str) -> &'p sopflow::plan::PlannedStep {
    plan.steps
        .iter()
        .find(|s| s.step == key)
        .expect("the step is planned")
}

const DIAMOND: &str = "process 上新 { calendar cn within 5wd }
市场部:提交需求 within 1wd → 研发部:评估 within 3wd → 财务部:核算 within 1wd
市场部:提交需求 → 销售部:调研 within 1wd → 财务部:核算
";

#[test]
fn diamond_by_hand() {
    let def = sopflow::parse(DIAMOND, "上新.sop").unwrap();
    // Monday 2026-03-02 09:00; a `within Nwd` step is due at the close of
    // the Nth working day after the day it starts.
    let plan = plan(&def, t("2026-03-02T09:00:00+08:00"), &Attributes::new()).unwrap();
    assert_eq!(
        plan.measure,
        Measure::Working {
            minutes_per_day: 480
        }
    );
    let a = step(&plan, "市场部:提交需求");
    assert_eq!(a.due, t("2026-03-03T18:00:00+08:00"));
    let b = step(&plan, "研发部:评估");
    assert_eq!(b.start, a.due);
    assert_eq!(b.due, t("2026-03-06T18:00:00+08:00"));
    let c = step(&plan, "销售部:调研");
    assert_eq!(c.due, t("2026-03-04T18:00:00+08:00"));
    // 调研 can be two working days late without moving the end.
    assert_eq!(c.slack_minutes, 2 * 480);
    assert!(!c.critical);
    let d = step(&plan, "财务部:核算");
    assert_eq!(d.start, b.due, "a join starts when its last input is due");
    assert_eq!(d.due, t("2026-03-09T18:00:00+08:00"));
    assert_eq!(
        plan.critical_path,
        ["市场部:提交需求", "研发部:评估", "财务部:核算"]
    );
    // 1wd + 3wd + 1wd, counted from the close of the start day as `within` counts.
    assert_eq!(plan.length_minutes, 5 * 480);
    let deadline = plan.deadline.as_ref().unwrap();
    assert_eq!(deadline.due, t("2026-03-09T18:00:00+08:00"));
    assert!(deadline.feasible);
    assert_eq!(deadline.over_minutes, 0);
}

#[test]
fn across_national_day() {
    let def = sopflow::parse(
        "process 国庆 { calendar cn within 2wd }\n市场部:提交需求 within 2wd → 研发部:评估 within 1wd",
        "国庆.sop",
    )
    .unwrap();
    // Wednesday 2026-09-30; 10-01 to 10-07 are 国庆 holidays, Saturday
    // 10-10 is a make-up working day (调休).
    let plan = plan(&def, t("2026-09-30T09:00:00+08:00"), &Attributes::new()).unwrap();
    assert_eq!(
        step(&plan, "市场部:提交需求").due,
        t("2026-10-09T18:00:00+08:00")
    );
    assert_eq!(
        step(&plan, "研发部:评估").due,
        t("2026-10-10T18:00:00+08:00")
    );
    let deadline = plan.deadline.as_ref().unwrap();
    assert_eq!(deadline.due, t("2026-10-09T18:00:00+08:00"));
    assert!(!deadline.feasible);
    assert_eq!(deadline.over_minutes, 480);
    let text = render(&plan, Lang::En);
    assert!(text.contains("allows 2wd"), "{text}");
    assert!(text.contains("infeasible by 1wd"), "{text}");
}

#[test]
fn missing_date_attribute_is_named() {
    let def = example("新产品上市");
    let err = plan(&def, t("2026-03-02T09:00:00+08:00"), &Attributes::new()).unwrap_err();
    insta::assert_snapshot!(err.to_string(), @"missing attribute `上市日`: give it as --attr 上市日=YYYY-MM-DD");
}

#[test]
fn priority_selects_the_sla() {
    let def = example("客户问题处理");
    let p1 = Attributes::new().with_priority("P1");
    let p3 = Attributes::new().with_priority("P3");
    let start = t("2026-03-02T09:00:00+08:00");
    let fast = plan(&def, start, &p1).unwrap();
    let slow = plan(&def, start, &p3).unwrap();
    let key = "技术部:诊断";
    assert!(step(&fast, key).due < step(&slow, key).due);
    // Without a priority the longest SLA counts.
    let unknown = plan(&def, start, &Attributes::new()).unwrap();
    assert_eq!(step(&unknown, key).due, step(&slow, key).due);
}

fn launch_attrs() -> Attributes {
    Attributes::from_pairs([("上市日", "2026-06-30")]).unwrap()
}

#[test]
fn example_plans_human_and_json() {
    let start = t("2026-03-02T09:00:00+08:00");
    for (name, attrs) in [
        ("新产品上市", launch_attrs()),
        ("客户问题处理", Attributes::new().with_priority("P2")),
        ("市场营销活动", Attributes::new()),
    ] {
        let plan = plan(&example(name), start, &attrs).unwrap();
        insta::assert_snapshot!(format!("plan_en_{name}"), render(&plan, Lang::En));
        insta::assert_snapshot!(format!("plan_zh_{name}"), render(&plan, Lang::Zh));
        insta::assert_json_snapshot!(format!("plan_json_{name}"), plan);
    }
}

#[test]
fn scan_names_national_day() {
    let def = sopflow::parse(
        "process 上新 { calendar cn within 12wd }
市场部:提交需求 within 2wd → 研发部:评估 within 3wd → 供应链部:确认物料 within 5wd",
        "上新.sop",
    )
    .unwrap();
    let report = scan(
        &def,
        t("2026-03-02T09:00:00+08:00"),
        240,
        &Attributes::new(),
    )
    .unwrap();
    let worst = &report.days[report.worst];
    assert!(
        worst.start >= t("2026-09-01T00:00:00+08:00")
            && worst.start < t("2026-10-01T00:00:00+08:00"),
        "{worst:?}"
    );
    assert!(
        report.holidays.iter().any(|h| h.contains("国庆")),
        "{report:?}"
    );
    insta::assert_snapshot!(render_scan(&report, Lang::En));
    insta::assert_snapshot!(render_scan(&report, Lang::Zh));
}

/// A random layered DAG on the `cn` calendar: `layers` of steps, each
/// arrow from one layer to the next, durations in `wd`, `wh` and `h`.
fn source(layers: &[Vec<(u8, u8)>], edges: &[(usize, usize)]) -> String {
    let mut text = String::from("process 随机 { calendar cn within 10wd }\n");
    let units = ["wd", "wh", "h"];
    let name = |l: usize, i: usize| format!("部门{l}:步骤{i}");
    for (l, layer) in layers.iter().enumerate() {
        for (i, (amount, unit)) in layer.iter().enumerate() {
            text.push_str(&format!(
                "step {} {{ within {}{} }}\n",
                name(l, i),
                amount,
                units[*unit as usize % 3]
            ));
        }
    }
    for l in 1..layers.len() {
        for i in 0..layers[l].len() {
            // Every step has an input from the previous layer, so all are reachable.
            let from = edges
                .iter()
                .find(|(_, to)| to % layers[l].len() == i)
                .map_or(0, |(from, _)| *from)
                % layers[l - 1].len();
            text.push_str(&format!("{} → {}\n", name(l - 1, from), name(l, i)));
        }
        for &(from, to) in edges {
            let (from, to) = (from % layers[l - 1].len(), to % layers[l].len());
            text.push_str(&format!("{} → {}\n", name(l - 1, from), name(l, to)));
        }
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn plan_invariants(
        layers in prop::collection::vec(prop::collection::vec((1u8..5, 0u8..3), 1..4), 1..5),
        edges in prop::collection::vec((0usize..4, 0usize..4), 0..6),
        day in 0u64..330,
        hour in 0u32..24,
    ) {
        // A single first step keeps one start step.
        let mut layers = layers;
        layers[0].truncate(1);
        let text = source(&layers, &edges);
        let def = match sopflow::parse(&text, "随机.sop") {
            Ok(def) => def,
            Err(e) => return Err(TestCaseError::fail(format!("{text}\n{}", e.render(&Default::default())))),
        };
        let start = t("2026-01-01T00:00:00+08:00")
            + chrono::TimeDelta::days(day as i64)
            + chrono::TimeDelta::hours(i64::from(hour));
        let plan = plan(&def, start, &Attributes::new()).unwrap();
        for s in &plan.steps {
            prop_assert!(s.slack_minutes >= 0);
            prop_assert!(s.due >= s.start);
            if s.critical {
                prop_assert_eq!(s.slack_minutes, 0, "{} on the critical path", s.step);
            }
            let id = def.find(&s.step).unwrap();
            for p in def.predecessors(id) {
                let before = step(&plan, &def.step(p).key);
                prop_assert!(s.due >= before.due, "{} before {}", before.step, s.step);
                prop_assert!(s.start >= before.due);
            }
        }
        prop_assert_eq!(plan.end, plan.steps.iter().map(|s| s.due).max().unwrap());
        let last = plan.critical_path.last().unwrap();
        prop_assert_eq!(step(&plan, last).due, plan.end);
    }
}
