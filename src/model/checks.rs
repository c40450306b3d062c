//! Graph checks: choices, cycles, reachability, topological order, joins of
//! exclusive branches, and rework targets.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;

use super::{Choice, Condition, Edge, Location, Step, StepId, MAX_LEVELS, MAX_OWNERS};
use crate::diagnostics::{tr, Code, Diagnostic, Text};

pub(crate) struct EdgeFacts {
    pub(crate) from: usize,
    /// Where an unconditional arrow between the two steps was written.
    pub(crate) always_at: Option<Location>,
    /// Where the condition of a conditional arrow was written.
    pub(crate) when_at: Option<Location>,
}

pub(crate) struct Facts {
    pub(crate) edges: Vec<EdgeFacts>,
    pub(crate) outcome_spans: Vec<Vec<(String, Location)>>,
    pub(crate) joins: Vec<(Vec<usize>, Location)>,
    pub(crate) reworks: Vec<(usize, usize, u32, Location)>,
    /// Steps that only a `step` block names, already reported as unknown (E012).
    pub(crate) detached: HashSet<usize>,
}

/// Runs every graph check. Returns the topological order and the start step,
/// or `None` when the graph has a cycle.
pub(crate) fn run(
    graph: &mut DiGraph<Step, Edge>,
    facts: &Facts,
    diags: &mut Vec<Diagnostic>,
) -> Option<(Vec<StepId>, Option<StepId>)> {
    limits(graph, diags);
    choices(graph, facts, diags);
    // Kahn's algorithm orders every step exactly when the graph is acyclic, so
    // the (costlier) search for strongly connected components runs only then.
    let order = topological_order(graph);
    let cyclic = order.len() < graph.node_count() && cycles(graph, diags);
    let start = reachability(graph, &facts.detached, diags);
    let position = (!cyclic).then(|| {
        let mut position = vec![0; graph.node_count()];
        for (i, id) in order.iter().enumerate() {
            position[id.index()] = i;
        }
        position
    });
    reworks(graph, facts, position.as_deref(), diags);
    if cyclic {
        return None;
    }
    exclusive_joins(graph, &order, facts, diags);
    Some((order, start))
}

/// The executor's limits per step (E004): owners of one step, escalation
/// levels of one ladder (reported once per ladder, at the first step that
/// uses it). Arrows out of a step are not limited.
fn limits(graph: &DiGraph<Step, Edge>, diags: &mut Vec<Diagnostic>) {
    let mut ladders_seen: HashSet<*const super::Ladder> = HashSet::new();
    for n in graph.node_indices() {
        let step = &graph[n];
        let at = step.location;
        let mut report = |message: Text, label: Text, help: Text| {
            diags.push(
                Diagnostic::new(Code::LimitExceeded, message, at.source, at.span, label)
                    .with_help(help),
            );
        };
        if step.owners.len() > MAX_OWNERS {
            report(
                {
                    let (key, owners) = (&step.key, step.owners.len());
                    tr!(
                        "step `{key}` has {owners} owners, more than the limit of {MAX_OWNERS}",
                        "步骤 `{key}` 有 {owners} 个负责部门，超过了上限 {MAX_OWNERS} 个"
                    )
                },
                tr!("too many co-owners", "共同负责的部门太多"),
                tr!(
                    "split the step into several steps with fewer co-owners each",
                    "把这个步骤拆成几个步骤，每个步骤少一些共同负责的部门"
                ),
            );
        }
        let levels = step.ladder.levels.len();
        if levels > MAX_LEVELS && ladders_seen.insert(std::sync::Arc::as_ptr(&step.ladder)) {
            report(
                {
                    let key = &step.key;
                    tr!(
                        "step `{key}` uses a ladder with {levels} escalation levels, more than the limit of {MAX_LEVELS}",
                        "步骤 `{key}` 的升级阶梯有 {levels} 级，超过了上限 {MAX_LEVELS} 级"
                    )
                },
                tr!("too many escalation levels", "升级的级数太多"),
                tr!(
                    "merge levels: one level may notify several targets (`+2d notify head, notify PMO`)",
                    "请合并几级：同一级可以通知多个对象，例如 `+2d notify head, notify PMO`"
                ),
            );
        }
    }
}

