//! Time: what a date means next to an instant, which texts are times, `within` windows and
//! `days_since`.
//!
//! One policy for reading times, in two cases: what people write (datetime literals in
//! rules, `--as-of`) may leave out the offset and then means UTC — the rule author states
//! the zone once, in the rules; what data holds must carry its offset (or be a plain date,
//! its start in UTC), because a guessed zone would silently move every contact's events.

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

/// A datetime as people write it in rules: RFC 3339, with UTC when no offset is written.
pub fn parse_written(text: &str) -> Result<Timestamp, jiff::Error> {
    let has_zone = text.ends_with('Z')
        || text
            .rfind(['+', '-'])
            .is_some_and(|i| i > text.find('T').unwrap_or(usize::MAX));
    if has_zone {
        text.parse()
    } else {
        let civil: jiff::civil::DateTime = text.parse()?;
        Ok(civil.to_zoned(jiff::tz::TimeZone::UTC)?.timestamp())
    }
}

/// An evaluation instant as people write it: a date (its start in UTC), or a datetime as
/// in rules ([`parse_written`]).
pub fn parse_as_of(text: &str) -> Option<Timestamp> {
    parse_time(text).or_else(|| parse_written(text.trim()).ok())
}

/// Whether a datetime's date and time of day are valid, whatever its offset: then a parse
/// failure means the instant is out of range, which deserves its own message.
pub fn civil_part_is_valid(text: &str) -> bool {
    let text = text.trim();
    let without_zone = match text.rfind(['+', '-', 'Z', 'z']) {
        Some(i) if text.find('T').is_some_and(|t| i > t) => &text[..i],
        _ => text,
    };
    without_zone.parse::<jiff::civil::DateTime>().is_ok()
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
