//! Snapshot tests of the graphs that valid `.sop` files lower into.
//!
//! For each `tests/fixtures/parse/*.sop` two snapshots are kept: a readable
//! text (steps in topological order with their owners, deadlines, ladders and
//! choices; arrows with their conditions and `@ line:col-line:col` of where
//! they were written) and the JSON export. The examples in `examples/*.sop`
//! are snapshotted the same way.

use std::fmt::Write as _;
use std::path::Path;

use sopflow::diagnostics::{LineIndex, RenderOptions, Span};
use sopflow::model::{
    Action, Anchor, Condition, Deadline, Ladder, Level, Location, SignMode, Sla, Target, Warn,
};
use sopflow::Definition;

/// `line:col-line:col` of a span of `text`.
fn position(text: &str, lines: &LineIndex, span: Span) -> String {
    format!(
        "{}-{}",
        lines.line_col(text, span.start),
        lines.line_col(text, span.end)
    )
}

fn sla(sla: &Sla) -> String {
    let mut parts: Vec<String> = sla
        .by_priority
        .iter()
        .map(|(p, d)| format!("{p} {d}"))
        .collect();
    parts.extend(sla.default.map(|d| d.to_string()));
    parts.join(", ")
}

fn deadline(deadline: &Deadline) -> String {
    match deadline {
        Deadline::Within(s) => format!("within {}", sla(s)),
        Deadline::By { anchor, minus } => {
            let anchor = match anchor {
                Anchor::Date(d) => d.to_string(),
                Anchor::Attribute(a) => a.clone(),
            };
            match minus {
                Some(m) => format!("by {anchor} - {m}"),
                None => format!("by {anchor}"),
            }
        }
    }
}

fn target(target: &Target) -> String {
    match target {
        Target::Owner => "owner".into(),
        Target::Head => "head".into(),
        Target::Superior => "superior".into(),
        Target::Role(r) => format!("role {r}"),
        Target::Department(d) => format!("department {d}"),
    }
}

fn level(level: &Level) -> String {
    let actions: Vec<String> = level
        .actions
        .iter()
        .map(|a| match a {
            Action::Notify(t) => format!("notify {}", target(t)),
            Action::Reassign(t) => format!("reassign {}", target(t)),
        })
        .collect();
    let after = level
        .after
        .map_or_else(|| "+0".to_owned(), |d| format!("+{d}"));
    format!("{after} {}", actions.join(", "))
}

fn ladder(ladder: &Ladder) -> String {
    let mut parts = Vec::new();
    match ladder.warn {
        Some(Warn::Percent(p)) => parts.push(format!("warn at {p}%")),
        Some(Warn::Before(d)) => parts.push(format!("warn {d} before")),
        None => {}
    }
    parts.extend(ladder.levels.iter().map(level));
    parts.join("; ")
}

fn condition(condition: &Condition) -> String {
    match condition {
        Condition::Always => String::new(),
        Condition::When(outcomes) => format!(" [when {}]", outcomes.join(" | ")),
        Condition::Otherwise => " [otherwise]".into(),
    }
}