fn choices(graph: &mut DiGraph<Step, Edge>, facts: &Facts, diags: &mut Vec<Diagnostic>) {
    // Most steps are not choices: find the ones that are without allocating.
    let is_choice = |graph: &DiGraph<Step, Edge>, n: NodeIndex| {
        graph[n].choice.is_some()
            || graph
                .edges(n)
                .any(|e| e.weight().condition != Condition::Always)
    };
    let candidates: Vec<NodeIndex> = graph
        .node_indices()
        .filter(|&n| is_choice(graph, n))
        .collect();
    if candidates.is_empty() {
        return;
    }
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); graph.node_count()];
    for (i, e) in facts.edges.iter().enumerate() {
        out[e.from].push(i);
    }
    for node in candidates {
        let n = node.index();
        let out = &out[n];
        let edges: Vec<(usize, Condition)> = out
            .iter()
            .map(|&i| {
                (
                    i,
                    graph[petgraph::graph::EdgeIndex::new(i)].condition.clone(),
                )
            })
            .collect();
        let conditional = edges.iter().any(|(_, c)| *c != Condition::Always);
        if graph[node].choice.is_none() && !conditional {
            continue;
        }
        let step = &graph[node];
        let key = step.key.clone();
        let at = step.location;
        let declared: Vec<String> = step
            .choice
            .as_ref()
            .map(|c| c.outcomes.clone())
            .unwrap_or_default();
        let multi = step.choice.as_ref().is_some_and(|c| c.multi);
        if edges.is_empty() {
            graph[node].choice = Some(Choice {
                multi,
                outcomes: declared,
            });
            continue;
        }
        let mut covered: HashSet<&str> = HashSet::new();
        // Where each outcome was first handled, and the arrow's target. The arrows
        // of one group `A → {B, C} when x` share the condition's location.
        let mut handled: HashMap<&str, (Location, NodeIndex)> = HashMap::new();
        let mut otherwise: Option<Location> = None;
        for (i, condition) in &edges {
            let fact = &facts.edges[*i];
            let target = graph.raw_edges()[*i].target();
            if let Some(always) = fact.always_at {
                diags.push(
                    Diagnostic::new(
                        Code::MixedEdges,
                        tr!("arrow out of choice `{key}` has no condition", "从选择步骤 `{key}` 出发的这个箭头没有写条件"),
                        always.source,
                        always.span,
                        tr!("taken always", "不论结果如何都会走这里"),
                    )
                    .with_help(tr!(
                        "a choice's arrows each need `when OUTCOME` or `otherwise`; to start parallel work, write one arrow to a group: `{key} → {{B, C}} when 结果`",
                        "选择步骤的每个箭头都要写 `when 结果` 或 `otherwise`；要同时开始几项工作，就写一个指向一组部门的箭头：`{key} → {{B, C}} when 结果`"
                    )),
                );
            }
            match condition {
                Condition::When(outcomes) => {
                    let here = fact.when_at.unwrap_or(at);
                    for o in outcomes {
                        match handled.get(o.as_str()) {
                            Some(&(first, first_target)) if first != here => {
                                let both = format!(
                                    "{{{}, {}}}",
                                    graph[first_target].key, graph[target].key
                                );
                                diags.push(
                                    Diagnostic::new(
                                        Code::DuplicateOutcome,
                                        tr!("outcome `{o}` of `{key}` is handled by two arrows", "`{key}` 的结果 `{o}` 写了两个箭头"),
                                        here.source,
                                        here.span,
                                        tr!("handled again here", "这里又写了一次"),
                                    )
                                    .with_label(first.source, first.span, tr!("first handled here", "第一次写在这里"))
                                    .with_help(tr!(
                                        "keep one arrow per outcome; to start both steps, write one arrow to a group: `{key} → {both} when {o}`",
                                        "每个结果只写一个箭头；要让两个步骤都开始，就写一个指向一组部门的箭头：`{key} → {both} when {o}`"
                                    )),
                                );
                            }
                            Some(_) => {}
                            None => {
                                handled.insert(o.as_str(), (here, target));
                            }
                        }
                        if !declared.is_empty() && !declared.contains(o) {
                            let when_at = fact.when_at.unwrap_or(fact.always_at.unwrap_or(at));
                            let mut d = Diagnostic::new(
                                Code::UnknownOutcome,
                                tr!(
                                    "`{o}` is not an outcome of `{key}`",
                                    "`{key}` 没有 `{o}` 这个结果"
                                ),
                                when_at.source,
                                when_at.span,
                                tr!("unknown outcome", "没有声明过的结果"),
                            );
                            if let Some((_, decl_at)) = facts.outcome_spans[n].first() {
                                d = d.with_label(
                                    decl_at.source,
                                    decl_at.span,
                                    tr!("outcomes declared here", "结果是在这里声明的"),
                                );
                            }
                            let suggestion = super::lower::suggest(
                                o,
                                declared.iter().map(String::as_str).collect(),
                            );
                            diags.push(d.with_help(match suggestion {
                                Some(s) => tr!("did you mean `{s}`?", "是不是要写 `{s}`？"),
                                None => {
                                    let (en, zh) = (declared.join(", "), declared.join("、"));
                                    tr!("the outcomes are: {en}", "可以写的结果有：{zh}")
                                }
                            }));
                        }
                        covered.insert(o.as_str());
                    }
                }
                Condition::Otherwise => {
                    let here = fact.when_at.unwrap_or(at);
                    if let Some(first) = otherwise {
                        if first != here {
                            diags.push(
                                Diagnostic::new(
                                    Code::DuplicateOutcome,
                                    tr!("choice `{key}` has two `otherwise` arrows", "选择步骤 `{key}` 写了两个 `otherwise` 箭头"),
                                    here.source,
                                    here.span,
                                    tr!("second `otherwise`", "第二个 `otherwise`"),
                                )
                                .with_label(first.source, first.span, tr!("first `otherwise`", "第一个 `otherwise`"))
                                .with_help(tr!(
                                    "keep one `otherwise`; to start parallel work, write one arrow to a group: `{key} → {{B, C}} otherwise`",
                                    "只保留一个 `otherwise`；要同时开始几项工作，就写一个指向一组部门的箭头：`{key} → {{B, C}} otherwise`"
                                )),
                            );
                        }
                    } else {
                        otherwise = Some(here);
                    }
                }
                Condition::Always => {}
            }
        }
        if otherwise.is_none() {
            if declared.is_empty() {
                diags.push(
                    Diagnostic::new(
                        Code::IncompleteChoice,
                        tr!("choice `{key}` has no `otherwise` arrow", "选择步骤 `{key}` 缺少 `otherwise` 箭头"),
                        at.source,
                        at.span,
                        tr!("an outcome without an arrow would stall here", "出现没写箭头的结果时，流程会卡在这里"),
                    )
                    .with_help(tr!(
                        "add an arrow `{key} → … otherwise`, or list every outcome with `outcomes A | B` in a `step` block",
                        "加一个箭头 `{key} → … otherwise`（其他情况）；或者在 `step` 块里用 `outcomes A | B` 列出所有可能的结果"
                    )),
                );
            } else {
                let missing: Vec<&str> = declared
                    .iter()
                    .map(String::as_str)
                    .filter(|o| !covered.contains(o))
                    .collect();
                if !missing.is_empty() {
                    let quoted: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
                    let (list, list_zh) = (quoted.join(", "), quoted.join("、"));
                    let mut d = Diagnostic::new(
                        Code::IncompleteChoice,
                        tr!(
                            "choice `{key}` has no arrow for {list}",
                            "选择步骤 `{key}` 的结果 {list_zh} 没有箭头"
                        ),
                        at.source,
                        at.span,
                        tr!("not every outcome leads somewhere", "有的结果没有下一步"),
                    );
                    for (name, decl_at) in &facts.outcome_spans[n] {
                        if missing.contains(&name.as_str()) {
                            d = d.with_label(
                                decl_at.source,
                                decl_at.span,
                                tr!("no arrow for this outcome", "这个结果没有箭头"),
                            );
                        }
                    }
                    diags.push(d.with_help(tr!(
                        "add a `when` arrow for each missing outcome, or an `otherwise` arrow",
                        "给每个缺少的结果加一个 `when` 箭头，或者加一个 `otherwise`（其他情况）箭头"
                    )));
                }
            }
        }
        graph[node].choice = Some(Choice {
            multi,
            outcomes: declared,
        });
    }
}

