//! AST → [`Definition`]: name resolution, validation and lowering into a petgraph DAG.
//!
//! Invariants: a [`Definition`] only exists for input without error
//! diagnostics; its flow graph is acyclic (rework edges are kept apart, in
//! [`Definition::reworks`]); every step has at least one owner department; every
//! name it holds resolves. This module reads no files and no clock: `use` is
//! resolved by [`crate::load`] before lowering.

mod budget;
mod checks;
mod fingerprint;
mod horizon;
pub(crate) mod lower;
mod lower_calendar;
mod serialize;

pub(crate) use fingerprint::Canon;
pub use fingerprint::CANONICAL_VERSION;
pub(crate) use lower::lower;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use petgraph::graph::{DiGraph, NodeIndex};
use serde::{Deserialize, Serialize};

use crate::calendar::{BusinessCalendar, BusinessDuration};
use crate::diagnostics::{Diagnostics, SourceId, Span};
pub use crate::syntax::ast::SignMode;

/// Identifies a step of one [`Definition`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StepId(u32);

impl StepId {
    /// The position of the step in [`Definition::graph`]'s node list.
    pub fn index(self) -> usize {
        self.0 as usize
    }

    pub(crate) fn node(self) -> NodeIndex {
        NodeIndex::new(self.index())
    }

    pub(crate) fn from_node(node: NodeIndex) -> StepId {
        StepId(u32::try_from(node.index()).expect("petgraph's default index is u32"))
    }
}

/// Where something was written: a source and a byte range in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Location {
    /// The source file.
    pub source: SourceId,
    /// The byte range.
    pub span: Span,
}

/// The most owners (联合责任人) of one step (a 会签 step's signatures are 32
/// bits); more is [`Code::LimitExceeded`](crate::diagnostics::Code::LimitExceeded).
pub const MAX_OWNERS: usize = 32;
/// The most escalation levels of one ladder (the executor's timer bits are
/// 64: the warning, the missed deadline and 62 levels); more is
/// [`Code::LimitExceeded`](crate::diagnostics::Code::LimitExceeded).
pub const MAX_LEVELS: usize = 62;

/// A validated process: its steps as a directed acyclic graph, with the
/// departments, roles, calendars and escalation ladders it uses.
///
/// Build one with [`crate::parse`] or [`crate::load::Loader`].
///
/// # Example
/// ```
/// let def = sopflow::parse("市场部:提交需求 → 研发部:评估 within 3d", "新品.sop").unwrap();
/// assert_eq!(def.name(), "新品");
/// let keys: Vec<&str> = def.steps().map(|(_, step)| step.key.as_str()).collect();
/// assert_eq!(keys, ["市场部:提交需求", "研发部:评估"]);
/// ```
#[derive(Debug, Clone)]
pub struct Definition {
    pub(crate) header: Header,
    pub(crate) departments: Vec<Department>,
    pub(crate) roles: Vec<Role>,
    pub(crate) calendars: Vec<BusinessCalendar>,
    pub(crate) ladders: BTreeMap<String, Ladder>,
    pub(crate) graph: DiGraph<Step, Edge>,
    pub(crate) order: Vec<StepId>,
    pub(crate) start: Option<StepId>,
    pub(crate) reworks: Vec<Rework>,
    pub(crate) warnings: Diagnostics,
}

/// The process header: `process 新产品上市 { … }`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// The process name; the file name without `.sop` when there is no header.
    pub name: String,
    /// `description "…"`
    pub description: Option<String>,
    /// `version 1.2`
    pub version: Option<String>,
    /// `zone Asia/Shanghai`: the IANA time zone for dates without a calendar.
    pub zone: Option<String>,
    /// `calendar cn`: the calendar that `wd` and `wh` count on.
    pub calendar: Option<String>,
    /// `within 40wd`: the whole-process deadline.
    pub deadline: Option<Deadline>,
    /// The default escalation ladder that steps inherit.
    pub ladder: Ladder,
}

impl Definition {
    /// The process name.
    pub fn name(&self) -> &str {
        &self.header.name
    }

    /// The process header: description, version, zone, calendar, deadline and default ladder.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The flow graph: one node per step, one edge per arrow. It is acyclic.
    pub fn graph(&self) -> &DiGraph<Step, Edge> {
        &self.graph
    }

