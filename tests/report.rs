//! Every scorecard figure on small hand-computed logs.
//!
//! The logs are written event by event (not run through the executor), so
//! each test controls exactly the instants, deadlines and owners it counts.
//! The calendar is the built-in `cn`: Mon–Fri 09:00–12:00 and 13:00–18:00
//! (8 working hours a day), Beijing time; 清明 2026-04-04..06 is a holiday.

use chrono::{DateTime, NaiveDate, Utc};
use sopflow::exec::{Attributes, Event, EventKind, SkipReason, StepStatus};
use sopflow::report::{parse_log, scorecard, LogRecord, ReportOptions, Scorecard, Skipped};
use sopflow::Definition;

const SOP: &str = "process 试产 { calendar cn }
市场部:提交 → 研发部:评估 within 2wd → 供应链部 & 生产部:确认 within 1wd → 市场部:复核 within 1d
rework 研发部:评估 → 市场部:提交 max 2
";

fn def() -> Definition {
    sopflow::parse(SOP, "试产.sop").expect("the test SOP is valid")
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("an RFC 3339 instant")
        .with_timezone(&Utc)
}

/// Builds one instance's log record by record.
struct Log<'d> {
    def: &'d Definition,
    instance: String,
    records: Vec<LogRecord>,
}

impl<'d> Log<'d> {
    fn new(def: &'d Definition, instance: &str, at: &str) -> Self {
        let mut log = Log {
            def,
            instance: instance.to_owned(),
            records: Vec::new(),
        };
        log.push(
            at,
            EventKind::InstanceStarted {
                instance: instance.to_owned(),
                process: def.name().to_owned(),
                fingerprint: format!("{:016x}", def.fingerprint()),
                attributes: Attributes::new(),
                due: None,
                warn_at: None,
                provisional: false,
            },
        );
        log
    }

    fn push(&mut self, at: &str, kind: EventKind) -> &mut Self {
        self.records.push(LogRecord {
            instance: self.instance.clone(),
            process: self.def.name().to_owned(),
            version: None,
            event: Event {
                at: t(at),
                command: None,
                kind,
            },
        });
        self
    }

    fn owners(&self, step: &str) -> Vec<String> {
        let id = self.def.find(step).expect("a step of the test SOP");
        self.def.step(id).owners.clone()
    }

    fn activate(&mut self, step: &str, at: &str, due: Option<&str>) -> &mut Self {
        let owners = self.owners(step);
        self.push(
            at,
            EventKind::StepActivated {
                step: step.to_owned(),
                owners,
                due: due.map(t),
                warn_at: None,
                provisional: false,
            },
        )
    }

    fn complete(&mut self, step: &str, at: &str, late: bool) -> &mut Self {
        self.complete_by(step, at, late, step.split(':').next().unwrap_or(step))
    }

    fn complete_by(&mut self, step: &str, at: &str, late: bool, by: &str) -> &mut Self {
        self.push(
            at,
            EventKind::StepCompleted {
                step: step.to_owned(),
                by: by.to_owned(),
                outcomes: Vec::new(),
                deliverables: Vec::new(),
                late,
                late_by: None,
            },
        )
    }
}

fn card(records: &[LogRecord], def: &Definition, options: &ReportOptions) -> Scorecard {
    scorecard(records, &[def], options)
}

fn figures(records: &[LogRecord], def: &Definition, department: &str) -> sopflow::report::Figures {
    all(records, def)
        .department(department)
        .expect("the department is on the scorecard")
        .figures
        .clone()
}

fn all(records: &[LogRecord], def: &Definition) -> Scorecard {
    card(records, def, &ReportOptions::default())
}

const SUBMIT: &str = "市场部:提交";
const EVAL: &str = "研发部:评估";
const CONFIRM: &str = "供应链部:确认";
const REVIEW: &str = "市场部:复核";

