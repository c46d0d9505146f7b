//! Durations and dates as written in workspace files.
//!
//! A date `YYYY-MM-DD` names a whole UTC day: as a start it means the day's first instant,
//! as an end (`contract.end`, `until`) it is inclusive and ends when the day ends.

use std::time::Duration;

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, Time};

/// Parses a duration such as `30m`, `8h`, `1d` or `2w`; zero is refused.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let duration = humantime::parse_duration(text.trim())
        .map_err(|e| format!("invalid duration `{text}`: {e}"))?;
    if duration.is_zero() {
        return Err(format!(
            "invalid duration `{text}`: it must be longer than zero"
        ));
    }
    Ok(duration)
}

/// The last instant onboard works with: the last second of year 9999, UTC. Later ends
/// (`until: 9999-12-31`, `--expiring-within 10000y`) saturate here and mean "ever".
pub const LAST: OffsetDateTime = time::macros::datetime!(9999-12-31 23:59:59 UTC);

/// The first instant onboard works with: the first second of year 0000, UTC.
pub const FIRST: OffsetDateTime = time::macros::datetime!(0000-01-01 00:00:00 UTC);

/// Returns the instant a duration after `instant`, saturating at [`LAST`] rather than
/// overflowing (`--expiring-within 10000y` means "ever", not a panic).
pub fn after(instant: OffsetDateTime, duration: Duration) -> OffsetDateTime {
    time::Duration::try_from(duration)
        .ok()
        .and_then(|d| to_utc(instant).checked_add(d))
        .map_or(LAST, |end| end.min(LAST))
}

/// Returns `instant` in UTC, clamped to [`FIRST`]..=[`LAST`]: an offset that would carry
/// it past year 9999 or before year 0 (`9999-12-31T23:59:59-23:59`) cannot panic.
pub fn to_utc(instant: OffsetDateTime) -> OffsetDateTime {
    match instant.checked_to_offset(time::UtcOffset::UTC) {
        Some(utc) => utc.clamp(FIRST, LAST),
        None if instant.offset().is_negative() => LAST,
        None => FIRST,
    }
}

