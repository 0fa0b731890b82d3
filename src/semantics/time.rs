//! Time: what a date means next to an instant, which texts are times (one policy for data
//! and `--as-of`), `within` windows and `days_since`.

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};

use super::truth::Truth;

/// The instant a date stands for when compared with datetimes: its start, in UTC.
pub fn date_start(date: Date) -> Timestamp {
    date.to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp())
        // dates at the ends of the calendar (9999-12-31, a common "no end date") lie past
        // the last instant that can be represented: they compare as that instant
        .unwrap_or(if date.year() > 0 {
            Timestamp::MAX
        } else {
            Timestamp::MIN
        })
}

/// Parses a datetime as RFC 3339 (offset required, or `Z`), or a plain date meaning its
/// start in UTC. This is how data (and untyped values) become times.
pub fn parse_time(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(t) = text.parse::<Timestamp>() {
        return Some(t);
    }
    // a plain date only: `2026-11-01T09:30:00` without offset is ambiguous, not a date
    if text.len() != 10 {
        return None;
    }
    let date: Date = text.parse().ok()?;
    Some(date_start(date))
}

/// An evaluation instant as people write it: a date (its start in UTC), an RFC 3339
/// datetime, or a datetime without offset (UTC).
pub fn parse_as_of(text: &str) -> Option<Timestamp> {
    parse_time(text).or_else(|| {
        let civil: jiff::civil::DateTime = text.trim().parse().ok()?;
        civil
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp())
    })
}

/// `time within span` at `now`: the time lies in `[now - span, now]`. A window reaching
/// before the first representable instant has no start.
pub fn within(now: Timestamp, time: Timestamp, span: SignedDuration) -> Truth {
    let start = now.checked_sub(span).ok();
    let after_start = start.is_none_or(|s| s <= time);
    Truth::from_bool(after_start && time <= now)
}

/// `days_since(time)` at `now`: whole days from the time to `now`, rounded down.
pub fn days_since(now: Timestamp, time: Timestamp) -> f64 {
    let seconds = now.duration_since(time).as_secs_f64();
    (seconds / 86_400.0).floor()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        parse_as_of(text).expect("a valid instant")
    }

    #[test]
    fn within_includes_both_ends_and_not_the_future() {
        let now = at("2026-11-22T00:00:00Z");
        let day = SignedDuration::from_hours(24);
        assert_eq!(within(now, at("2026-11-21T00:00:00Z"), day), Truth::True);
        assert_eq!(within(now, now, day), Truth::True);
        assert_eq!(within(now, at("2026-11-20T23:59:59Z"), day), Truth::False);
        assert_eq!(within(now, at("2026-11-22T00:00:01Z"), day), Truth::False);
    }

    #[test]
    fn days_since_rounds_down() {
        let now = at("2026-11-22T12:00:00Z");
        assert_eq!(days_since(now, at("2026-11-21T12:00:01Z")), 0.0);
        assert_eq!(days_since(now, at("2026-11-21T12:00:00Z")), 1.0);
        assert_eq!(days_since(now, at("2026-11-23T00:00:00Z")), -1.0);
    }

    #[test]
    fn a_plain_date_is_its_start_in_utc_and_no_offset_is_not_a_time_in_data() {
        assert_eq!(parse_time("2026-11-01"), Some(at("2026-11-01T00:00:00Z")));
        assert_eq!(parse_time("2026-11-01T09:30:00"), None);
        assert_eq!(
            parse_as_of("2026-11-01T09:30:00"),
            Some(at("2026-11-01T09:30:00Z"))
        );
        assert_eq!(date_start("9999-12-31".parse().unwrap()), Timestamp::MAX);
    }
}
