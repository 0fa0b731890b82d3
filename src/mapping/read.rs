//! Reading one cell the way a mapping says (`docs/mappings.md`): ranges, date formats and
//! zones, times since the epoch, durations in a unit. Each function takes the cell's text
//! and says what it means, or `None` when the text does not read that way (the caller
//! words the error, with the file, line and header).

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// Which number a range cell (`200-499`) stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeEnd {
    /// The lower bound.
    Low,
    /// The upper bound.
    High,
    /// Halfway between the bounds.
    Middle,
}

/// Which part of a date a column holds, when a date is split over columns (`part`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatePart {
    /// The day of the month, 1–31.
    Day,
    /// The month: 1–12, or its English name or abbreviation (`mar`, `March`).
    Month,
    /// The year, e.g. 2024.
    Year,
}

impl DatePart {
    /// The part named in a mapping.
    pub fn parse(name: &str) -> Option<DatePart> {
        match name {
            "day" => Some(DatePart::Day),
            "month" => Some(DatePart::Month),
            "year" => Some(DatePart::Year),
            _ => None,
        }
    }

    /// Its name in a mapping.
    pub fn name(self) -> &'static str {
        match self {
            DatePart::Day => "day",
            DatePart::Month => "month",
            DatePart::Year => "year",
        }
    }

    /// The number a cell (trimmed) gives this part, if it is one.
    pub fn value(self, cell: &str) -> Option<i16> {
        if let Ok(n) = cell.parse::<i16>() {
            let fits = match self {
                DatePart::Day => (1..=31).contains(&n),
                DatePart::Month => (1..=12).contains(&n),
                DatePart::Year => (1..=9999).contains(&n),
            };
            return fits.then_some(n);
        }
        if self != DatePart::Month || cell.chars().count() < 3 {
            return None;
        }
        let lower = cell.to_lowercase();
        let lower = lower.strip_suffix('.').unwrap_or(&lower);
        // `sept` is written too
        let at = MONTHS.iter().position(|m| {
            let prefix = m.as_bytes().get(..lower.len());
            prefix.is_some_and(|p| p.eq_ignore_ascii_case(lower.as_bytes()))
                || (lower == "sept" && *m == "September")
        })?;
        Some(at as i16 + 1)
    }
}

/// The months' English names, as dates are written and read in them.
pub const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The date of a day, month and year, if there is one (not 30 February).
pub fn date_of(day: i16, month: i16, year: i16) -> Option<jiff::civil::Date> {
    jiff::civil::Date::new(year, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok()
}

/// What one unit of a number in the data is (`unit` and `epoch`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// 1/1000 s
    Milliseconds,
    /// 1 s
    Seconds,
    /// 60 s
    Minutes,
    /// 3600 s
    Hours,
    /// 86,400 s
    Days,
}

impl Unit {
    /// The unit named in a mapping.
    pub fn parse(name: &str) -> Option<Unit> {
        Some(match name {
            "milliseconds" | "ms" => Unit::Milliseconds,
            "seconds" | "s" => Unit::Seconds,
            "minutes" => Unit::Minutes,
            "hours" => Unit::Hours,
            "days" => Unit::Days,
            _ => return None,
        })
    }

    /// The unit's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Unit::Milliseconds => "milliseconds",
            Unit::Seconds => "seconds",
            Unit::Minutes => "minutes",
            Unit::Hours => "hours",
            Unit::Days => "days",
        }
    }

    /// The unit in nanoseconds.
    pub fn nanoseconds(self) -> i128 {
        match self {
            Unit::Milliseconds => 1_000_000,
            Unit::Seconds => 1_000_000_000,
            Unit::Minutes => 60_000_000_000,
            Unit::Hours => 3_600_000_000_000,
            Unit::Days => 86_400_000_000_000,
        }
    }
}

/// A number of `unit`s as a duration; `None` for a cell that is not a number or a duration
/// beyond what can be represented (more than `i64::MAX / 2` seconds).
///
/// The decimal text is read exactly, not through a binary float: `1710234840123`
/// milliseconds is `.123` s past the second, where `1710234840123.0 * 0.001` is 145 ns
/// more. A number finer than a nanosecond is rounded to the nearest one (halves away
/// from zero).
pub fn duration(text: &str, unit: Unit) -> Option<SignedDuration> {
    let nanos = decimal_times(text.trim(), unit.nanoseconds())?;
    let limit = i128::from(i64::MAX / 2) * 1_000_000_000;
    if nanos.abs() > limit {
        return None;
    }
    let secs = i64::try_from(nanos / 1_000_000_000).ok()?;
    let sub = i32::try_from(nanos % 1_000_000_000).ok()?;
    Some(SignedDuration::new(secs, sub))
}

