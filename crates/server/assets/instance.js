// 实例 Instance: the diagram coloured by step status, the steps, the actions
// the token may take, and the 追溯 timeline.
import { api, commandId, rows, token } from "./api.js";
import { t } from "./i18n.js";
import { h, mount, when, timeLeft } from "./fmt.js";
import { app, failure, toast, route } from "./app.js";
import { diagram } from "./processes.js";
import { timeline } from "./timeline.js";
import { stepState } from "./board.js";

/** Renders one instance. */
export async function instance(root, _query, id) {
  mount(root, h("p", { class: "muted" }, t("loading")));
  let view, events, defs = null;
  try {
    [view, events] = await Promise.all([
      api(`/api/v1/instances/${encodeURIComponent(id)}`),
      api(`/api/v1/instances/${encodeURIComponent(id)}/events`),
    ]);
  } catch (e) {
    mount(root, h("a", { href: "#/board", class: "back" }, t("instance.back")), failure(e));
    return;
  }
  try {
    defs = await api(`/api/v1/processes/${encodeURIComponent(view.process)}/versions/${view.version}/steps`);
  } catch { /* actions fall back to free text */ }
  const steps = view.steps ?? [];
  const statusOf = new Map(steps.map((s) => [s.key, s.status]));
  const pic = await diagram(view.process, view.version);
  for (const g of pic.querySelectorAll("[data-step]")) {
    const status = statusOf.get(g.dataset.step);
    if (status) g.classList.add(`st-${status}`);
    const step = steps.find((s) => s.key === g.dataset.step);
    if (step && (status === "active" || status === "paused") && stepState(step, app.now).kind === "late") g.classList.add("st-late");
  }
  const stepRows = steps.map((s) => {
    const live = s.status === "active" || s.status === "paused";
    const state = live ? stepState(s, app.now) : null;
    return h("tr", { class: `step-${s.status}${state ? ` row-${state.kind}` : ""}`, dataset: { step: s.key } },
      h("td", { "data-label": t("instance.col.step") }, h("span", { class: `dot dot-${s.status}` }), s.key),
      h("td", { "data-label": t("board.col.owner") }, (s.owners ?? []).join("、")),
      h("td", { "data-label": t("instance.col.status") }, h("span", { class: `pill pill-step-${s.status}` }, t(`step.${s.status}`))),
      h("td", { "data-label": t("board.col.due") }, s.due ? when(s.due, app.now) : "—"),
      h("td", { "data-label": t("board.col.left"), class: "left" }, live ? timeLeft(s.working_time_left_seconds, s.working_day_seconds) : ""),
      h("td", { "data-label": t("board.col.state") }, state ? h("span", { class: `pill pill-${state.kind}` }, state.text) : ""));
  });
  const status = view.status ?? "open";
  mount(root,
    h("a", { href: "#/board", class: "back" }, t("instance.back")),
    h("section", { class: "head instance-head" },
      h("h1", {}, t("instance.title", view.id ?? id), " ", h("span", { class: `pill pill-status-${status}` }, t(`status.${status}`))),
      h("p", { class: "muted" }, t("instance.process", view.process, view.version), " · ", t("instance.started", when(view.created_at, app.now)))),
    view.error ? h("p", { class: "failure" }, t("instance.error", view.error)) : null,
    h("div", { class: "card" }, pic),
    h("section", { class: "card" }, h("h2", {}, t("instance.steps")),
      h("div", { class: "scroll" }, h("table", { class: "grid steps" },
        h("thead", {}, h("tr", {}, ["instance.col.step", "board.col.owner", "instance.col.status", "board.col.due", "board.col.left", "board.col.state"].map((k) => h("th", {}, t(k))))),
        h("tbody", {}, stepRows)))),
    h("div", { class: "columns" },
      h("div", { class: "col-main" },
        h("section", { class: "card" }, h("h2", {}, t("instance.actions")), actions(view, defs))),
      h("section", { class: "card col-side" }, h("h2", {}, t("instance.timeline")), timeline(rows(events, "events")))));
}

function definition(defs, key) {
  return rows(defs, "steps").find((s) => s.key === key) ?? null;
}

function actions(view, defs) {
  const live = (view.steps ?? []).filter((s) => s.status === "active" || s.status === "paused");
  if (!live.length || view.status !== "open") return h("p", { class: "muted" }, t("instance.noactive"));
  return [token() ? null : h("p", { class: "muted small" }, t("instance.notoken")),
    live.map((s) => stepActions(view, s, definition(defs, s.key)))];
}

