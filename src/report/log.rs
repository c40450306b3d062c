//! The event log a scorecard is computed from: [`LogRecord`]s, read from
//! JSON lines by [`parse_log`].
//!
//! Invariant: parsing is pure (text in, records out); reading the file is
//! the host's job.

use serde::{Deserialize, Serialize};

use crate::exec::{Event, EventKind};

/// One event of one instance: a line of a mixed event log.
///
/// Serialized as `{"instance":…,"process":…,"version":…,"event":{…}}`, the
/// event in its own [`Event`] shape. `sopflow simulate --instance ID` prints
/// these; a store's log maps onto them one event at a time.
///
/// # Example
/// ```
/// use sopflow::report::{LogRecord, Version};
/// let line = r#"{"instance":"NP-1","process":"新产品上市","version":"2.1","event":{"at":"2026-03-02T01:00:00Z","type":"instance_completed","on_time":true}}"#;
/// let record: LogRecord = serde_json::from_str(line).unwrap();
/// assert_eq!(record.version, Some(Version::Text("2.1".into())));
/// assert_eq!(serde_json::to_string(&record).unwrap(), line);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogRecord {
    /// The instance id.
    pub instance: String,
    /// The process name.
    pub process: String,
    /// The process version: the `.sop` header's `version` (text) or a
    /// store's version number; informative only (definitions are matched by
    /// the fingerprint of the `instance_started` event).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<Version>,
    /// What happened.
    pub event: Event,
}

/// A process version as a log names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Version {
    /// A store's version number (1, 2, …).
    Number(i64),
    /// The `.sop` header's `version 2.1`.
    Text(String),
}

/// A line of an event log that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct LogError {
    /// The line number, from 1.
    pub line: usize,
    /// What is wrong with it.
    pub message: String,
}

/// Reads a JSON-lines event log: one [`LogRecord`] per line, or one bare
/// [`Event`] per line as `sopflow simulate` prints them without `--instance`.
///
/// A bare event belongs to the instance of the nearest `instance_started`
/// event above it, so the outputs of several simulations concatenated (`cat
/// a.jsonl b.jsonl`) are a valid log; instances whose events interleave need
/// the [`LogRecord`] form. Blank lines and lines starting with `#` are
/// skipped.
///
/// # Errors
/// The first line that is neither form, or a bare event before any
/// `instance_started`.
///
/// # Example
/// ```
/// let log = r#"{"at":"2026-03-02T01:00:00Z","type":"instance_started","instance":"a","process":"p","fingerprint":"00000000000000ff","attributes":{}}
/// {"at":"2026-03-02T02:00:00Z","type":"instance_completed","on_time":true}"#;
/// let records = sopflow::report::parse_log(log).unwrap();
/// assert_eq!(records[1].instance, "a");
/// let err = sopflow::report::parse_log(r#"{"at":"2026-03-02T02:00:00Z","type":"instance_completed","on_time":true}"#).unwrap_err();
/// assert_eq!(err.line, 1);
/// ```
pub fn parse_log(text: &str) -> Result<Vec<LogRecord>, LogError> {
    let mut records = Vec::new();
    let mut current: Option<(String, String)> = None;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fail = |message: String| LogError {
            line: n + 1,
            message,
        };
        let value: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| fail(format!("not JSON: {e}")))?;
        let enveloped = value.get("event").is_some();
        if enveloped {
            let record = LogRecord::deserialize(value).map_err(|e| {
                fail(format!(
                    "not a log record ({{\"instance\",\"process\",\"version\",\"event\"}}): {e}"
                ))
            })?;
            records.push(record);
            continue;
        }
        let event =
            Event::deserialize(value).map_err(|e| fail(format!("not an event: {e}")))?;
        if let EventKind::InstanceStarted {
            instance, process, ..
        } = &event.kind
        {
            current = Some((instance.clone(), process.clone()));
        }
        let Some((instance, process)) = &current else {
            return Err(fail(
                "an event before any `instance_started`: which instance it belongs to is \
                 unknown; write records {\"instance\":…,\"process\":…,\"event\":{…}} \
                 (`sopflow simulate --instance ID` prints them)"
                    .to_owned(),
            ));
        };
        records.push(LogRecord {
            instance: instance.clone(),
            process: process.clone(),
            version: None,
            event,
        });
    }
    Ok(records)
}