/// Reports each cycle, naming its steps in order. Returns whether there was one.
fn cycles(graph: &DiGraph<Step, Edge>, diags: &mut Vec<Diagnostic>) -> bool {
    let mut found = false;
    // Kosaraju's algorithm walks with an explicit stack; petgraph's Tarjan
    // recurses once per step of a chain and overflows the stack on long flows.
    let mut sccs = petgraph::algo::kosaraju_scc(graph);
    sccs.iter_mut().for_each(|c| c.sort());
    sccs.sort();
    for scc in sccs {
        let self_loop = scc.len() == 1 && graph.contains_edge(scc[0], scc[0]);
        if scc.len() < 2 && !self_loop {
            continue;
        }
        found = true;
        let members: HashSet<NodeIndex> = scc.iter().copied().collect();
        let first = scc[0];
        let path = cycle_path(graph, first, &members);
        let names: Vec<&str> = path
            .iter()
            .map(|&n| graph[n].key.as_str())
            .chain([graph[first].key.as_str()])
            .collect();
        let closing = path.last().copied().unwrap_or(first);
        let closing_edge = graph
            .find_edge(closing, first)
            .expect("the path closes the cycle");
        let at = graph[closing_edge].location;
        let mut d = Diagnostic::new(
            Code::Cycle,
            {
                let names = names.join(" → ");
                tr!(
                    "flow contains a cycle: {names}",
                    "流程绕成了一个圈：{names}"
                )
            },
            at.source,
            at.span,
            {
                let (a, b) = (&graph[first].key, &graph[closing].key);
                tr!(
                    "…and {a} follows {b} here, closing the cycle",
                    "……而这里 {a} 又排在 {b} 后面，回到了起点"
                )
            },
        );
        for pair in path.windows(2) {
            if let Some(e) = graph.find_edge(pair[0], pair[1]) {
                let l = graph[e].location;
                d = d.with_label(l.source, l.span, {
                    let (a, b) = (&graph[pair[1]].key, &graph[pair[0]].key);
                    tr!("{a} follows {b} here", "这里 {a} 排在 {b} 后面")
                });
            }
        }
        diags.push(d.with_help(tr!(
            "remove one of these arrows; to send work back upstream, use `rework FROM → TO max N`",
            "删掉其中一个箭头；如果是要把工作退回前面的步骤，请写 `rework 从哪里 → 退回到哪里 max 次数`"
        )));
    }
    found
}

