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
///
/// Only the RFC 3339 shape is accepted ([`is_rfc3339`]): the compact ISO 8601 form
/// (`20261117T100000Z`), zone annotations (`[Europe/Berlin]`), offsets past `±23:59` and
/// leap seconds (`23:59:60`, which would silently become `:59`) are refused, so that a
/// value the error message calls invalid is never read as something else.
pub fn parse_time(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    // most data writes one shape; reading it directly gives what the parser below gives
    // (a test compares the two over many texts) at a fraction of the cost
    if let Some(t) = common_rfc3339(text.as_bytes()) {
        return Some(t);
    }
    parse_time_general(text)
}

/// [`parse_time`] without its fast path, for text already trimmed.
fn parse_time_general(text: &str) -> Option<Timestamp> {
    if is_rfc3339(text)
        && let Ok(t) = text.parse::<Timestamp>()
    {
        return Some(t);
    }
    // a plain date only: `2026-11-01T09:30:00` without offset is ambiguous, not a date
    if text.len() != 10 {
        return None;
    }
    let date: Date = text.parse().ok()?;
    Some(date_start(date))
}

/// The instant of the common RFC 3339 shape, `YYYY-MM-DDTHH:MM:SS`, an optional fraction of
/// up to 9 digits, and `Z` or `±HH:MM`, for years 1000 to 9998 (far from the ends of the
/// representable range, where offsets could carry an instant past them); `None` for any
/// other text, which [`parse_time_general`] then reads. Where this gives an instant, the
/// general path gives the same one.
fn common_rfc3339(b: &[u8]) -> Option<Timestamp> {
    let digits = |at: usize, n: usize| -> Option<i64> {
        let d = b.get(at..at + n)?;
        d.iter()
            .all(u8::is_ascii_digit)
            .then(|| d.iter().fold(0, |acc, &c| acc * 10 + i64::from(c - b'0')))
    };
    let punctuated = b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':';
    if !punctuated {
        return None;
    }
    let (year, month, day) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
    let (hour, minute, second) = (digits(11, 2)?, digits(14, 2)?, digits(17, 2)?);
    if !(1000..=9998).contains(&year) || !(1..=12).contains(&month) || day < 1 {
        return None;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if day > month_days[(month - 1) as usize] || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut i = 19;
    let mut nanos = 0i32;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let n = i - start;
        if !(1..=9).contains(&n) {
            return None;
        }
        let fraction = digits(start, n)?;
        nanos = i32::try_from(fraction * 10i64.pow((9 - n) as u32)).ok()?;
    }
    let offset = match b.get(i..)? {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (h, m) = (digits(i + 1, 2)?, digits(i + 4, 2)?);
            if h > 23 || m > 59 {
                return None;
            }
            let seconds = h * 3600 + m * 60;
            if *sign == b'-' { -seconds } else { seconds }
        }
        _ => return None,
    };
    // days from 1970-01-01 to the civil date (Howard Hinnant's `days_from_civil`)
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
    Timestamp::new(seconds, nanos).ok()
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

/// Whether `text` has the shape of an RFC 3339 datetime: `YYYY-MM-DD`, `T` (or `t` or a
/// space), `HH:MM` with optional `:SS` and fraction, then `Z` or `±HH:MM` (hours up to 23).
/// Seconds may be left out, as in rule literals. Calendar validity is jiff's to check.
pub fn is_rfc3339(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range.clone())
            .is_some_and(|d| d.len() == range.len() && d.iter().all(u8::is_ascii_digit))
    };
    let two = |at: usize| -> Option<u32> {
        digits(at..at + 2).then(|| u32::from(b[at] - b'0') * 10 + u32::from(b[at + 1] - b'0'))
    };
    let date = digits(0..4) && b.get(4) == Some(&b'-') && digits(5..7) && b.get(7) == Some(&b'-');
    if !(date && digits(8..10) && matches!(b.get(10), Some(b'T' | b't' | b' '))) {
        return false;
    }
    // HH:MM
    if !(two(11).is_some_and(|h| h < 24)
        && b.get(13) == Some(&b':')
        && two(14).is_some_and(|m| m < 60))
    {
        return false;
    }
    let mut i = 16;
    if b.get(i) == Some(&b':') {
        // no leap second: jiff would read `:60` as `:59`
        if two(i + 1).is_none_or(|s| s >= 60) {
            return false;
        }
        i += 3;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == start {
                return false;
            }
        }
    }
    match b.get(i) {
        Some(b'Z' | b'z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            two(i + 1).is_some_and(|h| h < 24)
                && b.get(i + 3) == Some(&b':')
                && two(i + 4).is_some_and(|m| m < 60)
                && i + 6 == b.len()
        }
        _ => false,
    }
}

