//! One year of a calendar as month grids, for people who check a calendar
//! against the notice it was typed from (`sopflow calendar cn 2026`).
//!
//! Only the computation lives here: which day of which month falls in which
//! column, what kind of day it is, and which listed dates have which name.
//! Rendering is the caller's (the CLI prints text).

use chrono::{Datelike, NaiveDate};

use super::{BusinessCalendar, CalendarError, MAX_YEAR, MIN_YEAR};

/// What a date is on a calendar; see [`BusinessCalendar::day_kind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DayKind {
    /// A working day by the working week.
    Working,
    /// A day off by the working week (usually Saturday or Sunday).
    Rest,
    /// A listed day off (a public holiday, 法定节假日).
    Holiday,
    /// A listed make-up working day (调休): a day that works although its
    /// weekday does not.
    MakeUpWorkday,
}

impl DayKind {
    /// Whether people work on a day of this kind.
    pub fn works(self) -> bool {
        matches!(self, DayKind::Working | DayKind::MakeUpWorkday)
    }
}

/// One day of a [`MonthGrid`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day {
    /// The date.
    pub date: NaiveDate,
    /// What it is on the calendar.
    pub kind: DayKind,
}

/// One month as rows of weeks, Monday first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthGrid {
    /// The month, from 1 (January) to 12.
    pub month: u32,
    /// The weeks that have a day of the month, each Monday to Sunday;
    /// `None` for the days of the neighbouring months.
    pub weeks: Vec<[Option<Day>; 7]>,
}

/// Consecutive listed dates of one kind and one name, such as 春节
/// 2026-02-15..2026-02-23.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedDays {
    /// The first date.
    pub first: NaiveDate,
    /// The last date (inclusive); equal to `first` for one day.
    pub last: NaiveDate,
    /// [`DayKind::Holiday`] or [`DayKind::MakeUpWorkday`].
    pub kind: DayKind,
    /// The name the calendar gives these dates, if any.
    pub label: Option<String>,
}

/// A year of a calendar: twelve month grids, the listed dates with their
/// names, and whether the calendar covers the year.
///
/// Made by [`BusinessCalendar::year_grid`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearGrid {
    year: i32,
    covered: bool,
    months: Vec<MonthGrid>,
    listed: Vec<ListedDays>,
}

impl YearGrid {
    /// The year.
    pub fn year(&self) -> i32 {
        self.year
    }

    /// Whether the calendar's holiday data covers the year. When it does
    /// not, the grids follow the working week alone: the year's holidays
    /// and make-up working days are unknown.
    pub fn is_covered(&self) -> bool {
        self.covered
    }

    /// The twelve months, January first.
    pub fn months(&self) -> &[MonthGrid] {
        &self.months
    }

    /// The listed holidays and make-up working days of the year, in date
    /// order, consecutive dates of one kind and one name together.
    pub fn listed(&self) -> &[ListedDays] {
        &self.listed
    }

    /// How many days of the year are of `kind`.
    pub fn count(&self, kind: DayKind) -> usize {
        self.days().filter(|day| day.kind == kind).count()
    }

    /// How many days of the year people work (working and make-up days).
    pub fn working_days(&self) -> usize {
        self.days().filter(|day| day.kind.works()).count()
    }

    /// Every day of the year, in order.
    fn days(&self) -> impl Iterator<Item = &Day> {
        self.months
            .iter()
            .flat_map(|month| month.weeks.iter().flatten().flatten())
    }
}

