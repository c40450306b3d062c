//! Property: the scorecard of a log split at an instant into two periods
//! adds up to the scorecard of the whole, for every additive figure (counts
//! and sums of working seconds), per department and per week.
//!
//! Not additive (and so not compared): `on_time_rate`, `lateness_avg_hours`
//! and `lateness_p90_hours` (derived from the counts and the individual
//! latenesses), and `waiting_hours` (a rounding of `waiting_seconds`).
//!
//! The logs are real: random commands run through the executor on the
//! example SOPs (calendars `cn` and 公司, co-owned steps, send-backs, pauses,
//! delegations, escalations), several instances mixed.

use chrono::{DateTime, TimeDelta, Utc};
use proptest::prelude::*;
use sopflow::exec::{Attributes, Command, Instance, Prepared};
use sopflow::report::{scorecard, Figures, LogRecord, ReportOptions, Scorecard};
use sopflow::Definition;

fn load(name: &str) -> Definition {
    sopflow::Loader::new(sopflow::load::FsResolver::new("examples").expect("examples/ exists"))
        .check(&format!("examples/{name}.sop"))
        .expect("the example exists")
        .definition
        .expect("the example checks clean")
}

#[derive(Debug, Clone)]
enum Op {
    Advance(u16),
    Complete {
        step: usize,
        owner: usize,
        outcome: usize,
    },
    SendBack(usize),
    Pause(usize),
    Resume(usize),
    Delegate(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1u16..40).prop_map(Op::Advance),
        6 => (0usize..16, 0usize..3, 0usize..4)
            .prop_map(|(step, owner, outcome)| Op::Complete { step, owner, outcome }),
        1 => (0usize..4).prop_map(Op::SendBack),
        1 => (0usize..16).prop_map(Op::Pause),
        1 => (0usize..16).prop_map(Op::Resume),
        1 => (0usize..16).prop_map(Op::Delegate),
    ]
}

/// Runs `ops` on one instance of `def` from `start`; failed commands are
/// skipped. Returns its log records.
fn run(def: &Definition, id: &str, start: DateTime<Utc>, ops: &[Op]) -> Vec<LogRecord> {
    let p = Prepared::new(def);
    let attributes = match def.name() {
        "新产品上市" => Attributes::from_pairs([("上市日", "2026-06-30")]).unwrap(),
        "客户问题处理" => Attributes::new().with_priority("P2"),
        _ => Attributes::new(),
    };
    let (mut instance, mut events) = Instance::start(&p, id, attributes, start).expect("starts");
    let steps: Vec<_> = def.steps().map(|(_, s)| s).collect();
    let mut now = start;
    for (n, op) in ops.iter().enumerate() {
        let cid = format!("c{n}");
        let step = |i: usize| steps[i % steps.len()];
        let command = match op {
            Op::Advance(hours) => {
                now += TimeDelta::hours(i64::from(*hours));
                events.extend(instance.tick(&p, now).expect("ticks"));
                continue;
            }
            Op::Complete {
                step: i,
                owner,
                outcome,
            } => {
                let s = step(*i);
                let outcomes = match &s.choice {
                    Some(choice) if !choice.outcomes.is_empty() => {
                        vec![choice.outcomes[outcome % choice.outcomes.len()].clone()]
                    }
                    _ => {
                        let names: Vec<String> = def
                            .successors(def.find(&s.key).unwrap())
                            .filter_map(|(_, e)| match &e.condition {
                                sopflow::model::Condition::When(w) => Some(w.clone()),
                                _ => None,
                            })
                            .flatten()
                            .collect();
                        names
                            .get(outcome % names.len().max(1))
                            .cloned()
                            .into_iter()
                            .collect()
                    }
                };
                Command::Complete {
                    id: cid,
                    step: s.key.clone(),
                    actor: s.owners[owner % s.owners.len()].clone(),
                    deliverables: s.deliverables.clone(),
                    outcomes,
                }
            }
            Op::SendBack(r) => {
                let Some(r) = def.reworks().get(r % def.reworks().len().max(1)) else {
                    continue;
                };
                Command::SendBack {
                    id: cid,
                    from: def.step(r.from).key.clone(),
                    to: def.step(r.to).key.clone(),
                    actor: def.step(r.from).owners[0].clone(),
                    reason: "退回".into(),
                }
            }
            Op::Pause(i) => Command::Pause {
                id: cid,
                step: step(*i).key.clone(),
                actor: step(*i).owners[0].clone(),
                reason: "等待".into(),
            },
            Op::Resume(i) => Command::Resume {
                id: cid,
                step: step(*i).key.clone(),
                actor: step(*i).owners[0].clone(),
            },
            Op::Delegate(i) => Command::Delegate {
                id: cid,
                step: step(*i).key.clone(),
                actor: step(*i).owners[0].clone(),
                to: "代理人".into(),
            },
        };
        if let Ok(more) = instance.handle(&p, command, now) {
            events.extend(more);
        }
    }
    events
        .into_iter()
        .map(|event| LogRecord {
            instance: id.to_owned(),
            process: def.name().to_owned(),
            version: None,
            event,
        })
        .collect()
}

