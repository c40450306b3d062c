//! README.md's runtime snippet, compiled and run on a temporary SQLite file:
//! keep the two in step.

use std::sync::Arc;

use sopflow::exec::{Attributes, Command, SystemClock};
use sopflow_runtime::{Runtime, SchedulerOptions, SopFiles};

#[tokio::test]
async fn readme_runtime_snippet_runs() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    std::env::set_current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))?;
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("sopflow.db").display()
    );

    let runtime = Runtime::connect(&url).await?; // runs the migrations
    let now = "2026-03-02T09:00:00+08:00".parse()?;
    runtime
        .deploy(&SopFiles::read("examples/新产品上市.sop")?, now)
        .await?; // v1; a changed file adds v2
    let scheduler = runtime.spawn_scheduler(Arc::new(SystemClock), SchedulerOptions::default());
    let attributes = Attributes::from_pairs([("上市日", "2026-06-30")])?;
    runtime.start("新产品上市", "NP-7", attributes, now).await?; // the same request again: same answer
    let refused = runtime
        .handle(
            "NP-7",
            Command::complete("c1", "市场部:提交需求", "市场部"),
            now,
        )
        .await;
    assert_eq!(refused.unwrap_err().kind(), "invalid"); // 《市场需求文档》 is missing; nothing changed
    let complete = Command::Complete {
        id: "c1".into(),
        step: "市场部:提交需求".into(),
        actor: "市场部".into(),
        deliverables: vec!["《市场需求文档》".into()],
        outcomes: vec![],
    };
    let answer = runtime.handle("NP-7", complete, now).await?; // committed before the call returns
    println!("{:?}", answer.events); // step_completed, step_activated
    assert_eq!(answer.events.len(), 2);
    scheduler.shutdown().await;
    Ok(())
}