    /// The steps in a topological order (every arrow goes forward); ties keep source order.
    pub fn steps(&self) -> impl ExactSizeIterator<Item = (StepId, &Step)> + '_ {
        self.order.iter().map(|&id| (id, &self.graph[id.node()]))
    }

    /// The step with this id.
    ///
    /// # Panics
    /// When `id` belongs to another definition with more steps.
    pub fn step(&self, id: StepId) -> &Step {
        &self.graph[id.node()]
    }

    /// Looks a step up by its key, e.g. `研发部:评估` or `财务部`.
    pub fn find(&self, key: &str) -> Option<StepId> {
        self.graph
            .node_indices()
            .find(|&n| self.graph[n].key == key)
            .map(StepId::from_node)
    }

    /// The start step (the first step with no arrow into it), or `None` for an empty process.
    pub fn start(&self) -> Option<StepId> {
        self.start
    }

    /// The arrows out of a step, with their conditions.
    pub fn successors(&self, id: StepId) -> impl Iterator<Item = (StepId, &Edge)> + '_ {
        use petgraph::visit::EdgeRef;
        let mut edges: Vec<_> = self.graph.edges(id.node()).collect();
        edges.sort_by_key(|e| e.id());
        edges
            .into_iter()
            .map(|e| (StepId::from_node(e.target()), e.weight()))
    }

    /// The steps with an arrow into this one.
    pub fn predecessors(&self, id: StepId) -> impl Iterator<Item = StepId> + '_ {
        self.graph
            .neighbors_directed(id.node(), petgraph::Direction::Incoming)
            .map(StepId::from_node)
    }

    /// Declared departments (or, when the sources declare none, those the steps name).
    pub fn departments(&self) -> &[Department] {
        &self.departments
    }

    /// Declared roles.
    pub fn roles(&self) -> &[Role] {
        &self.roles
    }

    /// Calendars declared in the sources, one per name: a calendar extended
    /// under its own name (`calendar cn extends cn { … }`) in its extended
    /// form. The built-in `cn` is listed only when the process uses it.
    pub fn calendars(&self) -> &[BusinessCalendar] {
        &self.calendars
    }

    /// The process calendar, if the header names one.
    pub fn calendar(&self) -> Option<&BusinessCalendar> {
        let name = self.header.calendar.as_deref()?;
        self.calendars.iter().find(|c| c.name() == name)
    }

    /// Named escalation ladders.
    pub fn ladders(&self) -> &BTreeMap<String, Ladder> {
        &self.ladders
    }

    /// Rework (退回) permissions: which step may send work back to which upstream step.
    pub fn reworks(&self) -> &[Rework] {
        &self.reworks
    }

    /// Warnings found while validating (they do not prevent a definition).
    pub fn warnings(&self) -> &Diagnostics {
        &self.warnings
    }
}

/// One step: a department (plus co-owners) doing one action.
///
/// Serialized with its [`department`](Step::department) and
/// [`action`](Step::action) as fields, after `key`.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// `研发部:评估`, or the department alone when the step has no action.
    pub key: String,
    /// How many bytes of `key` name the department; the action, if any,
    /// follows a `:` (kept as one string: one allocation instead of three).
    pub(crate) department_len: usize,
    /// Every owner department, the naming one first (联合责任人 follow).
    pub owners: Vec<String>,
    /// Whether all owners sign (会签) or any one (或签).
    pub sign: SignMode,
    /// `description "…"`
    pub description: Option<String>,
    /// Deliverables (交付物) handed over on completion.
    pub deliverables: Vec<String>,
    /// Acceptance criteria (验收标准).
    pub acceptance: Vec<String>,
    /// When the step is due once active.
    pub deadline: Option<Deadline>,
    /// The effective warning and escalation ladder (process default with the
    /// step's overrides). Steps that override nothing share the process ladder.
    pub ladder: std::sync::Arc<Ladder>,
    /// Set when the step is a choice: its arrows carry `when`/`otherwise`.
    pub choice: Option<Choice>,
    /// Where the step was first written.
    pub location: Location,
}

impl Step {
    /// The department that names the step: `研发部` in `研发部:评估`.
    pub fn department(&self) -> &str {
        self.key.get(..self.department_len).unwrap_or(&self.key)
    }

    /// The action, e.g. `评估` in `研发部:评估`; `None` for a step named by
    /// its department alone.
    pub fn action(&self) -> Option<&str> {
        self.key.get(self.department_len..)?.strip_prefix(':')
    }
}

