//! Deadlines on business calendars: concrete cases on the built-in `cn`
//! calendar and on DST zones, and properties of `resolve`.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc, Weekday};
use chrono_tz::Tz;
use proptest::prelude::*;
use sopflow::calendar::{BusinessCalendar, BusinessDuration, CalendarError, Unit};

/// An instant written in RFC 3339 with any offset.
fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("bad instant {text}: {e}"))
        .with_timezone(&Utc)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("valid time")
}

fn wd(amount: u32) -> BusinessDuration {
    BusinessDuration::new(amount, Unit::WorkingDay)
}

fn wh(amount: u32) -> BusinessDuration {
    BusinessDuration::new(amount, Unit::WorkingHour)
}

const WEEKDAYS: [Weekday; 5] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
];

/// Asserts `cal.resolve(start, d) == expected`, all written in RFC 3339.
#[track_caller]
fn assert_resolves(cal: &BusinessCalendar, start: &str, d: BusinessDuration, expected: &str) {
    let got = cal
        .resolve(at(start), d)
        .unwrap_or_else(|e| panic!("{d} from {start}: {e}"));
    assert_eq!(
        got,
        at(expected),
        "{d} from {start}: got {}",
        got.with_timezone(&cal.zone()).to_rfc3339()
    );
}

// ---------------------------------------------------------------- cn: wd

#[test]
fn spring_festival_2025_wd() {
    let cn = BusinessCalendar::cn();
    // Monday 01-27 is the last working day; 01-28..02-04 off; Wed 02-05 back.
    assert_resolves(
        &cn,
        "2025-01-27T10:00:00+08:00",
        wd(1),
        "2025-02-05T18:00:00+08:00",
    );
    assert_resolves(
        &cn,
        "2025-01-27T10:00:00+08:00",
        wd(3),
        "2025-02-07T18:00:00+08:00",
    );
    // Sunday 01-26 is a make-up working day.
    assert_resolves(
        &cn,
        "2025-01-24T15:00:00+08:00",
        wd(1),
        "2025-01-26T18:00:00+08:00",
    );
    assert_resolves(
        &cn,
        "2025-01-24T15:00:00+08:00",
        wd(2),
        "2025-01-27T18:00:00+08:00",
    );
    // Saturday 02-08 is a make-up working day too.
    assert_resolves(
        &cn,
        "2025-02-07T09:00:00+08:00",
        wd(1),
        "2025-02-08T18:00:00+08:00",
    );
}

#[test]
fn spring_festival_2026_wd_and_make_up_saturdays() {
    let cn = BusinessCalendar::cn();
    // Saturday 02-14 works, 02-15..02-23 off.
    assert_resolves(
        &cn,
        "2026-02-13T10:00:00+08:00",
        wd(1),
        "2026-02-14T18:00:00+08:00",
    );
    assert_resolves(
        &cn,
        "2026-02-13T10:00:00+08:00",
        wd(2),
        "2026-02-24T18:00:00+08:00",
    );
    // Saturday 02-28 works, Sunday 03-01 does not.
    assert_resolves(
        &cn,
        "2026-02-27T10:00:00+08:00",
        wd(1),
        "2026-02-28T18:00:00+08:00",
    );
    assert_resolves(
        &cn,
        "2026-02-27T10:00:00+08:00",
        wd(2),
        "2026-03-02T18:00:00+08:00",
    );
    // Activation on the make-up Saturday itself: that day does not count.
    assert_resolves(
        &cn,
        "2026-02-14T09:00:00+08:00",
        wd(1),
        "2026-02-24T18:00:00+08:00",
    );
    assert!(cn.is_working_day(date(2026, 2, 14)));
    assert!(cn.is_working_day(date(2026, 2, 28)));
    assert!(!cn.is_working_day(date(2026, 2, 21)));
    assert!(!cn.is_working_day(date(2026, 2, 23)));
}

#[test]
fn national_day_2025_wd() {
    let cn = BusinessCalendar::cn();
    // 10-01..10-08 off; Sunday 09-28 and Saturday 10-11 work.
    assert_resolves(
        &cn,
        "2025-09-30T17:00:00+08:00",
        wd(1),
        "2025-10-09T18:00:00+08:00",
    );
    assert_resolves(
        &cn,
        "2025-09-30T17:00:00+08:00",
        wd(3),
        "2025-10-11T18:00:00+08:00",
    );
    assert_resolves(
        &cn,
        "2025-09-26T12:30:00+08:00",
        wd(1),
        "2025-09-28T18:00:00+08:00",
    );
}

