//! Self-contained SVG, laid out by [`layout-rs`](https://crates.io/crates/layout-rs)
//! (feature `svg`).
//!
//! layout-rs ranks the steps and routes the arrows (a Sugiyama layout, as
//! Graphviz's `dot`); this module sizes the boxes for the text they hold
//! (display width: a Chinese character is two columns), and writes the
//! SVG itself so that each step is one group the page can style:
//! `<g class="step" data-step="研发部:评估" data-department="研发部">`.
//! layout-rs draws no clusters, so a step's lane is its colour, named on
//! the first line of its box, with a legend of the lanes above the flow.
//! The SVG loads nothing: no fonts, scripts or images from elsewhere.

use std::fmt::Write as _;

use layout::core::base::Orientation;
use layout::core::format::{ClipHandle, RenderBackend};
use layout::core::geometry::Point;
use layout::core::style::{LineStyleKind, StyleAttr};
use layout::std_shapes::shapes::{Arrow as LayoutArrow, Element, LineEndKind, ShapeKind};
use layout::topo::layout::VisualGraph;

use super::{width, Diagram};

/// Font size of step text, in pixels.
const FONT: f64 = 14.0;
/// Width of one display column (half a Chinese character), in pixels.
const COLUMN: f64 = 7.6;
/// Height of one line of text, in pixels.
const LINE: f64 = 19.0;
/// Padding inside a box, in pixels.
const PAD: f64 = 12.0;
/// Lane fills, one per department in order (repeating after eight).
const FILLS: [&str; 8] = [
    "#e6f4ff", "#f6ffed", "#fff7e6", "#f9f0ff", "#e6fffb", "#fff0f6", "#fcffe6", "#f0f5ff",
];
/// Lane strokes matching [`FILLS`].
const STROKES: [&str; 8] = [
    "#1677ff", "#52c41a", "#fa8c16", "#722ed1", "#13c2c2", "#eb2f96", "#a0d911", "#2f54eb",
];

/// Draws `diagram` as a standalone SVG document.
///
/// Every step is a `<g class="step" data-step="…" data-department="…">`
/// holding its box and text (classes `choice` and `join` are added for
/// those steps), every arrow a `<path class="arrow">` (`class="arrow
/// rework"`, dashed, for send-backs), and outcome labels `<g
/// class="outcome">`. Text uses the font stack "Noto Sans CJK SC",
/// "PingFang SC", "Microsoft YaHei", sans-serif.
///
/// # Example
/// ```
/// use sopflow::diagnostics::Lang;
/// use sopflow::graph::{svg, Diagram};
///
/// let def = sopflow::parse("市场部:提案 → 研发部:评估 within 3d", "x.sop").unwrap();
/// let text = svg(&Diagram::new(&def, Lang::Zh));
/// assert!(text.starts_with("<svg"));
/// assert!(text.contains(r#"<g class="step" data-step="研发部:评估" data-department="研发部">"#));
/// ```
pub fn svg(diagram: &Diagram) -> String {
    let mut graph = VisualGraph::new(Orientation::TopToBottom);
    let mut handles = Vec::with_capacity(diagram.nodes.len());
    for n in 0..diagram.nodes.len() {
        let (w, h) = box_size(&node_lines(diagram, n));
        let element = Element::create_with_properties(
            ShapeKind::new_box(""),
            StyleAttr::simple(),
            Orientation::TopToBottom,
            Point::new(w, h),
            format!("n{n}"),
        );
        handles.push(graph.add_node(element));
    }
    for (a, arrow) in diagram.arrows.iter().enumerate() {
        let kind = if arrow.rework { "rework" } else { "flow" };
        let style = if arrow.rework {
            LineStyleKind::Dashed
        } else {
            LineStyleKind::Normal
        };
        let line = |end: LineEndKind| {
            let mut line = LayoutArrow::simple("");
            line.end = end;
            line.line_style = style;
            line.properties = Some(kind.to_owned());
            line
        };
        let (from, to) = (handles[arrow.from], handles[arrow.to]);
        match &arrow.label {
            // A label is a box of its own on the arrow, sized for its text.
            Some(label) => {
                let (w, h) = box_size(&[label.as_str()]);
                let element = Element::create_with_properties(
                    ShapeKind::new_box(""),
                    StyleAttr::simple(),
                    Orientation::TopToBottom,
                    Point::new(w, h - PAD),
                    format!("l{a}"),
                );
                let middle = graph.add_node(element);
                graph.add_edge(line(LineEndKind::None), from, middle);
                graph.add_edge(line(LineEndKind::Arrow), middle, to);
            }
            None => graph.add_edge(line(LineEndKind::Arrow), from, to),
        }
    }
    let mut canvas = Canvas::new(diagram);
    if !diagram.nodes.is_empty() {
        graph.do_it(false, false, false, &mut canvas);
    }
    canvas.finish()
}

