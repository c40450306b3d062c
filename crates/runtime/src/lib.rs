//! The durable runtime for sopflow: a store, a scheduler and an outbox around
//! the sans-IO executor, [`sopflow::exec`].
//!
//! TODO docs
#![warn(missing_docs)]

mod error;
mod outbox;
mod runtime;
mod scheduler;
mod sources;
mod store;
mod types;

pub use error::{Error, Result};
pub use runtime::Runtime;
pub use scheduler::{Scheduler, SchedulerOptions};
pub use sources::SopFiles;
pub use store::Backend;
pub use types::{
    Answer, Deployment, Fired, InstanceSummary, InstanceView, ListFilter, Notification, Round,
    Status, StepView, VersionInfo,
};
