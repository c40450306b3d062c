//! Mermaid flowcharts (GitHub, GitLab and 飞书 docs render them).
//!
//! Node ids are ASCII (`s0`, `s1`, …) and every label is quoted, with the
//! characters Mermaid treats specially written as entity codes, so any
//! step name (Chinese, `&`, quotes, `#`, brackets) survives.

use std::fmt::Write as _;

use super::Diagram;

/// Draws `diagram` as a Mermaid `flowchart`: one `subgraph` per department,
/// deadlines in the step boxes, outcome labels on the arrows out of
/// choices, and rework arrows dashed (`-.->`).
///
/// # Example
/// ```
/// use sopflow::diagnostics::Lang;
/// use sopflow::graph::{mermaid, Diagram};
///
/// let def = sopflow::parse("市场部:提案 → 研发部:评估", "x.sop");
/// let text = mermaid(&Diagram::new(&def.unwrap(), Lang::En));
/// assert!(text.contains("subgraph lane0[\"市场部\"]"));
/// assert!(text.contains("s0 --> s1"));
/// ```
pub fn mermaid(diagram: &Diagram) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write_mermaid(diagram, &mut out);
    out
}

fn write_mermaid(diagram: &Diagram, out: &mut String) -> std::fmt::Result {
    writeln!(out, "flowchart TB")?;
    let title = match &diagram.deadline {
        Some(deadline) => format!("{} · {deadline}", diagram.title),
        None => diagram.title.clone(),
    };
    writeln!(out, "  %% {}", title.replace('\n', " "))?;
    for (l, lane) in diagram.lanes.iter().enumerate() {
        writeln!(out, "  subgraph lane{l}[\"{}\"]", escape(&lane.department))?;
        for &n in &lane.nodes {
            let node = &diagram.nodes[n];
            let label = node
                .lines()
                .iter()
                .map(|line| escape(line))
                .collect::<Vec<_>>()
                .join("<br/>");
            // Choices are hexagons, joins subroutine boxes, other steps rounded boxes.
            let (open, close) = if node.choice.is_some() {
                ("{{", "}}")
            } else if node.join {
                ("[[", "]]")
            } else {
                ("(", ")")
            };
            writeln!(out, "    s{n}{open}\"{label}\"{close}")?;
        }
        writeln!(out, "  end")?;
    }
    for arrow in &diagram.arrows {
        let line = if arrow.rework { "-.->" } else { "-->" };
        match &arrow.label {
            Some(label) => writeln!(
                out,
                "  s{} {line}|\"{}\"| s{}",
                arrow.from,
                escape(label),
                arrow.to
            )?,
            None => writeln!(out, "  s{} {line} s{}", arrow.from, arrow.to)?,
        }
    }
    for (n, node) in diagram.nodes.iter().enumerate() {
        if node.choice.is_some() {
            writeln!(out, "  class s{n} choice")?;
        }
    }
    writeln!(out, "  classDef choice fill:#fff7e6,stroke:#d48806")?;
    Ok(())
}

/// Escapes a label for a quoted Mermaid string: entity codes for the
/// characters Mermaid reads as markup, spaces for line breaks.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '|' => out.push_str("#124;"),
            '`' => out.push_str("#96;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("a\"b#<c>&|`\n"),
            "a#quot;b#35;#lt;c#gt;#amp;#124;#96; "
        );
        assert_eq!(escape("研发部:评估"), "研发部:评估");
    }
}
