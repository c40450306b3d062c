//! The serialized form of a calendar: zone as an IANA name, hours as
//! `HH:MM` text. Deserializing goes through [`CalendarBuilder::build`], so a
//! calendar read from JSON satisfies the same invariants as one built.

use super::*;

/// The serialized form of a [`BusinessCalendar`].
#[derive(Serialize, Deserialize)]
#[serde(rename = "BusinessCalendar", deny_unknown_fields)]
pub(super) struct CalendarRepr {
    name: String,
    /// IANA name, such as `Asia/Shanghai`.
    zone: String,
    week: Vec<Weekday>,
    /// `["09:00", "12:00"]`; `"24:00"` ends the day.
    #[serde(default)]
    hours: Vec<[String; 2]>,
    #[serde(default)]
    holidays: Vec<NaiveDate>,
    #[serde(default)]
    workdays: Vec<NaiveDate>,
    #[serde(default)]
    covers: Option<[i32; 2]>,
}

impl From<BusinessCalendar> for CalendarRepr {
    fn from(calendar: BusinessCalendar) -> Self {
        CalendarRepr {
            zone: calendar.zone.name().to_owned(),
            week: calendar.working_week().collect(),
            hours: calendar
                .hours
                .iter()
                .map(|&(from, to)| [clock_text(from), clock_text(to)])
                .collect(),
            covers: calendar.covers.map(|(from, to)| [from, to]),
            name: calendar.name,
            holidays: calendar.holidays,
            workdays: calendar.workdays,
        }
    }
}

impl TryFrom<CalendarRepr> for BusinessCalendar {
    type Error = CalendarError;

    fn try_from(repr: CalendarRepr) -> Result<Self, Self::Error> {
        let zone: Tz = repr.zone.parse().map_err(|_| CalendarError::UnknownZone {
            zone: repr.zone.clone(),
        })?;
        let mut hours = Vec::with_capacity(repr.hours.len());
        for [from, to] in &repr.hours {
            let invalid = || CalendarError::InvalidHours {
                interval: format!("{from}-{to}"),
                reason: "times must be written HH:MM or HH:MM:SS, up to 24:00",
            };
            let start = parse_clock(from)
                .filter(|seconds| *seconds < DAY_SECONDS)
                .ok_or_else(invalid)?;
            let end = parse_clock(to).ok_or_else(invalid)?;
            if end == 0 {
                // 00:00 as an end would read as 24:00 in the builder.
                return Err(CalendarError::InvalidHours {
                    interval: format!("{from}-{to}"),
                    reason: "the end is not after the start",
                });
            }
            hours.push((time_of(start), time_of(end % DAY_SECONDS)));
        }
        let mut builder = BusinessCalendar::builder(repr.name, zone)
            .week(&repr.week)
            .hours(&hours);
        builder.holidays = repr.holidays;
        builder.workdays = repr.workdays;
        builder.covers = repr.covers.map(|[from, to]| (from, to));
        builder.build()
    }
}
