// The 追溯 timeline: an instance's event log in words.
import { t } from "./i18n.js";
import { h, when, span, workingSpan } from "./fmt.js";

const ICON = {
  instance_started: "▶", step_activated: "●", step_completed: "✔", step_signed: "✎", warning_raised: "⚠",
  deadline_missed: "!", escalated: "⇪", step_paused: "‖", step_resumed: "▷", step_reassigned: "⇄",
  sent_back: "↩", step_skipped: "↷", step_reset: "↺", deadline_revised: "✎", calendar_data_missing: "?",
  instance_completed: "■", instance_cancelled: "✖",
};
const TONE = {
  warning_raised: "warn", deadline_missed: "late", escalated: "late", sent_back: "warn", instance_cancelled: "late",
  step_completed: "ok", instance_completed: "ok", step_paused: "muted", step_resumed: "muted",
};

/** One event in words. */
export function describe(e) {
  const step = e.step ?? t("ev.process");
  switch (e.type) {
    case "instance_started": return t("ev.instance_started");
    case "step_activated": return t("ev.step_activated", e.step, (e.owners ?? []).join("、"));
    case "calendar_data_missing": return t("ev.calendar_data_missing", e.calendar, e.year);
    case "deadline_revised": return t("ev.deadline_revised", step, when(e.due));
    case "step_signed": return t("ev.step_signed", e.step, e.by, e.owner);
    case "warning_raised": return t("ev.warning_raised", step, when(e.due));
    case "deadline_missed": return t("ev.deadline_missed", step, when(e.due));
    case "escalated": return t("ev.escalated", e.level, step, (e.recipients ?? []).join("、")) + (e.reassigned_to ? t("ev.reassigned", e.reassigned_to) : "");
    case "step_paused": return t("ev.step_paused", e.step, e.by, e.reason || "—");
    case "step_resumed": return t("ev.step_resumed", e.step, e.by, span(e.paused_for ?? 0));
    case "step_reassigned": return t("ev.step_reassigned", e.step, e.by, e.to);
    case "step_completed": return t("ev.step_completed", e.step, e.by) + (e.late && e.late_by ? ` · ${t("ev.late_by", workingSpan(e.late_by))}` : "");
    case "step_skipped": return t("ev.step_skipped", e.step) + (e.reason?.kind === "by" ? ` · ${e.reason.actor}: ${e.reason.reason}` : "");
    case "sent_back": return t("ev.sent_back", e.from, e.to, e.count, e.by, e.reason);
    case "step_reset": return t("ev.step_reset", e.step, t(`step.${e.was}`));
    case "instance_completed": return e.on_time === false ? t("ev.instance_completed_late") : t("ev.instance_completed");
    case "instance_cancelled": return t("ev.instance_cancelled", e.by, e.reason);
    default: return e.type ?? "?";
  }
}

/** The timeline list of `events` (as the log holds them, oldest first). */
export function timeline(events) {
  return h("ol", { class: "timeline" }, events.map((raw) => {
    const e = raw.event ?? raw;
    const extra = [];
    if (e.deliverables?.length) extra.push(h("div", { class: "small" }, `${t("ev.deliverables")}: `, e.deliverables.map((d) => h("span", { class: "tag" }, d))));
    if (e.outcomes?.length) extra.push(h("div", { class: "small" }, `${t("ev.outcomes")}: `, e.outcomes.map((d) => h("span", { class: "tag" }, d))));
    const late = e.type === "step_completed" && e.late;
    return h("li", { class: `ev ev-${TONE[e.type] ?? "plain"}${late ? " ev-late" : ""}`, dataset: { type: e.type ?? "" } },
      h("span", { class: "ev-icon", "aria-hidden": "true" }, ICON[e.type] ?? "·"),
      h("div", { class: "ev-body" },
        h("div", {}, describe(e)),
        extra,
        h("time", { class: "muted small", datetime: e.at }, when(e.at), e.command ? ` · ${t("ev.command")} ${e.command}` : "")));
  }));
}