/// The lines of a step's box: its department, then what [`super::Node::lines`] gives.
fn node_lines(diagram: &Diagram, n: usize) -> Vec<&str> {
    let node = &diagram.nodes[n];
    let mut lines = vec![node.department.as_str()];
    if node.title != node.department {
        lines.push(node.title.as_str());
    }
    lines.extend(node.lines().into_iter().skip(1));
    lines
}

/// The size of a box holding `lines`, from their display width.
fn box_size(lines: &[&str]) -> (f64, f64) {
    let columns = lines.iter().map(|line| width(line)).max().unwrap_or(0);
    // Display widths are small (names are short), so the cast is exact.
    let w = columns as f64 * COLUMN + 2.0 * PAD;
    let h = lines.len() as f64 * LINE + PAD;
    (w.max(60.0), h)
}

/// The lane colour index of a department.
fn lane_of(diagram: &Diagram, department: &str) -> usize {
    diagram
        .lanes
        .iter()
        .position(|lane| lane.department == department)
        .unwrap_or(0)
}

/// The render backend layout-rs draws into: it records where the boxes and
/// arrows went, and writes them as sopflow's SVG.
struct Canvas<'a> {
    diagram: &'a Diagram,
    body: String,
    min: Point,
    max: Point,
}

impl<'a> Canvas<'a> {
    fn new(diagram: &'a Diagram) -> Self {
        Canvas {
            diagram,
            body: String::new(),
            min: Point::new(f64::MAX, f64::MAX),
            max: Point::new(f64::MIN, f64::MIN),
        }
    }

    fn grow(&mut self, p: Point) {
        self.min = Point::new(self.min.x.min(p.x), self.min.y.min(p.y));
        self.max = Point::new(self.max.x.max(p.x), self.max.y.max(p.y));
    }

    /// Writes the text lines centred in a box at `xy` of `size`.
    fn text(&mut self, xy: Point, size: Point, lines: &[&str], bold_first: bool) {
        let top = xy.y + (size.y - lines.len() as f64 * LINE) / 2.0 + LINE * 0.75;
        let x = xy.x + size.x / 2.0;
        for (i, line) in lines.iter().enumerate() {
            let class = if bold_first && i == 0 {
                " class=\"lane\""
            } else {
                ""
            };
            let _ = writeln!(
                self.body,
                "    <text x=\"{}\" y=\"{}\" text-anchor=\"middle\"{class}>{}</text>",
                num(x),
                num(top + i as f64 * LINE),
                xml(line)
            );
        }
    }

