//! Restoring saved instances (JSON and compact) from any bytes never
//! panics, nor does driving what restores. See `fuzz/harness/exec.rs`.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

include!("../harness/exec.rs");

fuzz_target!(|data: &[u8]| {
    static DEF: OnceLock<Definition> = OnceLock::new();
    let def = DEF.get_or_init(launch_definition);
    restore(&Prepared::new(def), data);
});