#[test]
fn national_day_2026_wd() {
    let cn = BusinessCalendar::cn();
    // 10-01..10-07 off; Sunday 09-20 and Saturday 10-10 work.
    assert_resolves(
        &cn,
        "2026-09-30T09:00:00+08:00",
        wd(1),
        "2026-10-08T18:00:00+08:00",
    );
    assert_resolves(
        &cn,
        "2026-09-30T09:00:00+08:00",
        wd(3),
        "2026-10-10T18:00:00+08:00",
    );
    assert_resolves(
        &cn,
        "2026-09-18T11:00:00+08:00",
        wd(1),
        "2026-09-20T18:00:00+08:00",
    );
    // 中秋 09-25..09-27 lies just before: Thursday 09-24 + 1wd is Monday 09-28.
    assert_resolves(
        &cn,
        "2026-09-24T11:00:00+08:00",
        wd(1),
        "2026-09-28T18:00:00+08:00",
    );
}

#[test]
fn activation_on_a_holiday() {
    let cn = BusinessCalendar::cn();
    assert_resolves(
        &cn,
        "2026-02-17T10:00:00+08:00",
        wd(1),
        "2026-02-24T18:00:00+08:00",
    );
    assert_resolves(
        &cn,
        "2026-02-17T10:00:00+08:00",
        wh(1),
        "2026-02-24T10:00:00+08:00",
    );
    assert_resolves(
        &cn,
        "2025-10-03T23:59:59+08:00",
        wh(8),
        "2025-10-09T18:00:00+08:00",
    );
}

#[test]
fn activation_at_opening_closing_and_lunch() {
    let cn = BusinessCalendar::cn();
    // Monday 2026-03-02.
    assert_resolves(
        &cn,
        "2026-03-02T09:00:00+08:00",
        wh(1),
        "2026-03-02T10:00:00+08:00",
    );
    assert_resolves(
        &cn,
        "2026-03-02T09:00:00+08:00",
        wh(3),
        "2026-03-02T12:00:00+08:00",
    );
    assert_resolves(
        &cn,
        "2026-03-02T09:00:00+08:00",
        wh(4),
        "2026-03-02T14:00:00+08:00",
    );
    // A working day is 8 hours: 09–12 and 13–18. 8wh from opening is closing
    // that same day, 9wh is the next morning.
    assert_resolves(
        &cn,
        "2026-03-02T09:00:00+08:00",
        wh(8),
        "2026-03-02T18:00:00+08:00",
    );
    assert_resolves(
        &cn,
        "2026-03-02T09:00:00+08:00",
        wh(9),
        "2026-03-03T10:00:00+08:00",
    );
    assert_resolves(
        &cn,
        "2026-03-02T09:00:00+08:00",
        wd(1),
        "2026-03-03T18:00:00+08:00",
    );
    // At closing time nothing is left of the day.
    assert_resolves(
        &cn,
        "2026-03-02T18:00:00+08:00",
        wh(1),
        "2026-03-03T10:00:00+08:00",
    );
    assert_resolves(
        &cn,
        "2026-03-02T18:00:00+08:00",
        wh(8),
        "2026-03-03T18:00:00+08:00",
    );
    assert_resolves(
        &cn,
        "2026-03-02T18:00:00+08:00",
        wd(1),
        "2026-03-03T18:00:00+08:00",
    );
    // Before opening.
    assert_resolves(
        &cn,
        "2026-03-02T07:15:00+08:00",
        wh(2),
        "2026-03-02T11:00:00+08:00",
    );
    // At lunch counting resumes at 13:00.
    assert_resolves(
        &cn,
        "2026-03-02T12:30:00+08:00",
        wh(1),
        "2026-03-02T14:00:00+08:00",
    );
    assert_resolves(
        &cn,
        "2026-03-02T12:00:00+08:00",
        wh(5),
        "2026-03-02T18:00:00+08:00",
    );
    // Half an hour before lunch, half an hour after.
    assert_resolves(
        &cn,
        "2026-03-02T11:30:00+08:00",
        wh(1),
        "2026-03-02T13:30:00+08:00",
    );
    // Friday afternoon into Monday.
    assert_resolves(
        &cn,
        "2026-03-06T16:00:00+08:00",
        wh(4),
        "2026-03-09T11:00:00+08:00",
    );
}

#[test]
fn spring_festival_2025_wh() {
    let cn = BusinessCalendar::cn();
    // 4h on Monday 01-27, then nothing until Wednesday 02-05.
    assert_resolves(
        &cn,
        "2025-01-27T14:00:00+08:00",
        wh(8),
        "2025-02-05T14:00:00+08:00",
    );
    // Sunday 01-26 is a make-up working day with normal hours.
    assert_resolves(
        &cn,
        "2025-01-25T10:00:00+08:00",
        wh(1),
        "2025-01-26T10:00:00+08:00",
    );
}

