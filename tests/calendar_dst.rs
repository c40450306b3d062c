//! Business calendars across daylight-saving changes, checked against an
//! independent model.
//!
//! The model knows only the documented meaning of a calendar and asks
//! chrono-tz directly: a working day's business hours are the instants from
//! its opening to its closing local time (an ambiguous local time, in a fold,
//! is its earlier instant; a local time in a gap is the first instant after
//! the gap), and working time is counted minute by minute over those
//! instants. `N wd` ends at the close of the Nth working day after the local
//! day of the start. None of sopflow's own arithmetic is used.
//!
//! Zones and days (2026): America/New_York springs forward on Sunday 03-08
//! (02:00 → 03:00) and falls back on Sunday 11-01 (01:00–02:00 twice);
//! Europe/Berlin springs forward on Sunday 03-29 (02:00 → 03:00) and falls
//! back on Sunday 10-25 (02:00–03:00 twice). Every calendar below works on
//! those Sundays, some with business hours that open, close or run inside
//! the changed hour, and some days are holidays or make-up days. For every
//! start every 10 minutes from three days before a change to a day after it,
//! `wh` and `wd` deadlines of several sizes, the working time between start
//! and deadline, and working time counted back from the deadline all agree
//! with the model.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use sopflow::calendar::{BusinessCalendar, BusinessDuration, Unit};

const ALL_WEEK: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];
const MON_FRI: [Weekday; 5] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
];

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

/// Minutes after midnight, `24 * 60` for 24:00.
type Minutes = u32;

/// A calendar as the model sees it, and the same calendar built by sopflow.
struct Case {
    name: &'static str,
    zone: Tz,
    week: &'static [Weekday],
    /// `[open, close)` local times; empty for the whole day.
    hours: Vec<(Minutes, Minutes)>,
    holidays: Vec<NaiveDate>,
    workdays: Vec<NaiveDate>,
    /// The days the zone changes its offset.
    changes: [NaiveDate; 2],
}

impl Case {
    fn calendar(&self) -> BusinessCalendar {
        let time = |m: Minutes| NaiveTime::from_hms_opt((m / 60) % 24, m % 60, 0).unwrap();
        let hours: Vec<(NaiveTime, NaiveTime)> = self
            .hours
            .iter()
            .map(|&(a, b)| (time(a), time(b)))
            .collect();
        let mut builder = BusinessCalendar::builder(self.name, self.zone)
            .week(self.week)
            .hours(&hours)
            .covers(2026, 2026);
        for &day in &self.holidays {
            builder = builder.holiday(day);
        }
        for &day in &self.workdays {
            builder = builder.workday(day);
        }
        builder.build().expect("a valid calendar")
    }

    /// Whether `day` is a working day: the model's own reading of the lists.
    fn works(&self, day: NaiveDate) -> bool {
        use chrono::Datelike;
        if self.workdays.contains(&day) {
            return true;
        }
        !self.holidays.contains(&day) && self.week.contains(&day.weekday())
    }

    /// The instant of local time `minutes` after midnight of `day`, asking
    /// chrono-tz: the earlier instant in a fold, and in a gap the first
    /// local minute after it that exists.
    fn instant(&self, day: NaiveDate, minutes: Minutes) -> DateTime<Utc> {
        let mut local: NaiveDateTime =
            day.and_time(NaiveTime::MIN) + Duration::minutes(i64::from(minutes));
        for _ in 0..24 * 60 {
            if let Some(at) = self.zone.from_local_datetime(&local).earliest() {
                return at.with_timezone(&Utc);
            }
            local += Duration::minutes(1);
        }
        panic!("no gap lasts a day");
    }

    /// The business intervals of `day`, as instants (none on a day off).
    fn intervals(&self, day: NaiveDate) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        if !self.works(day) {
            return Vec::new();
        }
        let hours = if self.hours.is_empty() {
            vec![(0, 24 * 60)]
        } else {
            self.hours.clone()
        };
        hours
            .iter()
            .map(|&(open, close)| (self.instant(day, open), self.instant(day, close)))
            .collect()
    }

    /// The close of business of `day`: the end of its last interval.
    fn close(&self, day: NaiveDate) -> DateTime<Utc> {
        let close = self.hours.last().map_or(24 * 60, |&(_, close)| close);
        self.instant(day, close)
    }
}

/// Working minutes of a stretch of time, minute by minute from `origin`.
struct Minutely {
    origin: DateTime<Utc>,
    /// `working[i]`: whether the minute starting `i` minutes after `origin` works.
    working: Vec<bool>,
}