impl BusinessCalendar {
    /// The year `year` as month grids (Monday first), with the listed
    /// holidays and make-up working days and their names.
    ///
    /// A year outside the covered years gets grids by the working week
    /// alone and [`YearGrid::is_covered`] is false.
    ///
    /// # Errors
    /// [`CalendarError::Overflow`] for a year outside 1 to 9999.
    ///
    /// # Example
    /// ```
    /// use sopflow::calendar::{BusinessCalendar, CalendarError, DayKind};
    ///
    /// let year = BusinessCalendar::cn().year_grid(2026)?;
    /// assert!(year.is_covered());
    /// assert_eq!(year.working_days(), 248);
    /// let october = &year.months()[9];
    /// // 2026-10-01 is a Thursday: the first row starts with three empty days.
    /// assert_eq!(october.weeks[0][3].map(|day| day.kind), Some(DayKind::Holiday));
    /// assert!(october.weeks[0][2].is_none());
    /// let national_day = year.listed().iter().find(|l| l.label.as_deref() == Some("国庆节"));
    /// assert_eq!(national_day.map(|l| (l.last - l.first).num_days() + 1), Some(7));
    ///
    /// let next = BusinessCalendar::cn().year_grid(2027)?;
    /// assert!(!next.is_covered() && next.listed().is_empty());
    /// assert_eq!(BusinessCalendar::cn().year_grid(10_000), Err(CalendarError::Overflow));
    /// # Ok::<(), CalendarError>(())
    /// ```
    pub fn year_grid(&self, year: i32) -> Result<YearGrid, CalendarError> {
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err(CalendarError::Overflow);
        }
        let covered = self
            .covers
            .is_none_or(|(from, to)| (from..=to).contains(&year));
        let mut months = Vec::with_capacity(12);
        for month in 1..=12 {
            let first = NaiveDate::from_ymd_opt(year, month, 1).ok_or(CalendarError::Overflow)?;
            let mut weeks = Vec::with_capacity(6);
            let mut week = [None; 7];
            let mut column = first.weekday().num_days_from_monday() as usize;
            for date in first.iter_days().take_while(|date| date.month() == month) {
                week[column] = Some(Day {
                    date,
                    kind: self.day_kind(date),
                });
                column += 1;
                if column == 7 {
                    weeks.push(week);
                    week = [None; 7];
                    column = 0;
                }
            }
            if column > 0 {
                weeks.push(week);
            }
            months.push(MonthGrid { month, weeks });
        }

        let in_year = |date: &&NaiveDate| date.year() == year;
        let mut dates: Vec<(NaiveDate, DayKind)> = self
            .holidays
            .iter()
            .filter(in_year)
            .map(|&date| (date, DayKind::Holiday))
            .chain(
                self.workdays
                    .iter()
                    .filter(in_year)
                    .map(|&date| (date, DayKind::MakeUpWorkday)),
            )
            .collect();
        dates.sort_unstable_by_key(|&(date, _)| date);
        let mut listed: Vec<ListedDays> = Vec::new();
        for (date, kind) in dates {
            let label = self.label(date);
            match listed.last_mut() {
                Some(run)
                    if run.kind == kind
                        && run.label.as_deref() == label
                        && run.last.succ_opt() == Some(date) =>
                {
                    run.last = date;
                }
                _ => listed.push(ListedDays {
                    first: date,
                    last: date,
                    kind,
                    label: label.map(str::to_owned),
                }),
            }
        }
        Ok(YearGrid {
            year,
            covered,
            months,
            listed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_day_appears_once_in_its_weekday_column() {
        let cn = BusinessCalendar::cn();
        for year in [2024, 2026, 2027] {
            let grid = cn.year_grid(year).expect("a supported year");
            let mut next = NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
            for month in grid.months() {
                assert!((4..=6).contains(&month.weeks.len()));
                for week in &month.weeks {
                    for (column, day) in week.iter().enumerate() {
                        if let Some(day) = day {
                            assert_eq!(day.date, next);
                            assert_eq!(day.date.weekday().num_days_from_monday() as usize, column);
                            assert_eq!(day.kind, cn.day_kind(day.date));
                            next = next.succ_opt().unwrap();
                        }
                    }
                }
            }
            assert_eq!(next, NaiveDate::from_ymd_opt(year + 1, 1, 1).unwrap());
        }
    }

    #[test]
    fn working_days_of_the_notices() {
        let cn = BusinessCalendar::cn();
        // A year's working days as the law counts them: its days, less 104
        // weekend days, less the statutory holidays (11 to 2024, 13 from 2025);
        // the make-up days of a notice balance the days it bridges.
        for (year, days) in [
            (2024, 366 - 104 - 11),
            (2025, 365 - 104 - 13),
            (2026, 365 - 104 - 13),
        ] {
            assert_eq!(cn.year_grid(year).unwrap().working_days(), days, "{year}");
        }
        let spring = cn.year_grid(2026).unwrap();
        let listed: Vec<_> = spring
            .listed()
            .iter()
            .filter(|l| l.label.as_deref() == Some("春节调休"))
            .map(|l| (l.first.to_string(), l.kind))
            .collect();
        assert_eq!(
            listed,
            [
                ("2026-02-14".to_owned(), DayKind::MakeUpWorkday),
                ("2026-02-28".to_owned(), DayKind::MakeUpWorkday)
            ]
        );
    }

    #[test]
    fn uncovered_year_follows_the_week() {
        let grid = BusinessCalendar::cn().year_grid(2030).unwrap();
        assert!(!grid.is_covered());
        assert_eq!(grid.count(DayKind::Holiday), 0);
        assert_eq!(grid.count(DayKind::MakeUpWorkday), 0);
        assert_eq!(grid.working_days(), 261);
    }
}
