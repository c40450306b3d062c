// Words of the page, Chinese first; `t(key, ...args)` fills {0}, {1}, ….
const zh = {
  "brand": "看板",
  "nav.board": "看板", "nav.processes": "流程", "nav.scorecard": "评分",
  "token.button": "令牌", "token.label": "访问令牌 (Authorization: Bearer)", "token.save": "保存",
  "token.clear": "清除", "token.note": "令牌只保存在本浏览器 (localStorage)。", "token.saved": "令牌已保存",
  "token.cleared": "令牌已清除",
  "clock.now": "现在 {0}", "clock.virtual": "虚拟时钟",
  "loading": "加载中…", "empty": "没有记录", "more": "加载更多", "retry": "重试",
  "error.http": "请求失败 ({0}): {1}", "error.network": "连不上服务器: {0}",
  "error.unauthorized": "需要有效的访问令牌: 点右上角“令牌”填写。",
  "error.forbidden": "这个令牌无权查看或操作。",
  "board.title": "看板: 进行中的实例", "board.subtitle": "超时与临近超时的排在最前。",
  "board.filter.process": "流程", "board.filter.department": "部门", "board.filter.status": "状态",
  "board.filter.all": "全部", "status.open": "进行中", "status.overdue": "已超时", "status.completed": "已完成",
  "status.cancelled": "已取消", "board.col.instance": "实例", "board.col.step": "当前步骤",
  "board.col.owner": "负责部门", "board.col.due": "截止时间", "board.col.left": "剩余工作时间",
  "board.col.state": "预警 / 升级", "board.none": "没有进行中的步骤",
  "board.count": "显示 {0} 个实例", "board.summary.late": "已超时", "board.summary.warn": "预警中",
  "board.summary.ok": "正常",
  "left.ahead": "还剩 {0}", "left.late": "已超时 {0}", "left.none": "无时限",
  "unit.wd": "{0} 个工作日", "unit.wh": "{0} 个工作小时", "unit.wm": "{0} 个工作分钟",
  "state.ok": "正常", "state.warn": "超时预警", "state.late": "已超时", "state.esc": "已升级至第 {0} 级", "state.delegated": "已转交 {0}",
  "state.paused": "已暂停",
  "step.pending": "未开始", "step.active": "进行中", "step.paused": "已暂停", "step.done": "已完成",
  "step.skipped": "已跳过",
  "processes.title": "流程", "processes.subtitle": "已部署的 SOP、各版本及其实例数。",
  "processes.version": "版本 {0}", "processes.deployed": "部署于 {0}", "processes.open": "进行中 {0}",
  "processes.completed": "已完成 {0}", "processes.cancelled": "已取消 {0}", "processes.latest": "最新",
  "processes.instances": "查看实例", "processes.nosteps": "没有步骤: 只有共享的声明 (部门、日历、升级阶梯)。", "diagram.unavailable": "流程图暂不可用: {0}",
  "instance.title": "实例 {0}", "instance.process": "流程 {0} · 版本 {1}", "instance.started": "开始于 {0}",
  "instance.steps": "步骤", "instance.col.step": "步骤", "instance.col.status": "状态", "instance.timeline": "追溯记录", "instance.actions": "操作",
  "instance.back": "← 返回看板", "instance.notoken": "服务器要求令牌时, 请先点右上角“令牌”填写。",
  "instance.noactive": "没有可办理的步骤。", "instance.error": "上次定时处理失败: {0}",
  "action.actor": "以谁的身份", "action.complete": "完成", "action.sendback": "退回", "action.pause": "暂停",
  "action.resume": "恢复", "action.delegate": "委托", "action.deliverables": "交付物",
  "action.outcomes": "结果", "action.to": "退回到", "action.reason": "原因", "action.delegate_to": "委托给",
  "action.submit": "提交", "action.done": "已提交: {0}",
  "ev.instance_started": "实例开始", "ev.step_activated": "{0} 开始, 负责: {1}",
  "ev.calendar_data_missing": "{0} 的 {1} 年日历数据缺失", "ev.deadline_revised": "{0} 截止时间改为 {1}",
  "ev.step_signed": "{0} 由 {1} 会签 ({2})", "ev.warning_raised": "超时预警: {0} 将于 {1} 到期",
  "ev.deadline_missed": "已超时: {0} 截止于 {1}", "ev.escalated": "升级 L{0}: {1} 通知 {2}",
  "ev.reassigned": ", 改派给 {0}", "ev.step_paused": "{0} 被 {1} 暂停: {2}",
  "ev.step_resumed": "{0} 被 {1} 恢复 (暂停了 {2})", "ev.step_reassigned": "{0} 由 {1} 交给 {2}",
  "ev.step_completed": "{0} 由 {1} 完成", "ev.late_by": "超时 {0}", "ev.step_skipped": "{0} 跳过",
  "ev.sent_back": "{0} 退回到 {1} (第 {2} 次), {3}: {4}", "ev.step_reset": "{0} 重置 (原为 {1})",
  "ev.instance_completed": "实例完成", "ev.instance_completed_late": "实例完成 (有超时)",
  "ev.instance_cancelled": "实例被 {0} 取消: {1}", "ev.process": "整个流程",
  "ev.deliverables": "交付物", "ev.outcomes": "结果", "ev.command": "指令",
  "score.title": "跨部门协作评分", "score.subtitle": "按部门和时段统计, 与 sopflow report 同一口径。",
  "score.from": "从", "score.to": "到", "score.apply": "查看", "score.csv": "导出 CSV",
  "score.trend": "按周趋势: 准时率", "score.compare": "部门对比: 完成步骤、超时与升级",
  "score.col.department": "部门", "score.col.completed": "完成步骤", "score.col.on_time": "准时率",
  "score.col.avg_late": "平均超时 (工作小时)", "score.col.p90_late": "P90 超时 (工作小时)",
  "score.col.warnings": "收到预警", "score.col.escalations": "收到升级", "score.col.sent_back_caused": "导致退回",
  "score.col.sent_back_received": "收到退回", "score.col.waiting": "等待他部门 (工作小时)",
  "score.late": "超时完成", "score.escalations": "收到升级", "score.table": "各部门评分 ({0} 个实例, 时区 {1})",
  "score.skipped": "有 {0} 处记录无法计入 (缺少流程定义或步骤), 详见 JSON。", "score.ontime": "准时完成", "score.unavailable": "评分暂不可用: {0}",
};
const en = {
  "brand": "Board",
  "nav.board": "Board", "nav.processes": "Processes", "nav.scorecard": "Scorecard",
  "token.button": "Token", "token.label": "Access token (Authorization: Bearer)", "token.save": "Save",
  "token.clear": "Clear", "token.note": "The token stays in this browser (localStorage).", "token.saved": "Token saved",
  "token.cleared": "Token cleared",
  "clock.now": "Now {0}", "clock.virtual": "virtual clock",
  "loading": "Loading…", "empty": "Nothing here", "more": "Load more", "retry": "Retry",
  "error.http": "Request failed ({0}): {1}", "error.network": "Cannot reach the server: {0}",
  "error.unauthorized": "A valid access token is needed: set it under “Token”, top right.",
  "error.forbidden": "This token may not see or do this.",
  "board.title": "Board: open instances", "board.subtitle": "Late and nearly late first.",
  "board.filter.process": "Process", "board.filter.department": "Department", "board.filter.status": "Status",
  "board.filter.all": "All", "status.open": "Open", "status.overdue": "Overdue", "status.completed": "Completed",
  "status.cancelled": "Cancelled", "board.col.instance": "Instance", "board.col.step": "Active step",
  "board.col.owner": "Owner", "board.col.due": "Due", "board.col.left": "Working time left",
  "board.col.state": "Warning / escalation", "board.none": "No active step",
  "board.count": "{0} instances shown", "board.summary.late": "Late", "board.summary.warn": "Warned",
  "board.summary.ok": "On track",
  "left.ahead": "{0} left", "left.late": "{0} late", "left.none": "no deadline",
  "unit.wd": "{0} working days", "unit.wh": "{0} working hours", "unit.wm": "{0} working minutes",
  "state.ok": "On track", "state.warn": "Warning", "state.late": "Late", "state.esc": "Escalated to level {0}", "state.delegated": "delegated to {0}",
  "state.paused": "Paused",
  "step.pending": "Pending", "step.active": "Active", "step.paused": "Paused", "step.done": "Done",
  "step.skipped": "Skipped",
  "processes.title": "Processes", "processes.subtitle": "Deployed SOPs, their versions and instances.",
  "processes.version": "Version {0}", "processes.deployed": "deployed {0}", "processes.open": "{0} open",
  "processes.completed": "{0} completed", "processes.cancelled": "{0} cancelled", "processes.latest": "newest",
  "processes.instances": "Instances", "processes.nosteps": "No steps: shared declarations only (departments, calendars, ladders).", "diagram.unavailable": "Diagram unavailable: {0}",
  "instance.title": "Instance {0}", "instance.process": "Process {0} · version {1}", "instance.started": "started {0}",
  "instance.steps": "Steps", "instance.col.step": "Step", "instance.col.status": "Status", "instance.timeline": "Timeline", "instance.actions": "Actions",
  "instance.back": "← Back to the board", "instance.notoken": "If the server asks for a token, set it under “Token”, top right.",
  "instance.noactive": "No step to act on.", "instance.error": "The last timer round failed: {0}",
  "action.actor": "Acting as", "action.complete": "Complete", "action.sendback": "Send back", "action.pause": "Pause",
  "action.resume": "Resume", "action.delegate": "Delegate", "action.deliverables": "Deliverables",
  "action.outcomes": "Outcome", "action.to": "Back to", "action.reason": "Reason", "action.delegate_to": "Delegate to",
  "action.submit": "Submit", "action.done": "Done: {0}",
  "ev.instance_started": "Instance started", "ev.step_activated": "{0} started, owner: {1}",
  "ev.calendar_data_missing": "{0}: calendar data for {1} missing", "ev.deadline_revised": "{0} now due {1}",
  "ev.step_signed": "{0} signed by {1} ({2})", "ev.warning_raised": "Warning: {0} due {1}",
  "ev.deadline_missed": "Late: {0} was due {1}", "ev.escalated": "Escalated L{0}: {1} to {2}",
  "ev.reassigned": ", reassigned to {0}", "ev.step_paused": "{0} paused by {1}: {2}",
  "ev.step_resumed": "{0} resumed by {1} (paused {2})", "ev.step_reassigned": "{0} handed by {1} to {2}",
  "ev.step_completed": "{0} completed by {1}", "ev.late_by": "{0} late", "ev.step_skipped": "{0} skipped",
  "ev.sent_back": "{0} sent back to {1} (time {2}), {3}: {4}", "ev.step_reset": "{0} reset (was {1})",
  "ev.instance_completed": "Instance completed", "ev.instance_completed_late": "Instance completed (late)",
  "ev.instance_cancelled": "Instance cancelled by {0}: {1}", "ev.process": "the process",
  "ev.deliverables": "Deliverables", "ev.outcomes": "Outcomes", "ev.command": "command",
  "score.title": "Cross-department scorecard", "score.subtitle": "Per department and period; the same figures as sopflow report.",
  "score.from": "From", "score.to": "To", "score.apply": "Show", "score.csv": "Export CSV",
  "score.trend": "Trend by week: on-time rate", "score.compare": "Departments: steps completed, late, escalations",
  "score.col.department": "Department", "score.col.completed": "Steps completed", "score.col.on_time": "On time",
  "score.col.avg_late": "Avg lateness (working h)", "score.col.p90_late": "P90 lateness (working h)",
  "score.col.warnings": "Warnings", "score.col.escalations": "Escalations", "score.col.sent_back_caused": "Send-backs caused",
  "score.col.sent_back_received": "Send-backs received", "score.col.waiting": "Waiting on others (working h)",
  "score.late": "Completed late", "score.escalations": "Escalations", "score.table": "Departments ({0} instances, zone {1})",
  "score.skipped": "{0} records could not be counted (definition or step missing); see the JSON.", "score.ontime": "Completed on time", "score.unavailable": "Scorecard unavailable: {0}",
};

const dictionaries = { zh, en };
let lang = localStorage.getItem("sopflow.lang") === "en" ? "en" : "zh";

/** The current language, `zh` or `en`. */
export function language() { return lang; }

/** Switches the language and remembers it. */
export function setLanguage(next) {
  lang = next === "en" ? "en" : "zh";
  localStorage.setItem("sopflow.lang", lang);
  document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
}

/** The text for `key` in the current language, with {0}, {1}, … filled in. */
export function t(key, ...args) {
  const text = dictionaries[lang][key] ?? zh[key] ?? key;
  return text.replace(/\{(\d+)\}/g, (_, i) => String(args[Number(i)] ?? ""));
}

/** Fills every `[data-i18n]` element under `root` with its text. */
export function translate(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
}