/// The additive part of figures, as one comparable tuple.
fn additive(f: &Figures) -> [i64; 12] {
    [
        f.completed as i64,
        f.with_deadline as i64,
        f.on_time as i64,
        f.late as i64,
        f.lateness_seconds,
        f.warnings as i64,
        f.escalations as i64,
        f.send_backs_caused as i64,
        f.send_backs_received as i64,
        f.waits as i64,
        f.waiting_seconds,
        0,
    ]
}

fn add(a: [i64; 12], b: [i64; 12]) -> [i64; 12] {
    std::array::from_fn(|i| a[i] + b[i])
}

fn by_department(card: &Scorecard) -> Vec<(String, [i64; 12])> {
    card.departments
        .iter()
        .map(|d| (d.department.clone(), additive(&d.figures)))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn two_periods_add_up_to_the_whole(
        runs in proptest::collection::vec(
            (0usize..3, 0i64..30 * 24, proptest::collection::vec(op(), 0..40)),
            1..5,
        ),
        split_hours in 0i64..80 * 24,
    ) {
        let defs = [load("新产品上市"), load("客户问题处理"), load("市场营销活动")];
        let refs: Vec<&Definition> = defs.iter().collect();
        let origin: DateTime<Utc> = "2026-03-02T00:00:00+08:00".parse().unwrap();
        let mut records = Vec::new();
        for (n, (which, offset, ops)) in runs.iter().enumerate() {
            let start = origin + TimeDelta::hours(*offset);
            records.extend(run(&defs[*which], &format!("I-{n}"), start, ops));
        }
        let from = origin - TimeDelta::days(7);
        let to = origin + TimeDelta::days(400);
        let split = origin + TimeDelta::hours(split_hours);
        let period = |from, to| ReportOptions { from: Some(from), to: Some(to), zone: None };
        let whole = scorecard(&records, &refs, &period(from, to));
        let first = scorecard(&records, &refs, &period(from, split));
        let second = scorecard(&records, &refs, &period(split, to));
        prop_assert!(whole.skipped.is_empty());
        let (w, a, b) = (by_department(&whole), by_department(&first), by_department(&second));
        prop_assert_eq!(w.len(), a.len());
        for ((dw, fw), ((da, fa), (db, fb))) in w.iter().zip(a.iter().zip(&b)) {
            prop_assert_eq!(dw, da);
            prop_assert_eq!(dw, db);
            prop_assert_eq!(*fw, add(*fa, *fb), "department {}", dw);
        }
        // Week by week too: every week of a part is a week of the whole.
        for part in [&first, &second] {
            for (d, pd) in whole.departments.iter().zip(&part.departments) {
                for (week, figures) in part.weeks.iter().zip(&pd.trend) {
                    let i = whole.weeks.iter().position(|w| w == week).expect("a week of the whole");
                    let whole_week = additive(&d.trend[i]);
                    // A week cut by the split holds parts of both halves.
                    prop_assert!(additive(figures).iter().zip(whole_week).all(|(x, y)| *x <= y));
                }
            }
        }
        // And the weekly trend of the whole adds up to its total.
        for d in &whole.departments {
            let sum = d.trend.iter().map(additive).fold([0; 12], add);
            prop_assert_eq!(sum, additive(&d.figures), "department {}", &d.department);
        }
    }
}
