//! [`Command`]: what hosts ask of an instance.

use serde::{Deserialize, Serialize};

/// A request to change an instance, as hosts send it (serde, `type` tag in
/// snake case: `complete`, `send_back`, `pause`, `resume`, `delegate`, `skip`,
/// `cancel`).
///
/// Unknown fields are refused. Every command carries an `id`, kept whole; a
/// repeated id changes nothing, and the same id with a different payload is
/// refused (see [`Instance::handle`](super::Instance::handle) for the retry window).
/// Steps are named by key (`研发部:评估`). Actors are department names (the
/// owners of steps), role names (escalation targets such as `PMO`), or any
/// name a step was delegated or reassigned to.
///
/// # Example
/// ```
/// use sopflow::exec::Command;
/// let json = r#"{"type":"complete","id":"c1","step":"研发部:评估","actor":"研发部"}"#;
/// let command: Command = serde_json::from_str(json).unwrap();
/// assert_eq!(command, Command::complete("c1", "研发部:评估", "研发部"));
/// assert!(serde_json::from_str::<Command>(r#"{"type":"finish"}"#).is_err());
/// // A misspelt field is an error, not a command that silently lacks it.
/// let typo = r#"{"type":"complete","id":"c1","step":"研发部:评估","actor":"研发部","outcome":"通过"}"#;
/// assert!(serde_json::from_str::<Command>(typo).unwrap_err().to_string().contains("unknown field `outcome`"));
/// ```
///
/// `#[non_exhaustive]`: a later release may add commands; match with a
/// wildcard arm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Command {
    /// The actor completes (or, for a 会签 step, signs) the step.
    Complete {
        /// The command id.
        id: String,
        /// The step key.
        step: String,
        /// Who completes it.
        actor: String,
        /// The deliverables handed over; every declared one is required.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        deliverables: Vec<String>,
        /// The chosen outcome(s) of a choice step (several only for `outcomes any`).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        outcomes: Vec<String>,
    },
    /// The actor sends work back (退回) from `from` to the upstream step `to`.
    SendBack {
        /// The command id.
        id: String,
        /// The active step sending back.
        from: String,
        /// The upstream step that gets the work again.
        to: String,
        /// Who sends it back.
        actor: String,
        /// Why.
        reason: String,
    },
    /// Stops a step's SLA clock (e.g. waiting for the customer).
    Pause {
        /// The command id.
        id: String,
        /// The step key.
        step: String,
        /// Who pauses.
        actor: String,
        /// Why.
        #[serde(default)]
        reason: String,
    },
    /// Restarts a paused step's SLA clock; its deadline moves by the paused time.
    Resume {
        /// The command id.
        id: String,
        /// The step key.
        step: String,
        /// Who resumes.
        actor: String,
    },
    /// The actor hands the step to `to`, who may then act for the actor.
    Delegate {
        /// The command id.
        id: String,
        /// The step key.
        step: String,
        /// Who delegates.
        actor: String,
        /// The delegate.
        to: String,
    },
    /// An escalation target of the step (or of the process) skips it.
    ///
    /// Skipping a choice decides the case like completing it: give the
    /// outcome(s) whose arrows are taken. Without outcomes, only a choice
    /// with an `otherwise` arrow may be skipped (it takes that arrow).
    Skip {
        /// The command id.
        id: String,
        /// The step key.
        step: String,
        /// Who skips.
        actor: String,
        /// Why.
        reason: String,
        /// For a choice step: the outcome(s) whose arrows are taken.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        outcomes: Vec<String>,
    },
    /// Cancels the whole instance.
    Cancel {
        /// The command id.
        id: String,
        /// Who cancels.
        actor: String,
        /// Why.
        reason: String,
    },
}

impl Command {
    /// Moves the command id out, leaving an empty one.
    pub(super) fn take_id(&mut self) -> String {
        match self {
            Command::Complete { id, .. }
            | Command::SendBack { id, .. }
            | Command::Pause { id, .. }
            | Command::Resume { id, .. }
            | Command::Delegate { id, .. }
            | Command::Skip { id, .. }
            | Command::Cancel { id, .. } => std::mem::take(id),
        }
    }

