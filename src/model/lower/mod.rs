//! Lowering: resolves names across the main file and its `use`d files, checks
//! every field, and builds the step graph.
//!
//! One room per pass, all methods of one `Lowerer` that holds the state
//! between them: `declarations` (indexes of names), `flows` (steps and
//! arrows), `names` (resolution, "did you mean"), `durations` (amounts
//! and deadlines), `ladders`, `calendars` (in `extends` order), `fields`
//! (header and step blocks), then `finish` here (the graph checks) and
//! `warnings` on the finished definition. Each pass only adds diagnostics;
//! a definition comes out only when none of them is an error.

mod calendars;
mod declarations;
mod durations;
mod fields;
mod flows;
mod ladders;
mod names;
mod warnings;

use std::collections::{BTreeMap, HashMap};

// The step, department and role tables are only looked up, never iterated:
// a fast non-cryptographic hash cannot change any output order.
use rustc_hash::FxHashMap;

use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};

use super::checks;
use super::*;
use crate::calendar::{BusinessDuration, Unit};
use crate::diagnostics::{edit_distance, tr, Code, Diagnostic, Text};
use crate::syntax::ast::{self, DeclKind, Field, Item, Name, Spanned};

/// The largest amount accepted for each unit: 100 years.
fn max_amount(unit: Unit) -> u64 {
    unit.max_amount()
}

/// The most arrows one `→` between two groups may make (`{A, B} → {C, D}`
/// makes four): beyond it, arrows would grow with the square of the file.
pub(crate) const MAX_GROUP_ARROWS: usize = 10_000;

/// The highest rework limit accepted.
pub(crate) const MAX_REWORK: u64 = 1000;

/// One parsed file taking part in lowering.
#[derive(Clone, Copy)]
pub(crate) struct Input<'a> {
    pub(crate) file: &'a ast::File,
    pub(crate) source: SourceId,
}

