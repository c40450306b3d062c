//! The parser never panics, whatever the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|src: &str| {
    let _ = sopflow::syntax::parse(src, sopflow::diagnostics::SourceId(0));
});
