//! Graphviz DOT: `dot -Tsvg` or any Graphviz viewer draws it.

use std::fmt::Write as _;

use super::Diagram;

/// The fonts every drawing asks for, CJK first.
pub(crate) const FONTS: &str = "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif";

/// Draws `diagram` as a Graphviz `digraph`: one `cluster` per department,
/// deadlines in the step boxes, outcome labels on the arrows out of
/// choices, rework arrows dashed and not ranking the layout.
///
/// # Example
/// ```
/// use sopflow::diagnostics::Lang;
/// use sopflow::graph::{dot, Diagram};
///
/// let def = sopflow::parse("市场部:提案 → 研发部:评估 within 3d", "x.sop");
/// let text = dot(&Diagram::new(&def.unwrap(), Lang::Zh));
/// assert!(text.contains("subgraph cluster_0"));
/// assert!(text.contains("s0 -> s1;"));
/// ```
pub fn dot(diagram: &Diagram) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write_dot(diagram, &mut out);
    out
}

fn write_dot(diagram: &Diagram, out: &mut String) -> std::fmt::Result {
    let title = match &diagram.deadline {
        Some(deadline) => format!("{}\n{deadline}", diagram.title),
        None => diagram.title.clone(),
    };
    writeln!(out, "digraph \"{}\" {{", escape(&diagram.title))?;
    writeln!(out, "  rankdir=TB;")?;
    writeln!(out, "  label=\"{}\";", escape(&title))?;
    writeln!(out, "  labelloc=t;")?;
    writeln!(out, "  fontname=\"{FONTS}\";")?;
    writeln!(
        out,
        "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"{FONTS}\"];"
    )?;
    writeln!(out, "  edge [fontname=\"{FONTS}\"];")?;
    for (l, lane) in diagram.lanes.iter().enumerate() {
        writeln!(out, "  subgraph cluster_{l} {{")?;
        writeln!(out, "    label=\"{}\";", escape(&lane.department))?;
        writeln!(out, "    style=filled;")?;
        writeln!(out, "    fillcolor=\"#f5f7fa\";")?;
        for &n in &lane.nodes {
            let node = &diagram.nodes[n];
            let label = node
                .lines()
                .iter()
                .map(|line| escape(line))
                .collect::<Vec<_>>()
                .join("\\n");
            let mut attrs = format!("label=\"{label}\", tooltip=\"{}\"", escape(&node.step));
            if node.choice.is_some() {
                attrs.push_str(", shape=hexagon, fillcolor=\"#fff7e6\"");
            } else if node.join {
                attrs.push_str(", peripheries=2");
            }
            writeln!(out, "    s{n} [{attrs}];")?;
        }
        writeln!(out, "  }}")?;
    }
    for arrow in &diagram.arrows {
        let mut attrs = Vec::new();
        if let Some(label) = &arrow.label {
            attrs.push(format!("label=\"{}\"", escape(label)));
        }
        if arrow.rework {
            attrs.push("style=dashed".to_owned());
            attrs.push("color=\"#cf1322\"".to_owned());
            attrs.push("constraint=false".to_owned());
        }
        if attrs.is_empty() {
            writeln!(out, "  s{} -> s{};", arrow.from, arrow.to)?;
        } else {
            writeln!(
                out,
                "  s{} -> s{} [{}];",
                arrow.from,
                arrow.to,
                attrs.join(", ")
            )?;
        }
    }
    writeln!(out, "}}")?;
    Ok(())
}

/// Escapes text for a quoted DOT string; a line break becomes `\n`.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_quotes_and_backslashes() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