/// Formats a duration the way people write one, in one unit when one fits exactly:
/// `30m`, `8h`, `24h`, `72h`, `7d`, `366d`, `45s`, `500ms`; otherwise in parts
/// (`1h 30m 5s`).
/// Days are used from a week up, so a day-scale TTL reads in hours as policy files write
/// it. What it prints, [`parse_duration`] reads back to the same duration (to the
/// millisecond). The one formatter for every duration onboard prints.
pub fn format_duration(duration: Duration) -> String {
    const UNITS: [(&str, u128); 5] = [
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
        ("ms", 1),
    ];
    let millis = duration.as_millis();
    if millis == 0 {
        return "0s".into();
    }
    let usable = |(unit, size): &(&str, u128)| *unit != "d" || millis >= 7 * size;
    // One unit when it fits exactly: days, hours or minutes, or what is under a minute.
    if let Some((unit, size)) = UNITS
        .iter()
        .filter(|u| usable(u))
        .find(|(_, size)| millis.is_multiple_of(*size) && (*size >= 60_000 || millis < 60_000))
    {
        return format!("{}{unit}", millis / size);
    }
    let mut rest = millis;
    let mut parts = Vec::new();
    for (unit, size) in UNITS.iter().filter(|u| usable(u)) {
        if rest >= *size {
            parts.push(format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    parts.join(" ")
}

/// Which end of a day a date-only value stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateBound {
    /// The first instant of the day.
    Start,
    /// The first instant of the next day (the day itself is included).
    EndInclusive,
}

/// Parses `YYYY-MM-DD` or an RFC 3339 timestamp into an instant in UTC, within
/// [`FIRST`]..=[`LAST`]. The end of `9999-12-31` is [`LAST`]; a timestamp whose offset
/// carries it outside those years is refused.
pub fn parse_instant(text: &str, bound: DateBound) -> Result<OffsetDateTime, String> {
    let text = text.trim();
    if let Ok(instant) = OffsetDateTime::parse(text, &Rfc3339) {
        return instant
            .checked_to_offset(time::UtcOffset::UTC)
            .filter(|utc| (FIRST..=LAST).contains(utc))
            .ok_or_else(|| {
                format!("invalid date `{text}`: it is outside the years 0000 to 9999 in UTC")
            });
    }
    let date = Date::parse(text, format_description!("[year]-[month]-[day]")).map_err(|_| {
        format!("invalid date `{text}`: write `YYYY-MM-DD` or an RFC 3339 timestamp")
    })?;
    let day = date.with_time(Time::MIDNIGHT).assume_utc();
    Ok(match bound {
        DateBound::Start => day,
        DateBound::EndInclusive => day.checked_add(time::Duration::DAY).unwrap_or(LAST),
    })
}

/// Formats an instant as RFC 3339 in UTC, to the second.
pub fn format_instant(instant: OffsetDateTime) -> String {
    let utc = to_utc(instant);
    let utc = utc.replace_nanosecond(0).unwrap_or(utc);
    utc.format(&Rfc3339).unwrap_or_else(|_| utc.to_string())
}

/// Formats an instant for tables: `2026-12-16 00:00Z`.
pub fn format_short(instant: OffsetDateTime) -> String {
    let utc = to_utc(instant);
    utc.format(format_description!("[year]-[month]-[day] [hour]:[minute]Z"))
        .unwrap_or_else(|_| utc.to_string())
}

/// Serde helpers for optional RFC 3339 instants.
pub mod rfc3339_opt {
    pub use time::serde::rfc3339::option::{deserialize, serialize};
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_duration_after_an_instant_saturates_instead_of_overflowing() {
        let now = time::macros::datetime!(2026-11-21 12:00 UTC);
        assert_eq!(
            after(now, Duration::from_secs(3600)),
            time::macros::datetime!(2026-11-21 13:00 UTC)
        );
        let far = after(now, Duration::from_secs(u64::MAX));
        assert_eq!(far.year(), 9999);
        assert_eq!(
            after(now, humantime::parse_duration("10000y").unwrap()),
            far
        );
    }

    use super::*;
    use time::macros::datetime;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("8h").unwrap(), Duration::from_secs(8 * 3600));
        assert_eq!(parse_duration("1d").unwrap(), Duration::from_secs(86400));
        assert!(
            parse_duration("0s")
                .unwrap_err()
                .contains("longer than zero")
        );
        assert!(
            parse_duration("8 hourz")
                .unwrap_err()
                .starts_with("invalid duration")
        );
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn durations_print_as_people_write_them_and_read_back() {
        for (text, printed) in [
            ("24h", "24h"),
            ("8h", "8h"),
            ("30m", "30m"),
            ("72h", "72h"),
            ("7d", "7d"),
            ("2w", "14d"),
            ("366d", "366d"),
            ("1h 30m", "90m"),
            ("1h 30m 5s", "1h 30m 5s"),
            ("500ms", "500ms"),
            ("1s 500ms", "1500ms"),
            ("45s", "45s"),
            ("10000y", "3652500d"),
        ] {
            let duration = parse_duration(text).unwrap();
            assert_eq!(format_duration(duration), printed, "{text}");
            assert_eq!(parse_duration(printed).unwrap(), duration, "{text}");
        }
        assert_eq!(
            format_duration(Duration::from_secs(8 * 86_400 + 1)),
            "8d 1s"
        );
        assert_eq!(format_duration(Duration::ZERO), "0s");
        let most = format_duration(Duration::MAX);
        assert!(most.ends_with("ms"), "{most}");
    }

    #[test]
    fn dates_are_whole_utc_days() {
        assert_eq!(
            parse_instant("2026-12-15", DateBound::Start).unwrap(),
            datetime!(2026-12-15 00:00 UTC)
        );
        assert_eq!(
            parse_instant("2026-12-15", DateBound::EndInclusive).unwrap(),
            datetime!(2026-12-16 00:00 UTC)
        );
        assert_eq!(
            parse_instant("2026-12-15T08:30:00+01:00", DateBound::EndInclusive).unwrap(),
            datetime!(2026-12-15 07:30 UTC)
        );
        assert!(parse_instant("2026-13-01", DateBound::Start).is_err());
        assert_eq!(
            parse_instant("9999-12-31", DateBound::EndInclusive).unwrap(),
            LAST
        );
        assert!(parse_instant("9999-12-31T23:59:59-23:59", DateBound::Start).is_err());
        assert!(parse_instant("0000-01-01T00:00:00+23:59", DateBound::Start).is_err());
        assert_eq!(
            format_instant(datetime!(9999-12-31 23:59:59 -23:59)),
            "9999-12-31T23:59:59Z"
        );
        assert!(parse_instant("next tuesday", DateBound::Start).is_err());
    }
}
