//! `normalized_query_hash` (§2.6.6.7.14.6 B): SHA-256 of the normalised query text.
//!
//! The spec lists what `normalize()` does: trim, collapse internal whitespace runs to one space,
//! NFC, lower-case by Unicode case folding, strip control characters. It does not fix the order
//! or define "whitespace" and "control". This crate applies them as one pass that is a fixed
//! point (`normalize(normalize(q)) == normalize(q)`, checked by a property test):
//!
//! 1. every Unicode `White_Space` character (space, tab, CR, LF, NEL, NBSP, U+2028, U+3000, …)
//!    becomes a space, and every other control character (general category `Cc`: U+0000–U+001F,
//!    U+007F–U+009F) is removed. Whitespace first, so `"a\tb"` stays two words; control removal
//!    before collapsing, so `"a \u{1} b"` cannot leave two spaces. Format characters (`Cf`, such
//!    as U+200B or the emoji joiner U+200D) are not control characters and are kept;
//! 2. Unicode full default case folding (CaseFolding.txt status C and F: `"Straße"` →
//!    `"strasse"`, `"ΣΑΣ"` → `"σασ"`), applied to the NFD form and followed by NFC. Folding the
//!    NFD form is what Unicode's canonical caseless match (D145) requires; NFC last makes the
//!    output NFC even where folding yields decomposed text. No Turkic special case (the query
//!    has no locale);
//! 3. runs of spaces collapse to one and leading/trailing spaces are trimmed.
//!
//! The hash is over the UTF-8 bytes of the normalised text itself, not a JSON string: the spec
//! writes `sha256(normalize(query_text))`.

use caseless::Caseless;
use unicode_normalization::UnicodeNormalization;

use crate::hash::Hash;

/// The normalised form of a query (see the [module docs](self) for the exact steps).
pub fn normalize_query(query_text: &str) -> String {
    let cleaned = query_text.chars().filter_map(|c| {
        if c.is_whitespace() {
            Some(' ')
        } else if c.is_control() {
            None
        } else {
            Some(c)
        }
    });
    let folded: String = cleaned.nfd().default_case_fold().nfc().collect();
    let mut out = String::with_capacity(folded.len());
    for word in folded.split(' ').filter(|word| !word.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// `normalized_query_hash` of a QueryPlan's `query_text`: SHA-256 of [`normalize_query`].
pub fn normalized_query_hash(query_text: &str) -> Hash {
    Hash::of_bytes(normalize_query(query_text).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Assert `normalize_query(input) == expected` for every pair, naming the input that fails.
    fn assert_normalises(cases: &[(&str, &str)]) {
        for (input, expected) in cases {
            assert_eq!(normalize_query(input), *expected, "normalising {input:?}");
        }
    }

    #[test]
    fn whitespace_is_trimmed_and_collapsed_including_unicode_spaces() {
        assert_normalises(&[
            (
                "  What\t is \n\r the\u{a0}\u{3000}plan?  ",
                "what is the plan?",
            ),
            ("a\u{2028}b\u{85}c", "a b c"),
            (" \t\n ", ""),
        ]);
    }

    #[test]
    fn control_characters_are_stripped_without_gluing_or_doubling() {
        assert_normalises(&[
            ("ab\u{0}c\u{1b}[0m", "abc[0m"),
            ("a \u{1} b", "a b"),
            ("a\u{7f}\u{9f}b", "ab"),
            // Format characters are not control characters.
            ("a\u{200b}b", "a\u{200b}b"),
        ]);
    }

    #[test]
    fn case_folding_is_full_folding_not_lower_casing() {
        assert_normalises(&[
            ("Straße STRASSE", "strasse strasse"),
            ("ΣΑΣ σας", "σασ σασ"),
            ("ﬁle İ", "file i\u{307}"),
            ("\u{212a}elvin", "kelvin"),
        ]);
    }

    #[test]
    fn canonically_equivalent_inputs_normalise_alike_and_output_is_nfc() {
        assert_normalises(&[
            ("Cafe\u{301}", "caf\u{e9}"),
            ("CAF\u{c9}", "caf\u{e9}"),
            ("\u{1100}\u{1161}\u{11a8}", "\u{ac01}"),
        ]);
        assert_eq!(
            normalized_query_hash(" Cafe\u{301}  au  LAIT "),
            normalized_query_hash("café au lait")
        );
    }

    #[test]
    fn the_hash_is_over_the_normalised_text_bytes() {
        // printf '%s' 'hello world' | sha256sum
        assert_eq!(
            normalized_query_hash("  Hello \t WORLD ").to_hex(),
            "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        );
    }
}
