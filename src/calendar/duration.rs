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
