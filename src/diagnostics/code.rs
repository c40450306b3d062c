//! Stable diagnostic codes.
//!
//! A code names one kind of problem for good: it is never reused for another
//! meaning, so authors can search for it and tools can match on it. Codes are
//! grouped by their tens digit: `E00x` syntax, `E01x` names, `E02x` graph
//! shape, `E03x` time and calendar; a `W` instead of the `E` marks a warning
//! of that group (`W020`).
//!
//! The table of codes below is the single source of truth: [`Code::as_str`],
//! [`Code::title`], [`Code::all`] and [`FromStr`] are generated from it, so they
//! cannot drift apart.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Lang, Severity};

/// The error returned when a string is not a known diagnostic code.
///
/// # Example
/// ```
/// use sopflow::diagnostics::{Code, ParseCodeError};
///
/// let err: ParseCodeError = "E999".parse::<Code>().unwrap_err();
/// assert_eq!(err.input(), "E999");
/// assert_eq!(err.to_string(), "unknown diagnostic code `E999`");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown diagnostic code `{input}`")]
pub struct ParseCodeError {
    input: String,
}

impl ParseCodeError {
    /// The string that was not a known code.
    pub fn input(&self) -> &str {
        &self.input
    }
}

/// Defines [`Code`] and its lookup tables from one list of
/// `Variant = "CODE", "title";` entries.
macro_rules! codes {
    ($( $(#[doc = $doc:literal])* $name:ident = $code:literal, $title:literal; )+) => {
        /// A stable diagnostic code such as `E020`.
        ///
        /// Codes starting with `E` are errors and codes starting with `W` are
        /// warnings (see [`Code::severity`]). A code serializes as its string,
        /// e.g. `"E020"`, and [`Display`](fmt::Display) prints the same string.
        ///
        /// Each variant documents **What** the problem is, **Why** it matters,
        /// an **Example** of `.sop` text that triggers it, and how to **Fix** it.
        ///
        /// # Example
        /// ```
        /// use sopflow::diagnostics::{Code, Severity};
        ///
        /// let code: Code = "E020".parse().unwrap();
        /// assert_eq!(code, Code::Cycle);
        /// assert_eq!(code.to_string(), "E020");
        /// assert_eq!(code.title(), "flow contains a cycle");
        /// assert_eq!(Code::LadderOrder.severity(), Severity::Warning);
        /// assert!("E999".parse::<Code>().is_err());
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Code {
            $( $(#[doc = $doc])* $name, )+
        }

        impl Code {
            /// Every code, in declaration order.
            const ALL: &'static [Code] = &[ $( Code::$name, )+ ];

            /// The code as written in output and documentation, e.g. `"E020"`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( Code::$name => $code, )+
                }
            }

            /// The variant's documentation as Markdown (What, Why, Example,
            /// Fix), as rustdoc shows it: for tools that explain codes
            /// (SARIF rules, `--explain`).
            pub fn docs(self) -> &'static str {
                match self {
                    $( Code::$name => concat!($($doc, "\n"),*), )+
                }
            }

            /// A short lowercase summary of the problem, e.g. `"flow contains a cycle"`.
            pub fn title(self) -> &'static str {
                match self {
                    $( Code::$name => $title, )+
                }
            }
        }
    };
}