impl Minutely {
    fn new(case: &Case, first: NaiveDate, last: NaiveDate) -> Self {
        let origin = case.instant(first, 0);
        let end = case.instant(last, 24 * 60);
        let minutes = usize::try_from((end - origin).num_minutes()).unwrap();
        let mut working = vec![false; minutes];
        let mut day = first;
        while day <= last {
            for (open, close) in case.intervals(day) {
                let from = usize::try_from((open - origin).num_minutes()).unwrap();
                let to = usize::try_from((close - origin).num_minutes()).unwrap();
                for minute in &mut working[from..to.min(minutes)] {
                    *minute = true;
                }
            }
            day = day.succ_opt().unwrap();
        }
        Minutely { origin, working }
    }

    fn index(&self, at: DateTime<Utc>) -> usize {
        usize::try_from((at - self.origin).num_minutes()).expect("inside the stretch")
    }

    fn at(&self, index: usize) -> DateTime<Utc> {
        self.origin + Duration::minutes(i64::try_from(index).unwrap())
    }

    /// The instant when `minutes` of working time have passed since `start`.
    fn add(&self, start: DateTime<Utc>, minutes: usize) -> DateTime<Utc> {
        let mut left = minutes;
        for i in self.index(start)..self.working.len() {
            if self.working[i] {
                left -= 1;
                if left == 0 {
                    return self.at(i + 1);
                }
            }
        }
        panic!("the stretch is too short for {minutes} minutes from {start}");
    }

    /// The latest instant from which `minutes` of working time end at `end`.
    fn subtract(&self, end: DateTime<Utc>, minutes: usize) -> DateTime<Utc> {
        let mut left = minutes;
        for i in (0..self.index(end)).rev() {
            if self.working[i] {
                left -= 1;
                if left == 0 {
                    return self.at(i);
                }
            }
        }
        panic!("the stretch is too short for {minutes} minutes before {end}");
    }

    /// Working minutes in `[a, b)`.
    fn between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> usize {
        self.working[self.index(a)..self.index(b)]
            .iter()
            .filter(|w| **w)
            .count()
    }
}

fn cases() -> Vec<Case> {
    let h = |hour: Minutes, minute: Minutes| hour * 60 + minute;
    vec![
        // New York, every day, a night window across 02:00 and a day shift.
        Case {
            name: "ny-night-and-day",
            zone: chrono_tz::America::New_York,
            week: &ALL_WEEK,
            hours: vec![(h(0, 30), h(3, 30)), (h(9, 0), h(17, 0))],
            holidays: vec![date(2026, 3, 6), date(2026, 11, 3)],
            workdays: vec![],
            changes: [date(2026, 3, 8), date(2026, 11, 1)],
        },
        // New York, office hours Monday to Friday; the Sundays of the
        // changes are make-up days with hours that open inside the changed hour.
        Case {
            name: "ny-office",
            zone: chrono_tz::America::New_York,
            week: &MON_FRI,
            hours: vec![
                (h(1, 30), h(2, 30)),
                (h(8, 0), h(12, 0)),
                (h(13, 0), h(17, 30)),
            ],
            holidays: vec![date(2026, 3, 9)],
            workdays: vec![date(2026, 3, 8), date(2026, 11, 1)],
            changes: [date(2026, 3, 8), date(2026, 11, 1)],
        },
        // Berlin, round the clock: days of 23 and 25 hours.
        Case {
            name: "berlin-24h",
            zone: chrono_tz::Europe::Berlin,
            week: &ALL_WEEK,
            hours: vec![],
            holidays: vec![date(2026, 3, 27), date(2026, 10, 27)],
            workdays: vec![],
            changes: [date(2026, 3, 29), date(2026, 10, 25)],
        },
        // Berlin, Monday to Friday with a window that opens in the gap and
        // the fold (02:30), make-up Sundays on the change days.
        Case {
            name: "berlin-shifts",
            zone: chrono_tz::Europe::Berlin,
            week: &MON_FRI,
            hours: vec![
                (h(2, 30), h(5, 0)),
                (h(9, 0), h(12, 0)),
                (h(13, 0), h(24, 0)),
            ],
            holidays: vec![date(2026, 3, 30)],
            workdays: vec![date(2026, 3, 29), date(2026, 10, 25)],
            changes: [date(2026, 3, 29), date(2026, 10, 25)],
        },
        // Berlin, office hours that close inside the changed hour.
        Case {
            name: "berlin-early",
            zone: chrono_tz::Europe::Berlin,
            week: &ALL_WEEK,
            hours: vec![(h(0, 0), h(2, 30)), (h(7, 0), h(15, 0))],
            holidays: vec![],
            workdays: vec![],
            changes: [date(2026, 3, 29), date(2026, 10, 25)],
        },
    ]
}

const WORKING_HOURS: [u32; 9] = [1, 2, 3, 4, 7, 9, 16, 25, 40];
const WORKING_DAYS: [u32; 5] = [1, 2, 3, 5, 8];

