//! Snapshots of `sopflow fmt` on messy inputs: each `tests/fixtures/fmt/*.sop`
//! formatted (or, for a file with syntax errors, the diagnostics that say why
//! it is left as it is).

use sopflow::diagnostics::{Diagnostics, RenderOptions, Source, SourceMap};
use sopflow::format::format;

#[test]
fn messy_inputs() {
    insta::glob!("fixtures/fmt/*.sop", |path| {
        let source = std::fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        let mut sources = SourceMap::new();
        let id = sources.add(Source::new(name, source.as_str()));
        let shown = match format(&source, id) {
            Ok(formatted) => formatted,
            Err(errors) => {
                let rendered = Diagnostics::new(sources, errors).render(&RenderOptions::default());
                format!("left as it is:\n{rendered}")
            }
        };
        insta::assert_snapshot!(shown);
    });
}