codes! {
    /// `E001`: syntax error.
    ///
    /// # What
    /// The text does not follow the `.sop` grammar. The message says in words
    /// what was expected at the caret, e.g. "expected a step name or `{`".
    /// Also reported for a `when` or `otherwise` on the first node of a chain,
    /// which has no arrow leading into it.
    ///
    /// # Why
    /// A statement that cannot be parsed has no meaning; sopflow skips it and
    /// goes on with the next statement so that you see every problem at once.
    ///
    /// # Example
    /// ```text
    /// 市场部 → → 研发部 within 3d
    /// ```
    ///
    /// # Fix
    /// Write what the message asks for at the caret; here, remove one arrow.
    /// For a condition on the first node, put it after the step the arrow
    /// leads to: `A → B when 结果`.
    Syntax = "E001", "syntax error";

    /// `E002`: full-width or look-alike character.
    ///
    /// # What
    /// A full-width or look-alike character stands where the grammar needs an
    /// ASCII one, e.g. the full-width brace `｛` instead of `{`.
    ///
    /// # Why
    /// Chinese input methods produce such characters easily and they look
    /// almost the same on screen; sopflow names the character instead of
    /// reporting a puzzling syntax error.
    ///
    /// # Example
    /// ```text
    /// step 研发部:评估 ｛
    ///   within 3wd
    /// ｝
    /// ```
    ///
    /// # Fix
    /// Replace the character with the ASCII one the help line names
    /// (`｛` → `{`, `｝` → `}`), or switch the input method to half-width. For
    /// characters the language has no use for (`（` `）` `＝` `＞` `＜`), the
    /// help line says what to write instead, e.g. `→` for an arrow.
    FullWidth = "E002", "full-width character";

    /// `E003`: invalid date, time, number or percent literal.
    ///
    /// # What
    /// A literal has the right shape but no valid value: a date that does not
    /// exist, a time of day past `23:59` (`24:00` is allowed only as a closing
    /// time), a date range or `covers` year range that ends before it starts,
    /// or a `warn at` percentage of 0 or less. (A percentage of 100 or more is
    /// [`WarnAfterDeadline`](Code::WarnAfterDeadline), `E033`; an amount too
    /// large for a duration is [`DurationOverflow`](Code::DurationOverflow),
    /// `E031`.)
    ///
    /// # Why
    /// Deadlines and calendars are computed from these values; a wrong one
    /// would silently move a deadline.
    ///
    /// # Example
    /// ```text
    /// calendar 工厂 {
    ///   holiday 2026-02-30
    ///   hours 25:00-26:00
    /// }
    /// ```
    ///
    /// # Fix
    /// Correct the value: use a real date (`2026-02-28`), a time from `00:00`
    /// to `23:59` (or `24:00` to close at midnight), the earlier date or year
    /// first in a range, and a percentage from 1 to 99.
    InvalidLiteral = "E003", "invalid literal";

    /// `E004`: input exceeds a documented limit.
    ///
    /// # What
    /// The input is larger than sopflow accepts: a file over 32 MiB
    /// ([`MAX_SOURCE_LEN`](crate::syntax::MAX_SOURCE_LEN)), a name (of a
    /// declaration, department, action, outcome, priority or escalation
    /// target) over 256 characters
    /// ([`MAX_NAME_CHARS`](crate::syntax::MAX_NAME_CHARS)), a `holiday` or
    /// `workday` date range over 366 days, or a `use` nested more than
    /// [`MAX_USE_DEPTH`](crate::load::MAX_USE_DEPTH) (100) files deep.
    ///
    /// # Why
    /// Limits keep parsing fast and memory bounded even on hostile or
    /// accidentally generated input: every day of a date range is stored, so a
    /// range of centuries would cost seconds and megabytes.
    ///
    /// # Example
    /// ```text
    /// calendar 工厂 { holiday 2026-01-01..2027-12-31 }
    /// ```
    ///
    /// # Fix
    /// List holidays and workdays a year at a time at most
    /// (`holiday 2026-01-01..2026-12-31`); shorten a long name and put details
    /// in a `description`; split a huge file into several files joined with
    /// `use "file.sop"`.
    LimitExceeded = "E004", "input exceeds a limit";

    /// `E010`: unknown department.
    ///
    /// # What
    /// A step, or a step's `owner` field, names a department that no
    /// `department` statement declares, in this file or in any file it
    /// `use`s. This is checked only once at least one department is declared;
    /// a file set that declares none takes its departments from the steps.
    ///
    /// # Why
    /// Every step must be owned by a known department so that its work, its
    /// head and its escalation path are defined; a typo would otherwise create
    /// a department nobody belongs to.
    ///
    /// # Example
    /// ```text
    /// department 市场部
    /// 市场部 → 法务部 within 2d
    /// ```
    ///
    /// # Fix
    /// Correct the spelling, or declare the department: `department 法务部`.
    UnknownDepartment = "E010", "unknown department";

    /// `E011`: unknown role or escalation target.
    ///
    /// # What
    /// An `escalate` chain, or the target of a `notify` or `reassign` action,
    /// names something that is neither a declared role nor a department (nor,
    /// for actions, `owner`, `head` or `superior`).
    ///
    /// # Why
    /// An escalation that goes to nobody is worse than none: the overdue step
    /// would look handled when it is not.
    ///
    /// # Example
    /// ```text
    /// department 研发部 escalate 分管副总 → PMO
    /// ```
    ///
    /// # Fix
    /// Declare the roles, e.g. `role PMO "项目管理办公室"` and
    /// `role 分管副总`, or correct the name.
    UnknownRole = "E011", "unknown role";

    /// `E012`: unknown step.
    ///
    /// # What
    /// A `rework` statement or field names a step that does not appear in any
    /// flow, or a `step` block describes a step that no flow mentions (in a
    /// file that has flows; a file whose only step is a `step` block is a
    /// single-step process).
    ///
    /// # Why
    /// Rework sends work back to an earlier step; if that step does not exist
    /// the instance would have nowhere to go.
    ///
    /// # Example
    /// ```text
    /// 市场部:提交需求 → 研发部:评估
    /// rework 研发部:评估 → 市场部:提交申请
    /// ```
    ///
    /// # Fix
    /// Use the exact name of a step in the flow (`市场部:提交需求`).
    UnknownStep = "E012", "unknown step";

    /// `E013`: unknown calendar.
    ///
    /// # What
    /// The process header's `calendar` field names a calendar that no
    /// `calendar` block defines (in this file or a used one) and that is not
    /// the built-in `cn`.
    ///
    /// # Why
    /// Working days (`wd`) and working hours (`wh`) are counted on a calendar;
    /// without it no deadline can be computed.
    ///
    /// # Example
    /// ```text
    /// process 新产品上市 { calendar 工厂 }
    /// ```
    ///
    /// # Fix
    /// Define it, e.g. `calendar 工厂 { zone Asia/Shanghai }`, use the built-in
    /// `calendar cn`, or correct the name.
    UnknownCalendar = "E013", "unknown calendar";

    /// `E014`: unknown ladder.
    ///
    /// # What
    /// A `ladder` field names an escalation ladder that no `ladder` block
    /// defines.
    ///
    /// # Why
    /// The ladder says who is warned and when a step runs late; a missing one
    /// means overdue work is never escalated.
    ///
    /// # Example
    /// ```text
    /// step 研发部:评估 { ladder 紧急 }
    /// ```
    ///
    /// # Fix
    /// Define it, e.g. `ladder 紧急 { warn at 80% }`, or correct the name.
    UnknownLadder = "E014", "unknown ladder";

    /// `E015`: defined twice.
    ///
    /// # What
    /// A name or a field is defined more than once: two declarations with one
    /// name (departments and roles share one namespace; calendars, ladders and
    /// the process header each have their own), a calendar named `cn` (the
    /// built-in one), a field given twice in one block, two `step` blocks for
    /// one step, two deadlines of the same kind for one step or the process, a
    /// priority given twice in one `within`, or two conditions on one node.
    ///
    /// # Why
    /// sopflow cannot tell which of the two definitions you mean, and merging
    /// them silently could change deadlines or owners.
    ///
    /// # Example
    /// ```text
    /// department 市场部 head 李经理
    /// department 市场部 head 王经理
    /// ```
    ///
    /// # Fix
    /// Keep one definition and delete or rename the other; the secondary label
    /// points at the first one.
    Duplicate = "E015", "defined twice";

    /// `E016`: step with no owner department.
    ///
    /// # What
    /// A role such as `PMO` is written where a step's owner belongs: as the
    /// step's department (its first owner), as a co-owner after `&`, or in an
    /// `owner` field. Roles are escalated to; they own no steps.
    ///
    /// # Why
    /// Cross-department work stalls when nobody is responsible; every step
    /// needs a department that does it and whose head is escalated to.
    ///
    /// # Example
    /// ```text
    /// role PMO "项目管理办公室"
    /// PMO → 研发部 within 1d
    /// ```
    ///
    /// # Fix
    /// Name a department as the step's first owner, the one that does the work
    /// (`市场部:立项 → 研发部`), and reach the role through an escalation
    /// ladder (`+5d notify PMO`). An `owner` field does not help: it only adds
    /// co-owners, and they must be departments too.
    NoOwner = "E016", "step has no owner department";

    /// `E017`: a used file cannot be read.
    ///
    /// # What
    /// A `use "file.sop"` statement names a file that does not exist or cannot
    /// be read: missing, unreadable, not UTF-8, or not a regular file (a
    /// directory, device, FIFO or socket, which are never opened). A path that
    /// may not be followed at all is [`UseForbidden`](Code::UseForbidden), E019.
    ///
    /// # Why
    /// The departments, roles and calendars it defines would be missing, which
    /// would cause many confusing follow-up errors.
    ///
    /// # Example
    /// ```text
    /// use "org.sop"
    /// ```
    ///
    /// # Fix
    /// Correct the path (it is relative to the file containing the `use`), or
    /// create the file.
    UseUnreadable = "E017", "cannot read used file";

    /// `E018`: files `use` each other in a cycle.
    ///
    /// # What
    /// Following `use` statements from file to file leads back to a file that
    /// is already being loaded; the message names every file on the cycle.
    ///
    /// # Why
    /// A cycle of `use` has no order in which the definitions could be read.
    ///
    /// # Example
    /// ```text
    /// // a.sop
    /// use "b.sop"
    /// // b.sop
    /// use "a.sop"
    /// ```
    ///
    /// # Fix
    /// Move the shared definitions into a third file that both `use`, and
    /// remove one of the `use` statements.
    UseCycle = "E018", "files use each other in a cycle";

    /// `E019`: a `use` path that may not be followed.
    ///
    /// # What
    /// A `use` names an absolute path (`/etc/passwd`), a path that leads
    /// outside the root directory once `..` and symbolic links are resolved
    /// (`../../secrets.sop`, or a link inside the project that points out of
    /// it), or a file that is not a `.sop` file (`notes.txt`). The root is the
    /// directory being checked (`sopflow check DIR`), the directory of the file
    /// being checked (`sopflow check FILE`), or the one given with `--root`;
    /// a host embedding sopflow chooses it with
    /// [`FsResolver::new`](crate::load::FsResolver::new).
    ///
    /// # Why
    /// `.sop` files come from pull requests and uploads. If `use` could read
    /// any file, `use "/proc/self/environ"` would print a CI job's secrets in
    /// its log. The file is not read at all, and the diagnostic quotes only
    /// the path as written in the `use`.
    ///
    /// # Example
    /// ```text
    /// use "/etc/passwd"
    /// use "../../other-project/org.sop"
    /// ```
    ///
    /// # Fix
    /// Keep shared files inside the project and name them relative to the
    /// file that contains the `use` (`use "shared/org.sop"`), with a `.sop`
    /// name; if the project really spans a wider tree, check it with
    /// `--root DIR`.
    UseForbidden = "E019", "use path not allowed";

    /// `W010`: department names one edit apart.
    ///
    /// # What
    /// No department is declared, so every name that owns a step is a
    /// department, and two of them differ in one character (`研发部` and
    /// `研法部`): probably one department, misspelt once.
    ///
    /// # Why
    /// Without declarations a typo does not fail: it silently creates a
    /// second department, whose step would be assigned to nobody real.
    ///
    /// # Example
    /// ```text
    /// 市场部 → 研发部 within 3d
    /// 研法部 → 财务部 within 2d
    /// ```
    ///
    /// # Fix
    /// Correct the spelling; to keep both names, declare the departments
    /// (`department 研发部`), which also turns later typos into E010.
    SimilarDepartments = "W010", "department names one edit apart";

    /// `E020`: the flow contains a cycle.
    ///
    /// # What
    /// Following the arrows of the flow leads back to a step already visited.
    /// The labels name every step on the cycle, in order.
    ///
    /// # Why
    /// A flow must be a directed acyclic graph so that every instance can
    /// finish; going back is expressed with `rework`, which has a limit.
    ///
    /// # Example
    /// ```text
    /// 市场部 → 财务部 within 2d
    /// 财务部 → 市场部 within 1d
    /// ```
    ///
    /// # Fix
    /// Remove one of the arrows on the cycle; to send work back for
    /// correction, write `rework 财务部 → 市场部 max 2` instead.
    Cycle = "E020", "flow contains a cycle";

    /// `E021`: unreachable step.
    ///
    /// # What
    /// A step has no arrow leading into it but is not the start step, which is
    /// the first step written that has no arrow into it.
    ///
    /// # Why
    /// An unreachable step is never activated, so its work would never be
    /// done; usually an arrow is missing.
    ///
    /// # Example
    /// ```text
    /// 市场部 → 研发部 within 3d
    /// 法务部 → 财务部 within 2d
    /// ```
    ///
    /// # Fix
    /// Add the missing arrow (`研发部 → 法务部`), or move the unrelated steps
    /// into a process of their own.
    Unreachable = "E021", "unreachable step";

    /// `E022`: incomplete choice.
    ///
    /// # What
    /// A step with `outcomes` has conditional arrows (`when`) that do not
    /// cover every outcome, and no `otherwise` arrow; or a choice without
    /// `outcomes` (its outcomes are whatever its `when` arrows name) has no
    /// `otherwise` arrow.
    ///
    /// # Why
    /// When the missing outcome happens the instance would have nowhere to go
    /// and would hang.
    ///
    /// # Example
    /// ```text
    /// step 法务部:审核 { outcomes 通过 | 驳回 | 补充材料 }
    /// 法务部:审核 → 市场部:发布 when 通过
    /// 法务部:审核 → 研发部:修改 when 驳回
    /// ```
    ///
    /// # Fix
    /// Add an arrow for each missing outcome (`when 补充材料`), or one
    /// `otherwise` arrow.
    IncompleteChoice = "E022", "choice does not cover every outcome";

    /// `E023`: conditional and unconditional arrows mixed.
    ///
    /// # What
    /// A step has both conditional (`when`) and unconditional outgoing arrows.
    ///
    /// # Why
    /// It is unclear whether the unconditional arrow is taken in every case or
    /// only when no condition holds.
    ///
    /// # Example
    /// ```text
    /// step 法务部:审核 { outcomes 通过 | 驳回 }
    /// 市场部:提交 → 法务部:审核
    /// 法务部:审核 → 市场部:发布 when 通过
    /// 法务部:审核 → 研发部:修改 when 驳回
    /// 法务部:审核 → 财务部:归档
    /// ```
    ///
    /// # Fix
    /// Give every arrow a `when` condition, use `otherwise` for the default
    /// case, or move the unconditional work after the choice joins again.
    MixedEdges = "E023", "conditional and unconditional arrows mixed";

    /// `E024`: rework target is not upstream.
    ///
    /// # What
    /// A `rework` (退回) sends work to a step that is not upstream of the
    /// sender: it does not come before the sender on any path of the flow.
    ///
    /// # Why
    /// Rework means returning work to someone who already handled it; sending
    /// it forward or sideways would skip or duplicate steps.
    ///
    /// # Example
    /// ```text
    /// 市场部:提交需求 → 研发部:评估 → 财务部:预算
    /// rework 研发部:评估 → 财务部:预算
    /// ```
    ///
    /// # Fix
    /// Send the rework to an earlier step (`rework 研发部:评估 → 市场部:提交需求`),
    /// or use an ordinary arrow for forward work.
    ReworkNotUpstream = "E024", "rework target is not upstream";

    /// `E025`: unknown outcome.
    ///
    /// # What
    /// A `when` condition names an outcome that is not among the outcomes the
    /// step declares with `outcomes`.
    ///
    /// # Why
    /// The step can never report that outcome, so the arrow would never be
    /// taken; usually it is a typo.
    ///
    /// # Example
    /// ```text
    /// step 法务部:审核 { outcomes 通过 | 驳回 }
    /// 市场部:提交 → 法务部:审核
    /// 法务部:审核 → 市场部:发布 when 同意
    /// 法务部:审核 → 市场部:修改 otherwise
    /// ```
    ///
    /// # Fix
    /// Use one of the declared outcomes (`when 通过`), or add the outcome to
    /// the `outcomes` field.
    UnknownOutcome = "E025", "unknown outcome";

    /// `E026`: outcome handled twice.
    ///
    /// # What
    /// The same outcome, or `otherwise`, appears on two arrows leaving the same
    /// choice. Also reported for an outcome listed twice in one `outcomes`
    /// field or in one `when`.
    ///
    /// # Why
    /// sopflow could not tell which of the two arrows to follow.
    ///
    /// # Example
    /// ```text
    /// 市场部:提交 → 法务部:审核
    /// 法务部:审核 → 市场部:发布 when 通过
    /// 法务部:审核 → 财务部:归档 when 通过
    /// 法务部:审核 → 市场部:修改 otherwise
    /// ```
    ///
    /// # Fix
    /// Keep one arrow per outcome; to start both steps, write one arrow to a
    /// group: `法务部:审核 → {市场部:发布, 财务部:归档} when 通过`.
    DuplicateOutcome = "E026", "outcome handled twice";

    /// `E027`: rework limit out of range.
    ///
    /// # What
    /// A rework limit `max N` is `max 0`, or more than 1000 (`max 1001`).
    ///
    /// # Why
    /// A rework that may happen zero times can never happen, which is almost
    /// certainly not what was meant; a limit over 1000 is almost certainly a
    /// typing mistake.
    ///
    /// # Example
    /// ```text
    /// 市场部:提交需求 → 研发部:评估
    /// rework 研发部:评估 → 市场部:提交需求 max 0
    /// ```
    ///
    /// # Fix
    /// Use a limit from 1 to 1000 (`max 2`); to forbid rework, delete the
    /// rework statement. Without `max` the limit is 1.
    ReworkLimit = "E027", "rework limit out of range";

    /// `E028`: calendars extend each other in a cycle.
    ///
    /// # What
    /// Following `extends` from calendar to calendar leads back to a calendar
    /// already on the way; the message names every calendar on the cycle.
    /// (`calendar cn extends cn` is not a cycle: it extends the calendar `cn`
    /// that exists without it, the built-in one or one declared in a used
    /// file.)
    ///
    /// # Why
    /// A calendar starts as a copy of the calendar it extends; in a cycle
    /// none of them has a first version to copy.
    ///
    /// # Example
    /// ```text
    /// calendar 总部 extends 工厂 { hours 09:00-18:00 }
    /// calendar 工厂 extends 总部 { week Mon-Sat }
    /// ```
    ///
    /// # Fix
    /// Let one of them start from `cn` (or declare it in full) and the other
    /// extend it.
    CalendarCycle = "E028", "calendars extend each other in a cycle";

    /// `W020`: join fed by an exclusive choice.
    ///
    /// # What
    /// A group join `{B, C} → D` names steps that lie on different branches of
    /// one exclusive choice, so they can never both run. The file is still
    /// accepted.
    ///
    /// # Why
    /// `{B, C} → D` reads as "`D` waits for both `B` and `C`", but only one
    /// branch of an exclusive choice runs. At run time a join does not wait
    /// for steps on branches that were not taken (they are skipped), so `D`
    /// starts after the branch that ran: it does not wait forever. The group
    /// just says something other than what happens.
    ///
    /// # Example
    /// ```text
    /// step 法务部:审核 { outcomes one 通过 | 驳回 }
    /// 市场部:提交 → 法务部:审核
    /// 法务部:审核 → 市场部:发布 when 通过
    /// 法务部:审核 → 研发部:修改 when 驳回
    /// {市场部:发布, 研发部:修改} → 财务部:归档
    /// ```
    ///
    /// # Fix
    /// Write a merge, one arrow from each branch to `D`
    /// (`市场部:发布 → 财务部:归档` and `研发部:修改 → 财务部:归档`), which
    /// means the same without the warning; or declare `outcomes any` if
    /// several outcomes may hold at once.
    ExclusiveJoin = "W020", "join over exclusive branches";

    /// `W021`: flow statements in a used file are ignored.
    ///
    /// # What
    /// A file loaded through `use` contains a `process` header, flows, `step`
    /// blocks or `rework` statements. One warning is reported per file.
    ///
    /// # Why
    /// `use` imports definitions only (departments, roles, calendars,
    /// ladders); a process and its flow belong to the file that defines the
    /// process, so these statements have no effect.
    ///
    /// # Example
    /// ```text
    /// // org.sop, loaded by another file with `use "org.sop"`
    /// department 市场部
    /// department 研发部
    /// 市场部 → 研发部 within 3d
    /// ```
    ///
    /// # Fix
    /// Move the flow into the file that defines the process, or delete it.
    IgnoredFlow = "W021", "flow in used file is ignored";

    /// `W022`: process without steps.
    ///
    /// # What
    /// A file has a `process` header but no step: no flow, no `step` block.
    ///
    /// # Why
    /// A file of shared declarations needs no header; a header promises a
    /// process, and an instance of a process without steps cannot start.
    ///
    /// # Example
    /// ```text
    /// process 新产品上市 {
    ///   calendar cn
    /// }
    /// ```
    ///
    /// # Fix
    /// Add the flow (`市场部:提交需求 → 研发部:评估`), or remove the header from
    /// a file meant to be `use`d.
    EmptyProcess = "W022", "process without steps";

    /// `E030`: duration is not positive.
    ///
    /// # What
    /// A deadline (`within`), a `warn … before` offset or the offset of a
    /// `by … - DURATION` is zero or negative, e.g. `within 0d` or
    /// `within -2h`; or an escalation offset is negative (`+0`, at the
    /// deadline, is allowed there).
    ///
    /// # Why
    /// A step with no time at all is overdue the moment it starts.
    ///
    /// # Example
    /// ```text
    /// 市场部 → 研发部 within 0d
    /// ```
    ///
    /// # Fix
    /// Give a positive duration (`within 3d`), or remove the deadline.
    NonPositiveDuration = "E030", "duration is not positive";

    /// `E031`: duration too large.
    ///
    /// # What
    /// A duration is longer than 100 years, or too large to compute with.
    ///
    /// # Why
    /// Such deadlines are typing mistakes, and computing them could overflow.
    ///
    /// # Example
    /// ```text
    /// 市场部 → 研发部 within 99999w
    /// ```
    ///
    /// # Fix
    /// Correct the amount or the unit (`within 9w`).
    DurationOverflow = "E031", "duration too large";

    /// `E032`: working-time unit without a calendar.
    ///
    /// # What
    /// A duration in working days (`wd`, 工作日) or working hours (`wh`,
    /// 工作小时) is used while the process header names no calendar: in a
    /// deadline, a `warn` or an escalation level of the process file, or in a
    /// named ladder (declared there or in a used file) that the process or
    /// one of its steps uses with `ladder NAME`. A ladder that nothing uses
    /// is not checked, so a shared file of ladders checks clean on its own.
    ///
    /// # Why
    /// Working time depends on business hours, weekends and holidays, which
    /// only a calendar defines.
    ///
    /// # Example
    /// ```text
    /// process 新产品上市
    /// 市场部 → 研发部 within 3wd
    /// ```
    ///
    /// # Fix
    /// Add `calendar NAME` to the process header, or use elapsed time
    /// (`within 3d`).
    NoCalendar = "E032", "working-time unit without a calendar";

    /// `E033`: warning at or after the deadline.
    ///
    /// # What
    /// A `warn` is set at or after the deadline: `warn at` 100 % or more, or
    /// `warn … before` with an offset as long as the step's `within` window or
    /// longer. The offset and the window are compared when they are on the
    /// same clock (both elapsed time, both `wd` or both `wh`), for every
    /// priority's window.
    ///
    /// # Why
    /// A warning is meant to come before the deadline, while there is still
    /// time to act.
    ///
    /// # Example
    /// ```text
    /// step 研发部:评估 {
    ///   within 2d
    ///   warn 2d before
    /// }
    /// ```
    ///
    /// # Fix
    /// Warn earlier in the window (`warn at 80%`, `warn 1d before`).
    WarnAfterDeadline = "E033", "warning at or after the deadline";

    /// `E034`: unknown time zone.
    ///
    /// # What
    /// A `zone` field, of a calendar or of the process header, names a time
    /// zone that is not in the IANA time zone database.
    ///
    /// # Why
    /// Deadlines are instants; without the right zone they would be off by
    /// hours.
    ///
    /// # Example
    /// ```text
    /// calendar 工厂 { zone Asia/Beijing }
    /// ```
    ///
    /// # Fix
    /// Use an IANA name such as `Asia/Shanghai` or `Asia/Hong_Kong`.
    UnknownTimeZone = "E034", "unknown time zone";

    /// `E035`: invalid business hours.
    ///
    /// # What
    /// A range of business `hours` ends at or before its start (ranges cannot
    /// cross midnight; `24:00` is the end of the day), or two ranges overlap.
    /// Also reported when a calendar cannot be built, e.g. a holiday or
    /// workday outside its `covers` years.
    ///
    /// # Why
    /// Working time is counted inside these ranges; empty or overlapping
    /// ranges would count time wrongly.
    ///
    /// # Example
    /// ```text
    /// calendar 工厂 { hours 18:00-09:00 }
    /// calendar 总部 { hours 09:00-12:00, 11:00-18:00 }
    /// ```
    ///
    /// # Fix
    /// Write each range from its start to a later end, in order and without
    /// overlap: `hours 09:00-12:00, 13:00-18:00`.
    InvalidHours = "E035", "invalid business hours";

    /// `E036`: date is both a holiday and a make-up workday.
    ///
    /// # What
    /// A date is listed both under `holiday` and under `workday` (调休) in the
    /// same calendar.
    ///
    /// # Why
    /// The calendar must say whether people work that day; it cannot be both.
    ///
    /// # Example
    /// ```text
    /// calendar 工厂 {
    ///   holiday 2026-02-15..2026-02-23 "春节"
    ///   workday 2026-02-15
    /// }
    /// ```
    ///
    /// # Fix
    /// Remove the date from one of the two lists; check the official 调休
    /// schedule for the year.
    HolidayWorkday = "E036", "date is both holiday and workday";

    /// `E037`: step with two deadlines.
    ///
    /// # What
    /// A step, or the process, has both a relative deadline (`within`) and an
    /// absolute one (`by`).
    ///
    /// # Why
    /// Only one deadline can drive warnings and escalation; with two it is
    /// unclear which one applies.
    ///
    /// # Example
    /// ```text
    /// step 市场部:发布 {
    ///   within 3d
    ///   by 2026-06-30
    /// }
    /// ```
    ///
    /// # Fix
    /// Keep the deadline that matters and delete the other.
    TwoDeadlines = "E037", "step has two deadlines";

    /// `E038`: holiday or workday outside the calendar's covered years.
    ///
    /// # What
    /// A calendar says which years its holiday list covers (`covers 2026`),
    /// and lists a holiday or make-up workday in another year.
    ///
    /// # Why
    /// `covers` is the promise that the list is complete for those years:
    /// deadlines outside them are refused rather than guessed. A date outside
    /// the range is either a typo or a sign that `covers` was not extended.
    ///
    /// # Example
    /// ```text
    /// calendar 工厂 {
    ///   covers 2026
    ///   holiday 2025-10-01
    /// }
    /// ```
    ///
    /// # Fix
    /// Correct the date, or extend `covers` (`covers 2025..2026`) once that
    /// year's list is complete.
    DateOutsideCoverage = "E038", "date outside the calendar's covered years";

    /// `E039`: covered years leave a gap.
    ///
    /// # What
    /// A calendar that `extends` another has a `covers` that neither overlaps
    /// nor touches the years the other covers, e.g. `covers 2028` on top of
    /// `cn`'s 2024..2026.
    ///
    /// # Why
    /// The covered years of an extension are the years of both calendars,
    /// which must be one range: the years in between (2027) would be treated
    /// as covered although none of their holidays is listed.
    ///
    /// # Example
    /// ```text
    /// calendar cn extends cn {
    ///   covers 2028
    ///   holiday 2028-01-01 "元旦"
    /// }
    /// ```
    ///
    /// # Fix
    /// Add the missing years first (`covers 2027..2028` with the 2027
    /// holidays), or correct the year.
    CoverageGap = "E039", "covered years leave a gap";

    /// `W030`: escalation levels out of order.
    ///
    /// # What
    /// The levels of an escalation ladder (or of a process header or step
    /// block) are not in ascending order of their offset after the deadline.
    /// Offsets are compared when they are on the same clock (elapsed time,
    /// `wd` or `wh`); `+0` comes before every other offset.
    ///
    /// # Why
    /// Levels fire in time order whatever their order in the file, so a
    /// ladder written out of order probably does not escalate as intended.
    ///
    /// # Example
    /// ```text
    /// ladder 标准 {
    ///   +2d notify head
    ///   +1d notify owner
    /// }
    /// ```
    ///
    /// # Fix
    /// Write the levels from the earliest to the latest offset.
    LadderOrder = "W030", "escalation levels out of order";

    /// `W031`: the calendar ends before the process's deadlines.
    ///
    /// # What
    /// `sopflow check` (or a [`Loader`](crate::Loader) given
    /// [`today`](crate::Loader::today)) found that an instance started today
    /// would need working days of a year its process calendar does not cover.
    /// The horizon is estimated by following the flow from today: each step
    /// is activated when the steps before it are due (the latest of them at
    /// a join, every branch of a choice), its deadline is counted on the
    /// calendar with the longest entry of its `within` (or its fixed `by`
    /// date), and its escalation levels after that; the process's own
    /// `within` or `by` counts from today. `by` deadlines that name an
    /// attribute (`by 上市日 - 5wd`), steps without a deadline and rework are
    /// not counted, so the real reach may be later still.
    ///
    /// # Why
    /// Holidays of a year are known only once the State Council publishes
    /// them (usually in November of the year before); until the year is
    /// added, deadlines that fall in it cannot be counted on its holidays.
    /// The warning comes before an instance meets the end of the data.
    ///
    /// # Example
    /// Checked on 2026-12-02 (`sopflow check --today 2026-12-02`):
    /// ```text
    /// process 新产品上市 { calendar cn; within 60wd }
    /// 市场部 → 研发部 within 3wd
    /// ```
    ///
    /// # Fix
    /// Add the year when its notice is out, without waiting for a sopflow
    /// release: `calendar cn extends cn { covers 2027 … }` in a shared file
    /// (see "Adding a year" in grammar/LANGUAGE.md). Until then the warning
    /// is a reminder; it does not fail the check.
    CalendarEnding = "W031", "calendar ends within the process's deadlines";

    /// `W040`: the deadlines along the longest path exceed the process deadline.
    ///
    /// # What
    /// Added up along the longest path of the flow, the steps' `within`
    /// deadlines need more time than the process's own `within` allows, on
    /// the same clock: working time on the calendar (`wd` as the calendar's
    /// working day, `wh` as an hour) when the process deadline is in `wd`/`wh`,
    /// elapsed time otherwise. Each step counts its shortest duration (its
    /// default, else its fastest priority); a step on the other clock, a `by`
    /// step, a step without a deadline and rework count nothing. So the sum
    /// is the least any instance may take when every step uses its time.
    ///
    /// # Why
    /// Every step may take its full deadline and still be on time, yet the
    /// process would then be late: the SOP promises what its steps do not
    /// add up to. No instance has to be late for this to be found.
    ///
    /// # Example
    /// ```text
    /// process 新产品上市 { calendar cn; within 10wd }
    /// 市场部:提交需求 within 5wd → 研发部:评估 within 3wd → 财务部:核算成本 within 5wd
    /// ```
    ///
    /// # Fix
    /// Give the process more time, or shorten deadlines on the path;
    /// `sopflow plan FILE --start …` shows the schedule, the critical path
    /// and each step's slack.
    DeadlineOverrun = "W040", "step deadlines exceed the process deadline";
}

