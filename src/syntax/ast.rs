//! The abstract syntax tree of one `.sop` file, as written: names are not yet
//! resolved and nothing is validated beyond the shape of literals.

use chrono::{NaiveDate, NaiveTime, Weekday};

use crate::calendar::Unit;
use crate::diagnostics::Span;

/// A value together with the byte range it was written at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    /// The value.
    pub node: T,
    /// Where it was written.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Pairs a value with its span.
    pub fn new(node: T, span: Span) -> Self {
        Spanned { node, span }
    }
}

pub use super::ident::Ident;
/// Inline storage for the short lists of the tree (see [`Flow`]).
pub use smallvec::SmallVec;

/// A name as written, e.g. `研发部`.
pub type Name = Spanned<Ident>;

/// A parsed `.sop` file: its statements in source order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct File {
    /// The statements, in source order.
    pub items: Vec<Item>,
    /// Declarations skipped for a syntax error, by kind and name (as far as
    /// the statement's start shows them): their uses are not reported as
    /// unknown, which would be false.
    pub unparsed: Vec<(DeclKind, Name)>,
}

/// One top-level statement. Statements are boxed, so that the list of a
/// file's items stays small (the items of the two halves of a large file,
/// parsed on two threads, are joined by moving pointers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// `use "org.sop"`
    Use(Spanned<String>),
    /// `department`, `role`, `calendar`, `ladder` or `process`.
    Decl(Box<Decl>),
    /// `step 研发部:评估 { … }`
    Step(Box<StepBlock>),
    /// `市场部 → 研发部 within 3d`
    Flow(Box<Flow>),
    /// `rework 研发部:评估 → 市场部:提交需求 max 2`
    Rework(Box<Rework>),
}

/// What a [`Decl`] declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeclKind {
    /// `department 研发部 …`
    Department,
    /// `role PMO`
    Role,
    /// `calendar 工厂 { … }`
    Calendar,
    /// `ladder 标准 { … }`
    Ladder,
    /// `process 新产品上市 { … }`
    Process,
}

impl DeclKind {
    /// The keyword that introduces the declaration.
    pub fn keyword(self) -> &'static str {
        match self {
            DeclKind::Department => "department",
            DeclKind::Role => "role",
            DeclKind::Calendar => "calendar",
            DeclKind::Ladder => "ladder",
            DeclKind::Process => "process",
        }
    }
}

/// A named declaration with its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decl {
    /// What is declared.
    pub kind: DeclKind,
    /// Its name.
    pub name: Name,
    /// Its fields, in source order (duplicates are kept for the validator to report).
    pub fields: Vec<Spanned<Field>>,
    /// The whole statement.
    pub span: Span,
}

/// Details of one step: `step 研发部:评估 { … }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepBlock {
    /// The step the block describes.
    pub step: StepRef,
    /// Its fields, in source order.
    pub fields: Vec<Spanned<Field>>,
    /// The whole statement.
    pub span: Span,
}

/// A reference to a step: owner department(s) and an optional action, e.g.
/// `销售部 & 市场部:制定推广方案`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRef {
    /// The first owner, which names the step.
    pub department: Name,
    /// Further owners written with `&`, in order: co-owners (联合责任人).
    pub co_owners: Vec<Name>,
    /// The action, e.g. `评估`.
    pub action: Option<Name>,
    /// The whole reference.
    pub span: Span,
}

impl StepRef {
    /// Every owner as written: [`department`](Self::department), then the co-owners.
    pub fn owners(&self) -> impl Iterator<Item = &Name> {
        std::iter::once(&self.department).chain(&self.co_owners)
    }
}

/// A chain of arrows: `A → {B, C} → D`.
///
/// Flows are most of a large file, so their short lists (two nodes, one step
/// per node, one deadline, one SLA) are stored inline: a typical flow line
/// makes one allocation, its `Box<Flow>`, and flows parsed one after another
/// lie one after another in memory, which lowering then reads in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    /// At least two nodes; an arrow joins each node to the next.
    pub nodes: SmallVec<[FlowNode; 2]>,
    /// The whole statement.
    pub span: Span,
}

/// One node of a chain: a step or a `{…}` group of steps, with the attributes written after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowNode {
    /// The steps; more than one for a `{B, C}` group.
    pub steps: SmallVec<[StepRef; 1]>,
    /// Whether the steps were written as a `{…}` group.
    pub group: bool,
    /// `when …` or `otherwise` on the arrow into this node.
    pub condition: Option<Spanned<Condition>>,
    /// `within …` and `by …` written after the node: the deadline of its steps.
    pub deadlines: SmallVec<[Spanned<Field>; 1]>,
    /// The node with its attributes.
    pub span: Span,
}

/// The condition on an arrow out of a choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// `when 设计缺陷 | 使用问题`: taken when one of these outcomes is chosen.
    When(Vec<Name>),
    /// `otherwise`: taken when no other arrow's outcome is chosen.
    Otherwise,
}

/// `rework FROM → TO max N`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rework {
    /// The step that may send work back.
    pub from: StepRef,
    /// The upstream step the work goes back to.
    pub to: StepRef,
    /// `max N`; the default is 1.
    pub max: Option<Spanned<u64>>,
    /// The whole statement.
    pub span: Span,
}