/// Lowers the main file (with the declarations of the files it uses) into a definition.
///
/// Returns `None` when any error diagnostic was produced.
///
/// With `today`, a process whose calendar ends before the deadlines of an
/// instance started that day could reach gets a W031 warning.
pub(crate) fn lower(
    main: Input<'_>,
    imports: &[Input<'_>],
    default_name: &str,
    today: Option<chrono::NaiveDate>,
) -> (Option<Definition>, Vec<Diagnostic>) {
    let mut l = Lowerer::default();
    for input in imports {
        l.declarations(*input, true);
    }
    l.declarations(main, false);
    l.explicit_departments = !l.departments.is_empty();
    l.header(default_name);
    l.flows(main);
    l.similar_departments();
    l.resolve_names();
    l.named_ladders();
    l.calendars();
    l.process_fields();
    l.step_fields();
    if let (true, Some((decl, source))) = (l.steps.is_empty(), l.header) {
        // Without a header, a file without steps is one of shared declarations.
        l.push(
            Diagnostic::new(
                Code::EmptyProcess,
                {
                    let name = &decl.name.node;
                    tr!("process `{name}` has no steps", "流程 `{name}` 里没有任何步骤")
                },
                source,
                decl.name.span,
                tr!(
                    "no flow and no `step` block in this file",
                    "这个文件里既没有流程箭头，也没有 `step` 块"
                ),
            )
            .with_help(tr!(
                "add the flow, e.g. `市场部:提交需求 → 研发部:评估`, or remove the `process` header from a file meant to be `use`d",
                "请写出流程，例如 `市场部:提交需求 → 研发部:评估`；如果这个文件是给别的文件 `use` 的，请删掉 `process` 开头那一行"
            )),
        );
    }
    let definition = l.finish();
    let has_errors = l
        .diags
        .iter()
        .any(|d| d.severity() == crate::diagnostics::Severity::Error);
    if let (false, Some(definition), Some(today)) = (has_errors, &definition, today) {
        if let Some(warning) = l.calendar_ending(definition, today) {
            l.push(warning);
        }
    }
    if let (false, Some(definition)) = (has_errors, &definition) {
        if let Some(warning) = l.deadline_overrun(definition) {
            l.push(warning);
        }
    }
    (if has_errors { None } else { definition }, l.diags)
}

#[derive(Default)]
struct Lowerer<'a> {
    diags: Vec<Diagnostic>,
    /// Declarations skipped for a syntax error (see `ast::File::unparsed`).
    unparsed: std::collections::HashSet<(DeclKind, String)>,
    explicit_departments: bool,
    departments: Vec<(Department, Location, Option<&'a ast::Decl>)>,
    department_index: FxHashMap<String, usize>,
    roles: Vec<(Role, Location)>,
    role_index: FxHashMap<String, usize>,
    calendar_decls: Vec<(&'a ast::Decl, SourceId)>,
    /// Calendars by name, by their index in `calendar_decls`, except:
    calendar_index: HashMap<String, usize>,
    /// `calendar X extends X`, by name.
    calendar_extensions: HashMap<String, usize>,
    ladder_decls: Vec<(&'a ast::Decl, SourceId)>,
    ladder_index: HashMap<String, usize>,
    ladders: BTreeMap<String, Ladder>,
    header: Option<(&'a ast::Decl, SourceId)>,
    name: String,
    steps: Vec<StepDraft<'a>>,
    /// The lowered steps, by the same index as `steps`: built in place in the
    /// graph the definition keeps, so that no step is moved once made.
    graph: DiGraph<Step, Edge>,
    /// Steps by (naming department, action), borrowed from the syntax tree.
    step_index: FxHashMap<(&'a str, Option<&'a str>), usize>,
    /// What the graph checks need of each arrow, by the arrow's index in
    /// `graph` (arrows go into the graph as they are written).
    edges: Vec<checks::EdgeFacts>,
    /// Scratch buffers of [`Lowerer::flow`].
    previous_buffer: Vec<usize>,
    current_buffer: Vec<usize>,
    joins: Vec<(Vec<usize>, Location)>,
    reworks: Vec<(usize, usize, u32, Location)>,
    /// Steps named only by a `step` block although the file has flows (E012).
    detached: std::collections::HashSet<usize>,
    built_calendars: Vec<BusinessCalendar>,
    process: Header,
    process_warn_at: Option<Location>,
    /// The named ladder being lowered, if any.
    in_named_ladder: Option<String>,
    /// Named ladders that count working time, with where they first do.
    ladder_business: HashMap<String, Location>,
    reported_warns: std::collections::HashSet<(SourceId, Span)>,
    has_calendar: bool,
}

/// Inline lists, as in the syntax tree: nearly every step has one owner and
/// one deadline field.
type Few<T> = smallvec::SmallVec<[T; 1]>;

struct StepDraft<'a> {
    /// Copies of the owner names (short names are inline): the later passes
    /// read them here, in order, instead of from a large syntax tree.
    owners: Few<Name>,
    location: Location,
    /// Deadline fields from flow nodes and step blocks.
    deadlines: Few<(&'a Spanned<Field>, SourceId)>,
    blocks: Vec<(&'a ast::StepBlock, SourceId)>,
    mentioned_in_flow: bool,
    outcome_spans: Vec<(String, Location)>,
    /// Arrows out of this step: (target step, index in `Lowerer::edges`).
    out_edges: Few<(usize, usize)>,
}

fn key_of(department: &str, action: Option<&str>) -> String {
    match action {
        Some(a) => {
            let mut key = String::with_capacity(department.len() + 1 + a.len());
            key.push_str(department);
            key.push(':');
            key.push_str(a);
            key
        }
        None => department.to_owned(),
    }
}

impl<'a> Lowerer<'a> {
    fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn duplicate(&mut self, what: &str, name: &str, source: SourceId, span: Span, first: Location) {
        self.push(
            Diagnostic::new(
                Code::Duplicate,
                {
                    let what_zh = noun_zh(what);
                    tr!(
                        "{what} `{name}` is defined twice",
                        "{what_zh} `{name}` 声明了两次"
                    )
                },
                source,
                span,
                tr!("defined again here", "这里又声明了一次"),
            )
            .with_label(
                first.source,
                first.span,
                tr!("first defined here", "第一次声明在这里"),
            )
            .with_help(tr!(
                "remove one of the two, or rename one of them",
                "删掉其中一个，或者给其中一个改名"
            )),
        );
    }

    // ------------------------------------------------------------ finish

    fn finish(&mut self) -> Option<Definition> {
        let mut graph = std::mem::take(&mut self.graph);
        let outcome_spans = std::mem::take(&mut self.steps)
            .into_iter()
            .map(|draft| draft.outcome_spans)
            .collect();
        let facts = checks::Facts {
            edges: std::mem::take(&mut self.edges),
            outcome_spans,
            joins: self.joins.clone(),
            reworks: self.reworks.clone(),
            detached: std::mem::take(&mut self.detached),
        };
        let (order, start) = checks::run(&mut graph, &facts, &mut self.diags)?;
        let reworks = self
            .reworks
            .iter()
            .map(|&(f, t, max, _)| Rework {
                from: StepId(f as u32),
                to: StepId(t as u32),
                max,
            })
            .collect();
        let departments = self.departments.iter().map(|d| d.0.clone()).collect();
        let roles = self.roles.iter().map(|r| r.0.clone()).collect();
        Some(Definition {
            header: std::mem::take(&mut self.process),
            departments,
            roles,
            calendars: std::mem::take(&mut self.built_calendars),
            ladders: std::mem::take(&mut self.ladders),
            graph,
            order,
            start,
            reworks,
            warnings: Diagnostics::default(),
        })
    }
}

/// E015 for a field given twice in one block.
pub(super) fn duplicate_field(field: &Spanned<Field>, source: SourceId, first: Span) -> Diagnostic {
    let kw = field.node.keyword();
    Diagnostic::new(
        Code::Duplicate,
        tr!("`{kw}` is given twice", "`{kw}` 写了两次"),
        source,
        field.span,
        tr!("given again here", "这里又写了一次"),
    )
    .with_label(source, first, tr!("first given here", "第一次写在这里"))
    .with_help(tr!("keep one `{kw}`", "只保留一个 `{kw}`"))
}

/// Durations that can be compared: same clock (elapsed seconds, working days or working hours).
fn comparable(d: Option<BusinessDuration>) -> Option<(u8, u64)> {
    let Some(d) = d else { return Some((0, 0)) };
    Some(match d.unit {
        Unit::WorkingDay => (1, u64::from(d.amount)),
        Unit::WorkingHour => (2, u64::from(d.amount)),
        _ => (0, u64::try_from(d.as_elapsed()?.num_seconds()).ok()?),
    })
}

/// The Chinese for the English nouns that name what is declared.
fn noun_zh(what: &str) -> &str {
    match what {
        "department" => "部门",
        "role" => "角色",
        "step" => "步骤",
        "calendar" => "日历",
        "ladder" => "升级阶梯",
        "process" => "流程",
        other => other,
    }
}

fn unknown(
    what: &str,
    name: &str,
    source: SourceId,
    span: Span,
    suggestion: Option<&str>,
    otherwise: Text,
) -> Diagnostic {
    let code = match what {
        "department" => Code::UnknownDepartment,
        "role" => Code::UnknownRole,
        "step" => Code::UnknownStep,
        "calendar" => Code::UnknownCalendar,
        _ => Code::UnknownLadder,
    };
    let help = match suggestion {
        Some(s) => tr!("did you mean `{s}`?", "是不是要写 `{s}`？"),
        None => {
            let (en, zh) = otherwise.parts();
            Text::new(en.replace("NAME", name), zh.replace("NAME", name))
        }
    };
    let what_zh = noun_zh(what);
    Diagnostic::new(
        code,
        tr!("unknown {what} `{name}`", "没有名为 `{name}` 的{what_zh}"),
        source,
        span,
        tr!("no {what} of this name", "没有声明过这个{what_zh}"),
    )
    .with_help(help)
}

/// The closest candidate within a small edit distance, for "did you mean".
pub(crate) fn suggest<'c>(name: &str, candidates: Vec<&'c str>) -> Option<&'c str> {
    let len = name.chars().count();
    let limit = (len / 3).clamp(1, 3);
    candidates
        .into_iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, c)| (d, c.to_owned()))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::suggest;
    use crate::diagnostics::edit_distance;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("研发部", "研发部"), 0);
        assert_eq!(edit_distance("研发部", "研法部"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(suggest("研法部", vec!["市场部", "研发部"]), Some("研发部"));
        assert_eq!(suggest("法务部", vec!["市场部"]), None);
    }
}
