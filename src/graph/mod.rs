//! Pictures of a process: a [`Diagram`] built from a [`Definition`], drawn
//! as Mermaid ([`mermaid`]), Graphviz DOT ([`dot`]) or, with the `svg`
//! feature, a self-contained SVG ([`svg`]).
//!
//! The diagram has one swimlane per department (the department that names
//! each step), a deadline on each step that has one, choices with their
//! outcome labels on the arrows, joins (steps with several arrows in) and
//! rework (send-back, 退回) arrows, which every format draws dashed.
//!
//! This module reads only the [`Definition`]; it knows no files, clock or
//! execution. Labels are in the [`Lang`] asked for; names come from the
//! `.sop` source as written.
//!
//! # Example
//! ```
//! use sopflow::diagnostics::Lang;
//! use sopflow::graph::Diagram;
//!
//! let def = sopflow::parse("市场部:提交需求 → 研发部:评估 within 3d", "新品.sop").unwrap();
//! let diagram = Diagram::new(&def, Lang::Zh);
//! assert_eq!(diagram.lanes.len(), 2);
//! let mermaid = sopflow::graph::mermaid(&diagram);
//! assert!(mermaid.starts_with("flowchart TB"));
//! assert!(mermaid.contains("时限 3d"));
//! ```

mod dot;
mod mermaid;
#[cfg(feature = "svg")]
mod svg;

pub use dot::dot;
pub use mermaid::mermaid;
#[cfg(feature = "svg")]
pub use svg::svg;

use crate::diagnostics::Lang;
use crate::model::{Anchor, Condition, Deadline, Definition, SignMode, Sla};

/// A process as a picture: lanes of steps and the arrows between them,
/// independent of any drawing format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagram {
    /// The process name.
    pub title: String,
    /// The whole-process deadline as written (`时限 60wd`), if any.
    pub deadline: Option<String>,
    /// One lane per department, in the order departments first name a step.
    pub lanes: Vec<Lane>,
    /// The steps in a topological order; arrows refer to them by index.
    pub nodes: Vec<Node>,
    /// The flow arrows, then the rework arrows.
    pub arrows: Vec<Arrow>,
}

/// A swimlane: the steps a department names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lane {
    /// The department, e.g. `研发部`.
    pub department: String,
    /// Indexes into [`Diagram::nodes`].
    pub nodes: Vec<usize>,
}

/// One step in the picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The step key, e.g. `研发部:评估`.
    pub step: String,
    /// The department that names the step (its lane).
    pub department: String,
    /// The action (`评估`), or the department for a step named by it alone.
    pub title: String,
    /// Co-owners and how they sign (`销售部 & 市场部 · 会签`), for steps with several owners.
    pub owners: Option<String>,
    /// The deadline as written, e.g. `时限 3wd` or `截止 上市日 - 5wd`.
    pub deadline: Option<String>,
    /// Set for a choice step: `单选`/`多选` (`one`/`any`).
    pub choice: Option<String>,
    /// Whether several arrows lead into the step (a join, or a merge after a choice).
    pub join: bool,
}

impl Node {
    /// The text lines of the step's box: title, owners, deadline, choice.
    pub fn lines(&self) -> Vec<&str> {
        let mut lines = vec![self.title.as_str()];
        lines.extend(self.owners.as_deref());
        lines.extend(self.deadline.as_deref());
        lines.extend(self.choice.as_deref());
        lines
    }
}

/// An arrow between two steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrow {
    /// Index of the source node.
    pub from: usize,
    /// Index of the target node.
    pub to: usize,
    /// The outcome label (`设计缺陷 | 功能缺失`, `其他`), or the rework limit.
    pub label: Option<String>,
    /// Whether this is a rework (send-back) arrow, drawn dashed.
    pub rework: bool,
}

