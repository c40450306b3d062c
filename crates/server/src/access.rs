//! Who is calling: bearer tokens mapped to actors, and what each may read.
//!
//! # The rule
//!
//! - Without tokens (no configuration), the server listens on loopback only
//!   and every caller is [`Principal::local`]: an admin who may act as anyone.
//! - With tokens, every `/api/v1/…` request needs `Authorization: Bearer
//!   <secret>` (401 otherwise). `/healthz`, `/metrics` and
//!   `/api/v1/openapi.json` stay open: they show no instance.
//! - **Acting.** A command's `actor` must be one of the token's `actors`
//!   (403 `not_authorized`), on top of the executor's own owner check.
//!   Starting an instance needs an actor that owns a step of the process
//!   (or admin). Deploying and moving the clock need `admin`.
//! - **Reading.** An admin reads everything. Any other token reads an
//!   instance when one of its actors is a *party* to it: an owner or
//!   co-owner of a step of the instance's version, a delegate a step was
//!   handed to (`step_reassigned`), or a recipient of an escalation
//!   (`escalated`, e.g. `PMO`, `研发部负责人`). An instance the token may not
//!   read does not exist for it: its id answers 404 on every endpoint, and
//!   lists and event logs leave it out. The list of deployed processes (no
//!   instance data) is visible to every token.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::http::HeaderMap;
use sopflow::exec::Event;
use sopflow::Definition;
use sopflow_runtime::Readers;

use crate::config::Token;
use crate::error::ApiError;

/// The tokens a server accepts; none means loopback mode.
#[derive(Debug, Clone, Default)]
pub struct Access {
    tokens: Arc<Vec<Token>>,
}

/// The caller of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The token's name (`local` without tokens).
    pub name: String,
    /// The actors it may act as; `None` for anyone.
    pub actors: Option<BTreeSet<String>>,
    /// The admin right.
    pub admin: bool,
}

impl Principal {
    /// The caller of a server without tokens: an admin acting as anyone.
    pub fn local() -> Principal {
        Principal {
            name: "local".into(),
            actors: None,
            admin: true,
        }
    }

    /// Whether it may act as `actor`.
    pub fn may_act_as(&self, actor: &str) -> bool {
        self.actors.as_ref().is_none_or(|a| a.contains(actor))
    }

    /// Whether any of its actors is in `names`.
    fn is_among<'a>(&self, mut names: impl Iterator<Item = &'a str>) -> bool {
        match &self.actors {
            None => true,
            Some(actors) => names.any(|n| actors.contains(n)),
        }
    }

    /// Whether it may read an instance of `definition` with this event log
    /// (see the [module docs](self)).
    pub fn may_read(&self, definition: &Definition, events: &[Event]) -> bool {
        self.admin || self.is_party(definition, events)
    }

    /// Whether one of its actors is a party to the instance: an owner of a
    /// step, a delegate or an escalation recipient.
    pub fn is_party(&self, definition: &Definition, events: &[Event]) -> bool {
        parties(definition, events).any(|p| self.is_among(std::iter::once(p)))
    }

    /// Whom it reads as, for the runtime's lists: everyone for an admin (or
    /// a caller who may act as anyone), else the parties it acts as.
    pub fn readers(&self) -> Readers {
        match &self.actors {
            Some(actors) if !self.admin => Readers::Parties(actors.clone()),
            _ => Readers::All,
        }
    }

    /// Whether one of its actors owns a step of `definition`.
    pub fn owns_a_step(&self, definition: &Definition) -> bool {
        self.admin
            || self.is_among(
                definition
                    .steps()
                    .flat_map(|(_, step)| step.owners.iter().map(String::as_str)),
            )
    }

    /// Refuses a caller without the admin right.
    ///
    /// # Errors
    /// [`ApiError::Forbidden`].
    pub fn require_admin(&self, what: &str) -> Result<(), ApiError> {
        if self.admin {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "token `{}` may not {what}: that needs an admin token",
                self.name
            )))
        }
    }
}

/// Everyone who is a party to an instance (with repeats): the runtime's
/// [`parties`](sopflow_runtime::parties), which it also keeps indexed per
/// instance for lists.
pub fn parties<'a>(
    definition: &'a Definition,
    events: &'a [Event],
) -> impl Iterator<Item = &'a str> + 'a {
    sopflow_runtime::parties(definition, events)
}

impl Access {
    /// Access with these tokens (none: loopback mode, everyone is [`Principal::local`]).
    pub fn new(tokens: Vec<Token>) -> Access {
        Access {
            tokens: Arc::new(tokens),
        }
    }

    /// Whether tokens are required.
    pub fn has_tokens(&self) -> bool {
        !self.tokens.is_empty()
    }

    /// The caller of a request, from its `Authorization` header.
    ///
    /// # Errors
    /// [`ApiError::Unauthorized`] when tokens are configured and the header is
    /// missing, malformed or names no token.
    pub fn principal(&self, headers: &HeaderMap) -> Result<Principal, ApiError> {
        if self.tokens.is_empty() {
            return Ok(Principal::local());
        }
        let header = headers
            .get(axum::http::header::AUTHORIZATION)
            .ok_or_else(|| ApiError::Unauthorized("send `Authorization: Bearer <token>`".into()))?;
        let secret = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| {
                ApiError::Unauthorized("the Authorization header must be `Bearer <token>`".into())
            })?;
        let token = self
            .tokens
            .iter()
            .find(|t| constant_time_eq(t.secret.as_bytes(), secret.as_bytes()))
            .ok_or_else(|| ApiError::Unauthorized("unknown token".into()))?;
        Ok(Principal {
            name: token.name.clone(),
            actors: Some(token.actors.iter().cloned().collect()),
            admin: token.admin,
        })
    }
}

/// Compares secrets without stopping at the first different byte.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
