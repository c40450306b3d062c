// 评分 Scorecard: per department and period, with charts and a CSV export.
// The figures come from the server (the same code as `sopflow report`); the
// page only draws them.
import { api } from "./api.js";
import { language, t } from "./i18n.js";
import { h, mount, isoDate, percent, num } from "./fmt.js";
import { app, failure } from "./app.js";

/**
 * The columns of the table and the CSV, as `sopflow report` prints them
 * (`sopflow::report::COLUMNS`); the server sends them with the scorecard.
 */
const FALLBACK_COLUMNS = [
  { key: "completed", zh: "完成步骤", en: "Completed" },
  { key: "on_time_rate", zh: "按时率", en: "On time" },
  { key: "late", zh: "超时步骤", en: "Late" },
  { key: "lateness_avg_hours", zh: "平均超时(工时)", en: "Avg late (wh)" },
  { key: "lateness_p90_hours", zh: "P90超时(工时)", en: "P90 late (wh)" },
  { key: "warnings", zh: "预警", en: "Warnings" },
  { key: "escalations", zh: "升级", en: "Escalations" },
  { key: "send_backs_caused", zh: "发起退回", en: "Sent back" },
  { key: "send_backs_received", zh: "被退回", en: "Got back" },
  { key: "waiting_hours", zh: "等待他部门(工时)", en: "Waiting (wh)" },
];

/** A figure as the table shows it: the rate as a percentage, hours with decimals, "—" for none. */
export function cell(key, value) {
  if (value === null || value === undefined) return "—";
  return key === "on_time_rate" ? percent(value) : num(value);
}

const PALETTE = ["#1f77b4", "#e8710a", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
const charts = [];

function csv(columns, cards) {
  const quote = (x) => { const s = x === null || x === undefined ? "" : String(x); return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s; };
  const lines = [[t("score.col.department"), ...columns.map(label)].map(quote).join(",")];
  for (const c of cards) lines.push([c.department, ...columns.map((col) => c.figures[col.key])].map(quote).join(","));
  return `\ufeff${lines.join("\r\n")}\r\n`;
}

const label = (col) => (language() === "en" ? col.en : col.zh);

/** Renders the scorecard for the period in the hash query (default: the last 8 weeks). */
export async function scorecard(root, query) {
  for (const c of charts.splice(0)) c.destroy();
  const to = query.get("to") ?? isoDate(new Date(app.now.getTime() + 86400000));
  const from = query.get("from") ?? isoDate(new Date(app.now.getTime() - 56 * 86400000));
  const form = h("form", { class: "filters", onsubmit: (e) => {
    e.preventDefault();
    const d = new FormData(e.target);
    location.hash = `#/scorecard?${new URLSearchParams({ from: d.get("from"), to: d.get("to") })}`;
  } },
  h("label", {}, t("score.from"), h("input", { type: "date", name: "from", value: from })),
  h("label", {}, t("score.to"), h("input", { type: "date", name: "to", value: to })),
  h("button", { type: "submit" }, t("score.apply")));
  const body = h("div", {}, h("p", { class: "muted" }, t("loading")));
  mount(root, h("section", { class: "head" }, h("h1", {}, t("score.title")), h("p", { class: "muted" }, t("score.subtitle"))), form, body);

  let report;
  try {
    report = await api(`/api/v1/scorecard?${new URLSearchParams({ from, to })}`);
  } catch (e) {
    mount(body, failure(e));
    return;
  }
  const columns = report.columns ?? FALLBACK_COLUMNS;
  const cards = report.departments ?? [];
  const download = h("a", { class: "button ghost", download: `scorecard-${from}-${to}.csv`, href: URL.createObjectURL(new Blob([csv(columns, cards)], { type: "text/csv;charset=utf-8" })) }, t("score.csv"));
  const table = h("div", { class: "scroll" }, h("table", { class: "grid score" },
    h("thead", {}, h("tr", {}, h("th", {}, t("score.col.department")), columns.map((col) => h("th", { class: "num" }, label(col))))),
    h("tbody", {}, cards.map((c) => h("tr", { dataset: { department: c.department } },
      h("td", { class: "strong" }, c.department),
      columns.map((col) => h("td", { class: "num", dataset: { col: col.key } }, cell(col.key, c.figures[col.key]))))))));
  const trend = h("canvas", { "aria-label": t("score.trend"), role: "img" });
  const compare = h("canvas", { "aria-label": t("score.compare"), role: "img" });
  const skipped = (report.skipped ?? []).length;
  mount(body,
    h("div", { class: "charts" },
      h("section", { class: "card chart" }, h("h2", {}, t("score.trend")), h("div", { class: "chart-box" }, trend)),
      h("section", { class: "card chart" }, h("h2", {}, t("score.compare")), h("div", { class: "chart-box" }, compare))),
    h("section", { class: "card" },
      h("div", { class: "card-head" }, h("h2", {}, t("score.table", report.instances ?? 0, report.zone ?? "")), download),
      cards.length ? table : h("p", { class: "empty" }, t("empty")),
      skipped ? h("p", { class: "muted small" }, t("score.skipped", skipped)) : null));
  if (!window.Chart) return;
  const Chart = window.Chart;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.animation = false;
  const weeks = report.weeks ?? [];
  const active = cards.filter((c) => c.figures.with_deadline > 0);
  charts.push(new Chart(trend, {
    type: "line",
    data: {
      labels: weeks.map((w) => w.slice(5)),
      datasets: active.map((c, i) => ({
        label: c.department, borderColor: PALETTE[i % PALETTE.length], backgroundColor: PALETTE[i % PALETTE.length], tension: 0.25, spanGaps: true, pointRadius: 4,
        data: (c.trend ?? []).map((f) => (f.on_time_rate === null || f.on_time_rate === undefined ? null : Math.round(f.on_time_rate * 1000) / 10)),
      })),
    },
    options: { maintainAspectRatio: false, scales: { y: { min: 0, max: 100, ticks: { callback: (v) => `${v}%` } } }, plugins: { legend: { position: "bottom" } } },
  }));
  charts.push(new Chart(compare, {
    type: "bar",
    data: {
      labels: cards.map((c) => c.department),
      datasets: [
        { label: t("score.ontime"), backgroundColor: "#4f9a6a", data: cards.map((c) => c.figures.completed - c.figures.late) },
        { label: t("score.late"), backgroundColor: "#d9534f", data: cards.map((c) => c.figures.late) },
        { label: t("score.escalations"), backgroundColor: "#f0a020", stack: "escalations", data: cards.map((c) => c.figures.escalations) },
      ],
    },
    options: { maintainAspectRatio: false, indexAxis: cards.length > 8 ? "y" : "x", scales: { x: { stacked: true }, y: { stacked: true } }, plugins: { legend: { position: "bottom" } } },
  }));
}
