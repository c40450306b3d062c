//! The fast path against the general path, clock text round trips, and
//! local times in a DST gap or fold.

use super::*;

/// The fixed-offset fast path agrees with the tz database on every day it covers.
#[test]
fn fixed_offset_fast_path_matches_the_zone() {
    let cn = BusinessCalendar::cn();
    assert!(
        cn.fixed.is_some(),
        "Asia/Shanghai has one offset in 2024-2026"
    );
    let mut day = NaiveDate::from_ymd_opt(2023, 12, 30).unwrap();
    while day <= NaiveDate::from_ymd_opt(2027, 1, 2).unwrap() {
        for seconds in [0, 1, 9 * 3600, 12 * 3600 + 30 * 60, 86_399, DAY_SECONDS] {
            let local = day.and_time(NaiveTime::MIN) + TimeDelta::seconds(i64::from(seconds));
            let expected = cn
                .zone
                .from_local_datetime(&local)
                .earliest()
                .unwrap()
                .with_timezone(&Utc);
            assert_eq!(
                cn.at_local(day, seconds).unwrap(),
                expected,
                "{day} +{seconds}s"
            );
            assert_eq!(
                cn.local_date(expected),
                expected.with_timezone(&cn.zone).date_naive()
            );
        }
        day = day.succ_opt().unwrap();
    }
    let berlin = BusinessCalendar::builder("b", chrono_tz::Europe::Berlin)
        .covers(2026, 2026)
        .build()
        .unwrap();
    assert!(berlin.fixed.is_none(), "Berlin changes offset twice a year");
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A random instant from a few days before 2024 to a few days after 2026,
/// often on round local times (openings, closings, midnights).
fn instant(rng: &mut Rng, nanos: bool) -> DateTime<Utc> {
    let from = "2023-12-28T00:00:00Z".parse::<DateTime<Utc>>().unwrap();
    let span = 3 * 366 * 86_400 + 10 * 86_400;
    let seconds = match rng.below(3) {
        0 => rng.below(span),
        1 => rng.below(span / 3600) * 3600,
        _ => rng.below(span / 1800) * 1800,
    };
    let at = from + TimeDelta::seconds(seconds as i64);
    if nanos && rng.below(4) == 0 {
        at + TimeDelta::nanoseconds(1 + rng.below(999_999_999) as i64)
    } else {
        at
    }
}

/// Compares every public entry point with the general (day by day,
/// chrono) path on random inputs; returns how often the fast path answered.
fn compare_fast_and_general(calendar: &BusinessCalendar, seed: u64) -> usize {
    let mut rng = Rng(seed);
    let mut fast = 0;
    for _ in 0..4000 {
        let a = instant(&mut rng, true);
        let b = if rng.below(2) == 0 {
            a + TimeDelta::seconds(rng.below(40 * 86_400) as i64)
        } else {
            instant(&mut rng, true)
        };
        let between = calendar.working_time_between(a, b);
        assert_eq!(between, calendar.general_between(a, b), "between {a} {b}");
        if let Some(fixed) = &calendar.fixed {
            fast += usize::from(b > a && calendar.fast_between(fixed, a, b).is_some());
        }

        let amount = match rng.below(3) {
            0 => TimeDelta::seconds(rng.below(400 * 3600) as i64),
            1 => TimeDelta::hours(rng.below(200) as i64),
            _ => TimeDelta::milliseconds(rng.below(100_000_000) as i64),
        };
        let added = calendar.add_working_time(a, amount);
        let general = if amount.is_zero() {
            Ok(a)
        } else {
            calendar.general_add_time(a, amount)
        };
        assert_eq!(added, general, "add {a} {amount}");
        if let Some(fixed) = &calendar.fixed {
            fast += usize::from(calendar.fast_add_time(fixed, a, amount).is_some());
        }

        let days = rng.below(90) as u32;
        let wd = calendar.resolve(a, BusinessDuration::new(days, Unit::WorkingDay));
        assert_eq!(wd, calendar.general_add_days(a, days), "{a} + {days}wd");
        let wh = calendar.resolve(a, BusinessDuration::new(days, Unit::WorkingHour));
        let general = if days == 0 {
            Ok(a)
        } else {
            calendar.general_add_time(a, TimeDelta::hours(i64::from(days)))
        };
        assert_eq!(wh, general, "{a} + {days}wh");
        if let Some(fixed) = &calendar.fixed {
            fast += usize::from(days > 0 && calendar.fast_add_days(fixed, a, days).is_some());
        }

        let date = a.with_timezone(&calendar.zone).date_naive();
        assert_eq!(
            calendar.resolve_back(date, days),
            calendar.general_back(date, days),
            "{date} - {days}wd"
        );
        if let Some(fixed) = &calendar.fixed {
            fast += usize::from(calendar.fast_back(fixed, date, days).is_some());
        }
        let close = calendar.close();
        let expected = if (MIN_YEAR..=MAX_YEAR).contains(&date.year()) {
            let local = date.and_time(NaiveTime::MIN) + TimeDelta::seconds(i64::from(close));
            Ok(calendar.local_to_utc(local))
        } else {
            Err(CalendarError::Overflow)
        };
        assert_eq!(calendar.end_of_business(date), expected, "close of {date}");
    }
    fast
}

/// The bitmap fast paths agree with the general path; the general path
/// alone serves zones whose offset changes.
#[test]
fn fast_paths_match_the_general_path() {
    let cn = BusinessCalendar::cn();
    let fast = compare_fast_and_general(&cn, 0x5eed_0001);
    assert!(fast > 8000, "the fast path answered {fast} times");

    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let whole_days = BusinessCalendar::builder("tokyo", chrono_tz::Asia::Tokyo)
        .week(&[
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
        ])
        .holidays(date(2024, 12, 29)..=date(2025, 1, 3))
        .holiday(date(2026, 5, 5))
        .workday(date(2025, 3, 9))
        .covers(2024, 2026)
        .build()
        .unwrap();
    assert!(whole_days.fixed.is_some() && whole_days.hours.is_empty());
    let fast = compare_fast_and_general(&whole_days, 0x5eed_0002);
    assert!(fast > 8000, "the fast path answered {fast} times");

    // A week without working days: searches fail the same way.
    let idle = BusinessCalendar::builder("idle", chrono_tz::UTC)
        .week(&[])
        .covers(2000, 2040)
        .build()
        .unwrap();
    let start = "2024-03-01T10:00:00Z".parse::<DateTime<Utc>>().unwrap();
    assert!(matches!(
        idle.resolve(start, BusinessDuration::new(1, Unit::WorkingDay)),
        Err(CalendarError::NoWorkingTime { .. })
    ));
    assert!(matches!(
        idle.add_working_time(start, TimeDelta::hours(1)),
        Err(CalendarError::NoWorkingTime { .. })
    ));

    let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
    let berlin = BusinessCalendar::builder("berlin", chrono_tz::Europe::Berlin)
        .hours(&[(hm(9, 0), hm(17, 0))])
        .holiday(date(2025, 12, 25))
        .covers(2024, 2026)
        .build()
        .unwrap();
    assert!(berlin.fixed.is_none(), "Berlin uses the general path");
    assert_eq!(compare_fast_and_general(&berlin, 0x5eed_0003), 0);
}

#[test]
fn clock_round_trips() {
    for seconds in [
        0,
        1,
        59,
        60,
        9 * 3600,
        12 * 3600 + 30 * 60 + 15,
        DAY_SECONDS,
    ] {
        assert_eq!(parse_clock(&clock_text(seconds)), Some(seconds));
    }
    for bad in [
        "24:01",
        "9:00",
        "09:60",
        "09:00:",
        "09-00",
        "",
        "25:00",
        "09:00:00:00",
    ] {
        assert_eq!(parse_clock(bad), None, "{bad}");
    }
}

#[test]
fn gap_resolves_to_its_end() {
    let berlin = BusinessCalendar::builder("berlin", chrono_tz::Europe::Berlin)
        .build()
        .expect("default calendar is valid");
    let day = NaiveDate::from_ymd_opt(2026, 3, 29).expect("valid date");
    // 02:30 does not exist in Berlin on 2026-03-29: clocks jump 02:00 → 03:00.
    let at = berlin.at_local(day, 2 * 3600 + 1800).expect("in range");
    assert_eq!(at.to_rfc3339(), "2026-03-29T01:00:00+00:00");
    // Lord Howe moves by 30 minutes, at 02:00 → 02:30.
    let lord_howe = BusinessCalendar::builder("lh", chrono_tz::Australia::Lord_Howe)
        .build()
        .expect("default calendar is valid");
    let day = NaiveDate::from_ymd_opt(2025, 10, 5).expect("valid date");
    let at = lord_howe.at_local(day, 2 * 3600 + 600).expect("in range");
    assert_eq!(
        at.with_timezone(&chrono_tz::Australia::Lord_Howe)
            .to_rfc3339(),
        "2025-10-05T02:30:00+11:00"
    );
}

#[test]
fn fold_resolves_to_the_earlier_instant() {
    let berlin = BusinessCalendar::builder("berlin", chrono_tz::Europe::Berlin)
        .build()
        .expect("default calendar is valid");
    let day = NaiveDate::from_ymd_opt(2026, 10, 25).expect("valid date");
    let at = berlin.at_local(day, 2 * 3600 + 1800).expect("in range");
    assert_eq!(at.to_rfc3339(), "2026-10-25T00:30:00+00:00");
}
