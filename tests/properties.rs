//! Property tests of the parser and validator.
//!
//! - Parsing and checking never panic, whatever the input.
//! - Every accepted definition is acyclic, lists its steps in a topological
//!   order, reaches every step from its start step, and exports valid JSON.
//! - Random DAGs written as `S{i} → S{j}` lines are accepted with exactly
//!   their edges; one back edge makes a cycle, reported as E020 with a real
//!   cycle in its message.

use std::collections::{BTreeSet, HashMap};

use petgraph::visit::EdgeRef;
use proptest::prelude::*;
use sopflow::diagnostics::SourceId;
use sopflow::{Code, Definition};

/// Words and punctuation of the language, and characters it treats specially,
/// so that random sequences reach deep into the grammar.
const TOKENS: &[&str] = &[
    "→",
    "->",
    "－＞",
    "⇒",
    "{",
    "}",
    "｛",
    "｝",
    ",",
    "，",
    "、",
    ":",
    "：",
    ";",
    "；",
    "&",
    "|",
    "+",
    "-",
    "..",
    "when",
    "otherwise",
    "within",
    "by",
    "max",
    "rework",
    "step",
    "calendar",
    "ladder",
    "process",
    "department",
    "role",
    "use",
    "owner",
    "sign",
    "any",
    "all",
    "one",
    "outcomes",
    "deliver",
    "accept",
    "description",
    "version",
    "zone",
    "head",
    "escalate",
    "week",
    "hours",
    "holiday",
    "workday",
    "covers",
    "warn",
    "at",
    "before",
    "notify",
    "reassign",
    "superior",
    "3d",
    "0wd",
    "2wd",
    "8wh",
    "-2h",
    "99999w",
    "3x",
    "+0",
    "+2d",
    "+5",
    "80%",
    "100%",
    "2026-06-30",
    "2026-02-30",
    "09:00-18:00",
    "25:00",
    "Mon-Fri",
    "Asia/Shanghai",
    "2024..2026",
    "研发部",
    "市场部",
    "财务部",
    "研发部:评估",
    "PMO",
    "A",
    "B",
    "C",
    "上市日",
    "通过",
    "驳回",
    "\n",
    "\r\n",
    "#",
    "//",
    "\"",
    "“",
    "”",
    "《",
    "》",
    "「",
    "」",
    "\"org.sop\"",
    "《报告》",
    " ",
    "\t",
    "\u{3000}",
    "\u{feff}",
    "\0",
];

fn token_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            prop::sample::select(TOKENS),
            prop::sample::select(&["", " ", " ", "\n"][..]),
        ),
        0..48,
    )
    .prop_map(|parts| parts.into_iter().flat_map(|(t, sep)| [t, sep]).collect())
}

