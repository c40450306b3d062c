//! The saved form of an [`Instance`] (serde): written in format [`FORMAT`],
//! read in formats 1 and 2, and checked on the way in.
//!
//! Invariant: what this release writes, the next one reads. Each format is
//! kept as committed fixtures in `tests/fixtures/state/`; reading converts an
//! older format to the current state and never guesses: what a format did
//! not record (format 1's hashed ids) is dropped and documented.

use super::command_log::Remembered;
use super::*;

/// The version of the saved form that this release writes. It reads this
/// one and every earlier one (format 1).
pub const FORMAT: u32 = 2;

fn is_false(b: &bool) -> bool {
    !*b
}

/// The saved form of an [`Instance`], as written.
#[derive(Serialize)]
struct SavedRef<'a> {
    format: u32,
    id: &'a str,
    fingerprint: String,
    #[serde(skip_serializing_if = "is_false")]
    legacy_fingerprint: bool,
    started_at: DateTime<Utc>,
    attributes: &'a Attributes,
    clock: Rel,
    lifecycle: Lifecycle,
    #[serde(skip_serializing_if = "is_false")]
    any_late: bool,
    steps: KeyedRef<'a>,
    #[serde(skip_serializing_if = "is_default_process")]
    process: &'a Timers,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    reworks: &'a [u32],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    assignments: &'a [Assignment],
    #[serde(skip_serializing_if = "Option::is_none")]
    wakeup: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "LogRef::is_default")]
    commands: LogRef<'a>,
}

fn is_default_process(timers: &&Timers) -> bool {
    **timers == Timers::default()
}

/// The step states as a list of entries that name their step, in step index order.
struct KeyedRef<'a>(&'a [Box<str>], &'a [StepState]);

#[derive(Serialize)]
struct EntryRef<'a> {
    step: &'a str,
    #[serde(flatten)]
    state: &'a StepState,
}

impl Serialize for KeyedRef<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.0
                .iter()
                .zip(self.1)
                .map(|(step, state)| EntryRef { step, state }),
        )
    }
}

/// The retry window as written: `window` (left out at the default), `ids`
/// (oldest first, each with the hex digest of its payload) and `last` (the
/// events of the newest id).
struct LogRef<'a>(&'a CommandLog);

impl LogRef<'_> {
    fn is_default(&self) -> bool {
        *self.0 == CommandLog::default()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RememberedRepr {
    id: String,
    /// 16 hex digits; absent when not known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    payload: Option<String>,
}

impl Serialize for LogRef<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let log = self.0;
        let mut map = serializer.serialize_map(None)?;
        if log.window != DEFAULT_COMMAND_WINDOW {
            map.serialize_entry("window", &log.window)?;
        }
        let ids: Vec<RememberedRepr> = log
            .ids
            .iter()
            .map(|r| RememberedRepr {
                id: r.id.clone(),
                payload: r.digest.map(hex),
            })
            .collect();
        map.serialize_entry("ids", &ids)?;
        if !log.last.is_empty() {
            map.serialize_entry("last", &log.last)?;
        }
        map.end()
    }
}

/// The `commands` of formats 1 (`seen`, `recent`) and 2 (`window`, `ids`, `last`).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct LogRepr {
    window: Option<u32>,
    ids: Option<Vec<RememberedRepr>>,
    last: Option<Vec<Event>>,
    seen: Option<Vec<u64>>,
    recent: Option<Vec<(String, Vec<Event>)>>,
}

impl LogRepr {
    fn into_log(self, format: u32) -> Result<CommandLog, ExecError> {
        let corrupt = |m: &str| ExecError::CorruptState(m.into());
        let mut log = CommandLog::default();
        if format == 1 {
            if self.window.is_some() || self.ids.is_some() || self.last.is_some() {
                return Err(corrupt("format 1 commands have `seen` and `recent` only"));
            }
            // Format 1 kept the ids before the newest as 64-bit hashes,
            // which cannot be turned back into ids: they are forgotten. The
            // newest id is kept with its events; its payload was not recorded.
            if let Some((id, events)) = self.recent.unwrap_or_default().pop() {
                log.record(id, None, events);
            }
            return Ok(log);
        }
        if self.seen.is_some() || self.recent.is_some() {
            return Err(corrupt(
                "`seen` and `recent` are format 1 fields; format 2 has `ids` and `last`",
            ));
        }
        log.window = self.window.unwrap_or(DEFAULT_COMMAND_WINDOW);
        for r in self.ids.unwrap_or_default() {
            let digest = r
                .payload
                .map(|p| {
                    parse_hex(&p).ok_or_else(|| corrupt("a payload digest is not 16 hex digits"))
                })
                .transpose()?;
            log.ids.push_back(Remembered { id: r.id, digest });
        }
        log.last = self.last.unwrap_or_default();
        log.validate()?;
        Ok(log)
    }
}