impl Serialize for Step {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Step", 11)?;
        s.serialize_field("key", &self.key)?;
        s.serialize_field("department", self.department())?;
        s.serialize_field("action", &self.action())?;
        s.serialize_field("owners", &self.owners)?;
        s.serialize_field("sign", &self.sign)?;
        s.serialize_field("description", &self.description)?;
        s.serialize_field("deliverables", &self.deliverables)?;
        s.serialize_field("acceptance", &self.acceptance)?;
        s.serialize_field("deadline", &self.deadline)?;
        s.serialize_field("ladder", &self.ladder)?;
        s.serialize_field("choice", &self.choice)?;
        s.end()
    }
}

/// The outcomes of a choice step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// `outcomes any …`: several outcomes may be chosen at once.
    pub multi: bool,
    /// Declared outcomes; empty when the step does not declare them (an `otherwise` arrow then exists).
    pub outcomes: Vec<String>,
}

/// An arrow of the flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edge {
    /// When the arrow is taken.
    pub condition: Condition,
    /// Where the arrow was written.
    #[serde(skip)]
    pub location: Location,
}

/// When an arrow is taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "outcomes", rename_all = "snake_case")]
pub enum Condition {
    /// Always (not an arrow out of a choice).
    Always,
    /// When one of these outcomes is chosen.
    When(Vec<String>),
    /// When no other arrow's outcome is chosen.
    Otherwise,
}

/// A permission to send work back (退回/驳回) to an upstream step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rework {
    /// The step that sends work back.
    pub from: StepId,
    /// The upstream step that gets it again.
    pub to: StepId,
    /// How many times, at most, per instance.
    pub max: u32,
}

/// When a step (or the whole process) is due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Deadline {
    /// `within …`: a duration after activation, possibly by priority.
    Within(Sla),
    /// `by …`: a fixed date, or a date attribute minus an offset.
    By {
        /// The date or attribute.
        anchor: Anchor,
        /// `- 5wd`: how long before the anchor.
        minus: Option<BusinessDuration>,
    },
}

/// What a `by` deadline counts from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Anchor {
    /// A fixed date.
    Date(NaiveDate),
    /// A date attribute of the instance, e.g. `上市日`.
    Attribute(String),
}

/// A service level: a default duration and durations by priority.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Sla {
    /// The duration when no priority entry applies.
    pub default: Option<BusinessDuration>,
    /// Durations by priority name, e.g. `P1` → `2h`.
    pub by_priority: BTreeMap<String, BusinessDuration>,
}

impl Sla {
    /// The duration for an instance of this priority.
    pub fn for_priority(&self, priority: Option<&str>) -> Option<BusinessDuration> {
        priority
            .and_then(|p| self.by_priority.get(p).copied())
            .or(self.default)
    }
}

/// Warnings and escalation levels.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Ladder {
    /// The warning before the deadline (预警).
    pub warn: Option<Warn>,
    /// Levels after the deadline, in ascending order of offset.
    pub levels: Vec<Level>,
}

/// When to warn before a deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Warn {
    /// When this percentage (1–99) of the window has passed.
    Percent(u8),
    /// This long before the deadline.
    Before(BusinessDuration),
}

/// One escalation level: what happens some time after the deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    /// How long after the deadline; `None` for `+0`, at the deadline.
    pub after: Option<BusinessDuration>,
    /// What happens.
    pub actions: Vec<Action>,
}

/// What an escalation level does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "target", rename_all = "snake_case")]
pub enum Action {
    /// Tell someone.
    Notify(Target),
    /// Hand the step over (转交).
    Reassign(Target),
}

/// Who an escalation addresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "name", rename_all = "snake_case")]
pub enum Target {
    /// The step's owners.
    Owner,
    /// The head (部门负责人) of each owner department.
    Head,
    /// The first role in every owner department's escalation chain (共同上级).
    Superior,
    /// A role such as PMO.
    Role(String),
    /// A department (its head).
    Department(String),
}

/// A department: `department 研发部 head 王总监 escalate 分管副总 → PMO`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Department {
    /// Its name.
    pub name: String,
    /// `description "…"`
    pub description: Option<String>,
    /// Its head (部门负责人).
    pub head: Option<String>,
    /// Who is above the head, nearest first: roles or departments.
    pub escalation: Vec<String>,
}

/// A role that owns no step, such as PMO or 分管副总.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    /// Its name.
    pub name: String,
    /// `role PMO "项目管理办公室"`
    pub description: Option<String>,
}
