//! The scorecard as one self-contained HTML file: the table, drawn on the
//! server side (readable without scripts), and three charts drawn by
//! Chart.js, inlined from [`sopflow_server::assets::CHART_JS`]. Nothing is
//! loaded from the network.

use std::fmt::Write as _;
use std::io::{self, Write};

use sopflow::diagnostics::Lang;
use sopflow::report::{Scorecard, COLUMNS};

use super::table::{label, period};

/// Escapes text for HTML element content and attribute values.
fn escape(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&#39;"),
            c => s.push(c),
        }
    }
    s
}

/// JSON that is safe inside a `<script>` element: no `<`, `>` or `&` left
/// unescaped, so no `</script>` can end it early.
fn script_json(value: &impl serde::Serialize) -> io::Result<String> {
    let json = serde_json::to_string(value).map_err(io::Error::other)?;
    Ok(json
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026"))
}

/// The class of an on-time rate cell: good, fair or poor.
fn rate_class(rate: Option<f64>) -> &'static str {
    match rate {
        Some(r) if r >= 0.95 => "good",
        Some(r) if r >= 0.8 => "fair",
        Some(_) => "poor",
        None => "",
    }
}

const STYLE: &str = r#"
:root { --ink:#1f2933; --muted:#616e7c; --line:#e4e7eb; --bg:#f5f7fa; --card:#fff;
  --good:#1f7a4d; --fair:#b7791f; --poor:#c53030; }
* { box-sizing:border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
  font:15px/1.6 "Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif; }
main { max-width:1180px; margin:0 auto; padding:28px 24px 48px; }
h1 { font-size:26px; margin:0 0 4px; letter-spacing:.02em; }
h2 { font-size:18px; margin:0 0 14px; }
.sub { color:var(--muted); margin:0 0 24px; }
section { background:var(--card); border:1px solid var(--line); border-radius:10px;
  padding:20px 22px; margin:0 0 20px; box-shadow:0 1px 2px rgba(0,0,0,.04); }
.grid { display:grid; grid-template-columns:1fr 1fr; gap:20px; }
.grid section { margin:0; }
@media (max-width:860px) { .grid { grid-template-columns:1fr; } }
.scroll { overflow-x:auto; }
table { border-collapse:collapse; width:100%; font-variant-numeric:tabular-nums; }
th, td { padding:8px 10px; border-bottom:1px solid var(--line); white-space:nowrap; }
th { text-align:right; font-weight:600; color:var(--muted); font-size:13px; }
td { text-align:right; }
th:first-child, td:first-child { text-align:left; }
td:first-child { font-weight:600; }
tbody tr:hover { background:#f8fafc; }
td.good { color:var(--good); font-weight:600; } td.fair { color:var(--fair); font-weight:600; }
td.poor { color:var(--poor); font-weight:600; }
.chart { position:relative; height:320px; }
.notes { color:var(--muted); font-size:13px; }
.notes li { margin:2px 0; }
"#;

/// Chart drawing: reads the scorecard JSON and the labels, draws three charts.
const SCRIPT: &str = r#"
const card = JSON.parse(document.getElementById('scorecard').textContent);
const L = JSON.parse(document.getElementById('labels').textContent);
const palette = ['#2563eb','#dc2626','#059669','#d97706','#7c3aed','#0891b2','#db2777','#65a30d','#475569','#ea580c'];
const color = i => palette[i % palette.length];
const names = card.departments.map(d => d.department);
Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
Chart.defaults.color = '#52606d';
Chart.defaults.animation = false;
new Chart(document.getElementById('compare'), {
  data: { labels: names, datasets: [
    { type:'bar', label:L.completed, data: card.departments.map(d => d.figures.completed), backgroundColor:'#93c5fd', yAxisID:'y' },
    { type:'bar', label:L.late, data: card.departments.map(d => d.figures.late), backgroundColor:'#fca5a5', yAxisID:'y' },
    { type:'line', label:L.rate, data: card.departments.map(d => d.figures.on_time_rate == null ? null : d.figures.on_time_rate * 100),
      borderColor:'#1f7a4d', backgroundColor:'#1f7a4d', yAxisID:'pct', tension:0, pointRadius:4 } ] },
  options: { maintainAspectRatio:false, interaction:{ mode:'index', intersect:false },
    scales: { y:{ beginAtZero:true, title:{ display:true, text:L.steps }, ticks:{ precision:0 } },
      pct:{ position:'right', min:0, max:100, grid:{ drawOnChartArea:false }, title:{ display:true, text:L.rate + ' %' } } } } });
new Chart(document.getElementById('hours'), {
  type:'bar',
  data: { labels: names, datasets: [
    { label:L.avg, data: card.departments.map(d => d.figures.lateness_avg_hours ?? 0), backgroundColor:'#fbbf24' },
    { label:L.p90, data: card.departments.map(d => d.figures.lateness_p90_hours ?? 0), backgroundColor:'#f97316' },
    { label:L.waiting, data: card.departments.map(d => d.figures.waiting_hours), backgroundColor:'#a5b4fc' } ] },
  options: { maintainAspectRatio:false, scales:{ y:{ beginAtZero:true, title:{ display:true, text:L.wh } } } } });
const weeks = card.weeks;
new Chart(document.getElementById('trend'), {
  type:'line',
  data: { labels: weeks, datasets: card.departments.map((d, i) => ({
    label: d.department, data: d.trend.map(f => f.on_time_rate == null ? null : f.on_time_rate * 100),
    borderColor: color(i), backgroundColor: color(i), spanGaps:true, tension:0, pointRadius:3 })) },
  options: { maintainAspectRatio:false, scales:{ y:{ min:0, max:100, title:{ display:true, text:L.rate + ' %' } } } } });
new Chart(document.getElementById('volume'), {
  type:'bar',
  data: { labels: weeks, datasets: card.departments.map((d, i) => ({
    label: d.department, data: d.trend.map(f => f.completed), backgroundColor: color(i) })) },
  options: { maintainAspectRatio:false, scales:{ x:{ stacked:true }, y:{ stacked:true, beginAtZero:true, ticks:{ precision:0 }, title:{ display:true, text:L.steps } } } } });
"#;

/// Writes the HTML file.
pub(super) fn html(card: &Scorecard, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    let t = |zh: &'static str, en: &'static str| label(lang, zh, en);
    let mut s = String::new();
    let title = t("跨部门协作评分", "Cross-department scorecard");
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n\
         <h1>{title}</h1>\n<p class=\"sub\">{}</p>\n",
        t("zh-CN", "en"),
        escape(&period(card, lang)),
    );

    // The table.
    let _ = write!(
        s,
        "<section>\n<h2>{}</h2>\n<div class=\"scroll\"><table>\n<thead><tr><th>{}</th>",
        t("各部门指标", "Figures by department"),
        t("部门", "Department")
    );
    for c in COLUMNS {
        let _ = write!(s, "<th>{}</th>", escape(label(lang, c.zh, c.en)));
    }
    s.push_str("</tr></thead>\n<tbody>\n");
    for d in &card.departments {
        let _ = write!(s, "<tr><td>{}</td>", escape(&d.department));
        for c in COLUMNS {
            let class = if c.key == "on_time_rate" {
                rate_class(d.figures.on_time_rate)
            } else {
                ""
            };
            let cell = escape(&d.figures.cell(c.key).unwrap_or_default());
            if class.is_empty() {
                let _ = write!(s, "<td>{cell}</td>");
            } else {
                let _ = write!(s, "<td class=\"{class}\">{cell}</td>");
            }
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody></table></div>\n</section>\n");

    // The charts.
    let chart = |s: &mut String, id: &str, heading: &str| {
        let _ = write!(
            s,
            "<section>\n<h2>{}</h2>\n<div class=\"chart\"><canvas id=\"{id}\"></canvas></div>\n</section>\n",
            escape(heading)
        );
    };
    s.push_str("<div class=\"grid\">\n");
    chart(
        &mut s,
        "compare",
        t(
            "部门对比：完成与按时率",
            "Departments: completed and on time",
        ),
    );
    chart(
        &mut s,
        "hours",
        t(
            "部门对比：超时与等待（工时）",
            "Departments: lateness and waiting (working hours)",
        ),
    );
    chart(
        &mut s,
        "trend",
        t("按周趋势：按时率", "Trend by week: on-time rate"),
    );
    chart(
        &mut s,
        "volume",
        t("按周趋势：完成步骤", "Trend by week: steps completed"),
    );
    s.push_str("</div>\n");

    // How the figures are counted.
    let _ = write!(
        s,
        "<section class=\"notes\">\n<h2>{}</h2>\n<ul>\n",
        t("口径说明", "How the figures are counted")
    );
    let notes: &[(&str, &str)] = &[
        ("每个数字归入其事件时刻所在的周期（起点含、终点不含）；周从所在时区的周一 0 点开始。",
         "A figure belongs to the period of its event's instant (from inclusive, to exclusive); weeks start on Monday 00:00 in the zone."),
        ("超时：步骤在截止时间之后完成；超时时长按流程日历计工作时间（不计周末、节假日和下班时间）。平均与 P90 只在超时步骤中计算。",
         "Late: completed after the deadline; lateness is working time on the process calendar (no weekends, holidays or off hours). Average and P90 are over the late steps."),
        ("按时率 = 按时完成 ÷ 有时限的完成步骤。",
         "On-time rate = steps on time ÷ completed steps that had a deadline."),
        ("会签等联合负责的步骤计入每个负责部门；转交不改变归属。预警和升级计入被预警步骤的负责部门。",
         "Co-owned steps count for each owner department; delegation does not move the charge. Warnings and escalations are charged to the owners of the step."),
        ("发起退回计入退回方步骤的部门，被退回计入重新收到工作的步骤的部门。",
         "Sent back is charged to the department whose step sends work back; got back to the one whose step gets it again."),
        ("等待他部门：部门交出工作、手上没有进行中的步骤之后，到它的下一个步骤开始之间的工作时间。",
         "Waiting: working time from when a department handed over and had nothing active until its next step began."),
    ];
    for (zh, en) in notes {
        let _ = writeln!(s, "<li>{}</li>", escape(label(lang, zh, en)));
    }
    s.push_str("</ul>\n</section>\n</main>\n");

    let labels = serde_json::json!({
        "completed": t("完成步骤", "Completed"),
        "late": t("超时步骤", "Late"),
        "rate": t("按时率", "On-time rate"),
        "steps": t("步骤数", "Steps"),
        "avg": t("平均超时", "Average lateness"),
        "p90": t("P90 超时", "P90 lateness"),
        "waiting": t("等待他部门", "Waiting on others"),
        "wh": t("工时", "Working hours"),
    });
    let _ = write!(
        s,
        "<script type=\"application/json\" id=\"scorecard\">{}</script>\n\
         <script type=\"application/json\" id=\"labels\">{}</script>\n<script>\n",
        script_json(card)?,
        script_json(&labels)?
    );
    out.write_all(s.as_bytes())?;
    out.write_all(sopflow_server::assets::CHART_JS.as_bytes())?;
    write!(
        out,
        "\n</script>\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        let json = script_json(&"</script><!--&").unwrap();
        assert!(!json.contains('<') && !json.contains('&'), "{json}");
    }
}
