// The executor fuzz harness, shared by the cargo-fuzz targets `restore` and
// `commands` (fuzz/fuzz_targets/) and by the normal test suite
// (tests/exec_fuzz.rs runs it on proptest's random bytes), so that the
// same checks run where libFuzzer cannot be built. Included with
// `include!`: it is not a module of its own.
//
// - `restore`: any bytes, read as a JSON saved instance and as a compact
//   one against 新产品上市, are refused or restored; a restored instance is
//   driven by commands and ticks. Nothing panics.
// - `commands`: bytes read as a script of commands and ticks on a live
//   新产品上市 instance. After every step: a refused command changed
//   nothing; the JSON and compact forms read back equal; the history
//   replays to the same instance.

use sopflow::exec::{replay, Attributes, Command, DateTime, Event, Instance, Prepared, TimeDelta, Utc};
use sopflow::load::{Loader, MemoryResolver};
use sopflow::Definition;

/// 新产品上市, from the sources compiled in.
pub fn launch_definition() -> Definition {
    let files = MemoryResolver::new()
        .with("org.sop", include_str!("../../examples/org.sop"))
        .with("新产品上市.sop", include_str!("../../examples/新产品上市.sop"));
    Loader::new(files)
        .check("新产品上市.sop")
        .expect("in memory")
        .definition
        .expect("the example checks clean")
}

fn start_instant() -> DateTime<Utc> {
    DateTime::from_timestamp(1_772_413_200, 0).expect("2026-03-02T01:00:00Z")
}

fn start(p: &Prepared<'_>) -> (Instance, Vec<Event>) {
    let attrs = Attributes::from_pairs([("上市日", "2026-09-30")]).expect("valid attributes");
    Instance::start(p, "NP-F", attrs, start_instant()).expect("starts")
}

/// Reads `data` as a saved instance (JSON, then compact) and drives what restores.
pub fn restore(p: &Prepared<'_>, data: &[u8]) {
    if let Ok(mut instance) = serde_json::from_slice::<Instance>(data) {
        let _ = instance.verify(p);
        run_script(p, &mut instance, &mut Vec::new(), data, false);
    }
    if let Ok(mut instance) = Instance::from_compact(p, data) {
        run_script(p, &mut instance, &mut Vec::new(), data, false);
    }
}

/// Runs `data` as a script of commands and ticks on a live instance,
/// checking the invariants after each step.
pub fn commands(p: &Prepared<'_>, data: &[u8]) {
    let (mut instance, mut log) = start(p);
    run_script(p, &mut instance, &mut log, data, true);
}

/// Four bytes per step: operation, step, actor, command id.
fn run_script(p: &Prepared<'_>, instance: &mut Instance, log: &mut Vec<Event>, data: &[u8], check: bool) {
    // The definition the instance runs on (parsing the example again per input
    // cost most of each iteration's time).
    let def = p.definition();
    let steps: Vec<(String, Vec<String>)> = def
        .steps()
        .map(|(_, s)| (s.key.clone(), s.owners.clone()))
        .collect();
    let deliverables: Vec<Vec<String>> = def.steps().map(|(_, s)| s.deliverables.clone()).collect();
    let mut now = start_instant();
    for chunk in data.chunks(4).take(64) {
        let [op, step, actor, id] = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0), *chunk.get(3).unwrap_or(&0)];
        let i = usize::from(step) % steps.len();
        let (key, owners) = &steps[i];
        let actor = match actor % 4 {
            0 | 1 => owners[usize::from(actor) % owners.len()].clone(),
            2 => "PMO".to_owned(),
            _ => "代理人".to_owned(),
        };
        let id = format!("c{}", id % 24);
        let before = instance.clone();
        let command = match op % 9 {
            0 | 1 => Command::Complete {
                id,
                step: key.clone(),
                actor,
                deliverables: deliverables[i].clone(),
                outcomes: vec![],
            },
            2 => Command::Pause { id, step: key.clone(), actor, reason: String::new() },
            3 => Command::Resume { id, step: key.clone(), actor },
            4 => Command::Delegate { id, step: key.clone(), actor, to: "代理人".into() },
            5 => Command::Skip { id, step: key.clone(), actor, reason: "跳过".into(), outcomes: vec![] },
            6 => Command::SendBack {
                id,
                from: key.clone(),
                to: steps[0].0.clone(),
                actor,
                reason: "退回".into(),
            },
            7 => {
                now += TimeDelta::hours(i64::from(step) * 7);
                if let Ok(events) = instance.tick(p, now) {
                    log.extend(events);
                }
                continue;
            }
            _ => Command::Cancel { id, actor, reason: "取消".into() },
        };
        match instance.handle(p, command, now) {
            Ok(events) => log.extend(events),
            Err(_) if check => assert_eq!(*instance, before, "a refused command changed the instance"),
            Err(_) => {}
        }
        if check {
            let json = serde_json::to_string(&*instance).expect("serializes");
            let back: Instance = serde_json::from_str(&json).expect("reads back");
            assert_eq!(back, *instance, "JSON round trip");
            let compact = Instance::from_compact(p, &instance.to_compact()).expect("reads back");
            assert_eq!(compact, *instance, "compact round trip");
            let replayed = replay(p, log).expect("the history replays");
            assert_eq!(replayed, *instance, "replay equals the live instance");
        }
    }
    let _ = instance.revise_deadlines(p, now);
    let _ = instance.to_compact();
}