/// `text`, a decimal number (`[+-]digits[.digits][e[+-]digits]`, as Rust writes and reads
/// floats, without `inf` and `NaN`), times `factor`, rounded to an integer (halves away
/// from zero); `None` for other text, a result past `i128`, or a number with more than 24
/// decimals (after its exponent), which no export writes and which could not be rounded
/// exactly here.
fn decimal_times(text: &str, factor: i128) -> Option<i128> {
    let (negative, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], body[at + 1..].parse::<i32>().ok()?),
        None => (body, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    // the digits and where the decimal point falls in them, after the exponent
    let digits = format!("{whole}{fraction}");
    let point = whole.len() as i64 + i64::from(exponent);
    let first = digits.find(|c| c != '0');
    let Some(first) = first else {
        return Some(0);
    };
    let last = digits.rfind(|c| c != '0').unwrap_or(first) + 1;
    let significant = &digits[first..last];
    // the value is `significant` × 10^(point − last)
    let scale = point - last as i64;
    if scale < -24 {
        return None;
    }
    if significant.len() as i64 + scale.max(0) > 38 {
        return None;
    }
    let n: i128 = significant.parse().ok()?;
    let value = if scale >= 0 {
        n.checked_mul(10i128.checked_pow(u32::try_from(scale).ok()?)?)?
            .checked_mul(factor)?
    } else {
        let power = 10i128.pow(u32::try_from(-scale).ok()?);
        let product = n.checked_mul(factor)?;
        let (q, r) = (product / power, product % power);
        if 2 * r >= power { q + 1 } else { q }
    };
    Some(if negative { -value } else { value })
}

/// A number of `unit`s since 1970-01-01T00:00Z as an instant.
pub fn epoch(text: &str, unit: Unit) -> Option<Timestamp> {
    let since = duration(text, unit)?;
    Timestamp::UNIX_EPOCH.checked_add(since).ok()
}

/// One bound of a range: a number with an optional currency sign and multiplier, its
/// thousands maybe grouped by commas (`1,000`, `$1,500,000`; groups of three digits only,
/// so `1,5` is no bound).
fn bound(text: &str) -> Option<f64> {
    let text = text.trim();
    let text = text
        .strip_prefix(['$', '€', '£'])
        .unwrap_or(text)
        .trim_start();
    let (digits, factor) = match text.char_indices().last()? {
        (at, 'k' | 'K') => (&text[..at], 1e3),
        (at, 'm' | 'M') => (&text[..at], 1e6),
        (at, 'b' | 'B') => (&text[..at], 1e9),
        _ => (text, 1.0),
    };
    let digits = digits.trim();
    // a bound is written in digits: `inf`, `NaN` and signs are not band edges
    if !digits.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let n: f64 = if digits.contains(',') {
        let (whole, fraction) = match digits.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (digits, None),
        };
        let mut groups = whole.split(',');
        let first = groups.next()?;
        let grouped = (1..=3).contains(&first.len())
            && groups.all(|g| g.len() == 3)
            && whole.bytes().all(|b| b.is_ascii_digit() || b == b',')
            && fraction.is_none_or(|f| f.bytes().all(|b| b.is_ascii_digit()));
        if !grouped {
            return None;
        }
        digits.replace(',', "").parse().ok()?
    } else {
        digits.parse().ok()?
    };
    let n = n * factor;
    n.is_finite().then_some(n)
}

