// Small helpers: building elements safely, dates and working-time durations.
import { language, t } from "./i18n.js";

/** Builds an element: h("a", {href: "#"}, "text", child…). Text is never parsed as HTML. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "class") el.className = value;
    else if (name === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Replaces the content of `el` with `children`. */
export function mount(el, ...children) {
  el.replaceChildren();
  for (const child of children.flat(Infinity)) if (child) el.append(child);
  return el;
}

const locale = () => (language() === "en" ? "en-GB" : "zh-CN");

/** "3月4日 18:00" (with the year when it is not this year's). */
export function when(iso, now = new Date()) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const opts = { month: language() === "en" ? "short" : "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", hour12: false };
  if (d.getFullYear() !== now.getFullYear()) opts.year = "numeric";
  return new Intl.DateTimeFormat(locale(), opts).format(d);
}

/** A date for `<input type=date>`: YYYY-MM-DD. */
export function isoDate(d) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Seconds of working time as words: "1.5 个工作日", "3 个工作小时". */
export function workingSpan(seconds, daySeconds = 8 * 3600) {
  const s = Math.abs(seconds);
  const round = (x) => (Math.round(x * 10) / 10).toLocaleString(locale());
  if (s >= daySeconds) return t("unit.wd", round(s / daySeconds));
  if (s >= 3600) return t("unit.wh", round(s / 3600));
  return t("unit.wm", Math.max(1, Math.round(s / 60)));
}

/** "还剩 1.5 个工作日" or "已超时 3 个工作小时". */
export function timeLeft(seconds, daySeconds) {
  if (seconds === undefined || seconds === null) return t("left.none");
  return seconds >= 0 ? t("left.ahead", workingSpan(seconds, daySeconds)) : t("left.late", workingSpan(seconds, daySeconds));
}

/** Seconds of calendar time as words ("2 小时 5 分" / "2h 5m"). */
export function span(seconds) {
  const m = Math.round(Math.abs(seconds) / 60);
  const d = Math.floor(m / 1440), hh = Math.floor((m % 1440) / 60), mm = m % 60;
  const zh = language() !== "en";
  const parts = [];
  if (d) parts.push(zh ? `${d} 天` : `${d}d`);
  if (hh) parts.push(zh ? `${hh} 小时` : `${hh}h`);
  if (mm || !parts.length) parts.push(zh ? `${mm} 分` : `${mm}m`);
  return parts.join(" ");
}

/** A percentage: 0.875 → "87.5%". */
export function percent(x) {
  return x === null || x === undefined || Number.isNaN(x) ? "—" : `${(Math.round(x * 1000) / 10).toLocaleString(locale())}%`;
}

/** A number with up to two decimals (as `sopflow report` gives hours), or "—". */
export function num(x) {
  return x === null || x === undefined || Number.isNaN(x) ? "—" : x.toLocaleString(locale(), { maximumFractionDigits: 2 });
}
