//! [`Error`]: why the runtime refused or failed a call, with a stable [`kind`](Error::kind).

use sopflow::exec::ExecError;
use sopflow::Diagnostics;

/// Why a [`Runtime`](crate::Runtime) call failed. A failed call has changed
/// nothing in the store: its transaction was rolled back (or never began).
///
/// [`kind`](Error::kind) names the class of failure in snake case; it is a
/// stable public name that an HTTP layer maps to a status code in one place.
///
/// # Example
/// ```
/// use sopflow_runtime::Error;
/// let error = Error::NotFound { what: "instance", name: "NP-7".into() };
/// assert_eq!(error.kind(), "not_found");
/// assert_eq!(error.to_string(), "unknown instance `NP-7`");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No process, version or instance has this name.
    #[error("unknown {what} `{name}`")]
    NotFound {
        /// What was looked up: `process`, `instance`, `version`.
        what: &'static str,
        /// The name or id asked for.
        name: String,
    },
    /// The executor refused the start or the command (not authorized, wrong
    /// state, invalid input); [`kind`](Error::kind) tells which.
    #[error(transparent)]
    Exec(#[from] ExecError),
    /// The `.sop` source has errors; nothing was deployed.
    #[error("the source has {} error(s)", .0.error_count())]
    Diagnostics(Box<Diagnostics>),
    /// The request itself is malformed (e.g. an empty command id).
    #[error("{0}")]
    Invalid(String),
    /// An id was used before for a different request (a command id reused
    /// with other fields, an instance id started with another process or
    /// other attributes), or another worker changed the instance first.
    #[error("{0}")]
    Conflict(String),
    /// Stored data cannot be read back: a state, an event or a definition
    /// that this build cannot load (for example a definition whose
    /// fingerprint changed with a new sopflow version).
    #[error("stored data cannot be loaded: {0}")]
    Corrupt(String),
    /// A `.sop` file could not be read.
    #[error(transparent)]
    Load(#[from] sopflow::load::LoadError),
    /// The database failed (connection, I/O, constraint, timeout).
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The schema could not be brought up to date.
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl Error {
    /// The class of failure, a stable snake_case name: `not_found`,
    /// `not_authorized`, `wrong_state`, `invalid`, `invalid_source`,
    /// `conflict`, `corrupt`, `unavailable` (database or migration failure).
    ///
    /// Executor errors map as follows: [`ExecError::NotAuthorized`] →
    /// `not_authorized`; [`ExecError::WrongState`], [`ExecError::Finished`],
    /// [`ExecError::AlreadySigned`], [`ExecError::ReworkLimit`] and
    /// [`ExecError::ReworkTargetNotRun`] → `wrong_state`; [`ExecError::DefinitionMismatch`] and
    /// [`ExecError::Replay`] → `corrupt` (the runtime always pairs an
    /// instance with its own version); every other one → `invalid`.
    ///
    /// # Example
    /// ```
    /// use sopflow::exec::ExecError;
    /// use sopflow_runtime::Error;
    /// let refused = Error::from(ExecError::Finished("completed"));
    /// assert_eq!(refused.kind(), "wrong_state");
    /// assert_eq!(Error::from(ExecError::UnknownStep("法务部".into())).kind(), "invalid");
    /// ```
    pub fn kind(&self) -> &'static str {
        match self {
            Error::NotFound { .. } => "not_found",
            Error::Exec(e) => match e {
                ExecError::NotAuthorized { .. } => "not_authorized",
                ExecError::WrongState { .. }
                | ExecError::Finished(_)
                | ExecError::AlreadySigned { .. }
                | ExecError::ReworkLimit { .. }
                | ExecError::ReworkTargetNotRun { .. } => "wrong_state",
                ExecError::DefinitionMismatch { .. } | ExecError::Replay(_) => "corrupt",
                _ => "invalid",
            },
            Error::Diagnostics(_) => "invalid_source",
            Error::Invalid(_) | Error::Load(_) => "invalid",
            Error::Conflict(_) => "conflict",
            Error::Corrupt(_) => "corrupt",
            Error::Database(_) | Error::Migrate(_) => "unavailable",
        }
    }

    /// The diagnostics of a source that did not deploy.
    pub fn diagnostics(&self) -> Option<&Diagnostics> {
        match self {
            Error::Diagnostics(d) => Some(d),
            _ => None,
        }
    }
}

/// A `Result` with the runtime's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

pub(crate) fn corrupt(what: impl std::fmt::Display) -> Error {
    Error::Corrupt(what.to_string())
}
