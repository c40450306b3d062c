//! sopflow turns cross-department standard operating procedures (SOPs) into
//! validated, deadline-checked workflow definitions.
//!
//! Authors write `.sop` files such as
//!
//! ```text
//! 市场部:提交需求 → 研发部:评估 within 3d → 供应链部:确认物料
//! ```
//!
//! and sopflow parses them (a pest grammar, `grammar/sop.pest`), reports every
//! problem with a stable code, a span and a help line, and lowers valid files
//! into a [`Definition`]: a petgraph DAG of steps with owners, deliverables,
//! acceptance criteria, deadlines and escalation ladders.
//!
//! # Example
//! ```
//! let definition = sopflow::parse(
//!     "市场部:提交需求 → 研发部:评估 within 3d → 供应链部:确认物料",
//!     "新产品上市.sop",
//! ).expect("a valid SOP");
//! assert_eq!(definition.name(), "新产品上市");
//! for (_, step) in definition.steps() {
//!     println!("{} ({})", step.key, step.owners.join(" & "));
//! }
//!
//! let errors = sopflow::parse("市场部 → 研发部 within 0d", "bad.sop").unwrap_err();
//! assert_eq!(errors.iter().next().unwrap().code.as_str(), "E030");
//! println!("{}", errors.render(&Default::default()));
//! ```
//!
//! # Modules
//! - [`syntax`]: text → AST (pest binding, spans).
//! - [`format`](mod@format): the canonical layout of `.sop` text (`sopflow fmt`).
//! - [`model`]: AST → [`Definition`] (name resolution, validation, the DAG).
//! - [`calendar`]: business calendars: working days, business hours, holidays, 调休.
//! - [`diagnostics`]: codes, labels, and rendering for terminals, JSON and CI.
//! - [`load`]: reading files and resolving `use` through a [`load::Resolver`].
//! - [`report`]: the cross-department scorecard computed from event logs.
//! - [`graph`]: a [`Definition`] as a picture: Mermaid, Graphviz DOT and
//!   (feature `svg`, laid out by `layout-rs`, pure Rust with no dependencies
//!   of its own) self-contained SVG.
//! - [`plan`]: static schedules: each step's earliest start and due, the
//!   critical path, slack, and whether the process deadline can be met.
//!
//! The `sopflow` command is its own crate (`crates/cli`), and the durable
//! runtime (store, scheduler, outbox, HTTP) another (`crates/runtime`); this
//! crate knows neither.
//!
//! # Features
//! - `parallel` (default): sources of 256 KiB or more are parsed on two
//!   threads (std scoped threads, which end before [`syntax::parse`] returns;
//!   no dependency). Without it everything runs on the caller's thread.
//! - `svg` (off): `graph::svg`, process diagrams laid out by `layout-rs`
//!   (pure Rust, no dependencies of its own; the CLI enables it).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

// pest_derive without its `std` feature (which would add a stack-depth check to every
// rule call; the grammar is not recursive) generates code that names `alloc`.
extern crate alloc;

pub mod calendar;
pub mod diagnostics;
pub mod exec;
pub mod format;
pub mod graph;
pub mod load;
pub mod model;
pub mod plan;
pub mod report;
pub mod syntax;

pub use diagnostics::{Code, Diagnostic, Diagnostics, Severity};
pub use load::{Checked, Loader};
pub use model::Definition;

/// Parses and validates one `.sop` source named `origin` (a path or any name;
/// the process is named after its file stem unless a `process` header names it).
///
/// `use` statements cannot be resolved here (there are no files); load such
/// sources with [`Loader`] and a [`load::FsResolver`] or [`load::MemoryResolver`].
///
/// # Errors
/// All diagnostics, when any of them is an error. Warnings of a valid source
/// are in [`Definition::warnings`].
///
/// # Example
/// ```
/// let def = sopflow::parse("市场部 -> 研发部 within 3d", "launch.sop").unwrap();
/// assert_eq!(def.steps().len(), 2);
/// assert!(sopflow::parse("市场部 → ", "launch.sop").is_err());
/// ```
pub fn parse(source: &str, origin: &str) -> Result<Definition, Diagnostics> {
    check(source, origin).into_result()
}

/// Parses and validates one source, returning the definition (when valid) and every diagnostic.
///
/// # Example
/// ```
/// let checked = sopflow::check("A → B\nC → B", "two-starts.sop");
/// assert!(checked.definition.is_none());
/// assert_eq!(checked.diagnostics.iter().next().unwrap().code.as_str(), "E021");
/// ```
pub fn check(source: &str, origin: &str) -> Checked {
    Loader::new(load::NoFiles).check_source(origin, source)
}
