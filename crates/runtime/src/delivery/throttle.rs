//! Throttled answers: `429 Too Many Requests`, and `503 Service
//! Unavailable` with a `Retry-After` header, say "not now" rather than
//! "failed", so the worker waits as long as the receiver asked and does
//! not count the reply toward dead-lettering the way it counts a failure.
//!
//! The policy, as [`Delivery`](super::Delivery) applies it:
//! - The next attempt is not before `Retry-After` (delta-seconds or an
//!   HTTP-date), at most [`MAX_RETRY_AFTER`] away (a receiver asking for a
//!   day is not obeyed past an hour). A 429 without a usable `Retry-After`
//!   waits the usual backoff.
//! - A throttled reply does not count toward `max_attempts`: a message is a
//!   dead letter after `max_attempts` failures. So that a receiver that
//!   throttles forever cannot keep a message forever, a message is also a
//!   dead letter after [`THROTTLE_CEILING`] × `max_attempts` requests in all.
//! - A 503 without `Retry-After` is an ordinary failure (the service is
//!   down, not busy).
//!
//! This module does no I/O and reads no clock.

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};

/// The longest wait a `Retry-After` can impose: one hour.
pub const MAX_RETRY_AFTER: TimeDelta = TimeDelta::hours(1);

/// A message is dead after this many times `max_attempts` requests in all,
/// however many of them were throttled.
pub const THROTTLE_CEILING: i64 = 3;

/// Whether an answer with this status (and `Retry-After` header, if any)
/// is a throttle: 429 always, 503 only with a `Retry-After`.
pub fn is_throttle(status: u16, retry_after: Option<&str>) -> bool {
    status == 429 || (status == 503 && retry_after.is_some())
}

/// How long a `Retry-After` header asks to wait from `now`: delta-seconds
/// (`120`) or an HTTP-date (`Wed, 21 Oct 2026 07:28:00 GMT`, and the
/// obsolete RFC 850 and asctime forms), at most [`MAX_RETRY_AFTER`]. A date
/// in the past is no wait; `None` for a value that is neither.
///
/// ```
/// use chrono::{TimeDelta, TimeZone, Utc};
/// use sopflow_runtime::delivery::retry_after;
/// let now = Utc.with_ymd_and_hms(2026, 3, 5, 7, 0, 0).unwrap();
/// assert_eq!(retry_after("120", now), Some(TimeDelta::seconds(120)));
/// assert_eq!(
///     retry_after("Thu, 05 Mar 2026 07:05:00 GMT", now),
///     Some(TimeDelta::minutes(5))
/// );
/// assert_eq!(retry_after("86400", now), Some(TimeDelta::hours(1))); // capped
/// assert_eq!(retry_after("soon", now), None);
/// ```
pub fn retry_after(value: &str, now: DateTime<Utc>) -> Option<TimeDelta> {
    let value = value.trim();
    let wait = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Any run of digits is a (possibly huge) number of seconds.
        value
            .parse::<i64>()
            .map_or(MAX_RETRY_AFTER, TimeDelta::seconds)
    } else {
        http_date(value)? - now
    };
    Some(wait.clamp(TimeDelta::zero(), MAX_RETRY_AFTER))
}

/// An HTTP-date (RFC 9110 §5.6.7): IMF-fixdate, or the obsolete RFC 850
/// and asctime forms, all in GMT.
fn http_date(value: &str) -> Option<DateTime<Utc>> {
    const FORMATS: [&str; 3] = [
        "%a, %d %b %Y %H:%M:%S GMT", // IMF-fixdate
        "%A, %d-%b-%y %H:%M:%S GMT", // RFC 850
        "%a %b %e %H:%M:%S %Y",      // asctime
    ];
    FORMATS
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(value, format).ok())
        .map(|naive| naive.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 5, 7, 0, 0).unwrap()
    }

    #[test]
    fn delta_seconds() {
        assert_eq!(retry_after("0", now()), Some(TimeDelta::zero()));
        assert_eq!(retry_after(" 30 ", now()), Some(TimeDelta::seconds(30)));
        assert_eq!(retry_after("3600", now()), Some(MAX_RETRY_AFTER));
        assert_eq!(retry_after("3601", now()), Some(MAX_RETRY_AFTER));
        assert_eq!(
            retry_after("99999999999999999999999", now()),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(retry_after("-5", now()), None);
        assert_eq!(retry_after("1.5", now()), None);
        assert_eq!(retry_after("", now()), None);
    }

    #[test]
    fn http_dates() {
        let ten_minutes = Some(TimeDelta::minutes(10));
        assert_eq!(
            retry_after("Thu, 05 Mar 2026 07:10:00 GMT", now()),
            ten_minutes
        );
        assert_eq!(
            retry_after("Thursday, 05-Mar-26 07:10:00 GMT", now()),
            ten_minutes
        );
        assert_eq!(retry_after("Thu Mar  5 07:10:00 2026", now()), ten_minutes);
        // In the past: no wait. Far ahead: an hour.
        assert_eq!(
            retry_after("Wed, 04 Mar 2026 07:10:00 GMT", now()),
            Some(TimeDelta::zero())
        );
        assert_eq!(
            retry_after("Fri, 06 Mar 2026 07:10:00 GMT", now()),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(retry_after("Thu, 05 Mar 2026 07:10:00 +0800", now()), None);
    }

    #[test]
    fn which_answers_throttle() {
        assert!(is_throttle(429, None));
        assert!(is_throttle(429, Some("5")));
        assert!(is_throttle(503, Some("5")));
        assert!(!is_throttle(503, None));
        assert!(!is_throttle(500, Some("5")));
    }
}