/// A duration as written; sign and size are checked by the validator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duration {
    /// Written with a minus sign.
    pub negative: bool,
    /// The amount, or `None` when it does not fit in 64 bits.
    pub amount: Option<u64>,
    /// The unit.
    pub unit: Unit,
}

/// One entry of a `within` list: `3wd` or `P1 2h`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sla {
    /// The priority this entry applies to; `None` for the default.
    pub priority: Option<Name>,
    /// The duration.
    pub duration: Spanned<Duration>,
}

/// What a `by` deadline counts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ByAnchor {
    /// A fixed date, `by 2026-06-30`.
    Date(NaiveDate),
    /// A date attribute of the instance, `by 上市日`.
    Attribute(String),
}

/// A date or an inclusive range of dates, `2026-10-01..2026-10-07`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    /// First date.
    pub first: NaiveDate,
    /// Last date (equal to `first` for a single date).
    pub last: NaiveDate,
}

/// Business hours of one interval; `end` of `None` means 24:00.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    /// Opening time.
    pub start: NaiveTime,
    /// Closing time; `None` for 24:00.
    pub end: Option<NaiveTime>,
}

/// A warning before the deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warn {
    /// `warn at 80%`: when this share of the window has passed.
    Percent(i64),
    /// `warn 1d before`: this long before the deadline.
    Before(Duration),
}

/// What an escalation level does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    /// `notify X`
    Notify,
    /// `reassign X` (转交)
    Reassign,
}

/// One action of an escalation level: `notify head`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    /// Notify or reassign.
    pub verb: Verb,
    /// `owner`, `head`, `superior`, or a role or department name.
    pub target: Name,
}

/// One field of a declaration or step block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// `description "…"`
    Description(String),
    /// `version 1.2`
    Version(String),
    /// `zone Asia/Shanghai`
    Zone(String),
    /// `calendar cn`
    Calendar(Name),
    /// `ladder 标准`
    Ladder(Name),
    /// `within 3wd` or `within P1 2h, P2 1wd`
    Within(SmallVec<[Sla; 1]>),
    /// `by 上市日 - 5wd`
    By {
        /// The date or attribute.
        anchor: Spanned<ByAnchor>,
        /// The offset before it, `- 5wd`.
        minus: Option<Spanned<Duration>>,
    },
    /// `warn at 80%`
    Warn(Warn),
    /// `+2d notify head, reassign PMO`
    Level {
        /// How long after the deadline; `None` for `+0`.
        offset: Spanned<Option<Duration>>,
        /// What happens then.
        actions: Vec<Action>,
    },
    /// `head 王总监`
    Head(String),
    /// `escalate 分管副总 → PMO`
    Escalate(Vec<Name>),
    /// `week Mon-Fri`
    Week(Vec<Weekday>),
    /// `hours 09:00-12:00, 13:00-18:00`
    Hours(Vec<Spanned<TimeRange>>),
    /// `holiday 2026-10-01..2026-10-07 "国庆节"`: the dates and the label.
    Holiday(Vec<Spanned<DateRange>>, Option<String>),
    /// `workday 2026-09-20 "国庆调休"`: the dates and the label.
    Workday(Vec<Spanned<DateRange>>, Option<String>),
    /// `covers 2024..2026`
    Covers(i32, i32),
    /// `extends cn`, after a calendar's name: the calendar it starts from.
    Extends(Name),
    /// `owner 销售部 & 市场部`
    Owner(Vec<Name>),
    /// `sign all` (会签) or `sign any` (或签)
    Sign(SignMode),
    /// `deliver 《市场需求文档》, 《竞品分析》`
    Deliver(Vec<Spanned<String>>),
    /// `accept "…"`
    Accept(String),
    /// `outcomes 设计缺陷 | 使用问题` or `outcomes any …`
    Outcomes {
        /// `any`: several outcomes may be chosen at once.
        multi: bool,
        /// The possible outcomes.
        names: Vec<Name>,
    },
    /// `rework 市场部:提交需求 max 2` inside a step block.
    Rework {
        /// The upstream step.
        to: Box<StepRef>,
        /// `max N`.
        max: Option<Spanned<u64>>,
    },
}

impl Field {
    /// The word that introduces the field, for messages such as "duplicate `zone`".
    pub fn keyword(&self) -> &'static str {
        match self {
            Field::Description(_) => "description",
            Field::Version(_) => "version",
            Field::Zone(_) => "zone",
            Field::Calendar(_) => "calendar",
            Field::Ladder(_) => "ladder",
            Field::Within(_) => "within",
            Field::By { .. } => "by",
            Field::Warn(_) => "warn",
            Field::Level { .. } => "+",
            Field::Head(_) => "head",
            Field::Escalate(_) => "escalate",
            Field::Week(_) => "week",
            Field::Hours(_) => "hours",
            Field::Holiday(..) => "holiday",
            Field::Workday(..) => "workday",
            Field::Covers(..) => "covers",
            Field::Extends(_) => "extends",
            Field::Owner(_) => "owner",
            Field::Sign(_) => "sign",
            Field::Deliver(_) => "deliver",
            Field::Accept(_) => "accept",
            Field::Outcomes { .. } => "outcomes",
            Field::Rework { .. } => "rework",
        }
    }
}

/// How co-owners sign off a step.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum SignMode {
    /// 会签: every owner completes.
    #[default]
    All,
    /// 或签: the first owner to complete completes the step.
    Any,
}