#[test]
fn year_boundary_reaches_the_make_up_sunday() {
    let cn = BusinessCalendar::cn();
    // 2026-01-01..03 off, Sunday 01-04 works.
    assert_resolves(
        &cn,
        "2025-12-31T10:00:00+08:00",
        wd(1),
        "2026-01-04T18:00:00+08:00",
    );
    assert_resolves(
        &cn,
        "2025-12-31T17:00:00+08:00",
        wh(2),
        "2026-01-04T10:00:00+08:00",
    );
    assert!(cn.is_working_day(date(2026, 1, 4)));
}

#[test]
fn local_day_not_utc_day_is_excluded() {
    let cn = BusinessCalendar::cn();
    // 2026-03-02T17:30Z is Tuesday 01:30 in Beijing: Tuesday is the start day.
    assert_resolves(
        &cn,
        "2026-03-02T17:30:00Z",
        wd(1),
        "2026-03-04T18:00:00+08:00",
    );
}

#[test]
fn elapsed_units_ignore_the_calendar() {
    let cn = BusinessCalendar::cn();
    let start = "2026-02-13T10:00:00+08:00";
    let d = |amount, unit| BusinessDuration::new(amount, unit);
    assert_resolves(&cn, start, d(90, Unit::Minute), "2026-02-13T11:30:00+08:00");
    assert_resolves(&cn, start, d(72, Unit::Hour), "2026-02-16T10:00:00+08:00");
    assert_resolves(&cn, start, d(3, Unit::Day), "2026-02-16T10:00:00+08:00");
    assert_resolves(&cn, start, d(1, Unit::Week), "2026-02-20T10:00:00+08:00");
    // Elapsed time needs no holiday data.
    assert_resolves(
        &cn,
        "2026-12-31T10:00:00+08:00",
        d(2, Unit::Day),
        "2027-01-02T10:00:00+08:00",
    );
    assert_eq!(
        cn.resolve(at("9999-12-01T00:00:00Z"), d(60, Unit::Day)),
        Err(CalendarError::Overflow)
    );
}

#[test]
fn beyond_horizon_is_an_error() {
    let cn = BusinessCalendar::cn();
    let beyond = |year| CalendarError::BeyondHorizon {
        calendar: "cn".to_owned(),
        year,
    };
    assert_resolves(
        &cn,
        "2026-12-30T10:00:00+08:00",
        wd(1),
        "2026-12-31T18:00:00+08:00",
    );
    assert_eq!(
        cn.resolve(at("2026-12-31T10:00:00+08:00"), wd(1)),
        Err(beyond(2027))
    );
    assert_eq!(
        cn.resolve(at("2026-12-31T17:00:00+08:00"), wh(2)),
        Err(beyond(2027))
    );
    assert_eq!(
        cn.resolve(at("2027-03-01T10:00:00+08:00"), wh(1)),
        Err(beyond(2027))
    );
    assert_eq!(
        cn.resolve(at("2023-12-29T10:00:00+08:00"), wh(1)),
        Err(beyond(2023))
    );
    assert_eq!(cn.check_working_day(date(2027, 1, 4)), Err(beyond(2027)));
    assert_eq!(cn.check_working_day(date(2026, 1, 4)), Ok(true));
    assert_eq!(
        beyond(2027).to_string(),
        "calendar `cn` has no holiday data for 2027"
    );
    // The start day itself is not needed for wd.
    assert_resolves(
        &cn,
        "2023-12-31T10:00:00+08:00",
        wd(1),
        "2024-01-02T18:00:00+08:00",
    );
}

