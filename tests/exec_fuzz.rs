//! The executor fuzz targets (`fuzz/fuzz_targets/restore.rs` and
//! `commands.rs`) on proptest's random bytes, so that their checks run in
//! the normal suite, where libFuzzer is not built. Set `PROPTEST_CASES` for
//! a longer run.

use proptest::prelude::*;

include!("../fuzz/harness/exec.rs");

fn seeds() -> Vec<Vec<u8>> {
    let def = launch_definition();
    let p = Prepared::new(&def);
    let (mut instance, _) = start(&p);
    let now = start_instant();
    let first = def.steps().next().expect("a step").1;
    let _ = instance.handle(
        &p,
        Command::Complete {
            id: "c1".into(),
            step: first.key.clone(),
            actor: first.owners[0].clone(),
            deliverables: first.deliverables.clone(),
            outcomes: vec![],
        },
        now,
    );
    vec![
        serde_json::to_vec(&instance).expect("serializes"),
        instance.to_compact(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn restore_never_panics(data in proptest::collection::vec(any::<u8>(), 0..400)) {
        let def = launch_definition();
        restore(&Prepared::new(&def), &data);
    }

    /// Saved states with a few bytes changed: closer to real damage than noise.
    #[test]
    fn restore_of_damaged_states_never_panics(
        which in 0usize..2,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let def = launch_definition();
        let mut data = seeds().swap_remove(which);
        for (at, value) in edits {
            let i = at.index(data.len());
            data[i] = value;
        }
        restore(&Prepared::new(&def), &data);
    }

    #[test]
    fn command_scripts_keep_the_invariants(data in proptest::collection::vec(any::<u8>(), 0..160)) {
        let def = launch_definition();
        commands(&Prepared::new(&def), &data);
    }
}
