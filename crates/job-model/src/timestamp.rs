//! `Timestamp`: the spec's `timestamp` primitive — an instant in UTC, at microsecond precision.
//!
//! Hand-written support type for the generated model. On the wire it is RFC 3339 with a `Z` offset
//! and exactly six fraction digits (`2026-01-02T03:04:05.123456Z`), so every producer writes the
//! same bytes for the same instant and lexical order equals time order. Any RFC 3339 input is
//! accepted and normalised to UTC. Precision is microseconds because that is what PostgreSQL
//! `timestamptz` stores: a value survives a database round trip unchanged.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::BorrowedFormatItem;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// The one output format: RFC 3339, UTC `Z`, six fraction digits.
const WIRE_FORMAT: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

/// Why `value` falls outside the narrowed RFC 3339 grammar of [`Timestamp::parse`], if it has
/// the `YYYY-MM-DD?hh:mm:ss` shape at all (anything else is left to the RFC 3339 parser).
fn narrowing_refused(value: &str) -> Option<&'static str> {
    let bytes = value.as_bytes();
    if bytes.len() < 19 {
        return None;
    }
    if !matches!(bytes[10], b'T' | b't') {
        return Some("date and time must be separated by `T` or `t`");
    }
    if &bytes[17..19] == b"60" {
        return Some("a leap second (60) is not accepted");
    }
    if &bytes[..4] == b"0000" {
        return Some("year 0000 is not accepted");
    }
    // Decision (docs/spec-language.md): the instant must lie in years 0001–9999 in UTC, the range
    // of the one output form; on the two edge days only a zero offset lets every target decide
    // that without date arithmetic (the JSON Schema's pattern cannot add an offset to a time).
    let offset = &bytes[bytes.len().saturating_sub(6)..];
    let zero_offset = matches!(bytes.last(), Some(b'Z' | b'z')) || &offset[1..] == b"00:00";
    if matches!(&bytes[..10], b"0001-01-01" | b"9999-12-31") && !zero_offset {
        return Some("on 0001-01-01 and 9999-12-31 the offset must be Z or ±00:00");
    }
    None
}

/// An instant in UTC with microsecond precision (the spec's `timestamp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp(OffsetDateTime);

/// A string that is not an RFC 3339 timestamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not an rfc 3339 timestamp: {reason}")]
pub struct TimestampError {
    /// The refused input.
    pub value: String,
    /// What the parser reported.
    pub reason: String,
}

impl Timestamp {
    /// The current instant, truncated to microseconds.
    pub fn now() -> Self {
        Self::from_offset_date_time(OffsetDateTime::now_utc())
    }

    /// Converts any offset to UTC and truncates below microseconds (never rounds, so a value is
    /// never moved into the future).
    ///
    /// # Panics
    ///
    /// If the instant in UTC falls outside the `time` crate's range (years ±9999), as
    /// [`OffsetDateTime::to_offset`] does. [`Timestamp::parse`] refuses such input instead.
    pub fn from_offset_date_time(value: OffsetDateTime) -> Self {
        Self::truncated(value.to_offset(UtcOffset::UTC))
    }

    /// `utc` truncated below microseconds.
    fn truncated(utc: OffsetDateTime) -> Self {
        let whole_micros = utc.nanosecond() / 1_000 * 1_000;
        // `whole_micros` is at most the original nanosecond, which was valid.
        match utc.replace_nanosecond(whole_micros) {
            Ok(truncated) => Self(truncated),
            Err(_) => Self(utc),
        }
    }

    /// The instant as a `time` value, always with a UTC offset.
    pub fn as_offset_date_time(&self) -> OffsetDateTime {
        self.0
    }