#[test]
fn completed_on_time_late_and_rate() {
    let def = def();
    let mut log = Log::new(&def, "a", "2026-03-02T09:00:00+08:00");
    log.activate(SUBMIT, "2026-03-02T09:00:00+08:00", None)
        .complete(SUBMIT, "2026-03-02T10:00:00+08:00", false)
        .activate(
            EVAL,
            "2026-03-02T10:00:00+08:00",
            Some("2026-03-04T10:00:00+08:00"),
        )
        .complete(EVAL, "2026-03-04T10:00:00+08:00", false) // at the deadline: on time
        .activate(
            CONFIRM,
            "2026-03-04T10:00:00+08:00",
            Some("2026-03-05T10:00:00+08:00"),
        )
        .complete(CONFIRM, "2026-03-05T11:30:00+08:00", true);
    let card = all(&log.records, &def);
    let market = &card.department("市场部").unwrap().figures;
    // No deadline: completed, but not in the on-time rate.
    assert_eq!(
        (market.completed, market.with_deadline, market.on_time),
        (1, 0, 0)
    );
    assert_eq!(market.on_time_rate, None);
    let rd = &card.department("研发部").unwrap().figures;
    assert_eq!(
        (rd.completed, rd.with_deadline, rd.on_time, rd.late),
        (1, 1, 1, 0)
    );
    assert_eq!(rd.on_time_rate, Some(1.0));
    assert_eq!(rd.lateness_avg_hours, None);
    // The co-owned step counts for both owners.
    for owner in ["供应链部", "生产部"] {
        let f = &card.department(owner).unwrap().figures;
        assert_eq!((f.completed, f.late, f.on_time), (1, 1, 0), "{owner}");
        assert_eq!(f.on_time_rate, Some(0.0));
        assert_eq!(f.lateness_seconds, 5400);
        assert_eq!(f.lateness_avg_hours, Some(1.5));
        assert_eq!(f.lateness_p90_hours, Some(1.5));
    }
    assert_eq!(
        card.departments
            .iter()
            .map(|d| d.department.as_str())
            .collect::<Vec<_>>(),
        ["市场部", "研发部", "供应链部", "生产部"]
    );
    assert!(card.skipped.is_empty());
}

#[test]
fn lateness_is_working_time_across_a_weekend_and_a_holiday() {
    let def = def();
    let mut log = Log::new(&def, "a", "2026-04-01T09:00:00+08:00");
    // Due Friday 04-03 17:00; done Tuesday 04-07 10:00. Saturday and Sunday
    // are the weekend, Monday 04-06 is 清明: 17–18 on Friday and 9–10 on
    // Tuesday are the only working hours between.
    log.activate(
        EVAL,
        "2026-04-01T17:00:00+08:00",
        Some("2026-04-03T17:00:00+08:00"),
    )
    .complete(EVAL, "2026-04-07T10:00:00+08:00", true);
    let f = &figures(&log.records, &def, "研发部");
    assert_eq!(f.lateness_seconds, 2 * 3600);
    assert_eq!(f.lateness_avg_hours, Some(2.0));

    // Late only outside working hours (due Friday 18:00, done Saturday): late by 0 hours.
    let mut log = Log::new(&def, "b", "2026-03-02T09:00:00+08:00");
    log.activate(
        EVAL,
        "2026-03-04T18:00:00+08:00",
        Some("2026-03-06T18:00:00+08:00"),
    )
    .complete(EVAL, "2026-03-07T11:00:00+08:00", true);
    let f = &figures(&log.records, &def, "研发部");
    assert_eq!((f.late, f.lateness_seconds), (1, 0));
    assert_eq!(f.lateness_avg_hours, Some(0.0));
}

#[test]
fn lateness_counts_from_the_deadline_in_force() {
    let def = def();
    let mut log = Log::new(&def, "a", "2026-03-02T09:00:00+08:00");
    log.activate(
        EVAL,
        "2026-03-02T09:00:00+08:00",
        Some("2026-03-04T09:00:00+08:00"),
    )
    .push(
        "2026-03-02T10:00:00+08:00",
        EventKind::StepPaused {
            step: EVAL.into(),
            by: "研发部".into(),
            reason: "等样品".into(),
        },
    )
    .push(
        "2026-03-03T10:00:00+08:00",
        EventKind::StepResumed {
            step: EVAL.into(),
            by: "研发部".into(),
            paused_for: 8 * 3600,
            due: Some(t("2026-03-05T09:00:00+08:00")),
            warn_at: None,
            provisional: false,
        },
    )
    .complete(EVAL, "2026-03-05T11:00:00+08:00", true);
    let f = &figures(&log.records, &def, "研发部");
    assert_eq!(f.lateness_seconds, 2 * 3600);
}

