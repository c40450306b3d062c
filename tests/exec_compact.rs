//! The compact saved form: the same state as the JSON form in far fewer
//! bytes; reading arbitrary or damaged bytes is an error, never a panic.

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use sopflow::exec::{Attributes, Command, ExecError, Instance, Prepared};
use sopflow::Definition;

fn load(name: &str) -> Definition {
    sopflow::Loader::new(sopflow::load::FsResolver::new("examples").expect("examples/ exists"))
        .check(&format!("examples/{name}.sop"))
        .expect("the example exists")
        .definition
        .expect("the example checks clean")
}

fn t(s: &str) -> DateTime<Utc> {
    s.parse().expect("an RFC 3339 instant")
}

fn attrs() -> Attributes {
    Attributes::from_pairs([("上市日", "2026-09-30")]).expect("valid attributes")
}

fn complete(def: &Definition, id: &str, step: &str, by: &str) -> Command {
    let deliverables = def
        .step(def.find(step).expect("a step"))
        .deliverables
        .clone();
    Command::Complete {
        id: id.into(),
        step: step.into(),
        actor: by.into(),
        deliverables,
        outcomes: vec![],
    }
}

fn pause(id: &str) -> Command {
    Command::Pause {
        id: id.into(),
        step: "研发部:评估".into(),
        actor: "研发部".into(),
        reason: "等客户确认".into(),
    }
}

/// Open 新产品上市 instances at three points: just started, after the first
/// completion and a pause, and with three steps open in parallel.
fn open_instances(def: &Definition) -> Vec<(&'static str, Instance)> {
    let now = t("2026-03-02T01:00:00Z");
    let (started, _) = Instance::start(def, "NP-2026-0001", attrs(), now).expect("starts");
    let mut paused = started.clone();
    paused
        .handle(def, complete(def, "c1", "市场部:提交需求", "市场部"), now)
        .expect("completes");
    paused.handle(def, pause("p1"), now).expect("pauses");
    let mut parallel = started.clone();
    parallel
        .handle(def, complete(def, "c1", "市场部:提交需求", "市场部"), now)
        .expect("completes");
    parallel
        .handle(def, complete(def, "c2", "研发部:评估", "研发部"), now)
        .expect("completes");
    vec![
        ("started", started),
        ("paused", paused),
        ("parallel", parallel),
    ]
}

#[test]
fn compact_is_small_and_round_trips() {
    let def = load("新产品上市");
    let mut report = Vec::new();
    for (name, instance) in open_instances(&def) {
        let json = serde_json::to_vec(&instance).unwrap();
        let compact = instance.to_compact();
        report.push(format!(
            "{name}: json {} B, compact {} B",
            json.len(),
            compact.len()
        ));
        assert_eq!(Instance::from_compact(&def, &compact).unwrap(), instance);
        assert!(compact.len() <= 256, "{name}: {} bytes", compact.len());
    }
    println!("open 新产品上市 instance sizes: {report:#?}");
}

#[test]
fn compact_is_checked_against_the_definition() {
    let def = load("新产品上市");
    let (_, instance) = open_instances(&def).remove(1);
    let bytes = instance.to_compact();
    let other = load("市场营销活动");
    assert!(matches!(
        Instance::from_compact(&other, &bytes),
        Err(ExecError::CorruptState(_) | ExecError::DefinitionMismatch { .. })
    ));
    for cut in 0..bytes.len() {
        let error = Instance::from_compact(&def, &bytes[..cut]).unwrap_err();
        assert!(
            matches!(error, ExecError::CorruptState(_)),
            "{cut}: {error}"
        );
    }
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert_eq!(
        Instance::from_compact(&def, &trailing)
            .unwrap_err()
            .to_string(),
        "corrupt instance state: compact state: trailing bytes"
    );
}

/// Drives a restored instance: whatever it holds, no call panics.
fn drive(def: &Prepared<'_>, instance: &mut Instance) {
    let now = t("2026-03-03T01:00:00Z");
    let _ = instance.verify(def);
    let _ = instance.handle(def, pause("fz-p"), now);
    let _ = instance.handle(
        def,
        Command::Resume {
            id: "fz-r".into(),
            step: "研发部:评估".into(),
            actor: "研发部".into(),
        },
        now,
    );
    let _ = instance.tick(def, t("2026-06-01T00:00:00Z"));
    let _ = instance.revise_deadlines(def, now);
    let _ = instance.to_compact();
    let _ = serde_json::to_string(instance);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Arbitrary bytes (after a valid prefix, so that the reader gets past
    /// the magic) are refused or restored, never a panic.
    #[test]
    fn arbitrary_bytes_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..300)) {
        let def = load("新产品上市");
        let p = Prepared::new(&def);
        let mut bytes = b"SF\x02".to_vec();
        bytes.extend_from_slice(&tail);
        if let Ok(mut instance) = Instance::from_compact(&p, &bytes) {
            drive(&p, &mut instance);
        }
        let _ = Instance::from_compact(&p, &tail);
    }

    /// Valid compact states with bytes changed: refused or restored and
    /// driven, never a panic.
    #[test]
    fn damaged_compact_states_never_panic(
        which in 0usize..3,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let def = load("新产品上市");
        let p = Prepared::new(&def);
        let (_, instance) = open_instances(&def).remove(which);
        let mut bytes = instance.to_compact();
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        if let Ok(mut restored) = Instance::from_compact(&p, &bytes) {
            drive(&p, &mut restored);
        }
    }
}
