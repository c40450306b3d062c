//! [`replay`]: an instance rebuilt from its events.

use super::*;

/// Rebuilds an instance from its events (as returned by
/// [`Instance::start`], [`Instance::handle`] and [`Instance::tick`], in
/// order). The result equals the live instance. Events repeated by a
/// duplicate command id are ignored.
///
/// # Errors
/// [`ExecError::DefinitionMismatch`] when the history belongs to another
/// definition; [`ExecError::Replay`] when it does not start with
/// `instance_started`; [`ExecError::UnknownStep`] for a step the definition lacks.
///
/// # Example
/// ```
/// use sopflow::exec::{replay, Attributes, Command, Instance};
/// let def = sopflow::parse("市场部 → 研发部 within 3d", "a.sop").unwrap();
/// let now = "2026-03-02T01:00:00Z".parse().unwrap();
/// let (mut instance, mut log) = Instance::start(&def, "i", Attributes::new(), now)?;
/// log.extend(instance.handle(&def, Command::complete("c1", "市场部", "市场部"), now)?);
/// assert_eq!(replay(&def, &log)?, instance);
/// let other = sopflow::parse("市场部 → 研发部 within 4d", "a.sop").unwrap();
/// assert!(replay(&other, &log).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn replay<D: Program>(def: &D, events: &[Event]) -> Result<Instance, ExecError> {
    def.with_prepared(|p| replay_prepared(p, events))
}

fn replay_prepared(p: &Prepared<'_>, events: &[Event]) -> Result<Instance, ExecError> {
    let Some(Event {
        at,
        kind:
            EventKind::InstanceStarted {
                instance,
                fingerprint,
                attributes,
                ..
            },
        ..
    }) = events.first()
    else {
        return Err(ExecError::Replay(
            "the first event must be instance_started".into(),
        ));
    };
    // A history written before the canonical fingerprint (format 1) names
    // the definition by the format 1 hash: accepted for the same definition.
    if *fingerprint != hex(p.fingerprint) && *fingerprint != hex(p.legacy_fingerprint()) {
        return Err(ExecError::DefinitionMismatch {
            expected: fingerprint.clone(),
            found: hex(p.fingerprint),
        });
    }
    let mut result = Instance {
        id: instance.clone(),
        fingerprint: p.fingerprint,
        started_at: *at,
        attributes: attributes.clone(),
        keys: p.step_keys.clone(),
        core: Core::new(p),
        commands: CommandLog::default(),
        legacy_fingerprint: false,
    };
    let mut group: Option<(String, Vec<Event>)> = None;
    {
        let ctx = Ctx::new(p, result.started_at, &result.attributes, None);
        for event in events {
            match &event.command {
                Some(id) => {
                    // A group continues until its id changes or its first event
                    // comes again (a duplicate answer appended by the host).
                    let continues = group
                        .as_ref()
                        .is_some_and(|(g, evs)| g == id && evs.first() != Some(event));
                    if !continues {
                        if let Some((g, evs)) = group.take() {
                            result.commands.record(g, None, evs);
                        }
                        if result.commands.contains(id) {
                            continue; // a duplicate command's repeated answer
                        }
                        group = Some((id.clone(), Vec::new()));
                    }
                }
                None => {
                    if let Some((g, evs)) = group.take() {
                        result.commands.record(g, None, evs);
                    }
                }
            }
            result.core.apply(&ctx, event)?;
            if let Some((_, evs)) = group.as_mut() {
                evs.push(event.clone());
            }
        }
        if let Some((g, evs)) = group.take() {
            result.commands.record(g, None, evs);
        }
        result.core.refresh_wakeup(&ctx);
    }
    result.validate(p).map_err(|error| match error {
        ExecError::CorruptState(reason) => ExecError::Replay(reason),
        other => other,
    })?;
    Ok(result)
}
