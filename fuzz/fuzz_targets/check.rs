//! Parsing, validation and rendering never panic, and accepted definitions are acyclic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|src: &str| {
    let checked = sopflow::check(src, "fuzz.sop");
    let _ = checked.diagnostics.render(&Default::default());
    let _ = checked.diagnostics.to_json();
    if let Some(definition) = checked.definition {
        assert!(!checked.diagnostics.has_errors());
        assert_eq!(definition.steps().len(), definition.graph().node_count());
    }
});