    /// The command id.
    ///
    /// # Example
    /// ```
    /// let c = sopflow::exec::Command::complete("c7", "市场部", "市场部");
    /// assert_eq!(c.id(), "c7");
    /// ```
    pub fn id(&self) -> &str {
        match self {
            Command::Complete { id, .. }
            | Command::SendBack { id, .. }
            | Command::Pause { id, .. }
            | Command::Resume { id, .. }
            | Command::Delegate { id, .. }
            | Command::Skip { id, .. }
            | Command::Cancel { id, .. } => id,
        }
    }

    /// A digest of the payload: everything but the id, in a canonical
    /// form of its own (SHA-256, first 64 bits), so that a retry is told
    /// from another command that reuses the id. Stable across releases: the
    /// saved retry window holds it.
    pub(super) fn digest(&self) -> u64 {
        let mut c = crate::model::Canon::new("sopflow command payload v1");
        match self {
            Command::Complete {
                id: _,
                step,
                actor,
                deliverables,
                outcomes,
            } => {
                c.str("complete");
                c.str(step);
                c.str(actor);
                c.strs(deliverables);
                c.strs(outcomes);
            }
            Command::SendBack {
                id: _,
                from,
                to,
                actor,
                reason,
            } => {
                c.str("send_back");
                c.str(from);
                c.str(to);
                c.str(actor);
                c.str(reason);
            }
            Command::Pause {
                id: _,
                step,
                actor,
                reason,
            } => {
                c.str("pause");
                c.str(step);
                c.str(actor);
                c.str(reason);
            }
            Command::Resume { id: _, step, actor } => {
                c.str("resume");
                c.str(step);
                c.str(actor);
            }
            Command::Delegate {
                id: _,
                step,
                actor,
                to,
            } => {
                c.str("delegate");
                c.str(step);
                c.str(actor);
                c.str(to);
            }
            Command::Skip {
                id: _,
                step,
                actor,
                reason,
                outcomes,
            } => {
                c.str("skip");
                c.str(step);
                c.str(actor);
                c.str(reason);
                c.strs(outcomes);
            }
            Command::Cancel {
                id: _,
                actor,
                reason,
            } => {
                c.str("cancel");
                c.str(actor);
                c.str(reason);
            }
        }
        c.finish()
    }

    /// Refuses an id, actor or delegate that is empty or only white space.
    pub(super) fn check_names(&self) -> Result<(), super::ExecError> {
        let blank = |s: &str| s.trim().is_empty();
        let (actor, to) = match self {
            Command::Complete { actor, .. }
            | Command::SendBack { actor, .. }
            | Command::Pause { actor, .. }
            | Command::Resume { actor, .. }
            | Command::Skip { actor, .. }
            | Command::Cancel { actor, .. } => (actor, None),
            Command::Delegate { actor, to, .. } => (actor, Some(to)),
        };
        let field = if blank(self.id()) {
            "id"
        } else if blank(actor) {
            "actor"
        } else if to.is_some_and(|to| blank(to)) {
            "to"
        } else {
            return Ok(());
        };
        Err(super::ExecError::EmptyName { field })
    }

    /// A [`Command::Complete`] without deliverables or outcomes.
    ///
    /// # Example
    /// ```
    /// use sopflow::exec::Command;
    /// let c = Command::complete("c1", "研发部:评估", "研发部");
    /// assert!(matches!(c, Command::Complete { ref outcomes, .. } if outcomes.is_empty()));
    /// ```
    pub fn complete(
        id: impl Into<String>,
        step: impl Into<String>,
        actor: impl Into<String>,
    ) -> Self {
        Command::Complete {
            id: id.into(),
            step: step.into(),
            actor: actor.into(),
            deliverables: Vec::new(),
            outcomes: Vec::new(),
        }
    }
}
