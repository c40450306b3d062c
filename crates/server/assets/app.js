// The page's shell: routes (#/board, #/processes, #/instance/ID, #/scorecard),
// the token field, the language switch and the server's clock.
import { api, rows, setToken, token } from "./api.js";
import { language, setLanguage, t, translate } from "./i18n.js";
import { h, when } from "./fmt.js";
import { board } from "./board.js";
import { processes } from "./processes.js";
import { instance } from "./instance.js";
import { scorecard } from "./scorecard.js";

/** What every view shares: the server's "now", the deployed versions, departments seen. */
export const app = { now: new Date(), versions: null, departments: [] };

/** A failure as a paragraph a person can read, with a retry button. */
export function failure(error) {
  return h("div", { class: "failure", role: "alert" },
    h("p", {}, error.message ?? String(error)),
    h("button", { type: "button", onclick: () => route() }, t("retry")));
}

/** Shows a short message at the bottom of the page. */
export function toast(text, kind = "ok") {
  const el = document.getElementById("toast");
  el.textContent = text;
  el.className = `toast toast-${kind}`;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.hidden = true; }, 5000);
}

/** The deployed versions (`GET /api/v1/processes`), fetched once per route; `strict` rethrows failures. */
export async function versions(strict = false) {
  if (!app.versions) {
    try {
      const answer = await api("/api/v1/processes");
      app.versions = rows(answer).flatMap((p) => (Array.isArray(p.versions) ? p.versions.map((v) => ({ process: p.process ?? p.name, ...v })) : [p]));
    } catch (e) {
      if (strict) throw e;
      app.versions = [];
    }
  }
  return app.versions;
}

/** The names of the deployed processes. */
export async function processNames() {
  return [...new Set((await versions()).map((v) => v.process))].sort();
}

async function clock() {
  try {
    const answer = await api("/api/v1/clock");
    const now = new Date(answer.now ?? answer);
    if (!Number.isNaN(now.getTime())) {
      app.now = now;
      const el = document.getElementById("clock");
      const virtual = Boolean(answer.virtual ?? answer.is_virtual);
      el.textContent = `${virtual ? `${t("clock.virtual")} · ` : ""}${t("clock.now", when(now.toISOString(), new Date(0)))}`;
      el.title = virtual ? t("clock.virtual") : "";
      el.classList.toggle("virtual", virtual);
      return;
    }
  } catch { /* the clock endpoint is optional */ }
  app.now = new Date();
}

const views = { board, processes, instance, scorecard };

/** Draws the view the hash names. */
export async function route() {
  const hash = location.hash.replace(/^#\/?/, "") || "board";
  const [path, search = ""] = hash.split("?");
  const [name, ...rest] = path.split("/");
  const view = views[name] ? name : "board";
  for (const a of document.querySelectorAll("#tabs a")) {
    a.classList.toggle("active", a.dataset.view === view || (view === "instance" && a.dataset.view === "board"));
  }
  app.versions = null;
  await clock();
  const root = document.getElementById("view");
  root.dataset.view = view;
  root.setAttribute("aria-busy", "true");
  try {
    await views[view](root, new URLSearchParams(search), rest.map(decodeURIComponent).join("/"));
  } catch (e) {
    root.replaceChildren(failure(e));
  } finally {
    root.setAttribute("aria-busy", "false");
    root.dataset.ready = String(Date.now());
  }
}

function shell() {
  setLanguage(language());
  const lang = document.getElementById("lang");
  const paint = () => { translate(); lang.textContent = language() === "en" ? "中文" : "EN"; };
  paint();
  lang.addEventListener("click", () => { setLanguage(language() === "en" ? "zh" : "en"); paint(); route(); });
  const bar = document.getElementById("token-bar");
  const input = document.getElementById("token");
  input.value = token();
  if (!token()) bar.hidden = false;
  document.getElementById("token-toggle").addEventListener("click", () => { bar.hidden = !bar.hidden; if (!bar.hidden) input.focus(); });
  bar.addEventListener("submit", (e) => { e.preventDefault(); setToken(input.value.trim()); toast(t("token.saved")); bar.hidden = true; route(); });
  document.getElementById("token-clear").addEventListener("click", () => { input.value = ""; setToken(""); toast(t("token.cleared")); route(); });
  window.addEventListener("hashchange", route);
  route();
}

shell();