#[test]
fn resolve_back_and_end_of_business() {
    let cn = BusinessCalendar::cn();
    let eob = |text| at(text);
    // by 上市日 - 5wd, 上市日 Monday 2026-10-12.
    assert_eq!(
        cn.resolve_back(date(2026, 10, 12), 5),
        Ok(eob("2026-09-29T18:00:00+08:00"))
    );
    assert_eq!(
        cn.resolve_back(date(2026, 10, 12), 1),
        Ok(eob("2026-10-10T18:00:00+08:00"))
    );
    assert_eq!(
        cn.resolve_back(date(2026, 10, 12), 0),
        Ok(eob("2026-10-12T18:00:00+08:00"))
    );
    // Across 春节 2026: before Tuesday 02-24 come the holidays, then Sat 02-14.
    assert_eq!(
        cn.resolve_back(date(2026, 2, 24), 1),
        Ok(eob("2026-02-14T18:00:00+08:00"))
    );
    assert!(matches!(
        cn.resolve_back(date(2024, 1, 2), 2),
        Err(CalendarError::BeyondHorizon { year: 2023, .. })
    ));
    // by 2026-06-30, by a holiday, by a date beyond the horizon: all fine.
    assert_eq!(
        cn.end_of_business(date(2026, 6, 30)),
        Ok(eob("2026-06-30T18:00:00+08:00"))
    );
    assert_eq!(
        cn.end_of_business(date(2026, 2, 17)),
        Ok(eob("2026-02-17T18:00:00+08:00"))
    );
    assert_eq!(
        cn.end_of_business(date(2030, 6, 28)),
        Ok(eob("2030-06-28T18:00:00+08:00"))
    );
}

#[test]
fn working_time_between_counts_business_hours() {
    let cn = BusinessCalendar::cn();
    let between = |a, b| cn.working_time_between(at(a), at(b)).expect("covered");
    assert_eq!(
        between("2026-03-02T09:00:00+08:00", "2026-03-03T09:00:00+08:00"),
        TimeDelta::hours(8)
    );
    assert_eq!(
        between("2026-03-02T11:30:00+08:00", "2026-03-02T13:30:00+08:00"),
        TimeDelta::hours(1)
    );
    // A whole week around 春节 2026: Fri 02-13 and Sat 02-14, then holidays.
    assert_eq!(
        between("2026-02-13T00:00:00+08:00", "2026-02-24T00:00:00+08:00"),
        TimeDelta::hours(16)
    );
    assert_eq!(
        between("2026-03-03T09:00:00+08:00", "2026-03-02T09:00:00+08:00"),
        TimeDelta::zero()
    );
    assert!(matches!(
        cn.working_time_between(
            at("2026-12-31T09:00:00+08:00"),
            at("2027-01-05T09:00:00+08:00")
        ),
        Err(CalendarError::BeyondHorizon { year: 2027, .. })
    ));
    // Ending exactly at 2027-01-01 00:00 needs nothing from 2027.
    assert_eq!(
        between("2026-12-31T09:00:00+08:00", "2027-01-01T00:00:00+08:00"),
        TimeDelta::hours(8)
    );
}

#[test]
fn add_working_time_has_arbitrary_precision() {
    let cn = BusinessCalendar::cn();
    let start = at("2026-03-02T11:59:30+08:00");
    let got = cn
        .add_working_time(start, TimeDelta::seconds(45) + TimeDelta::milliseconds(250))
        .expect("covered");
    assert_eq!(got, at("2026-03-02T13:00:15.250+08:00"));
    assert_eq!(cn.add_working_time(start, TimeDelta::zero()), Ok(start));
    assert_eq!(
        cn.add_working_time(start, TimeDelta::seconds(-1)),
        Err(CalendarError::NegativeDuration)
    );
}

// ------------------------------------------------- other calendars and DST

#[test]
fn calendar_without_hours_ends_at_midnight() {
    let round_the_clock = BusinessCalendar::builder("24x5", chrono_tz::Asia::Shanghai)
        .week(&WEEKDAYS)
        .build()
        .expect("valid calendar");
    // Monday 2026-03-02 + 1wd = Tuesday 24:00 = Wednesday 00:00.
    assert_resolves(
        &round_the_clock,
        "2026-03-02T10:00:00+08:00",
        wd(1),
        "2026-03-04T00:00:00+08:00",
    );
    // Friday + 1wd skips the weekend.
    assert_resolves(
        &round_the_clock,
        "2026-03-06T10:00:00+08:00",
        wd(1),
        "2026-03-10T00:00:00+08:00",
    );
    // A working day counts 24 hours.
    assert_resolves(
        &round_the_clock,
        "2026-03-06T10:00:00+08:00",
        wh(14),
        "2026-03-07T00:00:00+08:00",
    );
    assert_resolves(
        &round_the_clock,
        "2026-03-06T10:00:00+08:00",
        wh(15),
        "2026-03-09T01:00:00+08:00",
    );
    assert_resolves(
        &round_the_clock,
        "2026-03-07T10:00:00+08:00",
        wh(24),
        "2026-03-10T00:00:00+08:00",
    );
    assert_eq!(
        round_the_clock.end_of_business(date(2026, 3, 7)),
        Ok(at("2026-03-08T00:00:00+08:00"))
    );
    assert_eq!(round_the_clock.covers(), None);
    // Unbounded: years far away are fine.
    assert_resolves(
        &round_the_clock,
        "2040-01-02T10:00:00+08:00",
        wd(1),
        "2040-01-04T00:00:00+08:00",
    );
}

