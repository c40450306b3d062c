// 看板 Board: open instances, the late and nearly late first, one row per active step.
import { api, rows, nextCursor } from "./api.js";
import { t } from "./i18n.js";
import { h, mount, when, timeLeft } from "./fmt.js";
import { app, failure, processNames } from "./app.js";

// The server sends the late first, so the first page is the one that matters.
const PAGE = 100;

/** Active (or paused) steps of a list row, whatever the server calls them. */
export function activeSteps(item) {
  const steps = item.steps ?? item.active_steps ?? item.active ?? [];
  return steps.filter((s) => !s.status || s.status === "active" || s.status === "paused");
}

/** The warning / escalation state of a step: {level: "late"|"warn"|"ok"|"paused", text}. */
export function stepState(step, now) {
  const left = step.working_time_left_seconds;
  const level = step.escalation_level ?? 0;
  const late = step.warn === "missed" || (left !== undefined && left !== null && left < 0) || (step.due && new Date(step.due) <= now);
  const warned = step.warn === "warned" || (step.warn_at && new Date(step.warn_at) <= now);
  const parts = [];
  let kind = "ok";
  if (step.status === "paused") { kind = "paused"; parts.push(t("state.paused")); }
  else if (late) { kind = "late"; parts.push(t("state.late")); }
  else if (warned) { kind = "warn"; parts.push(t("state.warn")); }
  else parts.push(t("state.ok"));
  if (level) parts.push(t("state.esc", level));
  if (step.delegated_to) parts.push(t("state.delegated", step.delegated_to));
  return { kind, text: parts.join(" · ") };
}

function sortKey(row) {
  const left = row.step.working_time_left_seconds;
  if (left !== undefined && left !== null) return left;
  if (row.step.due) return (new Date(row.step.due) - app.now) / 1000;
  return Number.POSITIVE_INFINITY;
}

/** Renders the board into `root` with the filters of the hash query. */
export async function board(root, query) {
  const filters = { process: query.get("process") ?? "", department: query.get("department") ?? "", status: query.get("status") ?? "open" };
  const list = h("div", { class: "board-list" }, h("p", { class: "muted" }, t("loading")));
  const summary = h("div", { class: "summary" });
  const select = (name, options) => h("select", { name, onchange: apply },
    options.map(([value, label]) => h("option", { value, selected: value === filters[name] }, label)));
  const form = h("form", { class: "filters", onsubmit: (e) => { e.preventDefault(); apply(); } },
    h("label", {}, t("board.filter.process"), select("process", [["", t("board.filter.all")], ...(await processNames()).map((p) => [p, p])])),
    h("label", {}, t("board.filter.department"), h("input", { name: "department", value: filters.department, list: "departments", placeholder: t("board.filter.all"), onchange: apply })),
    h("label", {}, t("board.filter.status"), select("status", ["open", "overdue", "completed", "cancelled"].map((s) => [s, t(`status.${s}`)]))),
    h("datalist", { id: "departments" }, app.departments.map((d) => h("option", { value: d }))));
  function apply() {
    const data = new FormData(form);
    const q = new URLSearchParams();
    for (const key of ["process", "department", "status"]) if (data.get(key)) q.set(key, data.get(key));
    location.hash = `#/board?${q}`;
  }
  mount(root, h("section", { class: "head" }, h("h1", {}, t("board.title")), h("p", { class: "muted" }, t("board.subtitle"))), form, summary, list);

  const loaded = [];
  let cursor = null;
  async function page() {
    const q = new URLSearchParams({ limit: PAGE });
    for (const [k, v] of Object.entries(filters)) if (v) q.set(k, v);
    if (cursor) q.set("cursor", cursor);
    const answer = await api(`/api/v1/instances?${q}`);
    const items = rows(answer);
    loaded.push(...items);
    cursor = nextCursor(answer);
  }
  try {
    await page();
  } catch (e) {
    mount(list, failure(e));
    return;
  }
  draw();

  function draw() {
    const lines = [];
    for (const item of loaded) {
      const steps = activeSteps(item).filter((s) => !filters.department || (s.owners ?? []).includes(filters.department) || s.key.startsWith(`${filters.department}:`));
      if (!steps.length) lines.push({ item, step: { key: "", owners: [] } });
      for (const step of steps) lines.push({ item, step });
    }
    lines.sort((a, b) => sortKey(a) - sortKey(b) || a.item.id.localeCompare(b.item.id));
    const counts = { late: 0, warn: 0, ok: 0 };
    const body = lines.map(({ item, step }) => {
      const state = step.key ? stepState(step, app.now) : { kind: "none", text: item.status ? t(`status.${item.status}`) : "" };
      if (state.kind in counts) counts[state.kind] += 1;
      const href = `#/instance/${encodeURIComponent(item.id)}`;
      return h("tr", { class: `row-${state.kind}`, dataset: { instance: item.id, step: step.key } },
        h("td", { "data-label": t("board.col.instance") }, h("a", { href, class: "strong" }, item.id), h("div", { class: "muted small" }, `${item.process} · v${item.version}`)),
        h("td", { "data-label": t("board.col.step") }, step.key || h("span", { class: "muted" }, t("board.none"))),
        h("td", { "data-label": t("board.col.owner") }, (step.owners ?? []).join("、")),
        h("td", { "data-label": t("board.col.due") }, step.key ? when(step.due, app.now) : ""),
        h("td", { "data-label": t("board.col.left"), class: "left" }, step.key ? timeLeft(step.working_time_left_seconds, step.working_day_seconds) : ""),
        h("td", { "data-label": t("board.col.state") }, h("span", { class: `pill pill-${state.kind}` }, state.text)));
    });
    mount(summary,
      h("span", { class: "chip chip-late" }, t("board.summary.late"), h("b", {}, counts.late)),
      h("span", { class: "chip chip-warn" }, t("board.summary.warn"), h("b", {}, counts.warn)),
      h("span", { class: "chip chip-ok" }, t("board.summary.ok"), h("b", {}, counts.ok)),
      h("span", { class: "muted small" }, t("board.count", loaded.length)));
    if (!lines.length) { mount(list, h("p", { class: "empty" }, t("empty"))); return; }
    const more = cursor ? h("button", { type: "button", class: "more", onclick: async (e) => {
      e.target.disabled = true;
      try { await page(); draw(); } catch (err) { e.target.replaceWith(failure(err)); }
    } }, t("more")) : null;
    mount(list, h("table", { class: "grid board" },
      h("thead", {}, h("tr", {}, ["instance", "step", "owner", "due", "left", "state"].map((c) => h("th", {}, t(`board.col.${c}`))))),
      h("tbody", {}, body)), more);
  }
}
