//! The fields of the process header (description, version, zone, calendar,
//! deadline, ladder) and of step blocks (description, sign-off, deliverables,
//! acceptance criteria, outcomes, deadline, ladder), each given once (E015);
//! a step block that no flow mentions is an unknown step.

use super::*;

impl<'a> Lowerer<'a> {
    pub(super) fn process_fields(&mut self) {
        let mut header = Header {
            name: self.name.clone(),
            ..Header::default()
        };
        let Some((decl, source)) = self.header else {
            self.process = header;
            return;
        };
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        let mut deadline_fields = Vec::new();
        let mut ladder_fields = Vec::new();
        for field in &decl.fields {
            let kw = field.node.keyword();
            if kw != "+" {
                if let Some(prev) = seen.insert(kw, field.span) {
                    self.duplicate_field(field, source, prev);
                    continue;
                }
            }
            match &field.node {
                Field::Description(d) => header.description = Some(d.clone()),
                Field::Version(v) => header.version = Some(v.clone()),
                Field::Zone(z) => {
                    if z.parse::<chrono_tz::Tz>().is_err() {
                        self.push(
                            Diagnostic::new(
                                Code::UnknownTimeZone,
                                tr!("unknown time zone `{z}`", "不认识时区 `{z}`"),
                                source,
                                field.span,
                                tr!("not an IANA time zone", "这不是标准的时区名称"),
                            )
                            .with_help(tr!(
                                "write an IANA name such as `Asia/Shanghai`",
                                "请写标准时区名称，例如 `Asia/Shanghai`（北京时间）"
                            )),
                        );
                    } else {
                        header.zone = Some(z.clone());
                    }
                }
                Field::Calendar(name) => {
                    if self.calendar_known(name.node.as_str()) {
                        if name.node == "cn" && !self.calendar_extensions.contains_key("cn") {
                            self.built_calendars.push(BusinessCalendar::cn());
                        }
                        header.calendar = Some(name.node.as_str().to_owned());
                    } else {
                        let known = self
                            .calendar_index
                            .keys()
                            .chain(self.calendar_extensions.keys())
                            .map(String::as_str)
                            .chain(["cn"])
                            .collect();
                        let d = self.unknown(
                            "calendar",
                            &name.node,
                            source,
                            name.span,
                            suggest(&name.node, known),
                            tr!(
                                "declare it with `calendar NAME {{ … }}`, or use the built-in `cn`",
                                "请先声明：`日历 NAME {{ … }}`，或者使用内置日历 `cn`（中国大陆）"
                            ),
                        );
                        if let Some(d) = d {
                            self.push(d);
                        }
                        // Avoid a second error for every `wd` in the file.
                        self.has_calendar = true;
                    }
                }
                Field::Within(_) | Field::By { .. } => deadline_fields.push((field, source)),
                Field::Ladder(_) | Field::Warn(_) | Field::Level { .. } => {
                    ladder_fields.push((field, source))
                }
                _ => {}
            }
        }
        header.deadline = self
            .deadline(&deadline_fields, &|| tr!("the process", "流程"))
            .map(|(d, _)| d);
        let (ladder, warn_at) = self.ladder_fields(&Ladder::default(), None, &ladder_fields);
        if ladder.levels.len() > super::MAX_LEVELS {
            self.push(
                Diagnostic::new(
                    Code::LimitExceeded,
                    {
                        let (levels, max) = (ladder.levels.len(), super::MAX_LEVELS);
                        tr!(
                            "the process ladder has {levels} escalation levels, more than the limit of {max}",
                            "流程的升级阶梯有 {levels} 级，超过了上限 {max} 级"
                        )
                    },
                    source,
                    decl.span,
                    tr!("too many escalation levels", "升级的级数太多"),
                )
                .with_help(tr!(
                    "merge levels: one level may notify several targets (`+2d notify head, notify PMO`)",
                    "请合并几级：同一级可以通知多个对象，例如 `+2d notify head, notify PMO`"
                )),
            );
        }
        header.ladder = ladder;
        self.process_warn_at = warn_at;
        self.process = header;
    }