/// Why a text shaped like a date (`YYYY-MM-DD…`) is not one: the part of the calendar it
/// names does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalendarProblem {
    /// A month outside 1 to 12.
    Month(u8),
    /// A day the month does not have.
    Day {
        /// The year.
        year: i16,
        /// The month (1 to 12).
        month: i8,
        /// The day written.
        day: u8,
        /// The month's last day.
        last: i8,
    },
    /// An hour past 23, a minute or second past 59.
    TimeOfDay,
}

/// What makes a date-shaped text impossible, if that is why it cannot be read.
pub fn calendar_problem(text: &str) -> Option<CalendarProblem> {
    let b = text.trim().as_bytes();
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let digits = b.get(range)?;
        digits
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| digits.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let (year, month8) = (i16::try_from(year).ok()?, u8::try_from(month).ok()?);
    if !(1..=12).contains(&month) {
        return Some(CalendarProblem::Month(month8));
    }
    let month = i8::try_from(month).ok()?;
    let last = jiff::civil::Date::new(year, month, 1).ok()?.days_in_month();
    let day8 = u8::try_from(day).ok()?;
    if day == 0 || day > last.unsigned_abs().into() {
        return Some(CalendarProblem::Day {
            year,
            month,
            day: day8,
            last,
        });
    }
    if b.len() > 10 {
        let hour = number(11..13)?;
        let minute = number(14..16)?;
        let second = if b.get(16) == Some(&b':') {
            number(17..19)?
        } else {
            0
        };
        if hour > 23 || minute > 59 || second > 59 {
            return Some(CalendarProblem::TimeOfDay);
        }
    }
    None
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

/// A duration as data holds it: ISO 8601 (`P30D`, `PT12H`, `PT1.5S`), or as rules write it,
/// a number, spaces and a unit (`30 days`, `1.5 days`, `1 week`; see [`duration_of`]).
/// Months and years are refused: their length varies.
pub fn parse_duration(text: &str) -> Option<SignedDuration> {
    let text = text.trim();
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    if unsigned.starts_with(['P', 'p']) {
        // ISO 8601 (jiff also reads `-P1D`, the negative form); a day is 24 hours, months
        // and years have no fixed length and are refused
        let span: jiff::Span = text.parse().ok()?;
        return span
            .to_duration(jiff::SpanRelativeTo::days_are_24_hours())
            .ok();
    }
    let (amount, unit) = text.split_once(char::is_whitespace)?;
    let amount: f64 = amount.parse().ok()?;
    if !amount.is_finite() {
        return None;
    }
    duration_of(amount, unit.trim_start())
}

/// `amount unit` as an exact duration (`second`, `minute`, `hour`, `day` of 24 hours,
/// `week`, each also with an `s`); `None` for other units and for amounts too large to add
/// to a time without overflow.
pub fn duration_of(amount: f64, unit: &str) -> Option<SignedDuration> {
    let seconds_per_unit = match unit.strip_suffix('s').unwrap_or(unit) {
        "second" => 1.0,
        "minute" => 60.0,
        "hour" => 3_600.0,
        "day" => 86_400.0,
        "week" => 604_800.0,
        _ => return None,
    };
    let seconds = amount * seconds_per_unit;
    (seconds.abs() < 1e15).then(|| SignedDuration::from_secs_f64(seconds))
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

    #[test]
    fn data_datetimes_have_the_rfc3339_shape_only() {
        for ok in [
            "2026-11-17T10:00:00Z",
            "2026-11-17t10:00:00.25z",
            "2026-11-17 10:00:00+01:00",
            "2026-11-17T10:00-05:30",
        ] {
            assert!(parse_time(ok).is_some(), "{ok}");
        }
        for refused in [
            "2026-11-17T10:00:00+25:00",
            "20261117T100000Z",
            "2026-11-17T10:00:00+01:00[Europe/Berlin]",
            "2026-11-17T10:00:00Z[UTC]",
            "2026-12-31T23:59:60Z",
            "2026-11-17T10:00:00",
            "2026-11-17T10Z",
        ] {
            assert_eq!(parse_time(refused), None, "{refused}");
        }
    }

    /// A small deterministic generator for the property tests below.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) % n
        }
    }

    #[test]
    fn the_fast_path_reads_times_as_the_general_parser_does() {
        let check = |text: &str| {
            assert_eq!(
                common_rfc3339(text.as_bytes()).or_else(|| parse_time_general(text)),
                parse_time_general(text),
                "{text:?}"
            );
        };
        // every day of years around leap-year rules, at several times and offsets
        let times = ["00:00:00", "23:59:59", "12:30:05.5", "09:15:00.123456789"];
        let zones = [
            "Z", "+00:00", "-00:00", "+01:00", "-05:30", "+23:59", "-23:59",
        ];
        let mut fast = 0;
        for year in [
            1000, 1600, 1899, 1900, 1970, 1999, 2000, 2024, 2026, 2100, 9998,
        ] {
            for month in 1..=12 {
                for day in 0..=32 {
                    for (i, time) in times.iter().enumerate() {
                        let zone = zones[(day as usize + i) % zones.len()];
                        let text = format!("{year:04}-{month:02}-{day:02}T{time}{zone}");
                        fast += usize::from(common_rfc3339(text.as_bytes()).is_some());
                        check(&text);
                    }
                }
            }
        }
        assert!(fast > 10_000, "the fast path read {fast} of the dates");
        // texts near the shape: every character replaced, dropped or doubled
        let alphabet = b"0123456789-:T+Zzt .x";
        let mut rng = Rng(7);
        let seeds = [
            "2026-11-17T10:00:00Z",
            "2024-02-29T23:59:59.999+05:30",
            "1999-12-31T00:00:00-00:00",
            "0999-01-01T00:00:00Z",
            "9999-12-31T23:59:59-23:59",
        ];
        for seed in seeds {
            let b = seed.as_bytes();
            for _ in 0..3_000 {
                let mut t = b.to_vec();
                for _ in 0..=rng.below(3) {
                    let at = rng.below(t.len() as u64) as usize;
                    match rng.below(3) {
                        0 => t[at] = alphabet[rng.below(alphabet.len() as u64) as usize],
                        1 => {
                            t.remove(at);
                        }
                        _ => t.insert(at, t[at]),
                    }
                    if t.is_empty() {
                        break;
                    }
                }
                check(&String::from_utf8_lossy(&t));
            }
        }
        // fractions of every length, hours, minutes and seconds at and past their ends
        for digits in 0..=12 {
            check(&format!("2026-11-17T10:00:00.{}Z", "7".repeat(digits)));
        }
        for (h, m, s) in [(24, 0, 0), (23, 60, 0), (23, 59, 60), (0, 0, 0)] {
            check(&format!("2026-11-17T{h:02}:{m:02}:{s:02}Z"));
            check(&format!("2026-11-17T10:00:00+{h:02}:{m:02}"));
        }
    }

    #[test]
    fn durations_in_data_read_as_rule_literals_do() {
        let hours = |h: i64| Some(SignedDuration::from_hours(h));
        assert_eq!(parse_duration("1.5 days"), hours(36));
        assert_eq!(parse_duration("36 hours"), hours(36));
        assert_eq!(parse_duration("1 week"), hours(168));
        assert_eq!(parse_duration("P1D"), hours(24));
        assert_eq!(parse_duration("PT36H"), hours(36));
        assert_eq!(parse_duration("30days"), None);
        assert_eq!(parse_duration("2 months"), None);
        assert_eq!(parse_duration("1 day 2 hours"), None);
    }

    #[test]
    fn impossible_calendar_parts_are_named() {
        assert_eq!(
            calendar_problem("2026-13-01"),
            Some(CalendarProblem::Month(13))
        );
        let feb = |year, last| {
            Some(CalendarProblem::Day {
                year,
                month: 2,
                day: 30,
                last,
            })
        };
        assert_eq!(calendar_problem("2026-02-30"), feb(2026, 28));
        assert_eq!(calendar_problem("2028-02-30T10:00"), feb(2028, 29));
        assert_eq!(
            calendar_problem("2026-02-10T24:00"),
            Some(CalendarProblem::TimeOfDay)
        );
        assert_eq!(calendar_problem("2026-02-10"), None);
        assert_eq!(calendar_problem("yesterday"), None);
    }
}
