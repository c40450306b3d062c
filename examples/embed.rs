//! Loads an SOP (and the files it `use`s) and prints its steps in order.
//!
//! ```text
//! cargo run --example embed -- examples/新产品上市.sop
//! ```

use std::process::ExitCode;

use sopflow::load::{FsResolver, Loader};

fn main() -> ExitCode {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "examples/新产品上市.sop".to_owned());
    // `use` may read only inside the SOP's own directory.
    let root = std::path::Path::new(&path)
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let resolver = match FsResolver::new(root) {
        Ok(resolver) => resolver,
        Err(error) => {
            eprintln!("error: cannot read `{}`: {error}", root.display());
            return ExitCode::from(2);
        }
    };
    let checked = match Loader::new(resolver).check(&path) {
        Ok(checked) => checked,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    if !checked.diagnostics.is_empty() {
        eprintln!("{}", checked.diagnostics.render(&Default::default()));
    }
    let Some(definition) = checked.definition else {
        return ExitCode::FAILURE;
    };
    println!("{} ({} steps)", definition.name(), definition.steps().len());
    for (n, (id, step)) in definition.steps().enumerate() {
        let deadline = match &step.deadline {
            Some(d) => format!("  [{}]", serde_json::to_string(d).unwrap_or_default()),
            None => String::new(),
        };
        let next: Vec<&str> = definition
            .successors(id)
            .map(|(to, _)| definition.step(to).key.as_str())
            .collect();
        println!("{:>3}. {}{deadline}", n + 1, step.key);
        if !next.is_empty() {
            println!("       → {}", next.join(", "));
        }
    }
    ExitCode::SUCCESS
}