    /// Parses an RFC 3339 timestamp and normalises it (UTC, microseconds).
    ///
    /// The grammar is RFC 3339 `date-time` with the narrowings every target applies (the
    /// canonical crate's rule, Python's `datetime`, the JSON Schema `pattern`): `T` or `t` between
    /// date and time (the `time` crate alone takes any ASCII character there), seconds 00–59 (a
    /// leap second is refused rather than read as 59.999…), and no year 0000.
    pub fn parse(value: &str) -> Result<Self, TimestampError> {
        if let Some(reason) = narrowing_refused(value) {
            return Err(TimestampError {
                value: value.to_owned(),
                reason: reason.to_owned(),
            });
        }
        let refused = |reason: String| TimestampError {
            value: value.to_owned(),
            reason,
        };
        let parsed =
            OffsetDateTime::parse(value, &Rfc3339).map_err(|error| refused(error.to_string()))?;
        // Decision: the instant must be writable in the one output form, whose year is 0001–9999
        // in UTC. `0001-01-01T00:00:00+01:00` is year 0000 in UTC and `9999-12-31T23:59:59-01:00`
        // year 10000 (where `to_offset` would panic); both are refused, as in Python, whose
        // `datetime` has the same range.
        match parsed.checked_to_offset(UtcOffset::UTC) {
            Some(utc) if (1..=9999).contains(&utc.year()) => Ok(Self::truncated(utc)),
            _ => Err(refused(
                "the instant in UTC falls outside years 0001–9999".to_owned(),
            )),
        }
    }
}

impl From<OffsetDateTime> for Timestamp {
    fn from(value: OffsetDateTime) -> Self {
        Self::from_offset_date_time(value)
    }
}

impl From<Timestamp> for OffsetDateTime {
    fn from(value: Timestamp) -> Self {
        value.0
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0.format(WIRE_FORMAT).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Self::parse(value)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Cow::<'de, str>::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for Timestamp {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Timestamp".into()
    }

    fn json_schema(_generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "date-time",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instant_outside_years_0001_to_9999_in_utc_is_refused_not_a_panic() {
        for text in [
            "0001-01-01T00:00:00+01:00",
            "0001-01-01T00:59:59.999999+01:00",
            "9999-12-31T23:59:59-01:00",
            "9999-12-31T23:00:00-01:00",
            // Inside the range, but on an edge day with an offset: one rule every target can
            // check without arithmetic.
            "0001-01-01T05:00:00+01:00",
            "9999-12-31T00:00:00-00:01",
        ] {
            let error = Timestamp::parse(text).expect_err(text);
            assert!(error.reason.contains("offset must be Z"), "{text}: {error}");
        }
        for (text, utc) in [
            ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000000Z"),
            ("0001-01-01T00:00:00-00:00", "0001-01-01T00:00:00.000000Z"),
            (
                "9999-12-31T23:59:59.9999999+00:00",
                "9999-12-31T23:59:59.999999Z",
            ),
            ("0001-01-02T00:00:00+23:59", "0001-01-01T00:01:00.000000Z"),
            ("9999-12-30T23:59:59-23:59", "9999-12-31T23:58:59.000000Z"),
        ] {
            assert_eq!(Timestamp::parse(text).unwrap().to_string(), utc);
        }
    }

    #[test]
    fn serializes_utc_with_six_fraction_digits() {
        let parsed = Timestamp::parse("2026-01-02T05:04:05.1234567+02:00").unwrap();
        assert_eq!(parsed.to_string(), "2026-01-02T03:04:05.123456Z");
        let whole = Timestamp::parse("2026-01-02T03:04:05Z").unwrap();
        assert_eq!(
            serde_json::to_string(&whole).unwrap(),
            "\"2026-01-02T03:04:05.000000Z\""
        );
    }

    #[test]
    fn round_trips_and_orders_by_time() {
        let now = Timestamp::now();
        let text = serde_json::to_string(&now).unwrap();
        assert_eq!(serde_json::from_str::<Timestamp>(&text).unwrap(), now);
        let earlier = Timestamp::parse("2026-01-02T03:04:05Z").unwrap();
        let later_in_other_zone = Timestamp::parse("2026-01-02T04:04:04+01:00").unwrap();
        assert!(earlier > later_in_other_zone);
    }

    #[test]
    fn refuses_non_rfc3339() {
        assert!(Timestamp::parse("2026-01-02 03:04:05").is_err());
        assert!(Timestamp::parse("2025-03-14#09:00:00Z").is_err());
        assert!(Timestamp::parse("2025-03-14 09:00:00Z").is_err());
        assert!(Timestamp::parse("2016-12-31T23:59:60Z").is_err());
        assert!(Timestamp::parse("0000-01-01T00:00:00Z").is_err());
        assert!(Timestamp::parse("2025-03-14t09:00:00z").is_ok());
        assert!(serde_json::from_str::<Timestamp>("\"yesterday\"").is_err());
        assert!(serde_json::from_str::<Timestamp>("12").is_err());
    }
}