    fn finish(self) -> String {
        let diagram = self.diagram;
        let margin = 16.0;
        let title_h = 28.0;
        let legend_h = 26.0;
        let (min, max) = if self.min.x > self.max.x {
            (Point::zero(), Point::new(200.0, 0.0))
        } else {
            (self.min, self.max)
        };
        let head = title_h + legend_h;
        let x0 = min.x - margin;
        let y0 = min.y - margin - head;
        let mut legend_w = 0.0;
        let mut legend = String::new();
        for (l, lane) in diagram.lanes.iter().enumerate() {
            let w = width(&lane.department) as f64 * COLUMN + 16.0;
            let _ = writeln!(
                legend,
                "  <g class=\"lane\" data-department=\"{}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"20\" rx=\"4\" fill=\"{}\" stroke=\"{}\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text></g>",
                xml(&lane.department),
                num(x0 + margin + legend_w),
                num(y0 + margin + title_h),
                num(w),
                FILLS[l % FILLS.len()],
                STROKES[l % STROKES.len()],
                num(x0 + margin + legend_w + w / 2.0),
                num(y0 + margin + title_h + 15.0),
                xml(&lane.department)
            );
            legend_w += w + 8.0;
        }
        let title = match &diagram.deadline {
            Some(deadline) => format!("{} · {deadline}", diagram.title),
            None => diagram.title.clone(),
        };
        let title_w = width(&title) as f64 * 8.5;
        let w = (max.x - min.x + 2.0 * margin)
            .max(legend_w + 2.0 * margin)
            .max(title_w + 2.0 * margin);
        let h = max.y - min.y + 2.0 * margin + head;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"{} {} {} {}\" width=\"{}\" height=\"{}\" role=\"img\" aria-label=\"{}\">",
            num(x0),
            num(y0),
            num(w),
            num(h),
            num(w),
            num(h),
            xml(&diagram.title)
        );
        let _ = writeln!(out, "  <title>{}</title>", xml(&title));
        let _ = writeln!(
            out,
            "  <style>\n    svg {{ font-family: \"Noto Sans CJK SC\", \"PingFang SC\", \"Microsoft YaHei\", sans-serif; font-size: {FONT}px; }}\n    text {{ fill: #1f1f1f; }}\n    text.lane {{ font-size: 12px; fill: #595959; }}\n    .step rect {{ stroke-width: 1.5; }}\n    .step.join rect {{ stroke-width: 3; }}\n    .arrow {{ fill: none; stroke: #595959; stroke-width: 1.5; }}\n    .arrow.rework {{ stroke: #cf1322; stroke-dasharray: 6 4; }}\n    .outcome rect {{ fill: #ffffff; stroke: none; }}\n    .outcome text {{ font-size: 12px; fill: #8c5a00; }}\n  </style>"
        );
        let _ = writeln!(
            out,
            "  <defs><marker id=\"head\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#595959\"/></marker><marker id=\"head-rework\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#cf1322\"/></marker></defs>"
        );
        let _ = writeln!(
            out,
            "  <text x=\"{}\" y=\"{}\" font-size=\"16\" font-weight=\"bold\">{}</text>",
            num(x0 + margin),
            num(y0 + margin + 16.0),
            xml(&title)
        );
        out.push_str(&legend);
        out.push_str(&self.body);
        out.push_str("</svg>\n");
        out
    }
}