    pub(super) fn step_fields(&mut self) {
        let process_ladder = std::sync::Arc::new(self.process.ladder.clone());
        let has_flows = self.steps.iter().any(|s| s.mentioned_in_flow);
        for i in 0..self.steps.len() {
            let blocks = std::mem::take(&mut self.steps[i].blocks);
            let mut fields = std::mem::take(&mut self.steps[i].deadlines);
            // Taken out while the step's fields are checked (restored below): the
            // key is needed only for messages, and cloning it for every step costs.
            let key = std::mem::take(&mut self.out_mut(i).key);
            if blocks.len() > 1 {
                let (first, s) = blocks[0];
                let (second, s2) = blocks[1];
                self.push(
                    Diagnostic::new(
                        Code::Duplicate,
                        tr!(
                            "step `{key}` has two `step` blocks",
                            "步骤 `{key}` 写了两个 `step` 块"
                        ),
                        s2,
                        second.step.span,
                        tr!("described again here", "这里又写了一次"),
                    )
                    .with_label(
                        s,
                        first.step.span,
                        tr!("first described here", "第一次写在这里"),
                    )
                    .with_help(tr!("merge the two blocks into one", "把两个块合并成一个")),
                );
            }
            let mut ladder_fields = Vec::new();
            for (block, source) in &blocks {
                if !self.steps[i].mentioned_in_flow && !has_flows {
                    // A single-step process: the block defines the step.
                } else if !self.steps[i].mentioned_in_flow {
                    let candidates: Vec<&str> = self
                        .steps
                        .iter()
                        .zip(self.graph.node_weights())
                        .filter(|(s, _)| s.mentioned_in_flow)
                        .map(|(_, out)| out.key.as_str())
                        .collect();
                    let help = match suggest(&key, candidates) {
                        Some(s) => tr!("did you mean `{s}`?", "是不是要写 `{s}`？"),
                        None => tr!(
                            "add the step to a flow, e.g. `上一步 → 部门:动作`",
                            "请把这个步骤写进流程，例如 `上一步 → 部门:动作`"
                        ),
                    };
                    let d = Diagnostic::new(
                        Code::UnknownStep,
                        tr!("unknown step `{key}`", "没有步骤 `{key}`"),
                        *source,
                        block.step.span,
                        tr!("no flow mentions this step", "流程里没有出现这个步骤"),
                    )
                    .with_help(help);
                    self.push(d);
                    self.detached.insert(i);
                }
                let mut seen: HashMap<&'static str, Span> = HashMap::new();
                for field in &block.fields {
                    let kw = field.node.keyword();
                    if !matches!(kw, "+" | "rework" | "deliver" | "accept" | "within" | "by") {
                        if let Some(prev) = seen.insert(kw, field.span) {
                            self.duplicate_field(field, *source, prev);
                            continue;
                        }
                    }
                    // Indexed directly (not `out_mut`): `self.diags` is borrowed beside it.
                    let out = &mut self.graph[NodeIndex::new(i)];
                    match &field.node {
                        Field::Description(d) => out.description = Some(d.clone()),
                        Field::Sign(m) => out.sign = *m,
                        Field::Deliver(titles) => out
                            .deliverables
                            .extend(titles.iter().map(|t| t.node.as_str().to_owned())),
                        Field::Accept(a) => out.acceptance.push(a.clone()),
                        Field::Outcomes { multi, names } => {
                            for (k, n) in names.iter().enumerate() {
                                if names[..k].iter().any(|m| m.node == n.node) {
                                    self.diags.push(
                                        Diagnostic::new(
                                            Code::DuplicateOutcome,
                                            {
                                                let name = &n.node;
                                                tr!(
                                                    "outcome `{name}` is listed twice",
                                                    "结果 `{name}` 写了两次"
                                                )
                                            },
                                            *source,
                                            n.span,
                                            tr!("listed again here", "这里又写了一次"),
                                        )
                                        .with_help(tr!(
                                            "list each outcome once",
                                            "每个结果只写一次"
                                        )),
                                    );
                                }
                            }
                            out.choice = Some(Choice {
                                multi: *multi,
                                outcomes: names
                                    .iter()
                                    .map(|n| n.node.as_str().to_owned())
                                    .collect(),
                            });
                            self.steps[i].outcome_spans = names
                                .iter()
                                .map(|n| {
                                    (
                                        n.node.as_str().to_owned(),
                                        Location {
                                            source: *source,
                                            span: n.span,
                                        },
                                    )
                                })
                                .collect();
                        }
                        Field::Within(_) | Field::By { .. } => fields.push((field, *source)),
                        Field::Ladder(_) | Field::Warn(_) | Field::Level { .. } => {
                            ladder_fields.push((field, *source))
                        }
                        _ => {}
                    }
                }
            }
            let what = || tr!("step `{key}`", "步骤 `{key}` ");
            let deadline = self.deadline(&fields, &what);
            // A step without ladder fields shares the process ladder.
            let (ladder, warn_at) = if ladder_fields.is_empty() {
                (std::sync::Arc::clone(&process_ladder), self.process_warn_at)
            } else {
                let (ladder, warn_at) =
                    self.ladder_fields(&process_ladder, self.process_warn_at, &ladder_fields);
                (std::sync::Arc::new(ladder), warn_at)
            };
            if let (
                Some((Deadline::Within(sla), deadline_at)),
                Some(Warn::Before(w)),
                Some(warn_at),
            ) = (&deadline, ladder.warn, warn_at)
            {
                self.check_warn(sla, w, warn_at, *deadline_at, &what());
            }
            let owners = self.steps[i]
                .owners
                .iter()
                .map(|o| o.node.as_str().to_owned())
                .collect();
            let out = self.out_mut(i);
            out.key = key;
            out.owners = owners;
            out.deadline = deadline.map(|(d, _)| d);
            out.ladder = ladder;
        }
    }

    fn check_warn(
        &mut self,
        sla: &Sla,
        warn: BusinessDuration,
        warn_at: Location,
        deadline_at: Location,
        what: &Text,
    ) {
        let Some(w) = comparable(Some(warn)) else {
            return;
        };
        for d in sla.default.iter().chain(sla.by_priority.values()) {
            let Some(d) = comparable(Some(*d)) else {
                continue;
            };
            if d.0 == w.0
                && w.1 >= d.1
                && self.reported_warns.insert((warn_at.source, warn_at.span))
            {
                self.push(
                    {
                        let (w, wz) = what.parts();
                        Diagnostic::new(
                            Code::WarnAfterDeadline,
                            tr!(
                                "warning {warn} before is not inside the deadline window of {w}",
                                "提前 {warn} 预警，已经超出了{wz}的期限范围"
                            ),
                            warn_at.source,
                            warn_at.span,
                            tr!("as long as the window or longer", "提前量不短于整个期限"),
                        )
                        .with_label(deadline_at.source, deadline_at.span, tr!("the deadline", "期限"))
                        .with_help(tr!(
                            "warn a shorter time before the deadline, or as a percentage such as `warn at 80%`",
                            "请把预警的提前量改短，或者按百分比预警，例如 `warn at 80%`"
                        ))
                    },
                );
                return;
            }
        }
    }
}