/// Lines of flow over the steps `A` to `E`: chains, groups, conditions,
/// deadlines, and now and then an arrow back to `A`. The first line starts at
/// `A`, so that many sources are accepted; many others have cycles,
/// unreachable steps or incomplete choices.
fn flowish() -> impl Strategy<Value = String> {
    const STEPS: [&str; 5] = ["A", "B", "C", "D", "E"];
    let attr = prop_oneof![
        24 => Just(""),
        6 => Just(" within 3d"),
        1 => Just(" by 2026-06-30"),
        1 => Just(" when ok"),
        1 => Just(" when no"),
        1 => Just(" otherwise"),
    ];
    let line = (
        0usize..4,
        prop::collection::vec(any::<bool>(), 4),
        prop::collection::vec(attr, 5),
        prop::bool::weighted(0.1),
        prop::bool::weighted(0.2),
    )
        .prop_map(|(from, include, attrs, back, group)| {
            let mut targets: Vec<&str> = (from + 1..5)
                .filter(|&k| include[k - 1])
                .map(|k| STEPS[k])
                .collect();
            if targets.is_empty() {
                targets.push(STEPS[from + 1]);
            }
            if group && targets.len() >= 2 {
                let pair = format!("{{{}, {}}}", targets[0], targets[1]);
                targets.splice(0..2, []);
                let mut nodes = vec![pair];
                nodes.extend(targets.iter().map(|t| (*t).to_owned()));
                return (from, nodes, attrs, back);
            }
            (
                from,
                targets.iter().map(|t| (*t).to_owned()).collect(),
                attrs,
                back,
            )
        })
        .prop_map(|(from, mut nodes, attrs, back)| {
            if back {
                nodes.push("A".to_owned());
            }
            let chain: String = nodes
                .iter()
                .zip(&attrs)
                .map(|(n, a)| format!(" → {n}{a}"))
                .collect();
            (from, chain)
        });
    let extra = prop::sample::select(
        &[
            "",
            "",
            "step A { outcomes ok | no }",
            "rework C → A max 2",
            "step B { within 1d }",
        ][..],
    );
    (prop::collection::vec(line, 1..5), extra).prop_map(|(lines, extra)| {
        let mut source = String::new();
        for (k, (from, chain)) in lines.into_iter().enumerate() {
            let from = if k == 0 { "A" } else { STEPS[from] };
            source.push_str(&format!("{from}{chain}\n"));
        }
        source.push_str(extra);
        source
    })
}

/// The invariants of every definition that `check` accepts.
fn assert_invariants(definition: &Definition) -> Result<(), TestCaseError> {
    let graph = definition.graph();
    prop_assert!(!petgraph::algo::is_cyclic_directed(graph));
    let order: Vec<usize> = definition.steps().map(|(id, _)| id.index()).collect();
    prop_assert_eq!(order.len(), graph.node_count());
    let position: HashMap<usize, usize> = order.iter().enumerate().map(|(p, &n)| (n, p)).collect();
    prop_assert_eq!(position.len(), order.len(), "a step is listed twice");
    for edge in graph.edge_references() {
        prop_assert!(
            position[&edge.source().index()] < position[&edge.target().index()],
            "an arrow goes backwards"
        );
    }
    if let Some(start) = definition.start() {
        let mut reached = vec![false; graph.node_count()];
        let mut dfs =
            petgraph::visit::Dfs::new(graph, petgraph::graph::NodeIndex::new(start.index()));
        while let Some(n) = dfs.next(graph) {
            reached[n.index()] = true;
        }
        prop_assert!(
            reached.iter().all(|&r| r),
            "a step is not reachable from the start"
        );
    } else {
        prop_assert_eq!(graph.node_count(), 0);
    }
    let json = serde_json::to_string(definition).expect("a definition serializes");
    let value: serde_json::Value = serde_json::from_str(&json).expect("the export is valid JSON");
    prop_assert_eq!(
        value["steps"].as_array().map(Vec::len),
        Some(graph.node_count())
    );
    Ok(())
}