/// A simple cycle through `first` inside its strongly connected component, as the list of its nodes.
fn cycle_path(
    graph: &DiGraph<Step, Edge>,
    first: NodeIndex,
    members: &HashSet<NodeIndex>,
) -> Vec<NodeIndex> {
    // Breadth-first search from `first` back to `first`, staying inside the component.
    let mut parent: std::collections::HashMap<NodeIndex, NodeIndex> =
        std::collections::HashMap::new();
    let mut queue = std::collections::VecDeque::from([first]);
    while let Some(n) = queue.pop_front() {
        let mut next: Vec<NodeIndex> = graph.neighbors(n).filter(|m| members.contains(m)).collect();
        next.sort();
        for m in next {
            if m == first {
                let mut path = vec![n];
                let mut cur = n;
                while cur != first {
                    cur = parent[&cur];
                    path.push(cur);
                }
                path.reverse();
                return path;
            }
            if let std::collections::hash_map::Entry::Vacant(e) = parent.entry(m) {
                e.insert(n);
                queue.push_back(m);
            }
        }
    }
    vec![first]
}

/// Reports steps that no path from the start reaches. Returns the start step.
///
/// Detached steps (reported as unknown already) are neither the start nor unreachable.
fn reachability(
    graph: &DiGraph<Step, Edge>,
    detached: &HashSet<usize>,
    diags: &mut Vec<Diagnostic>,
) -> Option<StepId> {
    let roots: Vec<NodeIndex> = graph
        .node_indices()
        .filter(|&n| {
            !detached.contains(&n.index())
                && graph
                    .neighbors_directed(n, Direction::Incoming)
                    .next()
                    .is_none()
        })
        .collect();
    let start = *roots.first()?;
    let start_key = &graph[start].key;
    for &root in &roots[1..] {
        let at = graph[root].location;
        let s = graph[start].location;
        diags.push(
            Diagnostic::new(
                Code::Unreachable,
                {
                    let key = &graph[root].key;
                    tr!(
                        "step `{key}` is never reached from the start step `{start_key}`",
                        "从第一步 `{start_key}` 出发，永远走不到步骤 `{key}`"
                    )
                },
                at.source,
                at.span,
                tr!("no arrow leads here", "没有箭头指向这里"),
            )
            .with_label(
                s.source,
                s.span,
                tr!("the process starts here", "流程从这里开始"),
            )
            .with_help({
                let key = &graph[root].key;
                tr!(
                    "add an arrow into `{key}` from an upstream step, or remove it",
                    "从前面的某个步骤画一个箭头到 `{key}`，或者删掉它"
                )
            }),
        );
    }
    Some(StepId::from_node(start))
}