/// The readable text of a definition whose steps and arrows were written in `text`.
fn graph_text(definition: &Definition, text: &str) -> String {
    let lines = LineIndex::new(text);
    let at = |location: Location| position(text, &lines, location.span);
    let mut out = String::new();
    let start = definition
        .start()
        .map_or("(none)", |id| definition.step(id).key.as_str());
    writeln!(out, "process {} (start {start})", definition.name()).unwrap();
    let header = definition.header();
    if let Some(d) = &header.deadline {
        writeln!(out, "  deadline: {}", deadline(d)).unwrap();
    }
    if let Some(c) = &header.calendar {
        writeln!(out, "  calendar: {c}").unwrap();
    }
    if header.ladder != Ladder::default() {
        writeln!(out, "  ladder: {}", ladder(&header.ladder)).unwrap();
    }
    writeln!(out, "steps:").unwrap();
    for (id, step) in definition.steps() {
        writeln!(
            out,
            "  {}. {} @ {}",
            id.index(),
            step.key,
            at(step.location)
        )
        .unwrap();
        writeln!(
            out,
            "     owners: {} (sign {})",
            step.owners.join(" & "),
            if step.sign == SignMode::Any {
                "any"
            } else {
                "all"
            }
        )
        .unwrap();
        if let Some(d) = &step.deadline {
            writeln!(out, "     deadline: {}", deadline(d)).unwrap();
        }
        if *step.ladder != Ladder::default() {
            writeln!(out, "     ladder: {}", ladder(&step.ladder)).unwrap();
        }
        if let Some(choice) = &step.choice {
            let kind = if choice.multi { "any" } else { "one" };
            writeln!(
                out,
                "     choice: {kind} of [{}]",
                choice.outcomes.join(" | ")
            )
            .unwrap();
        }
        if !step.deliverables.is_empty() {
            writeln!(out, "     deliver: {}", step.deliverables.join(", ")).unwrap();
        }
        for accept in &step.acceptance {
            writeln!(out, "     accept: {accept}").unwrap();
        }
    }
    writeln!(out, "edges:").unwrap();
    for (id, step) in definition.steps() {
        for (to, edge) in definition.successors(id) {
            let to = &definition.step(to).key;
            writeln!(
                out,
                "  {} → {to}{} @ {}",
                step.key,
                condition(&edge.condition),
                at(edge.location)
            )
            .unwrap();
        }
    }
    if !definition.reworks().is_empty() {
        writeln!(out, "reworks:").unwrap();
        for r in definition.reworks() {
            writeln!(
                out,
                "  {} → {} max {}",
                definition.step(r.from).key,
                definition.step(r.to).key,
                r.max
            )
            .unwrap();
        }
    }
    out
}

/// The JSON export, as `sopflow` writes it.
fn json_text(definition: &Definition) -> String {
    serde_json::to_string_pretty(definition).expect("a definition serializes")
}

fn load(path: &Path) -> Definition {
    let name = path.to_str().expect("fixture paths are UTF-8");
    let checked = sopflow::Loader::new(
        sopflow::load::FsResolver::new(env!("CARGO_MANIFEST_DIR")).expect("the crate root exists"),
    )
    .check(name)
    .expect("the file is readable");
    assert!(
        checked.diagnostics.is_empty(),
        "{} is not clean:\n{}",
        path.display(),
        checked.diagnostics.render(&RenderOptions::default())
    );
    checked.definition.expect("a clean file has a definition")
}

#[test]
fn fixtures() {
    insta::glob!("fixtures/parse/*.sop", |path| {
        let source = std::fs::read_to_string(path).expect("the fixture is readable");
        let definition = load(path);
        insta::with_settings!({ description => source.clone(), omit_expression => true }, {
            insta::assert_snapshot!("graph", graph_text(&definition, &source));
            insta::assert_snapshot!("json", json_text(&definition));
        });
    });
}

/// The graphs of the examples (`examples/*.sop`, which `use "org.sop"`).
///
/// The examples are written alongside these tests: when there are none yet,
/// there is nothing to snapshot and the test passes. Each must check clean.
#[test]
fn examples() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "sop"));
    files.sort();
    for path in files {
        let source = std::fs::read_to_string(&path).expect("the example is readable");
        let definition = load(&path);
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("a UTF-8 file name");
        insta::with_settings!({ description => source.clone(), omit_expression => true }, {
            insta::assert_snapshot!(format!("example_graph_{stem}"), graph_text(&definition, &source));
        });
    }
}

/// Spans of steps and arrows point at the step names, not at the white space or comments after them.
#[test]
fn spans_are_tight() {
    let text = "市场部 → 研发部   # 三天\n  → 财务部 within 1d // note\n";
    let definition = sopflow::parse(text, "t.sop").expect("valid");
    let lines = LineIndex::new(text);
    let mut found = Vec::new();
    for (id, step) in definition.steps() {
        found.push(format!(
            "{} {}",
            step.key,
            position(text, &lines, step.location.span)
        ));
        for (_, edge) in definition.successors(id) {
            found.push(format!(
                "edge {}",
                &text[edge.location.span.start..edge.location.span.end]
            ));
        }
    }
    assert_eq!(
        found,
        [
            "市场部 1:1-1:4",
            "edge 研发部",
            "研发部 1:7-1:10",
            "edge 财务部",
            "财务部 2:5-2:8"
        ]
    );
}
