//! The timestamp rule: an RFC 3339 date-time in any offset becomes UTC `Z` with six fraction digits.
//!
//! The canonical form is `YYYY-MM-DDTHH:MM:SS.ffffffZ`, byte for byte what the job model's
//! `Timestamp` writes, so a record hashes the same whether it went through the typed model or
//! not. Fractions are padded to six digits and anything below a microsecond is truncated, never
//! rounded (as `Timestamp` does: PostgreSQL stores microseconds, and rounding could move an
//! instant into the next second, minute or year).
//!
//! The accepted grammar is RFC 3339 `date-time` with two narrowings, so that the rule is the same
//! in every language the SDKs target (Python's `datetime` is the reference for both):
//! seconds run 00–59 (a leap second `60` is not a timestamp), and the year, before and after the
//! shift to UTC, is 0001–9999. `T`/`Z` may be lower-case, as RFC 3339 allows; the output uses
//! upper case.

use time::{Date, Month, PrimitiveDateTime, Time, UtcOffset};

use crate::error::CanonicalError;

/// Normalises an RFC 3339 timestamp to canonical UTC form: `2026-01-02T05:04:05.5+02:00`
/// becomes `2026-01-02T03:04:05.500000Z`.
///
/// # Errors
/// [`CanonicalError::InvalidTimestamp`] when `text` is not an RFC 3339 date-time in the grammar
/// described in the [module documentation](self), or names a day that does not exist.
pub fn canonical_timestamp(text: &str) -> Result<String, CanonicalError> {
    parse(text).map_err(|reason| CanonicalError::InvalidTimestamp {
        value: text.to_owned(),
        reason,
    })
}

/// The canonical form of `text` if it is a timestamp, `None` if it is any other string.
///
/// Canonical JSON calls this on every string value; strings that only look like timestamps
/// (`2026-02-30T00:00:00Z`) stay as they are.
pub(crate) fn normalize_if_timestamp(text: &str) -> Option<String> {
    // Cheap refusal first: almost no string is 20+ bytes with '-' at 4 and ':' at 13.
    let bytes = text.as_bytes();
    if bytes.len() < 20 || bytes[4] != b'-' || bytes[13] != b':' {
        return None;
    }
    parse(text).ok()
}