impl Code {
    /// Every code, in declaration order (grouped as in the documentation).
    pub fn all() -> &'static [Code] {
        Self::ALL
    }

    /// The title in `lang`: [`title`](Self::title) in English, e.g.
    /// `"流程绕成了圈"` for `E020` in Chinese.
    ///
    /// # Example
    /// ```
    /// use sopflow::diagnostics::{Code, Lang};
    ///
    /// assert_eq!(Code::Cycle.title_in(Lang::En), "flow contains a cycle");
    /// assert_eq!(Code::Cycle.title_in(Lang::Zh), "流程绕成了圈");
    /// ```
    pub fn title_in(self, lang: Lang) -> &'static str {
        if lang == Lang::En {
            return self.title();
        }
        match self {
            Code::Syntax => "写法不对",
            Code::FullWidth => "全角字符",
            Code::InvalidLiteral => "日期、时间或数值不存在",
            Code::LimitExceeded => "超出上限",
            Code::UnknownDepartment => "没有这个部门",
            Code::UnknownRole => "没有这个角色",
            Code::UnknownStep => "没有这个步骤",
            Code::UnknownCalendar => "没有这个日历",
            Code::UnknownLadder => "没有这个升级阶梯",
            Code::Duplicate => "重复声明",
            Code::NoOwner => "步骤没有负责部门",
            Code::UseUnreadable => "无法读取引入的文件",
            Code::UseCycle => "文件互相引入绕成了圈",
            Code::UseForbidden => "不允许引入这个路径",
            Code::SimilarDepartments => "两个部门名称只差一个字",
            Code::Cycle => "流程绕成了圈",
            Code::Unreachable => "走不到的步骤",
            Code::IncompleteChoice => "有的结果没有下一步",
            Code::MixedEdges => "有条件和无条件的箭头混在一起",
            Code::ReworkNotUpstream => "退回的目标不在前面",
            Code::UnknownOutcome => "没有这个结果",
            Code::DuplicateOutcome => "同一结果写了两个箭头",
            Code::ReworkLimit => "退回次数超出范围",
            Code::CalendarCycle => "日历互相扩展绕成了圈",
            Code::ExclusiveJoin => "汇合的几支不可能同时执行",
            Code::IgnoredFlow => "引入文件里的流程不起作用",
            Code::EmptyProcess => "流程里没有步骤",
            Code::NonPositiveDuration => "时长不大于零",
            Code::DurationOverflow => "时长太长",
            Code::NoCalendar => "用了工作时间单位却没有日历",
            Code::WarnAfterDeadline => "预警不在期限之前",
            Code::UnknownTimeZone => "不认识的时区",
            Code::InvalidHours => "工作时间有误",
            Code::HolidayWorkday => "同一天既放假又上班",
            Code::TwoDeadlines => "步骤有两个期限",
            Code::DateOutsideCoverage => "日期超出日历覆盖的年份",
            Code::CoverageGap => "覆盖的年份中间有空缺",
            Code::LadderOrder => "升级顺序不对",
            Code::CalendarEnding => "日历的节假日数据快到头了",
            Code::DeadlineOverrun => "各步骤时限加起来超过了流程时限",
        }
    }

    /// The severity of diagnostics with this code: `W` codes are warnings,
    /// all others errors.
    pub fn severity(self) -> Severity {
        if self.as_str().starts_with('W') {
            Severity::Warning
        } else {
            Severity::Error
        }
    }
}

impl fmt::Display for Code {
    /// Prints the code, e.g. `E020`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Code {
    type Err = ParseCodeError;

    /// Parses a code such as `E020`; the letter may also be lowercase (`e020`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|code| code.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| ParseCodeError {
                input: s.to_owned(),
            })
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_well_formed() {
        for code in Code::all() {
            let s = code.as_str();
            assert_eq!(s.len(), 4, "{s}");
            assert!(s.starts_with('E') || s.starts_with('W'), "{s}");
            assert!(s[1..].bytes().all(|b| b.is_ascii_digit()), "{s}");
            let title = code.title();
            assert!(!title.is_empty() && !title.ends_with('.'), "{s}: {title}");
            assert_eq!(title, title.to_lowercase(), "{s}: title must be lowercase");
        }
    }

    #[test]
    fn serde_uses_the_string_code() {
        let json = serde_json::to_string(&Code::Cycle).expect("a code serializes");
        assert_eq!(json, r#""E020""#);
        let back: Code = serde_json::from_str(&json).expect("a code deserializes");
        assert_eq!(back, Code::Cycle);
        assert!(serde_json::from_str::<Code>(r#""E999""#).is_err());
    }
}
