//! Durations as SOP authors write them: an amount and a unit of time.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The unit of a [`BusinessDuration`].
///
/// `Minute`, `Hour`, `Day` (24 h) and `Week` (7 × 24 h) are elapsed time:
/// they are added to an instant regardless of any calendar. `WorkingDay` and
/// `WorkingHour` count only working time on a [`BusinessCalendar`](super::BusinessCalendar).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// `m`: 60 seconds.
    Minute,
    /// `h`: 60 minutes.
    Hour,
    /// `d`: 24 hours of elapsed time.
    Day,
    /// `w`: 7 days of elapsed time.
    Week,
    /// `wd`: working days on a calendar.
    WorkingDay,
    /// `wh`: working hours on a calendar.
    WorkingHour,
}

impl Unit {
    /// The largest amount a `.sop` file may write in this unit: about 100 years
    /// (`within 36600d`, `within 878400wh`). Larger amounts are error E004.
    ///
    /// ```
    /// use sopflow::calendar::Unit;
    /// assert_eq!(Unit::Day.max_amount(), 36_600);
    /// ```
    #[must_use]
    pub const fn max_amount(self) -> u64 {
        match self {
            Unit::Minute => 100 * 366 * 24 * 60,
            Unit::Hour => 100 * 366 * 24,
            Unit::Day => 100 * 366,
            Unit::Week => 100 * 53,
            Unit::WorkingDay => 100 * 366,
            Unit::WorkingHour => 100 * 366 * 24,
        }
    }

    /// The suffix used in `.sop` files: `m`, `h`, `d`, `w`, `wd`, `wh`.
    pub fn suffix(self) -> &'static str {
        match self {
            Unit::Minute => "m",
            Unit::Hour => "h",
            Unit::Day => "d",
            Unit::Week => "w",
            Unit::WorkingDay => "wd",
            Unit::WorkingHour => "wh",
        }
    }

    /// Parses a suffix written in a `.sop` file.
    pub fn from_suffix(suffix: &str) -> Option<Unit> {
        Some(match suffix {
            "m" => Unit::Minute,
            "h" => Unit::Hour,
            "d" => Unit::Day,
            "w" => Unit::Week,
            "wd" => Unit::WorkingDay,
            "wh" => Unit::WorkingHour,
            _ => return None,
        })
    }

    /// Whether this unit counts time on a business calendar (`wd`, `wh`).
    pub fn is_business(self) -> bool {
        matches!(self, Unit::WorkingDay | Unit::WorkingHour)
    }
}

/// An amount of time such as `3wd` or `72h`.
///
/// # Example
/// ```
/// use sopflow::calendar::{BusinessDuration, Unit};
/// let d = BusinessDuration::new(3, Unit::WorkingDay);
/// assert_eq!(d.to_string(), "3wd");
/// assert!(d.unit.is_business());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BusinessDuration {
    /// How many units; always at least 1 in a validated definition.
    pub amount: u32,
    /// The unit.
    pub unit: Unit,
}

impl BusinessDuration {
    /// Creates a duration.
    pub const fn new(amount: u32, unit: Unit) -> Self {
        BusinessDuration { amount, unit }
    }

    /// The elapsed length of an elapsed-time duration, or `None` for `wd`/`wh`.
    pub fn as_elapsed(self) -> Option<chrono::TimeDelta> {
        let amount = i64::from(self.amount);
        match self.unit {
            Unit::Minute => chrono::TimeDelta::try_minutes(amount),
            Unit::Hour => chrono::TimeDelta::try_hours(amount),
            Unit::Day => chrono::TimeDelta::try_days(amount),
            Unit::Week => chrono::TimeDelta::try_weeks(amount),
            Unit::WorkingDay | Unit::WorkingHour => None,
        }
    }
}

impl fmt::Display for BusinessDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.amount, self.unit.suffix())
    }
}

/// Why a duration such as `3wd` could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration `{input}`: write an amount and a unit, e.g. `3d`, `2wd` or `8wh` (units: m, h, d, w, wd, wh)")]
pub struct ParseDurationError {
    input: String,
}

impl std::str::FromStr for BusinessDuration {
    type Err = ParseDurationError;

    /// Reads a duration as written in `.sop` files: `3d`, `2wd`, `8wh`, and the
    /// Chinese units `3天`, `2工作日`, `8工作小时`.
    ///
    /// ```
    /// use sopflow::calendar::{BusinessDuration, Unit};
    /// assert_eq!("3wd".parse(), Ok(BusinessDuration::new(3, Unit::WorkingDay)));
    /// assert_eq!("2工作日".parse(), Ok(BusinessDuration::new(2, Unit::WorkingDay)));
    /// assert!("3 days".parse::<BusinessDuration>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let error = || ParseDurationError {
            input: s.to_owned(),
        };
        let text = s.trim();
        let digits = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let amount: u32 = text[..digits].parse().map_err(|_| error())?;
        let unit = match text[digits..].trim_start() {
            "分钟" => Unit::Minute,
            "小时" => Unit::Hour,
            "天" => Unit::Day,
            "周" => Unit::Week,
            "工作日" | "个工作日" => Unit::WorkingDay,
            "工作小时" => Unit::WorkingHour,
            other => Unit::from_suffix(other).ok_or_else(error)?,
        };
        Ok(BusinessDuration::new(amount, unit))
    }
}