function stepActions(view, step, def) {
  const owners = [...new Set([...(step.owners ?? []), ...(def?.owners ?? [])])];
  const paused = step.status === "paused";
  const kinds = paused ? ["resume"] : ["complete", "sendback", "pause", "delegate"];
  const box = h("div", { class: "actions", dataset: { step: step.key } });
  const result = h("p", { class: "result", role: "status" });
  const actor = h("input", { name: "actor", value: owners[0] ?? "", list: `actors-${step.key}`, required: true, size: 10 });
  const tabs = h("div", { class: "segmented", role: "tablist" });
  const body = h("div", { class: "action-body" });
  function show(kind) {
    for (const b of tabs.children) b.classList.toggle("active", b.dataset.kind === kind);
    mount(body, form(kind));
  }
  for (const kind of kinds) tabs.append(h("button", { type: "button", dataset: { kind }, onclick: () => show(kind) }, t(`action.${kind}`)));

  function form(kind) {
    const fields = [];
    if (kind === "complete") {
      const declared = def?.deliverables ?? [];
      if (declared.length) {
        fields.push(h("fieldset", {}, h("legend", {}, t("action.deliverables")),
          declared.map((d) => h("label", { class: "check" }, h("input", { type: "checkbox", name: "deliverable", value: d, checked: true }), d))));
      } else {
        fields.push(h("label", {}, t("action.deliverables"), h("input", { name: "deliverables", placeholder: "《…》, 《…》" })));
      }
      const choice = def?.choice;
      if (choice?.outcomes?.length) {
        fields.push(h("fieldset", {}, h("legend", {}, t("action.outcomes")),
          choice.outcomes.map((o, i) => h("label", { class: "check" }, h("input", { type: choice.multi ? "checkbox" : "radio", name: "outcome", value: o, checked: i === 0 }), o))));
      } else if (choice || !def) {
        fields.push(h("label", {}, t("action.outcomes"), h("input", { name: "outcomes" })));
      }
    } else if (kind === "sendback") {
      const targets = def?.send_back_to ?? [];
      fields.push(h("label", {}, t("action.to"), targets.length
        ? h("select", { name: "to" }, targets.map((k) => h("option", { value: k }, k)))
        : h("input", { name: "to", required: true })));
      fields.push(h("label", {}, t("action.reason"), h("input", { name: "reason", required: true, class: "wide" })));
    } else if (kind === "pause") {
      fields.push(h("label", {}, t("action.reason"), h("input", { name: "reason", class: "wide" })));
    } else if (kind === "delegate") {
      fields.push(h("label", {}, t("action.delegate_to"), h("input", { name: "to", required: true })));
    }
    const f = h("form", { class: "action-form", dataset: { kind }, onsubmit: (e) => { e.preventDefault(); submit(kind, f); } },
      fields, h("button", { type: "submit", class: "primary" }, `${t(`action.${kind}`)}: ${step.key}`));
    return f;
  }

  async function submit(kind, f) {
    const data = new FormData(f);
    const list = (name) => String(data.get(name) ?? "").split(/[,，、]/).map((x) => x.trim()).filter(Boolean);
    const base = { id: commandId(), actor: actor.value.trim() };
    let command;
    if (kind === "complete") {
      const deliverables = data.getAll("deliverable").map(String).concat(list("deliverables"));
      const outcomes = data.getAll("outcome").map(String).concat(list("outcomes"));
      command = { type: "complete", ...base, step: step.key };
      if (deliverables.length) command.deliverables = deliverables;
      if (outcomes.length) command.outcomes = outcomes;
    } else if (kind === "sendback") {
      command = { type: "send_back", ...base, from: step.key, to: String(data.get("to")), reason: String(data.get("reason") ?? "") };
    } else if (kind === "pause") {
      command = { type: "pause", ...base, step: step.key, reason: String(data.get("reason") ?? "") };
    } else if (kind === "resume") {
      command = { type: "resume", ...base, step: step.key };
    } else {
      command = { type: "delegate", ...base, step: step.key, to: String(data.get("to")) };
    }
    const button = f.querySelector("button[type=submit]");
    button.disabled = true;
    result.className = "result";
    result.textContent = t("loading");
    try {
      await api(`/api/v1/instances/${encodeURIComponent(view.id)}/commands`, { method: "POST", body: command });
      toast(t("action.done", `${t(`action.${kind}`)} ${step.key}`));
      await route();
    } catch (e) {
      result.className = "result failure";
      result.textContent = e.message;
      button.disabled = false;
    }
  }

  box.append(
    h("div", { class: "actions-head" }, h("b", {}, step.key),
      h("label", { class: "inline" }, t("action.actor"), actor, h("datalist", { id: `actors-${step.key}` }, owners.map((o) => h("option", { value: o }))))),
    tabs, body, result);
  show(kinds[0]);
  return box;
}