fn berlin() -> BusinessCalendar {
    BusinessCalendar::builder("berlin", chrono_tz::Europe::Berlin)
        .week(&WEEKDAYS)
        .hours(&[(hm(9, 0), hm(17, 0))])
        .build()
        .expect("valid calendar")
}

#[test]
fn berlin_across_dst_changes() {
    let berlin = berlin();
    // Summer time starts Sunday 2026-03-29: Friday CET, Monday CEST.
    assert_resolves(
        &berlin,
        "2026-03-27T10:00:00+01:00",
        wd(1),
        "2026-03-30T17:00:00+02:00",
    );
    assert_resolves(
        &berlin,
        "2026-03-27T16:00:00+01:00",
        wh(2),
        "2026-03-30T10:00:00+02:00",
    );
    // Summer time ends Sunday 2026-10-25.
    assert_resolves(
        &berlin,
        "2026-10-23T16:00:00+02:00",
        wh(2),
        "2026-10-26T10:00:00+01:00",
    );
    assert_eq!(
        berlin.working_time_between(
            at("2026-03-27T00:00:00+01:00"),
            at("2026-03-31T00:00:00+02:00")
        ),
        Ok(TimeDelta::hours(16))
    );
}

#[test]
fn berlin_dst_day_counts_civil_hours() {
    let every_day = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];
    let whole = BusinessCalendar::builder("berlin-24x7", chrono_tz::Europe::Berlin)
        .week(&every_day)
        .build()
        .expect("valid calendar");
    // 2026-03-29 has 23 hours, 2026-10-25 has 25.
    let spring = whole.working_time_between(
        at("2026-03-29T00:00:00+01:00"),
        at("2026-03-30T00:00:00+02:00"),
    );
    assert_eq!(spring, Ok(TimeDelta::hours(23)));
    let autumn = whole.working_time_between(
        at("2026-10-25T00:00:00+02:00"),
        at("2026-10-26T00:00:00+01:00"),
    );
    assert_eq!(autumn, Ok(TimeDelta::hours(25)));
    assert_resolves(
        &whole,
        "2026-03-28T12:00:00+01:00",
        wd(1),
        "2026-03-30T00:00:00+02:00",
    );
    assert_resolves(
        &whole,
        "2026-03-29T00:00:00+01:00",
        wh(23),
        "2026-03-30T00:00:00+02:00",
    );

    // Hours that straddle the changes: 01:00–04:00 lasts 2 h in spring, 4 h in autumn.
    let night = BusinessCalendar::builder("berlin-night", chrono_tz::Europe::Berlin)
        .week(&every_day)
        .hours(&[(hm(1, 0), hm(4, 0))])
        .build()
        .expect("valid calendar");
    let spring = night.working_time_between(
        at("2026-03-29T00:00:00+01:00"),
        at("2026-03-30T00:00:00+02:00"),
    );
    assert_eq!(spring, Ok(TimeDelta::hours(2)));
    let autumn = night.working_time_between(
        at("2026-10-25T00:00:00+02:00"),
        at("2026-10-26T00:00:00+01:00"),
    );
    assert_eq!(autumn, Ok(TimeDelta::hours(4)));
    assert_resolves(
        &night,
        "2026-03-29T00:00:00+01:00",
        wh(2),
        "2026-03-29T04:00:00+02:00",
    );
    assert_resolves(
        &night,
        "2026-10-25T00:00:00+02:00",
        wh(2),
        "2026-10-25T02:00:00+01:00",
    );

    // Opening inside the gap (02:30 does not exist): work starts when the gap ends, 03:00.
    let gap = BusinessCalendar::builder("berlin-gap", chrono_tz::Europe::Berlin)
        .week(&every_day)
        .hours(&[(hm(2, 30), hm(5, 0))])
        .build()
        .expect("valid calendar");
    assert_resolves(
        &gap,
        "2026-03-29T00:00:00+01:00",
        wh(1),
        "2026-03-29T04:00:00+02:00",
    );
    // Opening inside the fold (02:30 happens twice): the earlier one.
    assert_resolves(
        &gap,
        "2026-10-25T00:00:00+02:00",
        wh(1),
        "2026-10-25T03:30:00+02:00",
    );
}

