//! Lowering: resolves names across the main file and its `use`d files, checks
//! every field, and builds the step graph.

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

    // ------------------------------------------------------------ declarations

    fn declarations(&mut self, input: Input<'a>, imported: bool) {
        let source = input.source;
        for (kind, name) in &input.file.unparsed {
            self.unparsed.insert((*kind, name.node.as_str().to_owned()));
        }
        let mut ignored: Option<Span> = None;
        for item in &input.file.items {
            match item {
                Item::Decl(decl) => {
                    let at = Location {
                        source,
                        span: decl.name.span,
                    };
                    let name = decl.name.node.as_str().to_owned();
                    match decl.kind {
                        DeclKind::Department => {
                            if let Some(first) = self.first_definition(&name) {
                                self.duplicate("department", &name, source, decl.name.span, first);
                                continue;
                            }
                            let mut dep = Department {
                                name: name.clone(),
                                description: None,
                                head: None,
                                escalation: Vec::new(),
                            };
                            let mut seen: HashMap<&'static str, Span> = HashMap::new();
                            for field in &decl.fields {
                                if let Some(prev) = seen.insert(field.node.keyword(), field.span) {
                                    self.duplicate_field(field, source, prev);
                                    continue;
                                }
                                match &field.node {
                                    Field::Description(d) => dep.description = Some(d.clone()),
                                    Field::Head(h) => dep.head = Some(h.clone()),
                                    Field::Escalate(chain) => {
                                        dep.escalation = chain
                                            .iter()
                                            .map(|n| n.node.as_str().to_owned())
                                            .collect()
                                    }
                                    _ => {}
                                }
                            }
                            self.department_index.insert(name, self.departments.len());
                            self.departments.push((dep, at, Some(decl)));
                        }
                        DeclKind::Role => {
                            if let Some(first) = self.first_definition(&name) {
                                self.duplicate("role", &name, source, decl.name.span, first);
                                continue;
                            }
                            let description = decl.fields.iter().find_map(|f| match &f.node {
                                Field::Description(d) => Some(d.clone()),
                                _ => None,
                            });
                            self.role_index.insert(name.clone(), self.roles.len());
                            self.roles.push((Role { name, description }, at));
                        }
                        DeclKind::Calendar => {
                            // `calendar X extends X` extends the calendar X that
                            // exists without it; each name has one of each.
                            let extends_itself = decl.fields.iter().any(
                                |f| matches!(&f.node, Field::Extends(base) if base.node == decl.name.node),
                            );
                            let index = if extends_itself {
                                &self.calendar_extensions
                            } else {
                                &self.calendar_index
                            };
                            if let Some(&i) = index.get(&name).filter(|_| extends_itself) {
                                let (first, s) = self.calendar_decls[i];
                                self.push(
                                    Diagnostic::new(
                                        Code::Duplicate,
                                        tr!("calendar `{name}` is extended twice", "日历 `{name}` 被扩展了两次"),
                                        source,
                                        decl.name.span,
                                        tr!("extended again here", "这里又扩展了一次"),
                                    )
                                    .with_label(s, first.name.span, tr!("first extended here", "第一次扩展在这里"))
                                    .with_help(tr!(
                                        "put all additions into one `calendar {name} extends {name} {{ … }}`",
                                        "把要补充的内容都写进同一个 `calendar {name} extends {name} {{ … }}`"
                                    )),
                                );
                                continue;
                            }
                            if let Some(&i) = index.get(&name) {
                                let (first, s) = self.calendar_decls[i];
                                self.duplicate(
                                    "calendar",
                                    &name,
                                    source,
                                    decl.name.span,
                                    Location {
                                        source: s,
                                        span: first.name.span,
                                    },
                                );
                                continue;
                            }
                            if name == "cn" && !extends_itself {
                                self.push(
                                    Diagnostic::new(
                                        Code::Duplicate,
                                        tr!("calendar `cn` is built in", "日历 `cn` 是内置的"),
                                        source,
                                        decl.name.span,
                                        tr!("redefines the built-in calendar", "这里重新定义了内置日历"),
                                    )
                                    .with_help(tr!(
                                        "to add a year or holidays to it, write `calendar cn extends cn {{ … }}`; otherwise choose another name",
                                        "要给它补充一年或几个假日，请写 `calendar cn extends cn {{ … }}`；否则请换一个名称"
                                    )),
                                );
                                continue;
                            }
                            let i = self.calendar_decls.len();
                            if extends_itself {
                                self.calendar_extensions.insert(name, i);
                            } else {
                                self.calendar_index.insert(name, i);
                            }
                            self.calendar_decls.push((decl, source));
                        }
                        DeclKind::Ladder => {
                            if let Some(&i) = self.ladder_index.get(&name) {
                                let (first, s) = self.ladder_decls[i];
                                self.duplicate(
                                    "ladder",
                                    &name,
                                    source,
                                    decl.name.span,
                                    Location {
                                        source: s,
                                        span: first.name.span,
                                    },
                                );
                                continue;
                            }
                            self.ladder_index.insert(name, self.ladder_decls.len());
                            self.ladder_decls.push((decl, source));
                        }
                        DeclKind::Process => {
                            if imported {
                                ignored.get_or_insert(decl.span);
                            } else if let Some((first, s)) = self.header {
                                self.duplicate(
                                    "process",
                                    &name,
                                    source,
                                    decl.name.span,
                                    Location {
                                        source: s,
                                        span: first.name.span,
                                    },
                                );
                            } else {
                                self.header = Some((decl, source));
                            }
                        }
                    }
                }
                Item::Step(b) if imported => {
                    ignored.get_or_insert(b.span);
                }
                Item::Flow(f) if imported => {
                    ignored.get_or_insert(f.span);
                }
                Item::Rework(r) if imported => {
                    ignored.get_or_insert(r.span);
                }
                _ => {}
            }
        }
        if let Some(span) = ignored {
            self.push(
                Diagnostic::new(
                    Code::IgnoredFlow,
                    tr!(
                        "process and flow statements in a used file are ignored",
                        "被 `use` 引入的文件里的流程和 `process` 不起作用"
                    ),
                    source,
                    span,
                    tr!("ignored", "这里会被忽略"),
                )
                .with_help(tr!(
                    "a file loaded with `use` shares only departments, roles, calendars and ladders; move the flow into its own file",
                    "用 `use` 引入的文件只提供部门、角色、日历和升级阶梯；请把流程挪到单独的文件里"
                )),
            );
        }
    }

    /// Where a department or role of this name was first defined.
    fn first_definition(&self, name: &str) -> Option<Location> {
        if let Some(&i) = self.department_index.get(name) {
            return Some(self.departments[i].1);
        }
        self.role_index.get(name).map(|&i| self.roles[i].1)
    }

    fn duplicate_field(&mut self, field: &Spanned<Field>, source: SourceId, first: Span) {
        self.push(duplicate_field(field, source, first));
    }

    fn header(&mut self, default_name: &str) {
        self.name = match self.header {
            Some((decl, _)) => decl.name.node.as_str().to_owned(),
            None => default_name.to_owned(),
        };
    }

    // ------------------------------------------------------------ steps and arrows

    fn step(&mut self, r: &'a ast::StepRef, source: SourceId, in_flow: bool) -> usize {
        let department = &r.department;
        let id = (
            department.node.as_str(),
            r.action.as_ref().map(|a| a.node.as_str()),
        );
        let index = match self.step_index.get(&id) {
            Some(&i) => i,
            None => {
                let i = self.steps.len();
                self.step_index.insert(id, i);
                let key = key_of(id.0, id.1);
                self.steps.push(StepDraft {
                    owners: Few::new(),
                    location: Location {
                        source,
                        span: r.span,
                    },
                    deadlines: Few::new(),
                    blocks: Vec::new(),
                    mentioned_in_flow: false,
                    outcome_spans: Vec::new(),
                    out_edges: Few::new(),
                });
                self.graph.add_node(Step {
                    key,
                    department_len: id.0.len(),
                    owners: Vec::new(),
                    sign: SignMode::All,
                    description: None,
                    deliverables: Vec::new(),
                    acceptance: Vec::new(),
                    deadline: None,
                    ladder: std::sync::Arc::default(),
                    choice: None,
                    location: Location {
                        source,
                        span: r.span,
                    },
                });
                i
            }
        };
        let draft = &mut self.steps[index];
        draft.mentioned_in_flow |= in_flow;
        for owner in r.owners() {
            if !draft.owners.iter().any(|o| o.node == owner.node) {
                draft.owners.push(owner.clone());
            }
        }
        index
    }

    /// The step at `i`, as lowered so far.
    fn out(&self, i: usize) -> &Step {
        &self.graph[NodeIndex::new(i)]
    }

    fn out_mut(&mut self, i: usize) -> &mut Step {
        &mut self.graph[NodeIndex::new(i)]
    }

    fn flows(&mut self, main: Input<'a>) {
        let source = main.source;
        // Size the tables up front: growing large ones means rehashing and
        // copying them. Step references bound the steps, and consecutive
        // nodes the arrows.
        let (mut refs, mut arrows) = (0usize, 0usize);
        for item in &main.file.items {
            match item {
                Item::Flow(flow) => {
                    refs += flow.nodes.iter().map(|n| n.steps.len()).sum::<usize>();
                    for w in flow.nodes.windows(2) {
                        arrows = arrows
                            .saturating_add(w[0].steps.len().saturating_mul(w[1].steps.len()));
                    }
                }
                Item::Step(_) => refs += 1,
                _ => {}
            }
        }
        // In a chain each step is named about twice (arrow in, arrow out):
        // half the references. Reserving for all of them would double the
        // largest allocation of a large file for nothing.
        self.steps.reserve(refs / 2);
        self.graph.reserve_nodes(refs / 2);
        self.step_index.reserve(refs);
        // Group-to-group arrows multiply (`{A, B} → {C, D}` is four): reserve
        // no more than a chain would need, and let a larger table grow.
        let arrows = arrows.min(refs.saturating_mul(2));
        self.edges.reserve(arrows);
        self.graph.reserve_edges(arrows);
        for item in &main.file.items {
            match item {
                Item::Flow(flow) => self.flow(flow, source),
                Item::Step(block) => {
                    let i = self.step(&block.step, source, false);
                    self.steps[i].blocks.push((block, source));
                    for field in &block.fields {
                        if let Field::Owner(names) = &field.node {
                            let owners = &mut self.steps[i].owners;
                            for n in names {
                                if !owners.iter().any(|o| o.node == n.node) {
                                    owners.push(n.clone());
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        // Rework statements after all steps exist, so they may name steps defined later.
        for item in &main.file.items {
            match item {
                Item::Rework(r) => self.rework(&r.from, &r.to, r.max.as_ref(), source, r.span),
                Item::Step(block) => {
                    for field in &block.fields {
                        if let Field::Rework { to, max } = &field.node {
                            self.rework(&block.step, to, max.as_ref(), source, field.span);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn flow(&mut self, flow: &'a ast::Flow, source: SourceId) {
        // Two buffers reused across nodes (and across flows): most nodes are one step.
        let mut previous = std::mem::take(&mut self.previous_buffer);
        let mut current = std::mem::take(&mut self.current_buffer);
        previous.clear();
        for (n, node) in flow.nodes.iter().enumerate() {
            current.clear();
            for r in &node.steps {
                let i = self.step(r, source, true);
                current.push(i);
            }
            let arrows = previous.len().saturating_mul(current.len());
            if arrows > MAX_GROUP_ARROWS {
                self.push(
                    Diagnostic::new(
                        Code::LimitExceeded,
                        {
                            let (a, b) = (previous.len(), current.len());
                            tr!(
                                "this arrow joins {a} steps to {b}: {arrows} arrows, more than the limit of {MAX_GROUP_ARROWS}",
                                "这个箭头把 {a} 个步骤连到 {b} 个步骤，共 {arrows} 个箭头，超过了上限 {MAX_GROUP_ARROWS} 个"
                            )
                        },
                        source,
                        node.span,
                        tr!(
                            "every step of the group before leads to every step of this one",
                            "前一组的每个步骤都连到这一组的每个步骤"
                        ),
                    )
                    .with_help(tr!(
                        "join the first group in one step before the second, e.g. `{{A, B}} → 汇总 → {{C, D}}`",
                        "先把第一组汇总到一个步骤，再分给第二组，例如 `{{A, B}} → 汇总 → {{C, D}}`"
                    )),
                );
                // Keep one arrow into each step, so that the error does not
                // come with one "unreachable" per step of the group.
                previous.truncate(1);
            }
            for (&i, r) in current.iter().zip(&node.steps) {
                for field in &node.deadlines {
                    self.steps[i].deadlines.push((field, source));
                }
                for &p in &previous {
                    self.edge(
                        p,
                        i,
                        node.condition.as_ref(),
                        Location {
                            source,
                            span: r.span,
                        },
                    );
                }
            }
            if n == 0 {
                if let Some(c) = &node.condition {
                    self.push(
                        Diagnostic::new(
                            Code::Syntax,
                            tr!("a condition needs an arrow before it", "条件前面要有一个箭头"),
                            source,
                            c.span,
                            tr!("no arrow leads here", "没有箭头指向这里"),
                        )
                        .with_help(tr!(
                            "write the condition after the step the arrow leads to: `A → B when 结果`",
                            "条件写在箭头指向的步骤后面：`A → B when 结果`"
                        )),
                    );
                }
            }
            if node.group && n + 1 < flow.nodes.len() && current.len() > 1 {
                self.joins.push((
                    current.clone(),
                    Location {
                        source,
                        span: node.span,
                    },
                ));
            }
            std::mem::swap(&mut previous, &mut current);
        }
        self.previous_buffer = previous;
        self.current_buffer = current;
    }

    fn edge(
        &mut self,
        from: usize,
        to: usize,
        condition: Option<&Spanned<ast::Condition>>,
        location: Location,
    ) {
        let (cond, cond_at) = match condition {
            None => (Condition::Always, None),
            Some(c) => (
                match &c.node {
                    ast::Condition::Otherwise => Condition::Otherwise,
                    ast::Condition::When(names) => {
                        Condition::When(names.iter().map(|n| n.node.as_str().to_owned()).collect())
                    }
                },
                Some(Location {
                    source: location.source,
                    span: c.span,
                }),
            ),
        };
        // Check outcomes listed twice in one `when`.
        if let Some(Spanned {
            node: ast::Condition::When(names),
            ..
        }) = condition
        {
            for (k, name) in names.iter().enumerate() {
                if names[..k].iter().any(|m| m.node == name.node) {
                    self.push(
                        Diagnostic::new(
                            Code::DuplicateOutcome,
                            {
                                let name = &name.node;
                                tr!("outcome `{name}` is listed twice", "结果 `{name}` 写了两次")
                            },
                            location.source,
                            name.span,
                            tr!("listed again here", "这里又写了一次"),
                        )
                        .with_help(tr!("list each outcome once", "每个结果只写一次")),
                    );
                }
            }
        }
        // An arrow written twice is one edge. A step has few arrows out, kept
        // with its draft (in cache now), so no table of all arrows is needed.
        let existing = self.steps[from]
            .out_edges
            .iter()
            .find(|&&(t, _)| t == to)
            .map(|&(_, e)| e);
        if let Some(e) = existing {
            let facts = &mut self.edges[e];
            let edge = &mut self.graph[EdgeIndex::new(e)];
            match (&mut edge.condition, cond) {
                (Condition::When(list), Condition::When(more)) => {
                    for m in more {
                        if !list.contains(&m) {
                            list.push(m);
                        }
                    }
                }
                (Condition::Always, Condition::Always) => {}
                // `when x` and `otherwise` on one arrow: it is the `otherwise` arrow,
                // whichever was written first.
                (Condition::Otherwise, Condition::Otherwise | Condition::When(_)) => {}
                (existing, new) => {
                    // Keep the conditional form and remember the unconditional arrow for E023.
                    if matches!(new, Condition::Always) {
                        facts.always_at.get_or_insert(location);
                    } else {
                        if matches!(existing, Condition::Always) {
                            facts.always_at.get_or_insert(edge.location);
                        }
                        *existing = new;
                        facts.when_at = cond_at;
                    }
                }
            }
            return;
        }
        self.steps[from].out_edges.push((to, self.edges.len()));
        let always_at = if cond_at.is_none() {
            Some(location)
        } else {
            None
        };
        self.graph.add_edge(
            NodeIndex::new(from),
            NodeIndex::new(to),
            Edge {
                condition: cond,
                location,
            },
        );
        self.edges.push(checks::EdgeFacts {
            from,
            always_at,
            when_at: cond_at,
        });
    }

    fn rework(
        &mut self,
        from: &'a ast::StepRef,
        to: &'a ast::StepRef,
        max: Option<&Spanned<u64>>,
        source: SourceId,
        span: Span,
    ) {
        let (Some(f), Some(t)) = (
            self.existing_step(from, source),
            self.existing_step(to, source),
        ) else {
            return;
        };
        let limit = match max {
            None => 1,
            Some(m) if m.node == 0 || m.node > MAX_REWORK => {
                self.push(
                    Diagnostic::new(
                        Code::ReworkLimit,
                        if m.node == u64::MAX {
                            tr!(
                                "rework limit must be from 1 to {MAX_REWORK}",
                                "退回次数必须在 1 到 {MAX_REWORK} 之间"
                            )
                        } else {
                            let n = m.node;
                            tr!(
                                "rework limit must be from 1 to {MAX_REWORK}, not {n}",
                                "退回次数必须在 1 到 {MAX_REWORK} 之间，不能是 {n}"
                            )
                        },
                        source,
                        m.span,
                        tr!("out of range", "超出了范围"),
                    )
                    .with_help(tr!(
                        "write how many times work may be sent back, e.g. `max 2`; remove the rework line to forbid it",
                        "写明最多可以退回几次，例如 `max 2`；如果不允许退回，就删掉这一行 rework"
                    )),
                );
                return;
            }
            Some(m) => u32::try_from(m.node).expect("checked against MAX_REWORK"),
        };
        if let Some(&(_, _, _, first)) = self.reworks.iter().find(|r| (r.0, r.1) == (f, t)) {
            let (from, to) = (&self.out(f).key, &self.out(t).key);
            let d = Diagnostic::new(
                Code::Duplicate,
                tr!(
                    "rework from `{from}` to `{to}` is given twice",
                    "从 `{from}` 退回到 `{to}` 写了两次"
                ),
                source,
                span,
                tr!("given again here", "这里又写了一次"),
            )
            .with_label(
                first.source,
                first.span,
                tr!("first given here", "第一次写在这里"),
            )
            .with_help(tr!(
                "keep one `rework` line, with the limit you mean",
                "只保留一行 `rework`，写上你想要的次数"
            ));
            self.push(d);
            return;
        }
        self.reworks.push((f, t, limit, Location { source, span }));
    }

    /// Looks up a step that must already be in the flow.
    fn existing_step(&mut self, r: &'a ast::StepRef, source: SourceId) -> Option<usize> {
        let id = (
            r.department.node.as_str(),
            r.action.as_ref().map(|a| a.node.as_str()),
        );
        if let Some(&i) = self.step_index.get(&id) {
            return Some(i);
        }
        let key = key_of(id.0, id.1);
        let candidates: Vec<&str> = self.graph.node_weights().map(|s| s.key.as_str()).collect();
        let mut d = Diagnostic::new(
            Code::UnknownStep,
            tr!("unknown step `{key}`", "没有步骤 `{key}`"),
            source,
            r.span,
            tr!("no flow mentions this step", "流程里没有出现这个步骤"),
        );
        d = d.with_help(match suggest(&key, candidates) {
            Some(s) => tr!("did you mean `{s}`?", "是不是要写 `{s}`？"),
            None => tr!(
                "name a step that appears in a flow, as `部门:动作`",
                "请写流程里出现过的步骤，格式是 `部门:动作`"
            ),
        });
        self.push(d);
        None
    }

    // ------------------------------------------------------------ names

    /// W010: without declared departments, two department names one edit
    /// apart (`研发部`, `研法部`) are probably one department misspelt.
    fn similar_departments(&mut self) {
        if self.explicit_departments {
            return;
        }
        // The first place each name owns a step, in order of appearance, and
        // how many steps it owns.
        let mut first: Vec<(&str, Location, usize)> = Vec::new();
        let mut index: HashMap<&str, usize> = HashMap::new();
        for s in &self.steps {
            for o in &s.owners {
                let name = o.node.as_str();
                if self.role_index.contains_key(name) {
                    continue;
                }
                match index.get(name) {
                    Some(&i) => first[i].2 += 1,
                    None => {
                        index.insert(name, first.len());
                        let at = Location {
                            source: s.location.source,
                            span: o.span,
                        };
                        first.push((name, at, 1));
                    }
                }
            }
        }
        // A typo owns one step beside a name that owns several; two names that
        // each own one step (法务部, 财务部) are as likely two departments.
        // Names one edit apart share a name with one character deleted (or are
        // that name): index the names that own several steps by those, so that
        // the search stays linear in the number of names.
        const MAX_CHARS: usize = 16;
        let deletions = |name: &str| -> Vec<String> {
            let chars: Vec<char> = name.chars().collect();
            (0..chars.len())
                .map(|i| chars[..i].iter().chain(&chars[i + 1..]).collect())
                .collect()
        };
        let mut by_variant: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, &(name, _, count)) in first.iter().enumerate() {
            let chars = name.chars().count();
            if count > 1 && (2..=MAX_CHARS).contains(&chars) {
                for variant in deletions(name).into_iter().chain([name.to_owned()]) {
                    by_variant.entry(variant).or_default().push(i);
                }
            }
        }
        let mut warnings = Vec::new();
        for &(name, at, count) in &first {
            if count != 1 || by_variant.is_empty() || name.chars().count() > MAX_CHARS + 1 {
                continue;
            }
            let found = deletions(name)
                .into_iter()
                .chain([name.to_owned()])
                .filter_map(|variant| by_variant.get(&variant))
                .flatten()
                .copied()
                .filter(|&i| edit_distance(first[i].0, name) == 1)
                .min();
            let Some(i) = found else { continue };
            let (other, other_at, _) = first[i];
            warnings.push(
                Diagnostic::new(
                    Code::SimilarDepartments,
                    tr!(
                        "departments `{other}` and `{name}` differ in one character",
                        "部门 `{other}` 和 `{name}` 只差一个字"
                    ),
                    at.source,
                    at.span,
                    tr!("a second department?", "这是另一个部门吗？"),
                )
                .with_label(other_at.source, other_at.span, tr!("first named here", "第一次出现在这里"))
                .with_help(tr!(
                    "if both mean one department, correct the spelling; otherwise declare the departments (`department {other}`, `department {name}`), and later typos become errors",
                    "如果指的是同一个部门，请改正错字；如果确实是两个部门，请在文件开头声明它们（`部门 {other}`、`部门 {name}`），以后再打错字就会直接报错"
                )),
            );
        }
        self.diags.extend(warnings);
    }

    fn resolve_names(&mut self) {
        let explicit = self.explicit_departments;
        // Implicit departments: every department a step names, in order of appearance.
        if !explicit {
            for s in &self.steps {
                for o in &s.owners {
                    if !self.department_index.contains_key(o.node.as_str())
                        && !self.role_index.contains_key(o.node.as_str())
                    {
                        let at = Location {
                            source: s.location.source,
                            span: o.span,
                        };
                        self.department_index
                            .insert(o.node.as_str().to_owned(), self.departments.len());
                        self.departments.push((
                            Department {
                                name: o.node.as_str().to_owned(),
                                description: None,
                                head: None,
                                escalation: Vec::new(),
                            },
                            at,
                            None,
                        ));
                    }
                }
            }
        }
        let mut pending = Vec::new();
        for s in &self.steps {
            for owner in &s.owners {
                if self.role_index.contains_key(owner.node.as_str()) {
                    pending.push(
                        {
                            let role = &owner.node;
                            Diagnostic::new(
                                Code::NoOwner,
                                tr!("role `{role}` cannot own a step", "角色 `{role}` 不能负责步骤"),
                                s.location.source,
                                owner.span,
                                tr!("a role, not a department", "这是角色，不是部门"),
                            )
                            .with_help(tr!(
                                "roles such as `{role}` own no step; name the department that does the work, and reach the role through an escalation ladder",
                                "像 `{role}` 这样的角色不负责具体步骤；请写实际干活的部门，需要找这个角色时用升级阶梯通知它"
                            ))
                        },
                    );
                } else if explicit && !self.department_index.contains_key(owner.node.as_str()) {
                    let known: Vec<&str> =
                        self.departments.iter().map(|d| d.0.name.as_str()).collect();
                    pending.extend(self.unknown(
                        "department",
                        &owner.node,
                        s.location.source,
                        owner.span,
                        suggest(&owner.node, known),
                        tr!(
                            "declare it with `department NAME`",
                            "请先在文件开头声明：`部门 NAME`"
                        ),
                    ));
                }
            }
        }
        // Escalation chains name roles or departments.
        for (dep, _, decl) in &self.departments {
            let Some(decl) = decl else { continue };
            for field in &decl.fields {
                if let Field::Escalate(chain) = &field.node {
                    for n in chain {
                        if !self.role_index.contains_key(n.node.as_str())
                            && !self.department_index.contains_key(n.node.as_str())
                        {
                            let known = self.roles.iter().map(|r| r.0.name.as_str()).collect();
                            let src = self.departments[self.department_index[&dep.name]].1.source;
                            pending.extend(self.unknown(
                                "role",
                                &n.node,
                                src,
                                n.span,
                                suggest(&n.node, known),
                                tr!("declare it with `role NAME`", "请先声明：`角色 NAME`"),
                            ));
                        }
                    }
                }
            }
        }
        self.diags.extend(pending);
    }

    /// [`unknown`], unless a declaration of this name was skipped for a
    /// syntax error: that error is the problem, "unknown" would be false.
    fn unknown(
        &self,
        what: &str,
        name: &str,
        source: SourceId,
        span: Span,
        suggestion: Option<&str>,
        otherwise: Text,
    ) -> Option<Diagnostic> {
        let kinds: &[DeclKind] = match what {
            "department" => &[DeclKind::Department],
            "role" => &[DeclKind::Role, DeclKind::Department],
            "calendar" => &[DeclKind::Calendar],
            "ladder" => &[DeclKind::Ladder],
            _ => &[],
        };
        let unparsed = kinds
            .iter()
            .any(|&kind| self.unparsed.contains(&(kind, name.to_owned())));
        (!unparsed).then(|| unknown(what, name, source, span, suggestion, otherwise))
    }

    fn target(&mut self, name: &Name, source: SourceId) -> Option<Target> {
        Some(match name.node.as_str() {
            "owner" => Target::Owner,
            "head" => Target::Head,
            "superior" => Target::Superior,
            n if self.role_index.contains_key(n) => Target::Role(n.to_owned()),
            n if self.department_index.contains_key(n) => Target::Department(n.to_owned()),
            n => {
                let known = self
                    .roles
                    .iter()
                    .map(|r| r.0.name.as_str())
                    .chain(self.departments.iter().map(|d| d.0.name.as_str()))
                    .collect();
                let d = self.unknown(
                    "role",
                    n,
                    source,
                    name.span,
                    suggest(n, known),
                    tr!(
                        "name `owner`, `head`, `superior`, a declared role or a department",
                        "请写 `owner`（负责人）、`head`（部门负责人）、`superior`（上级）、一个声明过的角色或一个部门"
                    ),
                );
                if let Some(d) = d {
                    self.push(d);
                }
                return None;
            }
        })
    }

    // ------------------------------------------------------------ durations

    fn duration(
        &mut self,
        d: &Spanned<ast::Duration>,
        source: SourceId,
        what: impl Fn() -> Text,
        zero_ok: bool,
    ) -> Option<BusinessDuration> {
        let what = &what;
        let unit = d.node.unit;
        let amount = match d.node.amount {
            Some(a) if a <= max_amount(unit) => a,
            _ => {
                self.push(
                    Diagnostic::new(
                        Code::DurationOverflow,
                        {
                            let what = what();
                            let (w, wz) = what.parts();
                            tr!("{w} is too long", "{wz}太长了")
                        },
                        source,
                        d.span,
                        tr!("more than 100 years", "超过了 100 年"),
                    )
                    .with_help({
                        let (max, suffix) = (max_amount(unit), unit.suffix());
                        tr!(
                            "durations are limited to 100 years ({max}{suffix})",
                            "时长最多 100 年（{max}{suffix}）"
                        )
                    }),
                );
                return None;
            }
        };
        if d.node.negative || (amount == 0 && !zero_ok) {
            self.push(
                Diagnostic::new(
                    Code::NonPositiveDuration,
                    {
                        let what = what();
                        let (w, wz) = what.parts();
                        tr!("{w} must be positive", "{wz}必须大于零")
                    },
                    source,
                    d.span,
                    if d.node.negative {
                        tr!("negative", "这是负数")
                    } else {
                        tr!("zero", "这是零")
                    },
                )
                .with_help(tr!(
                    "write a duration of at least 1, e.g. `3d` or `2wd`",
                    "时长至少为 1，例如 `3d`（3 天）或 `2wd`（2 个工作日）"
                )),
            );
            return None;
        }
        if unit.is_business() && !self.has_calendar {
            if let Some(ladder) = &self.in_named_ladder {
                // A shared ladder may be used by processes with a calendar: it is
                // checked where a process without one uses it (see `ladder_fields`).
                self.ladder_business
                    .entry(ladder.clone())
                    .or_insert(Location {
                        source,
                        span: d.span,
                    });
                return Some(BusinessDuration::new(
                    u32::try_from(amount).expect("checked against max_amount"),
                    unit,
                ));
            }
            self.push(
                {
                    let suffix = unit.suffix();
                    Diagnostic::new(
                        Code::NoCalendar,
                        tr!(
                            "`{suffix}` counts working time, but the process has no calendar",
                            "`{suffix}` 按工作时间计算，但这个流程没有指定日历"
                        ),
                        source,
                        d.span,
                        tr!("needs a calendar", "需要日历"),
                    )
                    .with_help(tr!(
                        "add `calendar cn` (or a calendar you declare) to the `process` header, or use elapsed units `m`, `h`, `d`, `w`",
                        "在 `流程`（`process`）那一行的 `{{ }}` 里加上 `日历 cn`（或你声明的日历）；或者改用自然时间单位 `m`、`h`、`d`、`w`（`天`、`小时`）"
                    ))
                },
            );
            return None;
        }
        Some(BusinessDuration::new(
            u32::try_from(amount).expect("checked against max_amount"),
            unit,
        ))
    }

    fn deadline(
        &mut self,
        fields: &[(&Spanned<Field>, SourceId)],
        what: &dyn Fn() -> Text,
    ) -> Option<(Deadline, Location)> {
        let mut result: Option<(Deadline, Location, &'static str)> = None;
        for (field, source) in fields {
            let deadline = match &field.node {
                Field::Within(slas) => {
                    let mut sla = Sla::default();
                    // A handful of entries at most: a list beats a hash map.
                    let mut seen: Vec<(Option<&str>, Span)> = Vec::new();
                    let mut ok = true;
                    for entry in slas {
                        let key = entry.priority.as_ref().map(|p| p.node.as_str().to_owned());
                        let at = entry
                            .priority
                            .as_ref()
                            .map_or(entry.duration.span, |p| p.span);
                        let name = entry.priority.as_ref().map(|p| p.node.as_str());
                        let prev = seen.iter().find(|(n, _)| *n == name).map(|&(_, s)| s);
                        seen.push((name, at));
                        if let Some(prev) = prev {
                            let label = match &key {
                                Some(p) => tr!(
                                    "priority `{p}` is given two durations",
                                    "优先级 `{p}` 写了两个时长"
                                ),
                                None => tr!("two default durations", "写了两个不带优先级的时长"),
                            };
                            self.push(
                                Diagnostic::new(
                                    Code::Duplicate,
                                    label,
                                    *source,
                                    at,
                                    tr!("given again here", "这里又写了一次"),
                                )
                                .with_label(*source, prev, tr!("first given here", "第一次写在这里"))
                                .with_help(tr!(
                                    "give each priority one duration, and at most one duration without a priority",
                                    "每个优先级只写一个时长；不带优先级的时长最多写一个"
                                )),
                            );
                            ok = false;
                            continue;
                        }
                        match self.duration(
                            &entry.duration,
                            *source,
                            || {
                                let what = what();
                                let (w, wz) = what.parts();
                                tr!("deadline of {w}", "{wz}的期限")
                            },
                            false,
                        ) {
                            Some(d) => match key {
                                Some(p) => {
                                    sla.by_priority.insert(p, d);
                                }
                                None => sla.default = Some(d),
                            },
                            None => ok = false,
                        }
                    }
                    if !ok {
                        continue;
                    }
                    Deadline::Within(sla)
                }
                Field::By { anchor, minus } => {
                    let minus = match minus {
                        Some(m) => match self.duration(
                            m,
                            *source,
                            || tr!("offset before the date", "日期前的提前量"),
                            false,
                        ) {
                            Some(d) => Some(d),
                            None => continue,
                        },
                        None => None,
                    };
                    let anchor = match &anchor.node {
                        ast::ByAnchor::Date(d) => Anchor::Date(*d),
                        ast::ByAnchor::Attribute(a) => Anchor::Attribute(a.clone()),
                    };
                    Deadline::By { anchor, minus }
                }
                _ => continue,
            };
            let at = Location {
                source: *source,
                span: field.span,
            };
            let kw = field.node.keyword();
            if let Some((_, first, first_kw)) = &result {
                let (code, message, help) = if *first_kw == kw {
                    let what = what();
                    let (w, wz) = what.parts();
                    (
                        Code::Duplicate,
                        tr!("{w} has two `{kw}` deadlines", "{wz}写了两个 `{kw}` 期限"),
                        tr!("keep one deadline", "只保留一个期限"),
                    )
                } else {
                    let what = what();
                    let (w, wz) = what.parts();
                    (
                        Code::TwoDeadlines,
                        tr!(
                            "{w} has both a `within` and a `by` deadline",
                            "{wz}同时写了 `within` 和 `by` 两种期限"
                        ),
                        tr!(
                            "keep one: `within` counts from activation, `by` from a date",
                            "只保留一种：`within` 从步骤开始时算起，`by` 以某个日期为准"
                        ),
                    )
                };
                self.push(
                    Diagnostic::new(
                        code,
                        message,
                        at.source,
                        at.span,
                        tr!("second deadline", "第二个期限"),
                    )
                    .with_label(
                        first.source,
                        first.span,
                        tr!("first deadline", "第一个期限"),
                    )
                    .with_help(help),
                );
                continue;
            }
            result = Some((deadline, at, kw));
        }
        result.map(|(d, at, _)| (d, at))
    }

    // ------------------------------------------------------------ ladders

    /// Applies warn/level/ladder fields over `base`. Returns the ladder and where its warning was written.
    fn ladder_fields(
        &mut self,
        base: &Ladder,
        base_warn_at: Option<Location>,
        fields: &[(&Spanned<Field>, SourceId)],
    ) -> (Ladder, Option<Location>) {
        let mut ladder = base.clone();
        let mut warn_at = base_warn_at;
        let mut own_levels: Vec<Level> = Vec::new();
        let mut own_level_spans: Vec<(Option<BusinessDuration>, Location)> = Vec::new();
        let mut seen_warn: Option<Span> = None;
        let mut seen_ladder: Option<Span> = None;
        for (field, source) in fields {
            if let Field::Ladder(name) = &field.node {
                if let Some(prev) = seen_ladder.replace(field.span) {
                    self.duplicate_field(field, *source, prev);
                    continue;
                }
                match self.ladder_index.get(name.node.as_str()) {
                    Some(_) => {
                        if let Some(l) = self.ladders.get(name.node.as_str()) {
                            ladder = l.clone();
                            warn_at = self.ladder_warn_at(&name.node);
                        }
                        if let (false, Some(&at)) = (
                            self.has_calendar,
                            self.ladder_business.get(name.node.as_str()),
                        ) {
                            let ladder_name = &name.node;
                            let d = Diagnostic::new(
                                Code::NoCalendar,
                                tr!(
                                    "ladder `{ladder_name}` counts working time, but the process has no calendar",
                                    "升级阶梯 `{ladder_name}` 按工作时间计算，但这个流程没有指定日历"
                                ),
                                *source,
                                name.span,
                                tr!("used here", "在这里使用"),
                            )
                            .with_label(at.source, at.span, tr!("working time", "工作时间"))
                            .with_help(tr!(
                                "add `calendar cn` (or a calendar you declare) to the `process` header, or use a ladder in elapsed units `m`, `h`, `d`, `w`",
                                "在 `流程`（`process`）那一行的 `{{ }}` 里加上 `日历 cn`（或你声明的日历）；或者让升级阶梯改用自然时间单位 `m`、`h`、`d`、`w`（`天`、`小时`）"
                            ));
                            self.push(d);
                        }
                    }
                    None => {
                        let known = self.ladder_index.keys().map(String::as_str).collect();
                        let d = self.unknown(
                            "ladder",
                            &name.node,
                            *source,
                            name.span,
                            suggest(&name.node, known),
                            tr!(
                                "declare it with `ladder NAME {{ … }}`",
                                "请先声明：`阶梯 NAME {{ … }}`"
                            ),
                        );
                        if let Some(d) = d {
                            self.push(d);
                        }
                    }
                }
            }
        }
        for (field, source) in fields {
            match &field.node {
                Field::Warn(w) => {
                    if let Some(prev) = seen_warn.replace(field.span) {
                        self.duplicate_field(field, *source, prev);
                        continue;
                    }
                    let warn = match w {
                        ast::Warn::Percent(p) if (1..=99).contains(p) => {
                            Some(Warn::Percent(u8::try_from(*p).expect("1..=99")))
                        }
                        ast::Warn::Percent(p) => {
                            let (code, msg) = if *p <= 0 {
                                (
                                    Code::InvalidLiteral,
                                    tr!(
                                        "warning at {p}% would come before any of the deadline window has passed",
                                        "在 {p}% 时预警，会在期限还没开始计时之前就预警"
                                    ),
                                )
                            } else {
                                (
                                    Code::WarnAfterDeadline,
                                    if *p == i64::MAX {
                                        tr!(
                                            "warning percentage is not before the deadline",
                                            "预警的百分比没有早于期限"
                                        )
                                    } else {
                                        tr!(
                                            "warning at {p}% is not before the deadline",
                                            "在 {p}% 时预警，没有早于期限"
                                        )
                                    },
                                )
                            };
                            self.push(
                                Diagnostic::new(
                                    code,
                                    msg,
                                    *source,
                                    field.span,
                                    tr!("out of range", "超出了范围"),
                                )
                                .with_help(tr!(
                                    "warn at a percentage from 1% to 99% of the window",
                                    "预警百分比请写 1% 到 99% 之间，例如 `warn at 80%`"
                                )),
                            );
                            None
                        }
                        ast::Warn::Before(d) => {
                            let d = Spanned::new(*d, field.span);
                            self.duration(
                                &d,
                                *source,
                                || tr!("warning offset", "预警提前量"),
                                false,
                            )
                            .map(Warn::Before)
                        }
                    };
                    if let Some(w) = warn {
                        ladder.warn = Some(w);
                        warn_at = Some(Location {
                            source: *source,
                            span: field.span,
                        });
                    }
                }
                Field::Level { offset, actions } => {
                    let after = match &offset.node {
                        None => None,
                        Some(d) => {
                            let d = Spanned::new(*d, offset.span);
                            match self.duration(
                                &d,
                                *source,
                                || tr!("escalation offset", "升级时间"),
                                true,
                            ) {
                                Some(d) if d.amount == 0 => None,
                                Some(d) => Some(d),
                                None => continue,
                            }
                        }
                    };
                    let mut acts = Vec::new();
                    for a in actions {
                        if let Some(t) = self.target(&a.target, *source) {
                            acts.push(match a.verb {
                                ast::Verb::Notify => Action::Notify(t),
                                ast::Verb::Reassign => Action::Reassign(t),
                            });
                        }
                    }
                    own_level_spans.push((
                        after,
                        Location {
                            source: *source,
                            span: field.span,
                        },
                    ));
                    own_levels.push(Level {
                        after,
                        actions: acts,
                    });
                }
                _ => {}
            }
        }
        // Levels written here replace the inherited levels.
        if !own_levels.is_empty() {
            for pair in own_level_spans.windows(2) {
                if let (Some(a), Some(b)) = (comparable(pair[0].0), comparable(pair[1].0)) {
                    // `+0` (at the deadline) comes before any other offset, whatever its clock.
                    if (a.0 == b.0 || b.1 == 0) && b.1 < a.1 {
                        let offset = |d: Option<BusinessDuration>| {
                            d.map_or_else(|| "+0".to_owned(), |d| format!("+{d}"))
                        };
                        self.push(
                            Diagnostic::new(
                                Code::LadderOrder,
                                {
                                    let (b, a) = (offset(pair[1].0), offset(pair[0].0));
                                    tr!(
                                        "escalation levels are out of order: {b} is written after {a}",
                                        "升级的顺序不对：{b} 写在了 {a} 后面"
                                    )
                                },
                                pair[1].1.source,
                                pair[1].1.span,
                                tr!("earlier than the previous level", "比上一级还早"),
                            )
                            .with_label(pair[0].1.source, pair[0].1.span, tr!("previous level", "上一级"))
                            .with_help(tr!(
                                "list levels in ascending order of their offset after the deadline",
                                "按超期时间从短到长排列各级，例如先 `+1d`，再 `+2d`"
                            )),
                        );
                    }
                }
            }
            ladder.levels = own_levels;
        }
        (ladder, warn_at)
    }

    fn ladder_warn_at(&self, name: &str) -> Option<Location> {
        let &i = self.ladder_index.get(name)?;
        let (decl, source) = self.ladder_decls[i];
        decl.fields
            .iter()
            .find(|f| matches!(f.node, Field::Warn(_)))
            .map(|f| Location {
                source,
                span: f.span,
            })
    }

    fn named_ladders(&mut self) {
        // Whether working-time units are allowed depends on the process calendar.
        self.has_calendar = self.header.is_some_and(|(decl, _)| {
            decl.fields
                .iter()
                .any(|f| matches!(f.node, Field::Calendar(_)))
        });
        let decls = self.ladder_decls.clone();
        for (decl, source) in decls {
            let fields: Vec<_> = decl.fields.iter().map(|f| (f, source)).collect();
            self.in_named_ladder = Some(decl.name.node.as_str().to_owned());
            let (ladder, _) = self.ladder_fields(&Ladder::default(), None, &fields);
            self.in_named_ladder = None;
            self.ladders
                .insert(decl.name.node.as_str().to_owned(), ladder);
        }
    }

    // ------------------------------------------------------------ calendars and header

    /// W040 when the deadlines along the longest path add up to more than
    /// the process's `within` (see [`super::budget`]).
    fn deadline_overrun(&self, definition: &Definition) -> Option<Diagnostic> {
        let overrun = super::budget::overrun(definition)?;
        let (decl, source) = self.header?;
        let within = decl
            .fields
            .iter()
            .find(|f| matches!(f.node, Field::Within(_)))?;
        let span = |zh| crate::plan::duration(overrun.measure, overrun.total, zh);
        let (total_en, total_zh) = (span(false), span(true));
        let allowed_en = crate::plan::duration(overrun.measure, overrun.allowed, false);
        let allowed_zh = crate::plan::duration(overrun.measure, overrun.allowed, true);
        let over = overrun.total - overrun.allowed;
        let (over_en, over_zh) = (
            crate::plan::duration(overrun.measure, over, false),
            crate::plan::duration(overrun.measure, over, true),
        );
        let path = overrun
            .path
            .iter()
            .map(|&id| definition.step(id).key.as_str())
            .collect::<Vec<_>>()
            .join(" → ");
        let last = *overrun.path.last()?;
        let name = definition.name();
        Some(
            Diagnostic::new(
                Code::DeadlineOverrun,
                tr!(
                    "the deadlines along the longest path add up to {total_en}, but process `{name}` allows {allowed_en}",
                    "最长路径上各步骤的时限加起来要 {total_zh}，但流程 `{name}` 只给了 {allowed_zh}"
                ),
                source,
                within.span,
                tr!(
                    "{over_en} too short for the path {path}",
                    "比这条路径少了 {over_zh}：{path}"
                ),
            )
            .with_label(
                definition.step(last).location.source,
                definition.step(last).location.span,
                tr!(
                    "the path ends here, {total_en} after the process starts",
                    "路径到这里结束，离流程开始已经 {total_zh}"
                ),
            )
            .with_help(tr!(
                "give the process at least {total_en} in its `within`, or shorten deadlines on the path; `sopflow plan` shows the schedule and each step's slack",
                "请把流程时限放宽到至少 {total_zh}，或缩短这条路径上的步骤时限；用 `sopflow plan` 可以看到排期和每个步骤的余量"
            )),
        )
    }

    /// W031 when an instance of `definition` started `today` could need a
    /// year its calendar does not cover.
    fn calendar_ending(
        &self,
        definition: &Definition,
        today: chrono::NaiveDate,
    ) -> Option<Diagnostic> {
        let (year, needer) = super::horizon::uncovered_year(definition, today)?;
        let calendar = definition.calendar()?;
        let covers = calendar.covers()?;
        let (decl, source) = self.header?;
        let field = |matches: fn(&Field) -> bool| decl.fields.iter().find(|f| matches(&f.node));
        let chosen = field(|f| matches!(f, Field::Calendar(_)))?;
        let name = calendar.name();
        let years = super::lower_calendar::years_text(*covers.start(), *covers.end());
        let message = if year > *covers.end() {
            let end = covers.end();
            tr!(
                "calendar `{name}` has holidays only up to {end}, but deadlines of this process can reach {year}",
                "日历 `{name}` 的节假日只写到 {end} 年，但这个流程的期限可能到 {year} 年"
            )
        } else {
            let start = covers.start();
            tr!(
                "calendar `{name}` has holidays only from {start}, but deadlines of this process need {year}",
                "日历 `{name}` 的节假日从 {start} 年才开始，但这个流程的期限需要 {year} 年"
            )
        };
        let mut warning = Diagnostic::new(
            Code::CalendarEnding,
            message,
            source,
            chosen.span,
            tr!("covers {years}", "覆盖 {years} 年"),
        );
        let (at, label) = match needer {
            super::horizon::Needer::Process => {
                let deadline = field(|f| matches!(f, Field::Within(_) | Field::By { .. }))?;
                (
                    Location {
                        source,
                        span: deadline.span,
                    },
                    tr!(
                        "counted from {today}, this deadline can fall in {year}",
                        "从 {today} 算起，这个期限可能落在 {year} 年"
                    ),
                )
            }
            super::horizon::Needer::Step(id) => (
                definition.step(id).location,
                tr!(
                    "counted from {today}, this step's deadline can fall in {year}",
                    "从 {today} 算起，这个步骤的期限可能落在 {year} 年"
                ),
            ),
            super::horizon::Needer::Level(id) => (
                definition.step(id).location,
                tr!(
                    "counted from {today}, an escalation level of this step can fall in {year}",
                    "从 {today} 算起，这个步骤的某一级升级可能落在 {year} 年"
                ),
            ),
        };
        warning = warning.with_label(at.source, at.span, label);
        Some(warning.with_help(tr!(
            "add {year} when its holidays are published, e.g. in a shared file: `calendar {name} extends {name} {{ covers {year} … }}` (see \"Adding a year\" in the language reference, grammar/LANGUAGE.md)",
            "{year} 年的放假安排公布后，请把它补上，例如在共用文件里写 `calendar {name} extends {name} {{ covers {year} … }}`（见 grammar/LANGUAGE.md 的 \"Adding a year\" 一节）"
        )))
    }

    /// Whether a calendar of this name exists: declared, or the built-in `cn`.
    fn calendar_known(&self, name: &str) -> bool {
        name == "cn"
            || self.calendar_index.contains_key(name)
            || self.calendar_extensions.contains_key(name)
    }

    /// Builds every declared calendar, each after the one it extends.
    ///
    /// A declaration depends on at most one other, so the dependencies form
    /// chains: each chain is walked once, with an explicit stack (a file may
    /// chain thousands of calendars), and a chain that comes back to itself
    /// is a cycle (E028).
    fn calendars(&mut self) {
        /// What a declaration starts from.
        #[derive(Clone, Copy)]
        enum Base {
            /// Nothing: a calendar declared in full.
            Nothing,
            /// The built-in `cn`.
            BuiltIn,
            /// Another declaration, by index.
            Decl(usize),
            /// A name that is not a calendar (E013, already reported).
            Unknown,
        }
        let decls = self.calendar_decls.clone();
        let mut bases = Vec::with_capacity(decls.len());
        for (i, &(decl, source)) in decls.iter().enumerate() {
            let base = decl.fields.iter().find_map(|f| match &f.node {
                Field::Extends(name) => Some(name),
                _ => None,
            });
            let Some(base) = base else {
                bases.push(Base::Nothing);
                continue;
            };
            let name = base.node.as_str();
            let own = name == decl.name.node.as_str();
            // `X extends X` starts from the X declared in full (or built in);
            // `Y extends X` from the final X, with its own extension.
            let found = if own {
                self.calendar_index.get(name).copied()
            } else {
                self.calendar_extensions
                    .get(name)
                    .or_else(|| self.calendar_index.get(name))
                    .copied()
            };
            bases.push(match found {
                Some(j) if j != i => Base::Decl(j),
                _ if name == "cn" => Base::BuiltIn,
                _ => {
                    let known: Vec<&str> = self
                        .calendar_index
                        .keys()
                        .chain(self.calendar_extensions.keys())
                        .map(String::as_str)
                        .filter(|k| *k != name && *k != decl.name.node.as_str())
                        .chain(["cn"])
                        .collect();
                    let help = if own {
                        tr!(
                            "`calendar {name} extends {name}` adds to a calendar `{name}` declared in full, here or in a used file, or to the built-in `cn`; declare `calendar {name} {{ … }}` or extend `cn`",
                            "`calendar {name} extends {name}` 是给一个已经完整声明过的日历 `{name}`（在本文件或被 `use` 的文件里）或内置的 `cn` 补充内容；请先声明 `calendar {name} {{ … }}`，或者扩展 `cn`"
                        )
                    } else {
                        tr!(
                            "extend a declared calendar or the built-in `cn`",
                            "请扩展一个声明过的日历，或者内置日历 `cn`"
                        )
                    };
                    let d = self.unknown(
                        "calendar",
                        name,
                        source,
                        base.span,
                        if own { None } else { suggest(name, known) },
                        help,
                    );
                    if let Some(d) = d {
                        self.push(d);
                    }
                    Base::Unknown
                }
            });
        }

        // 0: not built yet; 1: on the current chain; 2: done.
        let mut state = vec![0u8; decls.len()];
        let mut built: Vec<Option<BusinessCalendar>> = vec![None; decls.len()];
        let cn = BusinessCalendar::cn();
        for first in 0..decls.len() {
            if state[first] != 0 {
                continue;
            }
            let mut chain = Vec::new();
            let mut at = first;
            loop {
                state[at] = 1;
                chain.push(at);
                match bases[at] {
                    Base::Decl(next) if state[next] == 0 => at = next,
                    Base::Decl(next) if state[next] == 1 => {
                        // A cycle: the chain from `next` on.
                        let from = chain
                            .iter()
                            .position(|&c| c == next)
                            .expect("a declaration on the current chain is in it");
                        let names: Vec<&str> = chain[from..]
                            .iter()
                            .chain([&next])
                            .map(|&c| decls[c].0.name.node.as_str())
                            .collect();
                        let (decl, source) = decls[at];
                        let span = decl
                            .fields
                            .iter()
                            .find(|f| matches!(f.node, Field::Extends(_)))
                            .map_or(decl.name.span, |f| f.span);
                        self.push(
                            Diagnostic::new(
                                Code::CalendarCycle,
                                {
                                    let names = names.join(" → ");
                                    tr!(
                                        "calendars extend each other in a cycle: {names}",
                                        "日历之间互相 `extends`，绕成了一个圈：{names}"
                                    )
                                },
                                source,
                                span,
                                tr!("closes the cycle", "这里又回到了开头的日历"),
                            )
                            .with_help(tr!(
                                "let one of them extend `cn` or declare it in full",
                                "让其中一个改为扩展 `cn`，或者把它完整地写出来"
                            )),
                        );
                        for &c in &chain[from..] {
                            state[c] = 2;
                        }
                        chain.truncate(from);
                        break;
                    }
                    _ => break,
                }
            }
            // Build the chain from its end, each on its base.
            for &c in chain.iter().rev() {
                state[c] = 2;
                let (decl, source) = decls[c];
                let base = match bases[c] {
                    Base::Nothing => None,
                    Base::BuiltIn => Some(&cn),
                    Base::Decl(j) => match &built[j] {
                        Some(base) => Some(base),
                        // The base has errors, reported where it is declared.
                        None => continue,
                    },
                    Base::Unknown => continue,
                };
                built[c] = super::lower_calendar::calendar(decl, source, base, &mut self.diags);
            }
        }

        // The definition lists the final calendar of each name.
        for (i, calendar) in built.into_iter().enumerate() {
            let name = decls[i].0.name.node.as_str();
            let last = self
                .calendar_extensions
                .get(name)
                .or_else(|| self.calendar_index.get(name));
            if let (Some(calendar), Some(&last)) = (calendar, last) {
                if last == i {
                    self.built_calendars.push(calendar);
                }
            }
        }
    }

    fn process_fields(&mut self) {
        let mut header = Header {
            name: self.name.clone(),
            ..Header::default()
        };
        let Some((decl, source)) = self.header else {
            self.process = header;
            return;
        };
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        let mut deadline_fields = Vec::new();
        let mut ladder_fields = Vec::new();
        for field in &decl.fields {
            let kw = field.node.keyword();
            if kw != "+" {
                if let Some(prev) = seen.insert(kw, field.span) {
                    self.duplicate_field(field, source, prev);
                    continue;
                }
            }
            match &field.node {
                Field::Description(d) => header.description = Some(d.clone()),
                Field::Version(v) => header.version = Some(v.clone()),
                Field::Zone(z) => {
                    if z.parse::<chrono_tz::Tz>().is_err() {
                        self.push(
                            Diagnostic::new(
                                Code::UnknownTimeZone,
                                tr!("unknown time zone `{z}`", "不认识时区 `{z}`"),
                                source,
                                field.span,
                                tr!("not an IANA time zone", "这不是标准的时区名称"),
                            )
                            .with_help(tr!(
                                "write an IANA name such as `Asia/Shanghai`",
                                "请写标准时区名称，例如 `Asia/Shanghai`（北京时间）"
                            )),
                        );
                    } else {
                        header.zone = Some(z.clone());
                    }
                }
                Field::Calendar(name) => {
                    if self.calendar_known(name.node.as_str()) {
                        if name.node == "cn" && !self.calendar_extensions.contains_key("cn") {
                            self.built_calendars.push(BusinessCalendar::cn());
                        }
                        header.calendar = Some(name.node.as_str().to_owned());
                    } else {
                        let known = self
                            .calendar_index
                            .keys()
                            .chain(self.calendar_extensions.keys())
                            .map(String::as_str)
                            .chain(["cn"])
                            .collect();
                        let d = self.unknown(
                            "calendar",
                            &name.node,
                            source,
                            name.span,
                            suggest(&name.node, known),
                            tr!(
                                "declare it with `calendar NAME {{ … }}`, or use the built-in `cn`",
                                "请先声明：`日历 NAME {{ … }}`，或者使用内置日历 `cn`（中国大陆）"
                            ),
                        );
                        if let Some(d) = d {
                            self.push(d);
                        }
                        // Avoid a second error for every `wd` in the file.
                        self.has_calendar = true;
                    }
                }
                Field::Within(_) | Field::By { .. } => deadline_fields.push((field, source)),
                Field::Ladder(_) | Field::Warn(_) | Field::Level { .. } => {
                    ladder_fields.push((field, source))
                }
                _ => {}
            }
        }
        header.deadline = self
            .deadline(&deadline_fields, &|| tr!("the process", "流程"))
            .map(|(d, _)| d);
        let (ladder, warn_at) = self.ladder_fields(&Ladder::default(), None, &ladder_fields);
        if ladder.levels.len() > super::MAX_LEVELS {
            self.push(
                Diagnostic::new(
                    Code::LimitExceeded,
                    {
                        let (levels, max) = (ladder.levels.len(), super::MAX_LEVELS);
                        tr!(
                            "the process ladder has {levels} escalation levels, more than the limit of {max}",
                            "流程的升级阶梯有 {levels} 级，超过了上限 {max} 级"
                        )
                    },
                    source,
                    decl.span,
                    tr!("too many escalation levels", "升级的级数太多"),
                )
                .with_help(tr!(
                    "merge levels: one level may notify several targets (`+2d notify head, notify PMO`)",
                    "请合并几级：同一级可以通知多个对象，例如 `+2d notify head, notify PMO`"
                )),
            );
        }
        header.ladder = ladder;
        self.process_warn_at = warn_at;
        self.process = header;
    }

    fn step_fields(&mut self) {
        let process_ladder = std::sync::Arc::new(self.process.ladder.clone());
        let has_flows = self.steps.iter().any(|s| s.mentioned_in_flow);
        for i in 0..self.steps.len() {
            let blocks = std::mem::take(&mut self.steps[i].blocks);
            let mut fields = std::mem::take(&mut self.steps[i].deadlines);
            // Taken out while the step's fields are checked (restored below): the
            // key is needed only for messages, and cloning it for every step costs.
            let key = std::mem::take(&mut self.out_mut(i).key);
            if blocks.len() > 1 {
                let (first, s) = blocks[0];
                let (second, s2) = blocks[1];
                self.push(
                    Diagnostic::new(
                        Code::Duplicate,
                        tr!(
                            "step `{key}` has two `step` blocks",
                            "步骤 `{key}` 写了两个 `step` 块"
                        ),
                        s2,
                        second.step.span,
                        tr!("described again here", "这里又写了一次"),
                    )
                    .with_label(
                        s,
                        first.step.span,
                        tr!("first described here", "第一次写在这里"),
                    )
                    .with_help(tr!("merge the two blocks into one", "把两个块合并成一个")),
                );
            }
            let mut ladder_fields = Vec::new();
            for (block, source) in &blocks {
                if !self.steps[i].mentioned_in_flow && !has_flows {
                    // A single-step process: the block defines the step.
                } else if !self.steps[i].mentioned_in_flow {
                    let candidates: Vec<&str> = self
                        .steps
                        .iter()
                        .zip(self.graph.node_weights())
                        .filter(|(s, _)| s.mentioned_in_flow)
                        .map(|(_, out)| out.key.as_str())
                        .collect();
                    let help = match suggest(&key, candidates) {
                        Some(s) => tr!("did you mean `{s}`?", "是不是要写 `{s}`？"),
                        None => tr!(
                            "add the step to a flow, e.g. `上一步 → 部门:动作`",
                            "请把这个步骤写进流程，例如 `上一步 → 部门:动作`"
                        ),
                    };
                    let d = Diagnostic::new(
                        Code::UnknownStep,
                        tr!("unknown step `{key}`", "没有步骤 `{key}`"),
                        *source,
                        block.step.span,
                        tr!("no flow mentions this step", "流程里没有出现这个步骤"),
                    )
                    .with_help(help);
                    self.push(d);
                    self.detached.insert(i);
                }
                let mut seen: HashMap<&'static str, Span> = HashMap::new();
                for field in &block.fields {
                    let kw = field.node.keyword();
                    if !matches!(kw, "+" | "rework" | "deliver" | "accept" | "within" | "by") {
                        if let Some(prev) = seen.insert(kw, field.span) {
                            self.duplicate_field(field, *source, prev);
                            continue;
                        }
                    }
                    // Indexed directly (not `out_mut`): `self.diags` is borrowed beside it.
                    let out = &mut self.graph[NodeIndex::new(i)];
                    match &field.node {
                        Field::Description(d) => out.description = Some(d.clone()),
                        Field::Sign(m) => out.sign = *m,
                        Field::Deliver(titles) => out
                            .deliverables
                            .extend(titles.iter().map(|t| t.node.as_str().to_owned())),
                        Field::Accept(a) => out.acceptance.push(a.clone()),
                        Field::Outcomes { multi, names } => {
                            for (k, n) in names.iter().enumerate() {
                                if names[..k].iter().any(|m| m.node == n.node) {
                                    self.diags.push(
                                        Diagnostic::new(
                                            Code::DuplicateOutcome,
                                            {
                                                let name = &n.node;
                                                tr!(
                                                    "outcome `{name}` is listed twice",
                                                    "结果 `{name}` 写了两次"
                                                )
                                            },
                                            *source,
                                            n.span,
                                            tr!("listed again here", "这里又写了一次"),
                                        )
                                        .with_help(tr!(
                                            "list each outcome once",
                                            "每个结果只写一次"
                                        )),
                                    );
                                }
                            }
                            out.choice = Some(Choice {
                                multi: *multi,
                                outcomes: names
                                    .iter()
                                    .map(|n| n.node.as_str().to_owned())
                                    .collect(),
                            });
                            self.steps[i].outcome_spans = names
                                .iter()
                                .map(|n| {
                                    (
                                        n.node.as_str().to_owned(),
                                        Location {
                                            source: *source,
                                            span: n.span,
                                        },
                                    )
                                })
                                .collect();
                        }
                        Field::Within(_) | Field::By { .. } => fields.push((field, *source)),
                        Field::Ladder(_) | Field::Warn(_) | Field::Level { .. } => {
                            ladder_fields.push((field, *source))
                        }
                        _ => {}
                    }
                }
            }
            let what = || tr!("step `{key}`", "步骤 `{key}` ");
            let deadline = self.deadline(&fields, &what);
            // A step without ladder fields shares the process ladder.
            let (ladder, warn_at) = if ladder_fields.is_empty() {
                (std::sync::Arc::clone(&process_ladder), self.process_warn_at)
            } else {
                let (ladder, warn_at) =
                    self.ladder_fields(&process_ladder, self.process_warn_at, &ladder_fields);
                (std::sync::Arc::new(ladder), warn_at)
            };
            if let (
                Some((Deadline::Within(sla), deadline_at)),
                Some(Warn::Before(w)),
                Some(warn_at),
            ) = (&deadline, ladder.warn, warn_at)
            {
                self.check_warn(sla, w, warn_at, *deadline_at, &what());
            }
            let owners = self.steps[i]
                .owners
                .iter()
                .map(|o| o.node.as_str().to_owned())
                .collect();
            let out = self.out_mut(i);
            out.key = key;
            out.owners = owners;
            out.deadline = deadline.map(|(d, _)| d);
            out.ladder = ladder;
        }
    }

    fn check_warn(
        &mut self,
        sla: &Sla,
        warn: BusinessDuration,
        warn_at: Location,
        deadline_at: Location,
        what: &Text,
    ) {
        let Some(w) = comparable(Some(warn)) else {
            return;
        };
        for d in sla.default.iter().chain(sla.by_priority.values()) {
            let Some(d) = comparable(Some(*d)) else {
                continue;
            };
            if d.0 == w.0
                && w.1 >= d.1
                && self.reported_warns.insert((warn_at.source, warn_at.span))
            {
                self.push(
                    {
                        let (w, wz) = what.parts();
                        Diagnostic::new(
                            Code::WarnAfterDeadline,
                            tr!(
                                "warning {warn} before is not inside the deadline window of {w}",
                                "提前 {warn} 预警，已经超出了{wz}的期限范围"
                            ),
                            warn_at.source,
                            warn_at.span,
                            tr!("as long as the window or longer", "提前量不短于整个期限"),
                        )
                        .with_label(deadline_at.source, deadline_at.span, tr!("the deadline", "期限"))
                        .with_help(tr!(
                            "warn a shorter time before the deadline, or as a percentage such as `warn at 80%`",
                            "请把预警的提前量改短，或者按百分比预警，例如 `warn at 80%`"
                        ))
                    },
                );
                return;
            }
        }
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
