//! Steps and arrows: each flow line of the main file becomes steps (made once,
//! by department and action, in place in the graph) and arrows between them,
//! with their conditions and rework limits.
//!
//! Groups (`{A, B} → C`) are bounded by [`MAX_GROUP_ARROWS`] so that arrows
//! cannot grow with the square of the file; no check of the graph's shape is
//! made here (see `checks`).

use super::*;

impl<'a> Lowerer<'a> {
    pub(super) fn step(&mut self, r: &'a ast::StepRef, source: SourceId, in_flow: bool) -> usize {
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
    pub(super) fn out(&self, i: usize) -> &Step {
        &self.graph[NodeIndex::new(i)]
    }

    pub(super) fn out_mut(&mut self, i: usize) -> &mut Step {
        &mut self.graph[NodeIndex::new(i)]
    }

    pub(super) fn flows(&mut self, main: Input<'a>) {
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

    pub(super) fn flow(&mut self, flow: &'a ast::Flow, source: SourceId) {
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

    pub(super) fn rework(
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
}