/// The number a range cell stands for: `Some(None)` for an open end (`2000+` has no upper
/// bound), `None` for a cell that is not a range.
pub fn range(text: &str, end: RangeEnd) -> Option<Option<f64>> {
    let text = text.trim();
    // a plain number, negative ones included, is a range of one value
    if let Ok(n) = text.parse::<f64>()
        && n.is_finite()
        && text.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.')
    {
        return Some(Some(n));
    }
    if let Some(low) = text.strip_suffix('+') {
        let low = bound(low)?;
        return Some(match end {
            RangeEnd::Low | RangeEnd::Middle => Some(low),
            RangeEnd::High => None,
        });
    }
    if let Some(high) = text.strip_prefix('<') {
        let high = bound(high.strip_prefix('=').unwrap_or(high))?;
        return Some(match end {
            RangeEnd::High => Some(high),
            RangeEnd::Low | RangeEnd::Middle => None,
        });
    }
    let split = [" to ", "–", "—", "-"]
        .iter()
        .find_map(|sep| text.split_once(sep));
    let (low, high) = match split {
        Some((low, high)) => (bound(low)?, bound(high)?),
        None => {
            let n = bound(text)?;
            (n, n)
        }
    };
    if low > high {
        return None;
    }
    Some(Some(match end {
        RangeEnd::Low => low,
        RangeEnd::High => high,
        RangeEnd::Middle => low + (high - low) / 2.0,
    }))
}

/// A time zone as a mapping names it: an IANA name (`Europe/Berlin`), `UTC`, or a fixed
/// offset (`+01:00`, `-0530`).
pub fn time_zone(name: &str) -> Option<TimeZone> {
    let name = name.trim();
    if let Some(rest) = name.strip_prefix(['+', '-']) {
        let sign = if name.starts_with('-') { -1 } else { 1 };
        let digits: String = rest.chars().filter(|c| *c != ':').collect();
        if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let hours: i32 = digits[..2].parse().ok()?;
        let minutes: i32 = digits[2..].parse().ok()?;
        if hours > 23 || minutes > 59 {
            return None;
        }
        let offset = jiff::tz::Offset::from_seconds(sign * (hours * 3600 + minutes * 60)).ok()?;
        return Some(TimeZone::fixed(offset));
    }
    TimeZone::get(name).ok()
}

/// Whether a `strftime` format can be used to read dates: every directive known, and a
/// date written in it reads back as that date (`%H:%M` or `%Y` alone cannot).
pub fn valid_format(format: &str) -> bool {
    // a time with an offset, so that a format may write it (`%z`, `%:z`)
    let Ok(sample) = jiff::civil::date(2024, 3, 15)
        .at(9, 14, 0, 0)
        .to_zoned(TimeZone::fixed(jiff::tz::offset(1)))
    else {
        return false;
    };
    let Ok(written) = jiff::fmt::strtime::format(format, &sample) else {
        return false;
    };
    jiff::fmt::strtime::parse(format, &written)
        .and_then(|parsed| parsed.to_date())
        .is_ok_and(|d| d == sample.date())
}

/// A date written in `format`.
pub fn date(text: &str, format: &str) -> Option<jiff::civil::Date> {
    let parsed = parsed(text.trim(), format)?;
    parsed.to_date().ok()
}

/// `text` read in `format`, where its year (if any) has four digits: `%Y` also reads `24`,
/// which in an export is `%y`'s 2024 written with the wrong format, never the year 24.
fn parsed(text: &str, format: &str) -> Option<jiff::fmt::strtime::BrokenDownTime> {
    let parsed = jiff::fmt::strtime::parse(format, text).ok()?;
    match parsed.year() {
        Some(year) if year < 1000 => None,
        _ => Some(parsed),
    }
}