impl Diagram {
    /// Builds the picture of `definition`, with labels in `lang`.
    pub fn new(definition: &Definition, lang: Lang) -> Diagram {
        let zh = lang == Lang::Zh;
        let mut index = vec![usize::MAX; definition.graph().node_count()];
        let mut nodes = Vec::with_capacity(index.len());
        let mut lanes: Vec<Lane> = Vec::new();
        for (id, step) in definition.steps() {
            let i = nodes.len();
            index[id.index()] = i;
            let department = step.department().to_owned();
            match lanes.iter_mut().find(|lane| lane.department == department) {
                Some(lane) => lane.nodes.push(i),
                None => lanes.push(Lane {
                    department: department.clone(),
                    nodes: vec![i],
                }),
            }
            let owners = (step.owners.len() > 1).then(|| {
                let sign = match (step.sign, zh) {
                    (SignMode::All, true) => "会签",
                    (SignMode::Any, true) => "或签",
                    (SignMode::All, false) => "all sign",
                    (SignMode::Any, false) => "any signs",
                };
                format!("{} · {sign}", step.owners.join(" & "))
            });
            let choice = step.choice.as_ref().map(|choice| {
                match (choice.multi, zh) {
                    (false, true) => "◇ 单选",
                    (true, true) => "◇ 多选",
                    (false, false) => "◇ one outcome",
                    (true, false) => "◇ any outcomes",
                }
                .to_owned()
            });
            nodes.push(Node {
                step: step.key.clone(),
                title: step.action().unwrap_or(&department).to_owned(),
                department,
                owners,
                deadline: step.deadline.as_ref().map(|d| describe(d, zh)),
                choice,
                join: definition.predecessors(id).count() > 1,
            });
        }
        let mut arrows = Vec::new();
        for (id, _) in definition.steps() {
            for (to, edge) in definition.successors(id) {
                let label = match &edge.condition {
                    Condition::Always => None,
                    Condition::When(outcomes) => Some(outcomes.join(" | ")),
                    Condition::Otherwise => Some(if zh { "其他" } else { "otherwise" }.to_owned()),
                };
                arrows.push(Arrow {
                    from: index[id.index()],
                    to: index[to.index()],
                    label,
                    rework: false,
                });
            }
        }
        for rework in definition.reworks() {
            let label = if zh {
                format!("退回 ≤{}次", rework.max)
            } else {
                format!("rework ≤{}", rework.max)
            };
            arrows.push(Arrow {
                from: index[rework.from.index()],
                to: index[rework.to.index()],
                label: Some(label),
                rework: true,
            });
        }
        Diagram {
            title: definition.name().to_owned(),
            deadline: definition
                .header()
                .deadline
                .as_ref()
                .map(|d| describe(d, zh)),
            lanes,
            nodes,
            arrows,
        }
    }
}

/// A deadline as the author wrote it, with the keyword in `zh` or English.
fn describe(deadline: &Deadline, zh: bool) -> String {
    match deadline {
        Deadline::Within(sla) => {
            let keyword = if zh { "时限" } else { "within" };
            format!("{keyword} {}", describe_sla(sla, zh))
        }
        Deadline::By { anchor, minus } => {
            let keyword = if zh { "截止" } else { "by" };
            let anchor = match anchor {
                Anchor::Date(date) => date.to_string(),
                Anchor::Attribute(name) => name.clone(),
            };
            match minus {
                Some(d) => format!("{keyword} {anchor} - {d}"),
                None => format!("{keyword} {anchor}"),
            }
        }
    }
}

/// `P1 2h, P2 1wd`, or the default duration alone.
fn describe_sla(sla: &Sla, zh: bool) -> String {
    let mut parts: Vec<String> = sla
        .by_priority
        .iter()
        .map(|(priority, d)| format!("{priority} {d}"))
        .collect();
    if let Some(d) = sla.default {
        if parts.is_empty() {
            parts.push(d.to_string());
        } else {
            parts.push(format!("{} {d}", if zh { "其余" } else { "else" }));
        }
    }
    parts.join(", ")
}

/// The display width of a line (a Chinese character is 2 columns).
#[cfg_attr(not(feature = "svg"), allow(dead_code))]
pub(crate) fn width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}
