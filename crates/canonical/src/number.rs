//! The number rule: integers as plain decimal integers, floats with exactly six decimals.
//!
//! * **Integer or float** is decided by how serde_json holds the number, which follows the JSON
//!   text: a literal without `.`, `e` or `E` that fits `i64` or `u64` is an integer (`1`, `-3`,
//!   `18446744073709551615`); every other number is a binary64 float (`1.0`, `1e2`, and, because serde_json
//!   holds them as floats, the literal `-0` and integer literals beyond the `u64`/`i64` range:
//!   `18446744073709551616` is written `18446744073709551616.000000`).
//!   So `1` and `1.0` canonicalise differently (`1` and `1.000000`). Typed Rust records agree
//!   with this: an `f64` field always serialises as a float, an integer field as an integer.
//! * **Integers** are written in full, without sign for zero, so integers beyond 2^53 keep every
//!   digit (`9007199254740993`).
//! * **Floats** are rounded to six decimals and always written with all six
//!   (`1.5` → `1.500000`, `1e21` → `1000000000000000000000.000000`; never exponent notation).
//!   Rounding is of the exact binary64 value to the nearest multiple of 10⁻⁶, ties to even.
//!   Exact ties are rare (the value must be an odd multiple of 5·10⁻⁷ that binary64 can hold
//!   exactly, such as 0.0078125 → `0.007812`); `0.0000005` is not one (its binary64 value is just
//!   below 5·10⁻⁷) and becomes `0.000000`. This is what Rust's `format!("{:.6}")` and Python's
//!   `format(x, ".6f")` produce; JavaScript's `toFixed(6)` differs on exact ties (it rounds half
//!   up) and uses exponent notation from 1e21 upwards, so a TypeScript port must not use it.
//! * **Negative zero** has no sign: `-0.0` and `-0.0000001` are `0.000000`.
//! * **Round trips**: canonical JSON is a fixed point for every finite float. The six-decimal
//!   text `s` of a float `d` is within 0.5·10⁻⁶ of `d`, so the float nearest to `s` is at least
//!   as close and rounds back to `s`. This needs a correctly rounded parser, hence serde_json's
//!   `float_roundtrip` feature in Cargo.toml; a property test checks it over all finite floats.
//! * **NaN and ±infinity** are refused with [`CanonicalError::NonFiniteNumber`]. A
//!   `serde_json::Value` cannot hold them, but [`canonical_float`] can be handed one, and the
//!   workspace's serde_json keeps number literals (`arbitrary_precision`), so a literal beyond
//!   the double range such as `1e400` reaches here as infinity.

use serde_json::Number;

use crate::error::CanonicalError;

/// The canonical text of a float: six decimals, rounded half to even on the exact value, no
/// negative zero, no exponent.
///
/// # Errors
/// [`CanonicalError::NonFiniteNumber`] for NaN and the infinities (with path `$`).
pub fn canonical_float(value: f64) -> Result<String, CanonicalError> {
    let mut out = String::new();
    write_float(value, &mut out).map_err(|value| CanonicalError::NonFiniteNumber {
        path: "$".to_owned(),
        value,
    })?;
    Ok(out)
}

/// Whether a JSON number literal is an integer literal: no fraction and no exponent (`-0` is one;
/// the canonical rule still writes it as a float). Every target reads an integer literal by its
/// exact value and any other literal as its nearest double (docs/spec-language.md).
#[must_use]
pub fn is_integer_literal(literal: &str) -> bool {
    !literal
        .bytes()
        .any(|byte| matches!(byte, b'.' | b'e' | b'E'))
}

