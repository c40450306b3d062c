//! Snapshots of the three examples drawn in every format, and properties of
//! the drawings a reader relies on (every step drawn once, rework dashed,
//! labels escaped).

use sopflow::diagnostics::Lang;
use sopflow::graph::{dot, mermaid, Diagram};
use sopflow::Definition;

const EXAMPLES: [&str; 3] = ["新产品上市", "客户问题处理", "市场营销活动"];

fn example(name: &str) -> Definition {
    sopflow::Loader::new(sopflow::load::FsResolver::new("examples").expect("examples/ exists"))
        .check(&format!("examples/{name}.sop"))
        .expect("the example reads")
        .definition
        .expect("the example is valid")
}

#[test]
fn mermaid_snapshots() {
    for name in EXAMPLES {
        let diagram = Diagram::new(&example(name), Lang::Zh);
        insta::assert_snapshot!(format!("mermaid_{name}"), mermaid(&diagram));
    }
}

#[test]
fn dot_snapshots() {
    for name in EXAMPLES {
        let diagram = Diagram::new(&example(name), Lang::Zh);
        insta::assert_snapshot!(format!("dot_{name}"), dot(&diagram));
    }
}

#[cfg(feature = "svg")]
#[test]
fn svg_snapshots() {
    for name in EXAMPLES {
        let diagram = Diagram::new(&example(name), Lang::Zh);
        insta::assert_snapshot!(format!("svg_{name}"), sopflow::graph::svg(&diagram));
    }
}

#[test]
fn english_labels() {
    let diagram = Diagram::new(&example("客户问题处理"), Lang::En);
    let text = mermaid(&diagram);
    assert!(text.contains("|\"otherwise\"|"), "{text}");
    assert!(text.contains("rework ≤2"), "{text}");
    assert!(text.contains("within P1 2h, P2 1wd, P3 3wd"), "{text}");
}

#[test]
fn every_step_is_drawn_once_in_its_lane() {
    for name in EXAMPLES {
        let def = example(name);
        let diagram = Diagram::new(&def, Lang::Zh);
        assert_eq!(diagram.nodes.len(), def.steps().len());
        let mut seen: Vec<usize> = diagram.lanes.iter().flat_map(|l| l.nodes.clone()).collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..diagram.nodes.len()).collect::<Vec<_>>());
        for lane in &diagram.lanes {
            for &n in &lane.nodes {
                assert_eq!(diagram.nodes[n].department, lane.department);
            }
        }
        let reworks = diagram.arrows.iter().filter(|a| a.rework).count();
        assert_eq!(reworks, def.reworks().len());
        let text = mermaid(&diagram);
        assert_eq!(text.matches("-.->").count(), reworks, "{name}");
        let text = dot(&diagram);
        assert_eq!(text.matches("style=dashed").count(), reworks, "{name}");
    }
}

#[test]
fn special_characters_are_escaped() {
    let def = sopflow::parse("市场部:提交需求 → 研发部:评估 within 3d", "a\"b<c>#d.sop").unwrap();
    let diagram = Diagram::new(&def, Lang::Zh);
    let text = mermaid(&diagram);
    assert!(text.contains("%% a\"b<c>#d"), "{text}");
    let text = dot(&diagram);
    assert!(text.contains("digraph \"a\\\"b<c>#d\""), "{text}");
    #[cfg(feature = "svg")]
    {
        let text = sopflow::graph::svg(&diagram);
        assert!(
            text.contains("<title>a&quot;b&lt;c&gt;#d</title>"),
            "{text}"
        );
    }
}