/// Kahn's algorithm; among ready steps the one written first goes first.
fn topological_order(graph: &DiGraph<Step, Edge>) -> Vec<StepId> {
    let mut indegree: Vec<usize> = graph
        .node_indices()
        .map(|n| graph.neighbors_directed(n, Direction::Incoming).count())
        .collect();
    let mut ready: BinaryHeap<Reverse<usize>> = indegree
        .iter()
        .enumerate()
        .filter(|(_, &d)| d == 0)
        .map(|(i, _)| Reverse(i))
        .collect();
    let mut order = Vec::with_capacity(graph.node_count());
    while let Some(Reverse(n)) = ready.pop() {
        order.push(StepId::from_node(NodeIndex::new(n)));
        for m in graph.neighbors(NodeIndex::new(n)) {
            indegree[m.index()] -= 1;
            if indegree[m.index()] == 0 {
                ready.push(Reverse(m.index()));
            }
        }
    }
    order
}

/// Whether two conditions out of one exclusive choice can never both be taken.
fn disjoint(a: &Condition, b: &Condition) -> bool {
    match (a, b) {
        (Condition::When(x), Condition::When(y)) => !x.iter().any(|o| y.contains(o)),
        (Condition::When(_), Condition::Otherwise) | (Condition::Otherwise, Condition::When(_)) => {
            true
        }
        _ => false,
    }
}