/// Appends the canonical text of `number` to `out`; on a non-finite float, returns its text.
///
/// The workspace's serde_json keeps each number's literal (`arbitrary_precision`), so the literal
/// decides integer or float, by the rule above: `-0` stays a float, as serde_json holds it
/// without that feature.
pub(crate) fn write_number(number: &Number, out: &mut String) -> Result<(), String> {
    use std::fmt::Write as _;
    let literal = number.as_str();
    let integer_literal = literal != "-0" && is_integer_literal(literal);
    if let Some(unsigned) = number.as_u64().filter(|_| integer_literal) {
        // Writing to a String cannot fail.
        let _ = write!(out, "{unsigned}");
        Ok(())
    } else if let Some(signed) = number.as_i64().filter(|_| integer_literal) {
        let _ = write!(out, "{signed}");
        Ok(())
    } else {
        // `str::parse` rounds the literal correctly and yields an infinity beyond the double
        // range (`1e400`), which write_float refuses (`as_f64` would hide it as `None`); the
        // error names the literal (as serde_json keeps it: `1e+400`).
        write_float(literal.parse().unwrap_or(f64::NAN), out).map_err(|_| literal.to_owned())
    }
}

fn write_float(value: f64, out: &mut String) -> Result<(), String> {
    use std::fmt::Write as _;
    if !value.is_finite() {
        return Err(format!("{value}"));
    }
    let start = out.len();
    let _ = write!(out, "{value:.6}");
    // "-0.000000" (negative zero, or a negative value that rounds to zero) loses its sign.
    if out.as_bytes()[start] == b'-'
        && out.as_bytes()[start + 1..]
            .iter()
            .all(|&byte| byte == b'0' || byte == b'.')
    {
        out.remove(start);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn float(value: f64) -> String {
        canonical_float(value).unwrap_or_else(|error| format!("error: {error}"))
    }

    #[test]
    fn floats_have_six_decimals_and_round_half_to_even_on_the_exact_value() {
        assert_eq!(float(1.5), "1.500000");
        assert_eq!(float(0.1), "0.100000");
        assert_eq!(float(1e21), "1000000000000000000000.000000");
        assert_eq!(float(1e-7), "0.000000");
        assert_eq!(float(0.0000005), "0.000000");
        assert_eq!(float(0.0000015), "0.000002");
        assert_eq!(float(0.0078125), "0.007812");
        assert_eq!(float(0.0234375), "0.023438");
        assert_eq!(float(-0.0078125), "-0.007812");
        assert_eq!(float(123.4567895), "123.456789");
    }

    #[test]
    fn negative_zero_loses_its_sign() {
        assert_eq!(float(-0.0), "0.000000");
        assert_eq!(float(-0.0000001), "0.000000");
        assert_eq!(float(-0.0000006), "-0.000001");
    }

    #[test]
    fn non_finite_floats_are_refused() {
        for value in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(matches!(
                canonical_float(value),
                Err(CanonicalError::NonFiniteNumber { .. })
            ));
        }
    }

    #[test]
    fn literals_with_a_fraction_an_exponent_or_a_minus_zero_are_floats() {
        for (literal, canonical) in [
            ("-0", "0.000000"),
            ("1.0", "1.000000"),
            ("1e2", "100.000000"),
            ("-0.0", "0.000000"),
            ("18446744073709551616", "18446744073709551616.000000"),
            ("-9223372036854775809", "-9223372036854775808.000000"),
        ] {
            let number: Number = serde_json::from_str(literal).expect("a JSON number");
            let mut out = String::new();
            assert_eq!(write_number(&number, &mut out), Ok(()), "{literal}");
            assert_eq!(out, canonical, "{literal}");
        }
        let beyond: Number = serde_json::from_str("1e400").expect("kept as its literal");
        assert_eq!(
            write_number(&beyond, &mut String::new()),
            Err("1e+400".to_owned()) // serde_json keeps the literal with its exponent sign written out
        );
    }

    #[test]
    fn integers_keep_every_digit() {
        let mut out = String::new();
        for number in [
            Number::from(9_007_199_254_740_993_u64),
            Number::from(u64::MAX),
            Number::from(i64::MIN),
            Number::from(0),
            serde_json::from_str("-9223372036854775808").expect("an i64 literal"),
        ] {
            out.clear();
            assert_eq!(write_number(&number, &mut out), Ok(()));
            assert_eq!(out, number.to_string());
        }
    }
}