fn parse(text: &str) -> Result<String, &'static str> {
    let bytes = text.as_bytes();
    let digits = |from: usize, count: usize| -> Result<u32, &'static str> {
        let slice = bytes.get(from..from + count).ok_or("too short")?;
        slice.iter().try_fold(0u32, |acc, &byte| {
            if byte.is_ascii_digit() {
                Ok(acc * 10 + u32::from(byte - b'0'))
            } else {
                Err("expected a digit")
            }
        })
    };
    let expect = |at: usize, allowed: &[u8]| -> Result<(), &'static str> {
        match bytes.get(at) {
            Some(byte) if allowed.contains(byte) => Ok(()),
            _ => Err("not in YYYY-MM-DDTHH:MM:SS form"),
        }
    };

    let year = digits(0, 4)?;
    expect(4, b"-")?;
    let month = digits(5, 2)?;
    expect(7, b"-")?;
    let day = digits(8, 2)?;
    expect(10, b"Tt")?;
    let hour = digits(11, 2)?;
    expect(13, b":")?;
    let minute = digits(14, 2)?;
    expect(16, b":")?;
    let second = digits(17, 2)?;

    let mut at = 19;
    let mut micros = 0u32;
    if bytes.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        while bytes.get(at).is_some_and(u8::is_ascii_digit) {
            // Keep the first six digits, truncate the rest.
            if at - start < 6 {
                micros = micros * 10 + u32::from(bytes[at] - b'0');
            }
            at += 1;
        }
        let count = at - start;
        if count == 0 {
            return Err("a '.' must be followed by fraction digits");
        }
        for _ in count..6 {
            micros *= 10;
        }
    }

    let offset_seconds: i32 = match bytes.get(at) {
        Some(b'Z' | b'z') => {
            at += 1;
            0
        }
        Some(&sign @ (b'+' | b'-')) => {
            let offset_hour = digits(at + 1, 2)?;
            expect(at + 3, b":")?;
            let offset_minute = digits(at + 4, 2)?;
            if offset_hour > 23 || offset_minute > 59 {
                return Err("offset out of range");
            }
            at += 6;
            let magnitude = i32::try_from(offset_hour * 3600 + offset_minute * 60)
                .map_err(|_| "offset out of range")?;
            if sign == b'-' { -magnitude } else { magnitude }
        }
        _ => return Err("expected 'Z' or a ±HH:MM offset"),
    };
    if at != bytes.len() {
        return Err("unexpected text after the offset");
    }

    if !(1..=9999).contains(&year) {
        return Err("year out of range 0001-9999");
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err("time of day out of range (leap seconds are not accepted)");
    }
    let month = u8::try_from(month)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or("month out of range")?;
    let date = Date::from_calendar_date(
        i32::try_from(year).map_err(|_| "year out of range 0001-9999")?,
        month,
        u8::try_from(day).map_err(|_| "day out of range")?,
    )
    .map_err(|_| "no such day")?;
    let time = Time::from_hms_micro(
        u8::try_from(hour).map_err(|_| "hour out of range")?,
        u8::try_from(minute).map_err(|_| "minute out of range")?,
        u8::try_from(second).map_err(|_| "second out of range")?,
        micros,
    )
    .map_err(|_| "time of day out of range")?;
    let offset =
        UtcOffset::from_whole_seconds(offset_seconds).map_err(|_| "offset out of range")?;
    let utc = PrimitiveDateTime::new(date, time)
        .assume_offset(offset)
        .checked_to_offset(UtcOffset::UTC)
        .ok_or("out of range once shifted to utc")?;
    if !(1..=9999).contains(&utc.year()) {
        return Err("year out of range 0001-9999 once shifted to utc");
    }
    Ok(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second(),
        utc.microsecond()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each `(input, canonical form)` of `cases` is accepted and gives that form.
    fn assert_canonical(cases: &[(&str, &str)]) {
        for (text, canonical) in cases {
            assert_eq!(
                canonical_timestamp(text).as_deref(),
                Ok(*canonical),
                "{text}"
            );
        }
    }

    #[test]
    fn offsets_become_utc_z_with_six_fraction_digits() {
        assert_canonical(&[
            ("2026-01-02T05:04:05+02:00", "2026-01-02T03:04:05.000000Z"),
            ("2026-01-01T23:30:00-01:45", "2026-01-02T01:15:00.000000Z"),
            ("2026-01-02T03:04:05.5Z", "2026-01-02T03:04:05.500000Z"),
            ("2026-01-02t03:04:05z", "2026-01-02T03:04:05.000000Z"),
            ("2026-01-02T03:04:05-00:00", "2026-01-02T03:04:05.000000Z"),
        ]);
    }

    #[test]
    fn fractions_below_a_microsecond_are_truncated_not_rounded() {
        assert_canonical(&[
            (
                "2026-12-31T23:59:59.9999999Z",
                "2026-12-31T23:59:59.999999Z",
            ),
            (
                "2026-01-02T03:04:05.123456789+00:00",
                "2026-01-02T03:04:05.123456Z",
            ),
        ]);
    }

    #[test]
    fn offsets_run_to_23_59_and_no_further() {
        assert_canonical(&[
            ("2026-01-02T23:59:00+23:59", "2026-01-02T00:00:00.000000Z"),
            ("2026-01-02T00:00:00-23:59", "2026-01-02T23:59:00.000000Z"),
        ]);
        for text in ["2026-01-02T03:04:05+00:60", "2026-01-02T03:04:05+24:00"] {
            assert_eq!(
                canonical_timestamp(text),
                Err(CanonicalError::InvalidTimestamp {
                    value: text.to_owned(),
                    reason: "offset out of range",
                }),
                "{text}"
            );
        }
    }

    #[test]
    fn each_field_of_the_time_of_day_is_checked_and_a_leap_second_is_named() {
        assert_canonical(&[("2026-01-02T23:59:59Z", "2026-01-02T23:59:59.000000Z")]);
        for text in [
            "2026-01-02T24:00:00Z",
            "2026-01-02T23:60:00Z",
            "2026-01-02T23:59:60Z",
        ] {
            assert_eq!(
                canonical_timestamp(text),
                Err(CanonicalError::InvalidTimestamp {
                    value: text.to_owned(),
                    reason: "time of day out of range (leap seconds are not accepted)",
                }),
                "{text}"
            );
        }
    }

    #[test]
    fn non_timestamps_are_refused() {
        for text in [
            "2026-01-02",
            "2026-01-02T03:04:05",
            "2026-01-02 03:04:05Z",
            "2026-02-30T00:00:00Z",
            "2026-06-30T23:59:60Z",
            "2026-01-02T03:04:05.Z",
            "2026-01-02T03:04:05+2:00",
            "2026-01-02T03:04:05+24:00",
            "2026-01-02T03:04:05Z ",
            "0000-01-01T00:00:00Z",
            "0001-01-01T00:30:00+01:00",
            "9999-12-31T23:30:00-01:00",
            "２026-01-02T03:04:05Z",
        ] {
            assert!(canonical_timestamp(text).is_err(), "{text} was accepted");
            assert_eq!(normalize_if_timestamp(text), None, "{text}");
        }
    }
}