/// Warns about `{B, C} → D` when B and C lie on branches of one exclusive choice.
fn exclusive_joins(
    graph: &DiGraph<Step, Edge>,
    order: &[StepId],
    facts: &Facts,
    diags: &mut Vec<Diagnostic>,
) {
    if facts.joins.is_empty() {
        return;
    }
    // tags[n]: the (choice, arrow) pairs that every path from the start to n passes through.
    let mut tags: Vec<Option<Vec<(usize, usize)>>> = vec![None; graph.node_count()];
    for &id in order {
        let n = id.node();
        let mut acc: Option<Vec<(usize, usize)>> = None;
        for e in graph.edges_directed(n, Direction::Incoming) {
            let p = e.source();
            let mut via = tags[p.index()].clone().unwrap_or_default();
            let exclusive = graph[p].choice.as_ref().is_some_and(|c| !c.multi);
            if exclusive && e.weight().condition != Condition::Always {
                via.push((p.index(), e.id().index()));
                via.sort_unstable();
            }
            acc = Some(match acc {
                None => via,
                Some(prev) => prev
                    .into_iter()
                    .filter(|t| via.binary_search(t).is_ok())
                    .collect(),
            });
        }
        tags[n.index()] = Some(acc.unwrap_or_default());
    }
    for (group, at) in &facts.joins {
        'pairs: for (i, &a) in group.iter().enumerate() {
            for &b in &group[i + 1..] {
                let (Some(ta), Some(tb)) = (&tags[a], &tags[b]) else {
                    continue;
                };
                for &(choice, ea) in ta {
                    for &(choice_b, eb) in tb {
                        if choice == choice_b && ea != eb {
                            let ca = &graph[petgraph::graph::EdgeIndex::new(ea)].condition;
                            let cb = &graph[petgraph::graph::EdgeIndex::new(eb)].condition;
                            if disjoint(ca, cb) {
                                let choice_key = &graph[NodeIndex::new(choice)].key;
                                diags.push(
                                    Diagnostic::new(
                                        Code::ExclusiveJoin,
                                        {
                                            let (ka, kb) = (&graph[NodeIndex::new(a)].key, &graph[NodeIndex::new(b)].key);
                                            tr!(
                                                "`{ka}` and `{kb}` can never both run: they are different outcomes of `{choice_key}`",
                                                "`{ka}` 和 `{kb}` 不可能都执行：它们是 `{choice_key}` 的不同结果"
                                            )
                                        },
                                        at.source,
                                        at.span,
                                        tr!("written as if it waited for both", "这样写像是要等两边都完成"),
                                    )
                                    .with_help(tr!(
                                        "the join goes on after the branch that ran; to say so plainly, write one arrow from each branch instead of `{{…}} →`",
                                        "实际上只要执行了的那一支完成就会继续；为了写得清楚，请从每一支各画一个箭头，不要写 `{{…}} →`"
                                    )),
                                );
                                break 'pairs;
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Reports rework targets that are not upstream of their source. With a
/// topological `position`, the backward search never enters steps ordered
/// before the target, so a nearby target is found in a few steps.
fn reworks(
    graph: &DiGraph<Step, Edge>,
    facts: &Facts,
    position: Option<&[usize]>,
    diags: &mut Vec<Diagnostic>,
) {
    for &(from, to, _, at) in &facts.reworks {
        let (from_n, to_n) = (NodeIndex::new(from), NodeIndex::new(to));
        let mut seen = HashSet::new();
        let mut stack = vec![from_n];
        let mut upstream = false;
        while let Some(n) = stack.pop() {
            for p in graph.neighbors_directed(n, Direction::Incoming) {
                if p == to_n {
                    upstream = true;
                    break;
                }
                if position.is_some_and(|pos| pos[p.index()] < pos[to]) {
                    continue;
                }
                if seen.insert(p) {
                    stack.push(p);
                }
            }
            if upstream {
                break;
            }
        }
        if !upstream {
            diags.push(
                Diagnostic::new(
                    Code::ReworkNotUpstream,
                    {
                        let (to, from) = (&graph[to_n].key, &graph[from_n].key);
                        tr!(
                            "`{to}` is not upstream of `{from}`",
                            "`{to}` 不在 `{from}` 之前"
                        )
                    },
                    at.source,
                    at.span,
                    tr!("rework can only go back", "只能退回到前面的步骤"),
                )
                .with_help({
                    let from = &graph[from_n].key;
                    tr!(
                        "send work back to a step that comes before `{from}` in the flow",
                        "请退回到流程中排在 `{from}` 前面的步骤"
                    )
                }),
            );
        }
    }
}
