//! The embedding snippets of README.md, compiled and run: keep the two in step.

use sopflow::calendar::BusinessCalendar;
use sopflow::exec::{Attributes, Command, Instance, Prepared};
use sopflow::load::{FsResolver, Loader};

#[test]
fn readme_embedding_snippets_run() -> Result<(), Box<dyn std::error::Error>> {
    std::env::set_current_dir(env!("CARGO_MANIFEST_DIR"))?;

    let checked = Loader::new(FsResolver::new("examples")?).check("examples/新产品上市.sop")?;
    if checked.diagnostics.has_errors() {
        eprintln!("{}", checked.diagnostics.render(&Default::default()));
    } else if let Some(definition) = checked.definition {
        for (id, step) in definition.steps() {
            // topological order
            println!("{} owned by {}", step.key, step.owners.join(" & "));
            for (next, edge) in definition.successors(id) {
                println!("  → {} ({:?})", definition.step(next).key, edge.condition);
            }
        }
        let _json = serde_json::to_string_pretty(&definition)?; // the graph as JSON
    }
    let definition = sopflow::parse(
        "process 上新 { calendar cn }\n市场部 → 研发部 within 2wd",
        "上新.sop",
    )?;
    let program = Prepared::new(&definition); // hash and index the definition once
    let now = "2026-03-02T09:00:00+08:00".parse()?;
    let (mut instance, _events) = Instance::start(&program, "NP-1", Attributes::new(), now)?;
    let _events = instance.handle(
        &program,
        Command::complete("cmd-1", "市场部", "市场部"),
        now,
    )?;
    while let Some(wake) = instance.next_wakeup() {
        // a host sleeps until then
        for event in instance.tick(&program, wake)? {
            // warnings, misses, escalations: once each
            println!("{}", serde_json::to_string(&event)?);
        }
    }
    let _saved = serde_json::to_string(&instance)?;

    // Provisional deadlines and their revision.
    let definition = sopflow::parse(
        "process 上新 { calendar cn }\n市场部 → 研发部 within 3wd",
        "上新.sop",
    )?;
    let now = "2026-12-29T10:00:00+08:00".parse()?;
    let (mut instance, _) = Instance::start(&definition, "NP-9", Attributes::new(), now)?;
    instance.handle(
        &definition,
        Command::complete("c1", "市场部", "市场部"),
        now,
    )?; // 研发部: provisional
    let cn = BusinessCalendar::cn()
        .to_builder()
        .holiday_data("covers 2027\nholiday 2027-01-01 元旦\n")?
        .build()?;
    let program = Prepared::new(&definition).with_calendar(cn)?;
    let revised = instance.revise_deadlines(&program, now)?; // deadline_revised: old and new due
    assert_eq!(revised.len(), 1);
    Ok(())
}