impl RenderBackend for Canvas<'_> {
    fn draw_rect(
        &mut self,
        xy: Point,
        size: Point,
        _look: &StyleAttr,
        properties: Option<String>,
        _clip: Option<ClipHandle>,
    ) {
        let Some(properties) = properties else { return };
        self.grow(xy);
        self.grow(xy.add(size));
        let diagram = self.diagram;
        if let Some(n) = properties
            .strip_prefix('n')
            .and_then(|n| n.parse::<usize>().ok())
        {
            let Some(node) = diagram.nodes.get(n) else {
                return;
            };
            let lane = lane_of(diagram, &node.department);
            let mut class = String::from("step");
            if node.choice.is_some() {
                class.push_str(" choice");
            }
            if node.join {
                class.push_str(" join");
            }
            let _ = writeln!(
                self.body,
                "  <g class=\"{class}\" data-step=\"{}\" data-department=\"{}\">",
                xml(&node.step),
                xml(&node.department)
            );
            let _ = writeln!(self.body, "    <title>{}</title>", xml(&node.step));
            let rx = if node.choice.is_some() { 2 } else { 8 };
            let _ = writeln!(
                self.body,
                "    <rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{rx}\" fill=\"{}\" stroke=\"{}\"/>",
                num(xy.x),
                num(xy.y),
                num(size.x),
                num(size.y),
                FILLS[lane % FILLS.len()],
                STROKES[lane % STROKES.len()]
            );
            let lines = node_lines(diagram, n);
            self.text(xy, size, &lines, true);
            self.body.push_str("  </g>\n");
        } else if let Some(a) = properties
            .strip_prefix('l')
            .and_then(|a| a.parse::<usize>().ok())
        {
            let Some(arrow) = diagram.arrows.get(a) else {
                return;
            };
            let Some(label) = arrow.label.as_deref() else {
                return;
            };
            let class = if arrow.rework {
                "outcome rework"
            } else {
                "outcome"
            };
            let _ = writeln!(self.body, "  <g class=\"{class}\">");
            let _ = writeln!(
                self.body,
                "    <rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\"/>",
                num(xy.x),
                num(xy.y),
                num(size.x),
                num(size.y)
            );
            self.text(xy, size, &[label], false);
            self.body.push_str("  </g>\n");
        }
    }

    fn draw_line(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>) {}

    fn draw_circle(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>) {}

    fn draw_text(&mut self, _: Point, _: &str, _: &StyleAttr) {}

    fn draw_arrow(
        &mut self,
        path: &[(Point, Point)],
        _dashed: bool,
        head: (bool, bool),
        _look: &StyleAttr,
        properties: Option<String>,
        _text: &str,
    ) {
        if path.len() < 2 {
            return;
        }
        for point in path {
            self.grow(point.0);
            self.grow(point.1);
        }
        // As layout-rs's own SVG writer: the first pair is the exit vector,
        // each later pair an entry vector (cubic Bézier, then smooth curves).
        let mut d = format!(
            "M {} {} C {} {}, {} {}, {} {}",
            num(path[0].0.x),
            num(path[0].0.y),
            num(path[0].1.x),
            num(path[0].1.y),
            num(path[1].0.x),
            num(path[1].0.y),
            num(path[1].1.x),
            num(path[1].1.y)
        );
        for point in &path[2..] {
            let _ = write!(
                d,
                " S {} {}, {} {}",
                num(point.0.x),
                num(point.0.y),
                num(point.1.x),
                num(point.1.y)
            );
        }
        let rework = properties.as_deref() == Some("rework");
        let (class, marker) = if rework {
            ("arrow rework", "head-rework")
        } else {
            ("arrow", "head")
        };
        let mut markers = String::new();
        if head.0 {
            let _ = write!(markers, " marker-start=\"url(#{marker})\"");
        }
        if head.1 {
            let _ = write!(markers, " marker-end=\"url(#{marker})\"");
        }
        // Arrows go before the boxes they join, so boxes cover their ends.
        let path = format!("  <path class=\"{class}\" d=\"{d}\"{markers}/>\n");
        self.body.insert_str(0, &path);
    }

    fn create_clip(&mut self, _: Point, _: Point, _: usize) -> ClipHandle {
        0
    }
}

/// A coordinate with at most one decimal, without `-0`.
fn num(x: f64) -> String {
    let rounded = (x * 10.0).round() / 10.0;
    if rounded == 0.0 {
        "0".to_owned()
    } else {
        format!("{rounded}")
    }
}

/// Escapes text for XML content and attribute values.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_xml() {
        assert_eq!(xml("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
    }

    #[test]
    fn boxes_fit_chinese_text() {
        let (narrow, _) = box_size(&["abcd"]);
        let (wide, _) = box_size(&["研发评估"]);
        assert!(wide > narrow * 1.5, "{wide} vs {narrow}");
    }
}
