// 流程 Processes: each deployed SOP as its diagram, with its versions and their instances.
import { api } from "./api.js";
import { language, t } from "./i18n.js";
import { h, mount, when } from "./fmt.js";
import { failure, versions } from "./app.js";

/** Fetches a process diagram (SVG from sopflow::graph) and answers an element to show it. */
export async function diagram(process, version) {
  const box = h("div", { class: "diagram" });
  try {
    const q = `?${new URLSearchParams({ ...(version ? { version } : {}), lang: language() === "en" ? "en" : "zh" })}`;
    const text = await api(`/api/v1/processes/${encodeURIComponent(process)}/diagram.svg${q}`, { accept: "image/svg+xml" });
    const doc = new DOMParser().parseFromString(String(text), "image/svg+xml");
    const svg = doc.documentElement;
    if (svg.nodeName !== "svg") throw new Error("not an SVG");
    for (const bad of svg.querySelectorAll("script, foreignObject")) bad.remove();
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", process);
    box.append(document.importNode(svg, true));
  } catch (e) {
    box.classList.add("diagram-missing");
    box.append(h("p", { class: "muted small" }, t("diagram.unavailable", e.message)));
  }
  return box;
}

/** Renders the processes view. */
export async function processes(root) {
  mount(root, h("section", { class: "head" }, h("h1", {}, t("processes.title")), h("p", { class: "muted" }, t("processes.subtitle"))), h("p", { class: "muted" }, t("loading")));
  let all;
  try {
    all = await versions(true);
  } catch (e) {
    mount(root, failure(e));
    return;
  }
  const byProcess = new Map();
  for (const v of all) {
    if (!byProcess.has(v.process)) byProcess.set(v.process, []);
    byProcess.get(v.process).push(v);
  }
  const cards = [];
  for (const [name, list] of [...byProcess].sort(([a], [b]) => a.localeCompare(b))) {
    list.sort((a, b) => b.version - a.version);
    const newest = list[0];
    const open = list.reduce((n, v) => n + (v.open ?? 0), 0);
    const card = h("article", { class: "card process", dataset: { process: name } },
      h("header", {},
        h("h2", {}, name),
        h("a", { class: "button ghost", href: `#/board?process=${encodeURIComponent(name)}` }, `${t("processes.instances")} (${t("processes.open", open)})`)),
      h("div", { class: "diagram-slot" }, h("p", { class: "muted small" }, t("loading"))),
      h("table", { class: "grid versions" }, h("tbody", {}, list.map((v) => h("tr", {},
        h("td", {}, h("b", {}, t("processes.version", v.version)), v === newest ? h("span", { class: "pill pill-ok" }, t("processes.latest")) : null),
        h("td", { class: "muted small" }, t("processes.deployed", when(v.deployed_at)), h("br"), h("code", {}, v.fingerprint ?? "")),
        h("td", {}, h("a", { href: `#/board?process=${encodeURIComponent(name)}&status=open` }, t("processes.open", v.open ?? 0))),
        h("td", {}, h("a", { href: `#/board?process=${encodeURIComponent(name)}&status=completed` }, t("processes.completed", v.completed ?? 0))),
        h("td", { class: "muted" }, t("processes.cancelled", v.cancelled ?? 0)))))));
    cards.push(card);
    diagram(name, newest.version).then((d) => {
      // A file of shared declarations (departments, calendars) deploys with no steps: no picture.
      if (d.querySelector("svg") && !d.querySelector("[data-step]")) d.replaceChildren(h("p", { class: "muted small" }, t("processes.nosteps")));
      card.querySelector(".diagram-slot").replaceWith(d);
    });
  }
  mount(root, h("section", { class: "head" }, h("h1", {}, t("processes.title")), h("p", { class: "muted" }, t("processes.subtitle"))),
    cards.length ? cards : h("p", { class: "empty" }, t("empty")));
}
