//! The built-in mainland China calendar.

use std::sync::OnceLock;

use chrono::{NaiveTime, Weekday};

use super::BusinessCalendar;

/// Holidays and make-up working days from the 国务院办公厅 notices; the file's
/// header names each notice and explains how to add a year.
const CN_HOLIDAYS: &str = include_str!("cn-holidays.txt");

/// The calendar, parsed on first use.
static CN: OnceLock<BusinessCalendar> = OnceLock::new();

impl BusinessCalendar {
    /// The built-in mainland China calendar, named `cn`: Asia/Shanghai,
    /// Monday to Friday, 09:00–12:00 and 13:00–18:00, with the public holidays
    /// and make-up working days (调休) of the State Council General Office
    /// notices for 2024, 2025 and 2026, which are its covered years.
    ///
    /// The data is embedded in the binary and parsed once per process.
    ///
    /// # Example
    /// ```
    /// use chrono::NaiveDate;
    /// use sopflow::calendar::BusinessCalendar;
    ///
    /// let cn = BusinessCalendar::cn();
    /// assert_eq!(cn.covers(), Some(2024..=2026));
    /// // 春节 2026 is a holiday; Saturday 2026-02-14 is a make-up working day.
    /// assert!(!cn.is_working_day(NaiveDate::from_ymd_opt(2026, 2, 16).unwrap()));
    /// assert!(cn.is_working_day(NaiveDate::from_ymd_opt(2026, 2, 14).unwrap()));
    /// ```
    pub fn cn() -> BusinessCalendar {
        CN.get_or_init(build).clone()
    }
}

/// Builds the calendar from the embedded data.
fn build() -> BusinessCalendar {
    let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).expect("literal times are valid");
    BusinessCalendar::builder("cn", chrono_tz::Asia::Shanghai)
        .week(&[
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ])
        .hours(&[(hm(9, 0), hm(12, 0)), (hm(13, 0), hm(18, 0))])
        .holiday_data(CN_HOLIDAYS)
        .expect("cn-holidays.txt parses, see the test `embedded_data_parses`")
        .build()
        .expect("cn-holidays.txt is consistent, see the test `embedded_data_builds`")
}

#[cfg(test)]
mod tests {
    use chrono::Datelike;

    use super::super::data::{self, EntryKind};
    use super::*;

    #[test]
    fn embedded_data_parses() {
        let parsed = data::parse(CN_HOLIDAYS).expect("cn-holidays.txt parses");
        assert_eq!(parsed.covers, Some((2024, 2026)));
        assert!(parsed.entries.iter().all(|entry| !entry.label.is_empty()));
    }

    #[test]
    fn embedded_data_builds() {
        let cn = BusinessCalendar::cn();
        assert_eq!(cn.name(), "cn");
        assert_eq!(cn.covers(), Some(2024..=2026));
        assert_eq!(cn.zone(), chrono_tz::Asia::Shanghai);
    }

    #[test]
    fn every_covered_year_names_all_seven_festivals() {
        let parsed = data::parse(CN_HOLIDAYS).expect("cn-holidays.txt parses");
        let (from, to) = parsed.covers.expect("the file has a covers line");
        for year in from..=to {
            for festival in [
                "元旦",
                "春节",
                "清明节",
                "劳动节",
                "端午节",
                "中秋节",
                "国庆节",
            ] {
                assert!(
                    parsed
                        .entries
                        .iter()
                        .any(|entry| entry.kind == EntryKind::Holiday
                            && entry.first.year() == year
                            && entry.label.contains(festival)),
                    "{year} has no `holiday` line for {festival}"
                );
            }
        }
    }

    #[test]
    fn make_up_days_are_weekends_and_day_counts_match_the_notices() {
        let parsed = data::parse(CN_HOLIDAYS).expect("cn-holidays.txt parses");
        for entry in &parsed.entries {
            if entry.kind == EntryKind::Workday {
                assert!(
                    matches!(entry.first.weekday(), Weekday::Sat | Weekday::Sun),
                    "line {}: make-up working day {} is not a weekend day",
                    entry.line,
                    entry.first
                );
            }
        }
        // Each year's holiday days: 2024 has 1+8+3+5+1+3+7 = 28 listed days,
        // 2025 has 1+8+3+5+3+8 = 28, 2026 has 3+9+3+5+3+3+7 = 33.
        let cn = BusinessCalendar::cn();
        for (year, days) in [(2024, 28), (2025, 28), (2026, 33)] {
            let listed = cn
                .holidays()
                .iter()
                .filter(|day| day.year() == year)
                .count();
            assert_eq!(listed, days, "{year}");
        }
        for (year, days) in [(2024, 8), (2025, 5), (2026, 6)] {
            let listed = cn
                .workdays()
                .iter()
                .filter(|day| day.year() == year)
                .count();
            assert_eq!(listed, days, "{year}");
        }
    }
}