#[test]
fn average_and_p90_over_late_steps() {
    let def = def();
    let mut records = Vec::new();
    // Ten instances late by 1..=10 working hours (on Monday 03-02 from 09:00,
    // up to 18:00 plus the lunch hour), and one on time.
    for hours in 1..=10u32 {
        let mut log = Log::new(&def, &format!("i{hours}"), "2026-03-02T09:00:00+08:00");
        let done = match hours {
            h @ 1..=3 => format!("2026-03-02T{:02}:00:00+08:00", 9 + h),
            h @ 4..=8 => format!("2026-03-02T{:02}:00:00+08:00", 10 + h),
            h => format!("2026-03-03T{:02}:00:00+08:00", h + 1), // 9 → 10:00, 10 → 11:00
        };
        log.activate(
            EVAL,
            "2026-02-27T09:00:00+08:00",
            Some("2026-03-02T09:00:00+08:00"),
        )
        .complete(EVAL, &done, true);
        records.extend(log.records);
    }
    let mut log = Log::new(&def, "ok", "2026-03-02T09:00:00+08:00");
    log.activate(
        EVAL,
        "2026-03-02T09:00:00+08:00",
        Some("2026-03-04T09:00:00+08:00"),
    )
    .complete(EVAL, "2026-03-03T09:00:00+08:00", false);
    records.extend(log.records);
    let f = &figures(&records, &def, "研发部");
    assert_eq!(
        (f.completed, f.with_deadline, f.on_time, f.late),
        (11, 11, 1, 10)
    );
    assert_eq!(f.on_time_rate, Some(0.0909));
    assert_eq!(f.lateness_seconds, 55 * 3600);
    assert_eq!(f.lateness_avg_hours, Some(5.5));
    // Nearest rank: ⌈0.9 × 10⌉ = 9th of 1..=10.
    assert_eq!(f.lateness_p90_hours, Some(9.0));
}

#[test]
fn warnings_and_escalations_go_to_the_owners_of_the_step() {
    let def = def();
    let mut log = Log::new(&def, "a", "2026-03-02T09:00:00+08:00");
    log.activate(
        CONFIRM,
        "2026-03-02T09:00:00+08:00",
        Some("2026-03-03T09:00:00+08:00"),
    )
    .push(
        "2026-03-02T16:00:00+08:00",
        EventKind::WarningRaised {
            step: Some(CONFIRM.into()),
            due: t("2026-03-03T09:00:00+08:00"),
        },
    );
    for level in 1..=2 {
        log.push(
            "2026-03-03T09:00:00+08:00",
            EventKind::Escalated {
                step: Some(CONFIRM.into()),
                level,
                recipients: vec!["PMO".into()],
                reassigned_to: (level == 2).then(|| "PMO".into()),
                overdue_by: 0,
            },
        );
    }
    // The whole-process deadline is no department's.
    log.push(
        "2026-03-03T09:00:00+08:00",
        EventKind::WarningRaised {
            step: None,
            due: t("2026-03-04T09:00:00+08:00"),
        },
    );
    let card = all(&log.records, &def);
    for owner in ["供应链部", "生产部"] {
        let f = &card.department(owner).unwrap().figures;
        assert_eq!((f.warnings, f.escalations), (1, 2), "{owner}");
    }
    // Not to PMO (a recipient), not to 市场部.
    assert!(card.department("PMO").is_none());
    let market = &card.department("市场部").unwrap().figures;
    assert_eq!((market.warnings, market.escalations), (0, 0));
}

#[test]
fn send_backs_caused_and_received() {
    let def = def();
    let mut log = Log::new(&def, "a", "2026-03-02T09:00:00+08:00");
    log.activate(SUBMIT, "2026-03-02T09:00:00+08:00", None)
        .complete(SUBMIT, "2026-03-02T10:00:00+08:00", false)
        .activate(
            EVAL,
            "2026-03-02T10:00:00+08:00",
            Some("2026-03-04T10:00:00+08:00"),
        )
        .push(
            "2026-03-02T15:00:00+08:00",
            EventKind::SentBack {
                from: EVAL.into(),
                to: SUBMIT.into(),
                count: 1,
                by: "研发部".into(),
                reason: "需求不清楚".into(),
            },
        )
        .push(
            "2026-03-02T15:00:00+08:00",
            EventKind::StepReset {
                step: EVAL.into(),
                was: StepStatus::Active,
            },
        )
        .activate(SUBMIT, "2026-03-02T15:00:00+08:00", None);
    let card = all(&log.records, &def);
    let rd = &card.department("研发部").unwrap().figures;
    assert_eq!((rd.send_backs_caused, rd.send_backs_received), (1, 0));
    let market = &card.department("市场部").unwrap().figures;
    assert_eq!(
        (market.send_backs_caused, market.send_backs_received),
        (0, 1)
    );
    // 市场部 waited from 10:00 to 15:00 with the lunch hour: 4 working hours.
    assert_eq!((market.waits, market.waiting_seconds), (1, 4 * 3600));
    // 研发部's step was withdrawn: it waits from 15:00, but no step of it comes back.
    assert_eq!(rd.waits, 0);
}