/// A date-time written in `format` (or, without one, as RFC 3339 or a plain
/// `2024-03-12 09:14[:00]`); one without an offset is read in `zone`.
pub fn datetime(text: &str, format: Option<&str>, zone: Option<&TimeZone>) -> Option<Timestamp> {
    let text = text.trim();
    let Some(format) = format else {
        if let Some(t) = crate::semantics::time::parse_time(text) {
            return Some(t);
        }
        let civil: jiff::civil::DateTime = text.parse().ok()?;
        return zone?.to_timestamp(civil).ok();
    };
    let parsed = parsed(text, format)?;
    if parsed.offset().is_some() {
        return parsed.to_timestamp().ok();
    }
    let civil = match parsed.to_datetime() {
        Ok(civil) => civil,
        // a format with a date only means the start of that day
        Err(_) => parsed
            .to_date()
            .ok()?
            .to_datetime(jiff::civil::Time::midnight()),
    };
    zone?.to_timestamp(civil).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_read_as_the_docs_say() {
        let low = |t| range(t, RangeEnd::Low);
        let high = |t| range(t, RangeEnd::High);
        let mid = |t| range(t, RangeEnd::Middle);
        assert_eq!(low("200-499"), Some(Some(200.0)));
        assert_eq!(high("200-499"), Some(Some(499.0)));
        assert_eq!(mid("200-499"), Some(Some(349.5)));
        assert_eq!(low("2000+"), Some(Some(2000.0)));
        assert_eq!(high("2000+"), Some(None));
        assert_eq!(mid("2000+"), Some(Some(2000.0)));
        assert_eq!(low("$10M-$50M"), Some(Some(10e6)));
        assert_eq!(high("$10M-$50M"), Some(Some(50e6)));
        assert_eq!(low("$200M+"), Some(Some(200e6)));
        assert_eq!(low("€1.5k – €2k"), Some(Some(1500.0)));
        assert_eq!(high("10 to 20"), Some(Some(20.0)));
        assert_eq!(high("<10"), Some(Some(10.0)));
        assert_eq!(low("<10"), Some(None));
        assert_eq!(low("42"), Some(Some(42.0)));
        assert_eq!(low("500-200"), None, "a band upside down");
        assert_eq!(low("big"), None);
        assert_eq!(low("-5"), Some(Some(-5.0)), "a plain negative number");
        assert_eq!(low("-"), None);
        assert_eq!(low("10-"), None);
        assert_eq!(low("inf-5"), None);
        assert_eq!(low(""), None);
        // thousands grouped by commas, in threes
        assert_eq!(low("1,000-4,999"), Some(Some(1000.0)));
        assert_eq!(high("1,000-4,999"), Some(Some(4999.0)));
        assert_eq!(low("10,000+"), Some(Some(10_000.0)));
        assert_eq!(low("$1,500,000"), Some(Some(1.5e6)));
        assert_eq!(low("1,000.5-2,000"), Some(Some(1000.5)));
        assert_eq!(low("1,5"), None, "a decimal comma is not a grouping");
        assert_eq!(low("1,0000"), None);
        assert_eq!(low(",100"), None);
        assert_eq!(low("1,000,"), None);
        assert_eq!(low("1,000e3"), None);
        assert_eq!(low("1,000.5.5"), None);
    }

    #[test]
    fn local_times_the_clocks_skip_or_repeat_read_as_documented() {
        let berlin = time_zone("Europe/Berlin");
        let read = |t| datetime(t, Some("%Y-%m-%d %H:%M"), berlin.as_ref()).map(|t| t.to_string());
        // clocks went from 02:00 to 03:00: 02:30 is read later by the gap, as 03:30 CEST
        assert_eq!(
            read("2026-03-29 02:30"),
            Some("2026-03-29T01:30:00Z".into())
        );
        // clocks went back from 03:00 to 02:00: 02:30 is the earlier of the two, in CEST
        assert_eq!(
            read("2026-10-25 02:30"),
            Some("2026-10-25T00:30:00Z".into())
        );
        assert_eq!(
            read("2026-10-25 03:30"),
            Some("2026-10-25T02:30:00Z".into())
        );
    }

    #[test]
    fn units_and_epochs() {
        assert_eq!(
            duration("90", Unit::Minutes),
            Some(SignedDuration::from_secs(5400))
        );
        assert_eq!(
            duration("1500", Unit::Milliseconds),
            Some(SignedDuration::from_millis(1500))
        );
        assert_eq!(duration("x", Unit::Seconds), None);
        assert_eq!(duration("1e300", Unit::Days), None);
        assert_eq!(
            epoch("1710234840000", Unit::Milliseconds).map(|t| t.to_string()),
            Some("2024-03-12T09:14:00Z".to_string())
        );
        // read as decimals: a float's `* 0.001` would put this 145 ns past the millisecond
        assert_eq!(
            epoch("1710234840123", Unit::Milliseconds).map(|t| t.to_string()),
            Some("2024-03-12T09:14:00.123Z".to_string())
        );
        assert_eq!(
            duration("1234", Unit::Milliseconds),
            Some(SignedDuration::from_millis(1234))
        );
        assert_eq!(
            duration("0.1", Unit::Seconds),
            Some(SignedDuration::from_millis(100))
        );
        assert_eq!(
            duration("-2.5", Unit::Minutes),
            Some(SignedDuration::from_secs(-150))
        );
        assert_eq!(
            duration("1.5e3", Unit::Seconds),
            Some(SignedDuration::from_secs(1500))
        );
        assert_eq!(
            duration("15E-1", Unit::Seconds),
            Some(SignedDuration::from_millis(1500))
        );
        assert_eq!(
            duration("+.5", Unit::Hours),
            Some(SignedDuration::from_secs(1800))
        );
        assert_eq!(
            duration("7.", Unit::Days),
            Some(SignedDuration::from_hours(168))
        );
        assert_eq!(
            duration("0.0000000015", Unit::Seconds),
            Some(SignedDuration::new(0, 2))
        );
        assert_eq!(
            duration("0.0000000025", Unit::Seconds),
            Some(SignedDuration::new(0, 3))
        );
        assert_eq!(
            duration("-0.0000000015", Unit::Seconds),
            Some(SignedDuration::new(0, -2))
        );
        assert_eq!(
            duration("0.00000000149", Unit::Seconds),
            Some(SignedDuration::new(0, 1))
        );
        assert_eq!(
            duration("0.000000001500000001", Unit::Seconds),
            Some(SignedDuration::new(0, 2))
        );
        assert_eq!(
            duration("1.000000000000000000000000", Unit::Seconds),
            Some(SignedDuration::from_secs(1))
        );
        assert_eq!(duration("1e-25", Unit::Days), None, "past 24 decimals");
        assert_eq!(duration("0e-300", Unit::Days), Some(SignedDuration::ZERO));
        assert_eq!(
            duration("1e12", Unit::Seconds),
            Some(SignedDuration::from_secs(1_000_000_000_000))
        );
        assert_eq!(duration("1e300", Unit::Seconds), None);
        assert_eq!(
            duration(
                "000000000000000000000000000000000000000000042",
                Unit::Seconds
            ),
            Some(SignedDuration::from_secs(42))
        );
        for bad in [
            "", "-", ".", "e5", "1e", "1.2.3", "inf", "NaN", "1_000", " 5x", "0x10", "--1",
        ] {
            assert_eq!(duration(bad, Unit::Seconds), None, "{bad:?}");
        }
    }

    #[test]
    fn zones_and_formats() {
        let berlin = time_zone("Europe/Berlin").expect("a zone");
        assert!(time_zone("Mars/Olympus").is_none());
        assert!(time_zone("+25:00").is_none());
        let plus_one = time_zone("+01:00").expect("an offset");
        let t = datetime("3/15/2024 09:14", Some("%m/%d/%Y %H:%M"), Some(&berlin));
        assert_eq!(
            t.map(|t| t.to_string()),
            Some("2024-03-15T08:14:00Z".into())
        );
        let t = datetime("2024-03-12 09:14", None, Some(&plus_one));
        assert_eq!(
            t.map(|t| t.to_string()),
            Some("2024-03-12T08:14:00Z".into())
        );
        assert_eq!(datetime("2024-03-12 09:14", None, None), None);
        let z = datetime("2024-03-12T09:14:00Z", None, None);
        assert_eq!(
            z.map(|t| t.to_string()),
            Some("2024-03-12T09:14:00Z".into())
        );
        assert_eq!(
            date("3/15/2024", "%m/%d/%Y"),
            Some(jiff::civil::date(2024, 3, 15))
        );
        assert_eq!(date("15/3/2024", "%m/%d/%Y"), None);
        assert!(valid_format("%d.%m.%Y"));
        assert!(valid_format("%m/%d/%Y %H:%M"));
        assert!(!valid_format("%Q"));
        for no_date in ["%H:%M", "%Y", "%Y-%m", ""] {
            assert!(!valid_format(no_date), "{no_date:?} reads no date");
        }
        // a format may read the offset a cell writes
        for with_offset in ["%Y-%m-%d %H:%M:%S %z", "%Y-%m-%dT%H:%M:%S%:z"] {
            assert!(valid_format(with_offset), "{with_offset:?}");
        }
        let t = datetime(
            "2024-03-10 10:00:00 +0100",
            Some("%Y-%m-%d %H:%M:%S %z"),
            None,
        );
        assert_eq!(
            t.map(|t| t.to_string()),
            Some("2024-03-10T09:00:00Z".into())
        );
        // `%Y` does not take a two-digit year as the first century's
        assert_eq!(date("03/10/24", "%m/%d/%Y"), None);
        assert_eq!(
            datetime("03/10/24 10:00", Some("%m/%d/%Y %H:%M"), Some(&berlin)),
            None
        );
        assert_eq!(
            date("03/10/24", "%m/%d/%y"),
            Some(jiff::civil::date(2024, 3, 10))
        );
    }
}
