//! `sopflow report --db URL`: the definitions and event logs of a store,
//! read through the runtime's public API (`versions`, `definition`, `list`,
//! `events`), on a single-threaded tokio runtime that lives for the read.

use sopflow::report::{LogRecord, Version};
use sopflow::Definition;
use sopflow_runtime::{ListFilter, Runtime};

/// How many instances are listed per page.
const PAGE: u32 = 500;

/// Every deployed definition and every instance's events in the store at
/// `url`; the message says what failed.
pub(super) fn read(url: &str) -> Result<(Vec<Definition>, Vec<LogRecord>), String> {
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the database client: {e}"))?;
    tokio.block_on(async {
        let runtime = Runtime::connect(url)
            .await
            .map_err(|e| format!("cannot open --db `{url}`: {e}"))?;
        let result = read_all(&runtime).await;
        runtime.close().await;
        result.map_err(|e| format!("cannot read --db `{url}`: {e}"))
    })
}

async fn read_all(
    runtime: &Runtime,
) -> Result<(Vec<Definition>, Vec<LogRecord>), sopflow_runtime::Error> {
    let mut definitions = Vec::new();
    for version in runtime.versions().await? {
        let definition = runtime
            .definition(&version.process, version.version)
            .await?;
        definitions.push(Definition::clone(&definition));
    }
    let mut records = Vec::new();
    let mut after = None;
    loop {
        let page = runtime
            .list(&ListFilter {
                after: after.take(),
                limit: PAGE,
                ..ListFilter::default()
            })
            .await?;
        let Some(last) = page.last() else {
            break;
        };
        after = Some(last.id.clone());
        for summary in &page {
            for event in runtime.events(&summary.id).await? {
                records.push(LogRecord {
                    instance: summary.id.clone(),
                    process: summary.process.clone(),
                    version: Some(Version::Number(summary.version)),
                    event,
                });
            }
        }
    }
    Ok((definitions, records))
}