fn check_all(source: &str) -> Result<(), TestCaseError> {
    let _ = sopflow::syntax::parse(source, SourceId(0));
    let checked = sopflow::check(source, "prop.sop");
    // Rendering must not panic either, whatever the spans.
    let _ = checked.diagnostics.render(&Default::default());
    prop_assert_eq!(
        checked.definition.is_some(),
        !checked.diagnostics.has_errors()
    );
    if let Some(definition) = &checked.definition {
        assert_invariants(definition)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_never_panic(source in any::<String>()) {
        check_all(&source)?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        check_all(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn token_soup_never_panics(source in token_soup()) {
        check_all(&source)?;
    }

    #[test]
    fn accepted_flows_are_dags_in_topological_order(source in flowish()) {
        check_all(&source)?;
    }
}

/// A DAG on `n` steps where every step after the first has a predecessor, so that
/// `S0` is the only start; and the order in which its edges are written.
fn dag() -> impl Strategy<Value = (usize, Vec<(usize, usize)>)> {
    (2usize..14)
        .prop_flat_map(|n| {
            let parents = (1..n).map(|j| 0..j).collect::<Vec<_>>();
            let extra = prop::collection::vec((0..n, 0..n), 0..2 * n);
            (Just(n), parents, extra)
        })
        .prop_flat_map(|(n, parents, extra)| {
            let mut edges: BTreeSet<(usize, usize)> = parents
                .iter()
                .enumerate()
                .map(|(j, &i)| (i, j + 1))
                .collect();
            edges.extend(extra.into_iter().filter(|(i, j)| i < j));
            let edges: Vec<(usize, usize)> = edges.into_iter().collect();
            (Just(n), Just(edges).prop_shuffle())
        })
}

fn render_edges(edges: &[(usize, usize)], ascii: bool) -> String {
    let arrow = if ascii { "->" } else { "→" };
    edges
        .iter()
        .map(|(i, j)| format!("S{i} {arrow} S{j}\n"))
        .collect()
}

fn edges_of(definition: &Definition) -> BTreeSet<(String, String)> {
    let graph = definition.graph();
    graph
        .edge_references()
        .map(|e| (graph[e.source()].key.clone(), graph[e.target()].key.clone()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn random_dags_are_accepted_with_exactly_their_edges((n, edges) in dag(), ascii in any::<bool>()) {
        let source = render_edges(&edges, ascii);
        let definition = sopflow::parse(&source, "dag.sop")
            .map_err(|d| TestCaseError::fail(format!("{source}\n{}", d.render(&Default::default()))))?;
        prop_assert_eq!(definition.steps().len(), n);
        prop_assert_eq!(definition.start().map(|s| definition.step(s).key.clone()), Some("S0".to_owned()));
        let expected: BTreeSet<(String, String)> = edges.iter().map(|(i, j)| (format!("S{i}"), format!("S{j}"))).collect();
        prop_assert_eq!(edges_of(&definition), expected);
        assert_invariants(&definition)?;
    }

    #[test]
    fn a_back_edge_is_reported_as_a_cycle((_n, edges) in dag(), pick in any::<prop::sample::Index>()) {
        // A back edge j → i against an arrow i → j.
        let &(i, j) = pick.get(&edges);
        let mut with_back = edges.clone();
        with_back.insert(pick.index(edges.len() + 1), (j, i));
        let source = render_edges(&with_back, false);
        let checked = sopflow::check(&source, "cycle.sop");
        prop_assert!(checked.definition.is_none());
        let cycles: Vec<_> = checked.diagnostics.iter().filter(|d| d.code == Code::Cycle).collect();
        prop_assert!(!cycles.is_empty(), "no E020 for\n{}", source);
        let all: BTreeSet<(usize, usize)> = with_back.iter().copied().collect();
        for d in cycles {
            // "flow contains a cycle: S0 → S3 → S0": consecutive names are arrows of the source.
            let names = d.message.en().strip_prefix("flow contains a cycle: ").expect("the message names the cycle");
            let steps: Vec<usize> = names.split(" → ").map(|s| s.trim_start_matches('S').parse().expect("a step S{n}")).collect();
            prop_assert!(steps.len() >= 2 && steps.first() == steps.last(), "not closed: {}", names);
            for pair in steps.windows(2) {
                prop_assert!(all.contains(&(pair[0], pair[1])), "{} → {} is not an arrow ({})", pair[0], pair[1], names);
            }
        }
    }
}

/// The generator of flows is useful only if many of its flows are accepted
/// (and many are not): otherwise the invariants above would hold vacuously.
#[test]
fn flowish_sources_are_often_accepted() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = flowish();
    let total = 400;
    let accepted = (0..total)
        .filter(|_| {
            let source = strategy.new_tree(&mut runner).expect("a value").current();
            sopflow::check(&source, "prop.sop").definition.is_some()
        })
        .count();
    assert!(
        accepted * 10 >= total,
        "only {accepted} of {total} accepted"
    );
    assert!(
        accepted * 10 <= total * 9,
        "{accepted} of {total} accepted: too few errors"
    );
}