#[test]
fn calendar_without_working_days_fails() {
    let never = BusinessCalendar::builder("never", chrono_tz::UTC)
        .week(&[])
        .build()
        .expect("valid calendar");
    let err = CalendarError::NoWorkingTime {
        calendar: "never".to_owned(),
    };
    assert_eq!(
        never.resolve(at("2026-01-01T00:00:00Z"), wd(1)),
        Err(err.clone())
    );
    assert_eq!(
        never.resolve(at("2026-01-01T00:00:00Z"), wh(1)),
        Err(err.clone())
    );
    assert_eq!(never.resolve_back(date(2026, 1, 1), 1), Err(err));
}

#[test]
fn builder_validates() {
    let base = || BusinessCalendar::builder("x", chrono_tz::UTC);
    assert!(matches!(
        base().hours(&[(hm(18, 0), hm(9, 0))]).build(),
        Err(CalendarError::InvalidHours { .. })
    ));
    assert!(matches!(
        base().hours(&[(hm(9, 0), hm(9, 0))]).build(),
        Err(CalendarError::InvalidHours { .. })
    ));
    let overlap = base()
        .hours(&[(hm(13, 0), hm(18, 0)), (hm(9, 0), hm(13, 30))])
        .build();
    assert_eq!(
        overlap.map(|_| ()).map_err(|e| e.to_string()),
        Err("business hours `09:00-13:30` and `13:00-18:00` overlap".to_owned())
    );
    assert_eq!(
        base()
            .holiday(date(2026, 2, 14))
            .workday(date(2026, 2, 14))
            .build(),
        Err(CalendarError::HolidayWorkday {
            date: date(2026, 2, 14)
        })
    );
    assert!(matches!(
        base().covers(2026, 2024).build(),
        Err(CalendarError::InvalidCoverage { .. })
    ));
    assert!(matches!(
        base().covers(2024, 2025).holiday(date(2026, 1, 1)).build(),
        Err(CalendarError::OutsideCoverage { .. })
    ));
    // Unsorted, touching intervals and an end of 00:00 (24:00) are fine.
    let cal = base()
        .hours(&[
            (hm(20, 0), hm(0, 0)),
            (hm(8, 0), hm(12, 0)),
            (hm(12, 0), hm(13, 0)),
        ])
        .holidays(date(2026, 5, 1)..=date(2026, 5, 5))
        .build()
        .expect("valid calendar");
    let hours: Vec<_> = cal.hours().collect();
    assert_eq!(hours, [(hm(8, 0), hm(13, 0)), (hm(20, 0), hm(0, 0))]);
    assert_eq!(cal.holidays().len(), 5);
    assert_eq!(
        cal.end_of_business(date(2026, 5, 4)),
        Ok(at("2026-05-05T00:00:00Z"))
    );
}

#[test]
fn serde_uses_iana_names_and_readable_hours() {
    let cn = BusinessCalendar::cn();
    let json = serde_json::to_value(&cn).expect("serializes");
    assert_eq!(json["zone"], "Asia/Shanghai");
    assert_eq!(
        json["hours"],
        serde_json::json!([["09:00", "12:00"], ["13:00", "18:00"]])
    );
    assert_eq!(
        json["week"],
        serde_json::json!(["Mon", "Tue", "Wed", "Thu", "Fri"])
    );
    assert_eq!(json["covers"], serde_json::json!([2024, 2026]));
    let back: BusinessCalendar = serde_json::from_value(json).expect("deserializes");
    assert_eq!(back, cn);

    let bad_zone = r#"{"name":"x","zone":"Mars/Olympus","week":["Mon"]}"#;
    let err = serde_json::from_str::<BusinessCalendar>(bad_zone).expect_err("unknown zone");
    assert!(
        err.to_string().contains("unknown time zone `Mars/Olympus`"),
        "{err}"
    );
    let bad_hours = r#"{"name":"x","zone":"UTC","week":["Mon"],"hours":[["18:00","09:00"]]}"#;
    assert!(serde_json::from_str::<BusinessCalendar>(bad_hours).is_err());
    let midnight = r#"{"name":"x","zone":"UTC","week":["Mon"],"hours":[["20:00","24:00"]]}"#;
    let cal: BusinessCalendar = serde_json::from_str(midnight).expect("24:00 is allowed");
    assert_eq!(cal.hours().collect::<Vec<_>>(), [(hm(20, 0), hm(0, 0))]);
}

// ------------------------------------------------------------- properties

/// Seconds since the epoch of 2024-01-01T00:00+08:00 and 2026-10-31T00:00+08:00:
/// starts whose deadlines of up to 20wd or 100wh stay inside the cn horizon.
const COVERED_FROM: i64 = 1_704_038_400;
const COVERED_TO: i64 = 1_793_376_000;