#[test]
fn waiting_on_other_departments() {
    let def = def();
    let mut log = Log::new(&def, "a", "2026-03-02T09:00:00+08:00");
    // 市场部 hands over Monday 10:00 and gets 复核 Wednesday 10:00:
    // 7 h on Monday, 8 on Tuesday, 1 on Wednesday.
    log.activate(SUBMIT, "2026-03-02T09:00:00+08:00", None)
        .complete(SUBMIT, "2026-03-02T10:00:00+08:00", false)
        .activate(EVAL, "2026-03-02T10:00:00+08:00", None)
        .complete(EVAL, "2026-03-03T10:00:00+08:00", false)
        .activate(CONFIRM, "2026-03-03T10:00:00+08:00", None)
        .complete_by(CONFIRM, "2026-03-04T10:00:00+08:00", false, "生产部")
        .activate(REVIEW, "2026-03-04T10:00:00+08:00", None)
        .complete(REVIEW, "2026-03-04T11:00:00+08:00", false)
        .push(
            "2026-03-04T11:00:00+08:00",
            EventKind::InstanceCompleted { on_time: true },
        );
    let card = all(&log.records, &def);
    let market = &card.department("市场部").unwrap().figures;
    assert_eq!((market.waits, market.waiting_seconds), (1, 16 * 3600));
    assert_eq!(market.waiting_hours, 16.0);
    // The first activation of a department is not a wait; nobody else waits.
    for d in ["研发部", "供应链部", "生产部"] {
        assert_eq!(card.department(d).unwrap().figures.waits, 0, "{d}");
    }
}

#[test]
fn delegation_does_not_move_the_charge() {
    let def = def();
    let mut log = Log::new(&def, "a", "2026-03-02T09:00:00+08:00");
    log.activate(
        EVAL,
        "2026-03-02T09:00:00+08:00",
        Some("2026-03-02T12:00:00+08:00"),
    )
    .push(
        "2026-03-02T09:30:00+08:00",
        EventKind::StepReassigned {
            step: EVAL.into(),
            by: "研发部".into(),
            to: "产品部".into(),
        },
    )
    .complete_by(EVAL, "2026-03-02T14:00:00+08:00", true, "产品部");
    let card = all(&log.records, &def);
    let rd = &card.department("研发部").unwrap().figures;
    assert_eq!((rd.completed, rd.late, rd.lateness_seconds), (1, 1, 3600));
    assert!(card.department("产品部").is_none());
}

#[test]
fn a_skipped_step_counts_nothing() {
    let def = def();
    let mut log = Log::new(&def, "a", "2026-03-02T09:00:00+08:00");
    log.activate(
        EVAL,
        "2026-03-02T09:00:00+08:00",
        Some("2026-03-02T12:00:00+08:00"),
    )
    .push(
        "2026-03-02T13:00:00+08:00",
        EventKind::StepSkipped {
            step: EVAL.into(),
            reason: SkipReason::By {
                actor: "PMO".into(),
                reason: "不再需要".into(),
            },
            outcomes: Vec::new(),
        },
    );
    let f = &figures(&log.records, &def, "研发部");
    assert_eq!((f.completed, f.late), (0, 0));
}