/// Sixteen lowercase or uppercase hex digits.
fn parse_hex(s: &str) -> Option<u64> {
    (s.len() == 16 && s.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| u64::from_str_radix(s, 16).ok())
        .flatten()
}

/// The saved form of an [`Instance`], as read, before its invariants are checked.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Saved {
    format: u32,
    id: String,
    fingerprint: String,
    #[serde(default)]
    legacy_fingerprint: bool,
    started_at: DateTime<Utc>,
    #[serde(default)]
    attributes: Attributes,
    clock: Rel,
    lifecycle: Lifecycle,
    #[serde(default)]
    any_late: bool,
    steps: Keyed,
    #[serde(default)]
    process: Timers,
    #[serde(default)]
    reworks: Vec<u32>,
    #[serde(default)]
    assignments: Vec<Assignment>,
    #[serde(default)]
    wakeup: Option<DateTime<Utc>>,
    #[serde(default)]
    commands: LogRepr,
}

#[derive(Deserialize)]
struct Entry {
    step: String,
    #[serde(flatten)]
    state: StepState,
}

/// Step states by key, in the order read; a key may appear once.
struct Keyed(Vec<Box<str>>, Vec<StepState>);

impl<'de> Deserialize<'de> for Keyed {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let entries = Vec::<Entry>::deserialize(deserializer)?;
        let mut keyed = Keyed(
            Vec::with_capacity(entries.len()),
            Vec::with_capacity(entries.len()),
        );
        for Entry { step, state } in entries {
            if keyed.0.iter().any(|k| **k == *step) {
                return Err(serde::de::Error::custom(format!(
                    "corrupt instance state: step `{step}` appears twice"
                )));
            }
            keyed.0.push(step.into());
            keyed.1.push(state);
        }
        Ok(keyed)
    }
}

impl Serialize for Instance {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let core = &self.core;
        SavedRef {
            format: FORMAT,
            id: &self.id,
            fingerprint: hex(self.fingerprint),
            legacy_fingerprint: self.legacy_fingerprint,
            started_at: self.started_at,
            attributes: &self.attributes,
            clock: core.clock,
            lifecycle: core.lifecycle,
            any_late: core.any_late,
            steps: KeyedRef(&self.keys, &core.steps),
            process: &core.process,
            reworks: &core.reworks,
            assignments: &core.assignments,
            wakeup: core.wakeup,
            commands: LogRef(&self.commands),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Instance {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let saved = Saved::deserialize(deserializer)?;
        Instance::try_from(saved).map_err(serde::de::Error::custom)
    }
}

impl TryFrom<Saved> for Instance {
    type Error = ExecError;

    fn try_from(saved: Saved) -> Result<Instance, ExecError> {
        if !(1..=FORMAT).contains(&saved.format) {
            return Err(ExecError::CorruptState(format!(
                "format {} is not one this release reads (it reads 1 to {FORMAT})",
                saved.format
            )));
        }
        if saved.format == 1 && saved.legacy_fingerprint {
            return Err(ExecError::CorruptState(
                "`legacy_fingerprint` is not a format 1 field".into(),
            ));
        }
        let fingerprint = parse_hex(&saved.fingerprint).ok_or_else(|| {
            ExecError::CorruptState("the fingerprint is not 16 hex digits".into())
        })?;
        let instance = Instance {
            id: saved.id,
            fingerprint,
            started_at: saved.started_at,
            attributes: saved.attributes,
            keys: saved.steps.0.into(),
            core: Core {
                clock: saved.clock,
                lifecycle: saved.lifecycle,
                any_late: saved.any_late,
                steps: saved.steps.1,
                process: saved.process,
                reworks: saved.reworks,
                assignments: saved.assignments,
                wakeup: saved.wakeup,
            },
            commands: saved.commands.into_log(saved.format)?,
            legacy_fingerprint: saved.format == 1 || saved.legacy_fingerprint,
        };
        instance.validate_shape()?;
        Ok(instance)
    }
}