fn covered_instant() -> impl Strategy<Value = DateTime<Utc>> {
    (COVERED_FROM..COVERED_TO).prop_map(|s| DateTime::from_timestamp(s, 0).expect("in range"))
}

fn business_duration() -> impl Strategy<Value = BusinessDuration> {
    prop_oneof![
        (1u32..=20).prop_map(wd),
        (1u32..=100).prop_map(wh),
        (0u32..=5000).prop_map(|n| BusinessDuration::new(n, Unit::Minute)),
        (0u32..=200).prop_map(|n| BusinessDuration::new(n, Unit::Hour)),
        (0u32..=30).prop_map(|n| BusinessDuration::new(n, Unit::Day)),
        (0u32..=4).prop_map(|n| BusinessDuration::new(n, Unit::Week)),
    ]
}

const ZONES: [Tz; 6] = [
    chrono_tz::Asia::Shanghai,
    chrono_tz::Europe::Berlin,
    chrono_tz::America::New_York,
    chrono_tz::America::Santiago,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::UTC,
];

/// Unbounded calendars in DST zones with random weeks, hours and holidays.
fn any_calendar() -> impl Strategy<Value = BusinessCalendar> {
    (
        0..ZONES.len(),
        1u8..=0x7f,
        prop::collection::btree_set(0u32..=48, 0..=6),
        prop::collection::vec(0i64..1096, 0..20),
        prop::collection::vec(0i64..1096, 0..5),
    )
        .prop_map(|(zone, week, points, holidays, workdays)| {
            let days: Vec<Weekday> = (0..7)
                .filter(|bit| week & (1 << bit) != 0)
                .map(|bit| Weekday::try_from(bit).expect("0..7 is a weekday"))
                .collect();
            // Pairs of half-hour marks, 0..=48, as intervals; 48 is 24:00.
            let marks: Vec<u32> = points.into_iter().collect();
            let half_hour = |mark: u32| {
                NaiveTime::from_num_seconds_from_midnight_opt(mark % 48 * 1800, 0).expect("in day")
            };
            let hours: Vec<(NaiveTime, NaiveTime)> = marks
                .chunks_exact(2)
                .map(|pair| (half_hour(pair[0]), half_hour(pair[1])))
                .collect();
            let day = |offset: i64| date(2024, 1, 1) + TimeDelta::days(offset);
            let mut builder = BusinessCalendar::builder("random", ZONES[zone])
                .week(&days)
                .hours(&hours);
            for offset in holidays {
                builder = builder.holiday(day(offset));
            }
            for offset in workdays {
                builder = builder.workday(day(offset));
            }
            builder.build().unwrap_or_else(|_| {
                // Only a date both holiday and workday can fail; drop the workdays.
                BusinessCalendar::builder("random", ZONES[zone])
                    .week(&days)
                    .hours(&hours)
                    .build()
                    .expect("without listed dates the calendar is valid")
            })
        })
}