#[test]
fn from_is_inclusive_and_to_exclusive() {
    let def = def();
    let mut log = Log::new(&def, "a", "2026-03-02T09:00:00+08:00");
    log.activate(
        EVAL,
        "2026-03-02T09:00:00+08:00",
        Some("2026-03-02T10:00:00+08:00"),
    )
    .complete(EVAL, "2026-03-02T11:00:00+08:00", true)
    .activate(CONFIRM, "2026-03-02T11:00:00+08:00", None)
    .complete(CONFIRM, "2026-03-03T11:00:00+08:00", false);
    let period = |from: &str, to: &str| ReportOptions {
        from: Some(t(from)),
        to: Some(t(to)),
        zone: None,
    };
    let c = card(
        &log.records,
        &def,
        &period("2026-03-02T11:00:00+08:00", "2026-03-03T11:00:00+08:00"),
    );
    let rd = &c.department("研发部").unwrap().figures;
    assert_eq!((rd.completed, rd.late), (1, 1)); // at `from`: counted
                                                 // The deadline was set before the period; the lateness still counts.
    assert_eq!(rd.lateness_seconds, 3600);
    assert_eq!(c.department("生产部").unwrap().figures.completed, 0); // at `to`: not
    let c = card(
        &log.records,
        &def,
        &period("2026-03-02T11:00:01+08:00", "2026-03-03T11:00:01+08:00"),
    );
    assert_eq!(c.department("研发部").unwrap().figures.completed, 0);
    assert_eq!(c.department("生产部").unwrap().figures.completed, 1);
}

#[test]
fn weeks_start_on_monday_in_the_zone() {
    let def = def();
    let mut log = Log::new(&def, "a", "2026-03-02T09:00:00+08:00");
    // Monday 07:00 in Beijing is still Sunday in UTC.
    log.activate(EVAL, "2026-03-05T09:00:00+08:00", None)
        .complete(EVAL, "2026-03-09T07:00:00+08:00", false)
        .activate(CONFIRM, "2026-03-09T07:00:00+08:00", None)
        .complete(CONFIRM, "2026-03-18T09:00:00+08:00", false);
    let date = |s: &str| s.parse::<NaiveDate>().unwrap();
    let beijing = all(&log.records, &def); // the calendar's zone
    assert_eq!(beijing.zone, "Asia/Shanghai");
    assert_eq!(beijing.weeks, [date("2026-03-09"), date("2026-03-16")]);
    let rd = beijing.department("研发部").unwrap();
    assert_eq!(
        rd.trend.iter().map(|f| f.completed).collect::<Vec<_>>(),
        [1, 0]
    );

    let utc = card(
        &log.records,
        &def,
        &ReportOptions {
            zone: Some(chrono_tz::UTC),
            ..ReportOptions::default()
        },
    );
    assert_eq!(
        utc.weeks,
        [date("2026-03-02"), date("2026-03-09"), date("2026-03-16")]
    );
    let rd = utc.department("研发部").unwrap();
    assert_eq!(
        rd.trend.iter().map(|f| f.completed).collect::<Vec<_>>(),
        [1, 0, 0]
    );
    // Every department has one trend entry per week, empty weeks included.
    assert!(utc.departments.iter().all(|d| d.trend.len() == 3));

    // A bounded period lists all its weeks, figures or not.
    let bounded = card(
        &log.records,
        &def,
        &ReportOptions {
            from: Some(t("2026-02-23T00:00:00+08:00")),
            to: Some(t("2026-03-09T00:00:00+08:00")),
            zone: None,
        },
    );
    assert_eq!(bounded.weeks, [date("2026-02-23"), date("2026-03-02")]);
}

#[test]
fn without_a_calendar_hours_are_elapsed() {
    let def = sopflow::parse("市场部 → 研发部 within 1d", "上新.sop").unwrap();
    let mut log = Log::new(&def, "a", "2026-03-06T09:00:00+08:00");
    log.activate(
        "研发部",
        "2026-03-06T09:00:00+08:00",
        Some("2026-03-07T09:00:00+08:00"),
    )
    .complete("研发部", "2026-03-08T21:00:00+08:00", true);
    let card = all(&log.records, &def);
    assert_eq!(card.zone, "UTC");
    assert_eq!(
        card.department("研发部").unwrap().figures.lateness_seconds,
        36 * 3600
    );
}

