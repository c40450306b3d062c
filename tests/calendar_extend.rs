//! Extending calendars from a host program: `to_builder`, `extend_coverage`,
//! `holiday_data` on a copy, and labels, which are for people only.

use chrono::NaiveDate;
use sopflow::calendar::{BusinessCalendar, CalendarError, DayKind};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

#[test]
fn a_copy_builds_the_same_calendar() {
    let cn = BusinessCalendar::cn();
    let copy = cn.to_builder().build().expect("a copy is valid");
    assert_eq!(copy, cn);
    assert_eq!(copy.label(date(2026, 2, 16)), Some("春节"));
    assert_eq!(
        copy.hours().collect::<Vec<_>>(),
        cn.hours().collect::<Vec<_>>()
    );
}

#[test]
fn covered_years_join_when_they_overlap_or_touch() {
    let extend = |from, to| {
        BusinessCalendar::cn()
            .to_builder()
            .extend_coverage(from, to)
            .map(|b| b.build().expect("valid").covers())
    };
    assert_eq!(extend(2027, 2027), Ok(Some(2024..=2027)));
    assert_eq!(extend(2023, 2023), Ok(Some(2023..=2026)));
    assert_eq!(extend(2025, 2028), Ok(Some(2024..=2028)));
    assert_eq!(extend(2020, 2030), Ok(Some(2020..=2030)));
    assert!(matches!(
        extend(2028, 2029),
        Err(CalendarError::CoverageGap {
            covered_from: 2024,
            covered_to: 2026,
            from: 2028,
            to: 2029
        })
    ));
    assert!(matches!(
        extend(2020, 2022),
        Err(CalendarError::CoverageGap { .. })
    ));
    assert!(matches!(
        extend(2027, 2026),
        Err(CalendarError::InvalidCoverage { .. })
    ));
    // A calendar without covered years takes the new ones.
    let open = BusinessCalendar::builder("open", chrono_tz::UTC)
        .extend_coverage(2026, 2026)
        .and_then(|b| b.build())
        .expect("valid");
    assert_eq!(open.covers(), Some(2026..=2026));
}

#[test]
fn holiday_data_on_a_copy_adds_a_year() {
    let text = "covers 2027\nholiday 2027-01-01 元旦\nholiday 2027-01-04..2027-01-05 测试假期\nworkday 2027-01-09 测试调休\n";
    let cn = BusinessCalendar::cn()
        .to_builder()
        .holiday_data(text)
        .expect("the data reads")
        .build()
        .expect("the calendar builds");
    assert_eq!(cn.covers(), Some(2024..=2027));
    assert_eq!(cn.day_kind(date(2027, 1, 1)), DayKind::Holiday);
    assert_eq!(cn.day_kind(date(2027, 1, 9)), DayKind::MakeUpWorkday);
    assert_eq!(cn.day_kind(date(2027, 1, 6)), DayKind::Working);
    assert_eq!(cn.day_kind(date(2027, 1, 10)), DayKind::Rest);
    assert_eq!(cn.label(date(2027, 1, 5)), Some("测试假期"));
    // The old years are unchanged.
    assert_eq!(cn.day_kind(date(2026, 10, 10)), DayKind::MakeUpWorkday);
    assert_eq!(cn.label(date(2026, 10, 10)), Some("国庆节调休"));

    let gap = BusinessCalendar::cn()
        .to_builder()
        .holiday_data("covers 2028\nholiday 2028-01-01 元旦\n");
    assert!(matches!(gap, Err(CalendarError::CoverageGap { .. })));
    // Dates outside the joined years are still refused.
    let outside = BusinessCalendar::cn()
        .to_builder()
        .holiday_data("holiday 2027-01-01 元旦\n")
        .expect("the data reads")
        .build();
    assert!(matches!(
        outside,
        Err(CalendarError::OutsideCoverage { .. })
    ));
}

#[test]
fn labels_are_neither_compared_nor_serialized() {
    let plain = BusinessCalendar::builder("x", chrono_tz::UTC)
        .holiday(date(2026, 5, 1))
        .build()
        .unwrap();
    let named = plain
        .to_builder()
        .label(date(2026, 5, 1)..=date(2026, 5, 1), "劳动节")
        .label(date(2026, 5, 1)..=date(2026, 5, 1), "五一")
        .build()
        .unwrap();
    assert_eq!(named, plain);
    // The later name of a date wins.
    assert_eq!(named.label(date(2026, 5, 1)), Some("五一"));
    assert_eq!(plain.label(date(2026, 5, 1)), None);
    let json = serde_json::to_string(&named).unwrap();
    assert!(!json.contains("五一"), "{json}");
    assert_eq!(json, serde_json::to_string(&plain).unwrap());
}