/// Whether `x` is inside or at the end of a business-hours interval of a
/// working day: the instant just before `x` is working time.
fn on_working_time(cal: &BusinessCalendar, x: DateTime<Utc>) -> bool {
    let just_before = x - TimeDelta::nanoseconds(1);
    let local = just_before.with_timezone(&cal.zone());
    let day = local.date_naive();
    if !cal.is_working_day(day) {
        return false;
    }
    let time = local.time();
    let hours: Vec<_> = cal.hours().collect();
    hours.is_empty()
        || hours
            .iter()
            .any(|&(open, close)| open <= time && (close == NaiveTime::MIN || time < close))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn resolve_is_after_start_and_monotone_in_amount(
        start in covered_instant(),
        d in business_duration(),
        extra in 0u32..10,
    ) {
        let cn = BusinessCalendar::cn();
        let deadline = cn.resolve(start, d).expect("inside the horizon");
        prop_assert!(deadline >= start);
        let longer = BusinessDuration::new(d.amount + extra, d.unit);
        let later = cn.resolve(start, longer).expect("inside the horizon");
        prop_assert!(later >= deadline, "{d} → {deadline}, {longer} → {later}");
    }

    #[test]
    fn resolve_is_monotone_in_start(
        start in covered_instant(),
        shift in 0i64..(5 * 86_400),
        d in business_duration(),
    ) {
        let cn = BusinessCalendar::cn();
        let later_start = start + TimeDelta::seconds(shift);
        let a = cn.resolve(start, d).expect("inside the horizon");
        let b = cn.resolve(later_start, d).expect("inside the horizon");
        prop_assert!(a <= b, "{d}: {start} → {a}, {later_start} → {b}");
    }

    #[test]
    fn business_deadlines_land_on_working_time(
        start in covered_instant(),
        amount in 1u32..=40,
        unit in prop_oneof![Just(Unit::WorkingDay), Just(Unit::WorkingHour)],
    ) {
        let cn = BusinessCalendar::cn();
        let deadline = cn.resolve(start, BusinessDuration::new(amount, unit)).expect("inside the horizon");
        prop_assert!(on_working_time(&cn, deadline), "{amount}{} from {start} → {deadline}", unit.suffix());
        if unit == Unit::WorkingDay {
            // …and at the close of business of that day.
            let day = deadline.with_timezone(&cn.zone()).date_naive();
            prop_assert_eq!(cn.end_of_business(day), Ok(deadline));
        }
    }

    #[test]
    fn working_hours_are_additive(
        start in covered_instant(),
        a in 0i64..=40,
        b in 0i64..=40,
    ) {
        let cn = BusinessCalendar::cn();
        let (a, b) = (TimeDelta::hours(a), TimeDelta::hours(b));
        let whole = cn.add_working_time(start, a + b).expect("inside the horizon");
        let first = cn.add_working_time(start, a).expect("inside the horizon");
        let stepwise = cn.add_working_time(first, b).expect("inside the horizon");
        prop_assert_eq!(whole, stepwise);
    }

    #[test]
    fn subtract_counts_the_same_working_time_back(
        end in covered_instant(),
        minutes in 0i64..=(40 * 60),
    ) {
        let cn = BusinessCalendar::cn();
        let amount = TimeDelta::minutes(minutes);
        // Stay clear of the start of the covered years.
        prop_assume!(end > at("2024-03-01T00:00:00+08:00"));
        let start = cn.subtract_working_time(end, amount).expect("inside the horizon");
        prop_assert!(start <= end);
        prop_assert_eq!(cn.working_time_between(start, end), Ok(amount));
        // Latest such instant: going forward from it reaches the last working
        // instant at or before `end`.
        let forward = cn.add_working_time(start, amount).expect("inside the horizon");
        prop_assert!(forward <= end);
        prop_assert_eq!(cn.working_time_between(forward, end), Ok(TimeDelta::zero()));
    }

    #[test]
    fn working_time_between_inverts_add(
        start in covered_instant(),
        minutes in 1i64..=3000,
    ) {
        let cn = BusinessCalendar::cn();
        let amount = TimeDelta::minutes(minutes);
        let end = cn.add_working_time(start, amount).expect("inside the horizon");
        prop_assert_eq!(cn.working_time_between(start, end), Ok(amount));
    }

    #[test]
    fn any_calendar_is_monotone_additive_and_lands_on_working_time(
        cal in any_calendar(),
        start in covered_instant(),
        shift in 0i64..(3 * 86_400),
        a in 0i64..=600,
        b in 1i64..=600,
    ) {
        let (a, b) = (TimeDelta::minutes(a), TimeDelta::minutes(b));
        let whole = cal.add_working_time(start, a + b).expect("unbounded calendar");
        let first = cal.add_working_time(start, a).expect("unbounded calendar");
        prop_assert_eq!(cal.add_working_time(first, b), Ok(whole));
        prop_assert!(first >= start && whole > first);
        // The instant just before the deadline is working time (DST folds
        // make a check by local clock readings ambiguous, so ask the calendar).
        let tick = TimeDelta::nanoseconds(1);
        prop_assert_eq!(cal.working_time_between(whole - tick, whole), Ok(tick));
        prop_assert_eq!(cal.working_time_between(start, whole), Ok(a + b));

        let later_start = start + TimeDelta::seconds(shift);
        prop_assert!(cal.add_working_time(later_start, b).expect("unbounded") >= cal.add_working_time(start, b).expect("unbounded"));
        let one = cal.resolve(start, wd(1)).expect("unbounded calendar");
        let two = cal.resolve(start, wd(2)).expect("unbounded calendar");
        let one_later = cal.resolve(later_start, wd(1)).expect("unbounded calendar");
        prop_assert!(start <= one && one <= two && one <= one_later);
    }

    #[test]
    fn calendars_survive_serde(cal in any_calendar()) {
        let json = serde_json::to_string(&cal).expect("serializes");
        let back: BusinessCalendar = serde_json::from_str(&json).expect("deserializes");
        prop_assert_eq!(back, cal);
    }
}

#[test]
fn cn_survives_serde() {
    let cn = BusinessCalendar::cn();
    let json = serde_json::to_string(&cn).expect("serializes");
    let back: BusinessCalendar = serde_json::from_str(&json).expect("deserializes");
    assert_eq!(back, cn);
}