#[test]
fn deadlines_across_dst_changes_match_a_minute_by_minute_model() {
    let mut compared = 0;
    for case in cases() {
        let calendar = case.calendar();
        for change in case.changes {
            let first = change - Duration::days(4);
            let last = change + Duration::days(30);
            let model = Minutely::new(&case, first, last);
            let mut start = case.instant(change - Duration::days(3), 0);
            let end = case.instant(change + Duration::days(1), 24 * 60);
            while start < end {
                for hours in WORKING_HOURS {
                    let got = calendar
                        .resolve(start, BusinessDuration::new(hours, Unit::WorkingHour))
                        .unwrap_or_else(|e| panic!("{}: {start} + {hours}wh: {e}", case.name));
                    let want = model.add(start, hours as usize * 60);
                    assert_eq!(got, want, "{}: {start} + {hours}wh", case.name);
                    assert_eq!(
                        calendar.working_time_between(start, got),
                        Ok(Duration::hours(i64::from(hours))),
                        "{}: between {start} and {got}",
                        case.name
                    );
                    assert_eq!(model.between(start, got), hours as usize * 60);
                    let back = calendar
                        .subtract_working_time(got, Duration::hours(i64::from(hours)))
                        .unwrap();
                    assert_eq!(
                        back,
                        model.subtract(got, hours as usize * 60),
                        "{}: {got} - {hours}wh",
                        case.name
                    );
                    compared += 1;
                }
                let local_day = start.with_timezone(&case.zone).date_naive();
                for days in WORKING_DAYS {
                    let got = calendar
                        .resolve(start, BusinessDuration::new(days, Unit::WorkingDay))
                        .unwrap_or_else(|e| panic!("{}: {start} + {days}wd: {e}", case.name));
                    let mut day = local_day;
                    let mut left = days;
                    while left > 0 {
                        day = day.succ_opt().unwrap();
                        if case.works(day) {
                            left -= 1;
                        }
                    }
                    assert_eq!(got, case.close(day), "{}: {start} + {days}wd", case.name);
                    compared += 1;
                }
                start += Duration::minutes(10);
            }
        }
    }
    assert!(compared > 50_000, "only {compared} comparisons");
}

/// Spot checks written out by hand, so that a wrong model cannot hide a
/// wrong calendar: the change days' business hours in real hours.
#[test]
fn business_hours_on_the_change_days() {
    let cases = cases();
    let hours = |name: &str, day: NaiveDate| {
        let case = cases.iter().find(|c| c.name == name).unwrap();
        let calendar = case.calendar();
        let a = case.instant(day, 0);
        let b = case.instant(day, 24 * 60);
        calendar.working_time_between(a, b).unwrap().num_minutes()
    };
    // 00:30–03:30 lacks the skipped hour in March and has the repeated one in November.
    assert_eq!(hours("ny-night-and-day", date(2026, 3, 8)), 2 * 60 + 8 * 60);
    assert_eq!(
        hours("ny-night-and-day", date(2026, 11, 1)),
        4 * 60 + 8 * 60
    );
    // 01:30–02:30 in New York: 02:30 does not exist on 03-08, so it ends at
    // 03:00 EDT, half an hour later; on 11-01 02:30 is after the fold (EST),
    // so the window is 01:30 EDT to 02:30 EST, two hours.
    assert_eq!(
        hours("ny-office", date(2026, 3, 8)),
        30 + 4 * 60 + 4 * 60 + 30
    );
    assert_eq!(
        hours("ny-office", date(2026, 11, 1)),
        2 * 60 + 4 * 60 + 4 * 60 + 30
    );
    assert_eq!(hours("berlin-24h", date(2026, 3, 29)), 23 * 60);
    assert_eq!(hours("berlin-24h", date(2026, 10, 25)), 25 * 60);
    // 02:30–05:00 in Berlin: from 03:00 (the gap's end) in March, 2 h; from
    // the first 02:30 in October, 3.5 h.
    assert_eq!(
        hours("berlin-shifts", date(2026, 3, 29)),
        2 * 60 + 3 * 60 + 11 * 60
    );
    assert_eq!(
        hours("berlin-shifts", date(2026, 10, 25)),
        3 * 60 + 30 + 3 * 60 + 11 * 60
    );
    // 00:00–02:30: 02:30 does not exist in March (to 03:00 CEST, 2 h real); in
    // October the first 02:30 (CEST) closes it, 2.5 h.
    assert_eq!(hours("berlin-early", date(2026, 3, 29)), 2 * 60 + 8 * 60);
    assert_eq!(
        hours("berlin-early", date(2026, 10, 25)),
        2 * 60 + 30 + 8 * 60
    );
}