#[test]
fn what_cannot_be_counted_is_listed() {
    let def = def();
    let other = sopflow::parse("市场部 → 研发部", "别的.sop").unwrap();
    let mut log = Log::new(&other, "x", "2026-03-02T09:00:00+08:00");
    log.activate("市场部", "2026-03-02T09:00:00+08:00", None)
        .complete("市场部", "2026-03-02T10:00:00+08:00", false);
    let mut known = Log::new(&def, "y", "2026-03-02T09:00:00+08:00");
    known
        .activate(EVAL, "2026-03-02T09:00:00+08:00", None)
        .complete(EVAL, "2026-03-02T10:00:00+08:00", false)
        .complete("法务部:审核", "2026-03-02T11:00:00+08:00", false);
    let records: Vec<LogRecord> = log.records.into_iter().chain(known.records).collect();
    let card = all(&records, &def);
    assert_eq!(card.instances, 2);
    assert_eq!(
        card.skipped,
        [
            Skipped::NoDefinition {
                instance: "x".into(),
                process: "别的".into(),
                fingerprint: Some(format!("{:016x}", other.fingerprint())),
            },
            Skipped::UnknownStep {
                instance: "y".into(),
                step: "法务部:审核".into(),
            },
        ]
    );
    assert_eq!(card.department("研发部").unwrap().figures.completed, 1);
    assert!(card.skipped[0].to_string().contains("别的"));
}

#[test]
fn another_version_counts_on_the_definition_of_the_same_name() {
    let def = def();
    let mut log = Log::new(&def, "a", "2026-03-02T09:00:00+08:00");
    log.activate(EVAL, "2026-03-02T09:00:00+08:00", None)
        .complete(EVAL, "2026-03-02T10:00:00+08:00", false);
    if let EventKind::InstanceStarted { fingerprint, .. } = &mut log.records[0].event.kind {
        *fingerprint = "0123456789abcdef".into();
    }
    let card = all(&log.records, &def);
    assert!(matches!(
        card.skipped.as_slice(),
        [Skipped::OtherVersion { .. }]
    ));
    assert_eq!(card.department("研发部").unwrap().figures.completed, 1);
}

#[test]
fn logs_mix_records_and_bare_events() {
    let def = def();
    let mut a = Log::new(&def, "a", "2026-03-02T09:00:00+08:00");
    a.activate(EVAL, "2026-03-02T09:00:00+08:00", None);
    let mut b = Log::new(&def, "b", "2026-03-02T09:00:00+08:00");
    b.activate(EVAL, "2026-03-02T09:00:00+08:00", None)
        .complete(EVAL, "2026-03-02T10:00:00+08:00", false);
    a.complete(EVAL, "2026-03-02T11:00:00+08:00", false);
    // Records of a and b interleaved, then b's events again bare (as a
    // second run printed without --instance, renamed c).
    let mut text = String::from("# a mixed log\n\n");
    for (x, y) in a.records.iter().zip(&b.records) {
        text += &serde_json::to_string(x).unwrap();
        text += "\n";
        text += &serde_json::to_string(y).unwrap();
        text += "\n";
    }
    for (i, r) in b.records.iter().enumerate() {
        let mut event = r.event.clone();
        if let EventKind::InstanceStarted { instance, .. } = &mut event.kind {
            *instance = "c".into();
        }
        if i == 0 {
            text += "\u{feff}"; // a byte-order mark at the start of a pasted file
        }
        text += &serde_json::to_string(&event).unwrap();
        text += "\n";
    }
    let records = parse_log(&text).unwrap();
    assert_eq!(records.len(), 9);
    assert_eq!(records.iter().filter(|r| r.instance == "c").count(), 3);
    let card = all(&records, &def);
    assert_eq!(card.instances, 3);
    assert_eq!(card.department("研发部").unwrap().figures.completed, 3);

    let err = parse_log("{\"instance\":\"a\",\"process\":\"p\",\"event\":{}}").unwrap_err();
    assert_eq!(err.line, 1);
    assert!(err.message.contains("log record"), "{err}");
    let err = parse_log("\n\nnot json").unwrap_err();
    assert_eq!(err.to_string().split(':').next(), Some("line 3"));
}

#[test]
fn json_shape() {
    let def = def();
    let mut log = Log::new(&def, "a", "2026-03-02T09:00:00+08:00");
    log.activate(
        EVAL,
        "2026-03-02T09:00:00+08:00",
        Some("2026-03-02T10:00:00+08:00"),
    )
    .complete(EVAL, "2026-03-02T11:00:00+08:00", true);
    let card = all(&log.records, &def);
    let json = serde_json::to_value(&card).unwrap();
    assert_eq!(json["departments"][1]["department"], "研发部");
    assert_eq!(json["departments"][1]["figures"]["lateness_avg_hours"], 1.0);
    assert_eq!(json["weeks"][0], "2026-03-02");
    let back: Scorecard = serde_json::from_value(json).unwrap();
    assert_eq!(back, card);
}
