//! Flow lines into the AST: nodes, groups of step references (`{A, B}`),
//! arrows with their conditions, and rework limits (`max N`).

use super::*;

impl Builder<'_> {
    pub(super) fn flow_node(&mut self, pair: Pair<'_, Rule>) -> FlowNode {
        let span = self.span(&pair);
        let mut inner = significant(pair);
        let group_pair = inner.next().expect("grammar: a node has a step group");
        let (steps, group) = self.step_refs(group_pair.into_inner().flatten());
        let mut condition: Option<Spanned<Condition>> = None;
        let mut deadlines = SmallVec::new();
        for p in inner {
            if p.as_rule() == Rule::condition {
                let s = self.span(&p);
                let names: Vec<Name> = p
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::name)
                    .map(|p| self.spanned(&p))
                    .collect();
                let c = if names.is_empty() {
                    Condition::Otherwise
                } else {
                    Condition::When(names)
                };
                if let Some(first) = &mut condition {
                    self.error(
                        Code::Duplicate,
                        tr!("arrow has two conditions", "一个箭头只能写一个条件"),
                        s,
                        tr!("second condition", "这是第二个条件"),
                        tr!(
                            "write one `when` with the outcomes separated by `|`, or `otherwise` alone",
                            "只写一个 `when`，几种结果之间用 `|` 隔开，例如 `when 通过 | 有条件通过`；或者只写 `otherwise`"
                        ),
                    );
                    // Keep `otherwise` if either is: the arrow then covers every
                    // case, and no second error about missing cases follows.
                    if c == Condition::Otherwise {
                        first.node = Condition::Otherwise;
                    }
                } else {
                    condition = Some(Spanned::new(c, s));
                }
            } else if let Some(field) = self.field(p) {
                deadlines.push(field);
            }
        }
        FlowNode {
            steps,
            group,
            condition,
            deadlines,
            span,
        }
    }

    /// The step references among `pairs` (a flow node's `A` or `{A, B}`, or
    /// a single reference), and whether a `{` was among them.
    ///
    /// One flat walk over the descendants instead of an iterator per nested
    /// pair: step references are most of a large file (10k steps: parse
    /// 30.5 -> 29 ms with the `within` fields built the same way).
    pub(super) fn step_refs(
        &mut self,
        pairs: FlatPairs<'_, Rule>,
    ) -> (SmallVec<[StepRef; 1]>, bool) {
        let mut group = false;
        let mut steps = SmallVec::new();
        // The reference being built: its span, where its owners end, and its parts.
        let mut current: Option<(Span, usize)> = None;
        let mut department = None;
        let mut co_owners = Vec::new();
        let mut action = None;
        let mut finish = |current: Option<(Span, usize)>,
                          department: &mut Option<Name>,
                          co_owners: &mut Vec<Name>,
                          action: &mut Option<Name>| {
            if let Some((span, _)) = current {
                steps.push(StepRef {
                    department: department
                        .take()
                        .expect("grammar: a step reference has an owner"),
                    co_owners: std::mem::take(co_owners),
                    action: action.take(),
                    span,
                });
            }
        };
        for p in pairs {
            match p.as_rule() {
                Rule::open => group = true,
                Rule::step_ref => {
                    finish(current, &mut department, &mut co_owners, &mut action);
                    current = Some((self.span(&p), 0));
                }
                Rule::owners => {
                    if let Some((_, owners_end)) = &mut current {
                        *owners_end = p.as_span().end();
                    }
                }
                Rule::name => {
                    let name = self.spanned(&p);
                    let in_owners = current.is_some_and(|(_, end)| p.as_span().start() < end);
                    if !in_owners {
                        action = Some(name);
                    } else if department.is_none() {
                        department = Some(name);
                    } else {
                        co_owners.push(name);
                    }
                }
                Rule::string => {
                    let text = self.string(&p);
                    action = Some(self.name(&text, self.span(&p)));
                }
                _ => {}
            }
        }
        finish(current, &mut department, &mut co_owners, &mut action);
        (steps, group)
    }

    pub(super) fn step_ref(&mut self, pair: Pair<'_, Rule>) -> StepRef {
        let (mut refs, _) = self.step_refs(Pairs::single(pair).flatten());
        refs.pop().expect("grammar: a step reference")
    }

    pub(super) fn max(&mut self, pair: Pair<'_, Rule>) -> Spanned<u64> {
        let amount = significant(pair)
            .nth(1)
            .expect("grammar: max has an amount");
        let span = self.span(&amount);
        let value = amount.as_str().parse().unwrap_or(u64::MAX);
        Spanned::new(value, span)
    }
}
