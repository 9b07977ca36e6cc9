//! Reading the Master Spec's bytes as text: UTF-8, with double-encoded lines repaired when the
//! repair is unambiguous, and every repair (or refusal to repair) reported with its line.
//!
//! A double-encoded line is UTF-8 text that was once decoded as Windows-1252 (or Latin-1) and
//! encoded as UTF-8 again: `→` (E2 86 92) becomes `â†’`. The repair maps every character of the
//! line back to the single byte Windows-1252 gives it and decodes the bytes as UTF-8. It is applied
//! only when *every* character of the line maps back to one byte, the bytes are valid UTF-8, and
//! the result differs: a line that is correctly encoded and merely contains `Ã` or `â` almost never
//! round-trips (the byte after `Ã` would have to be a continuation byte), and a line that does not
//! round-trip while showing the typical marks of double encoding is reported, not guessed at.

/// Windows-1252's characters for the bytes 0x80–0x9F (the five undefined bytes map to the C1
/// control of the same value, as decoders that do not fail on them produce).
const CP1252_HIGH: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}',
    '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
];

/// The text of the input and what reading it found.
#[derive(Debug, Clone)]
pub struct SourceText {
    /// The text, with repaired lines replaced; same number of lines as the input.
    pub text: String,
    /// Lines repaired from double-encoded UTF-8 (1-based).
    pub repaired: Vec<usize>,
    /// Lines that look double-encoded but could not be repaired unambiguously (1-based).
    pub suspicious: Vec<usize>,
}

/// Why the input is not text at all.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The bytes are not UTF-8 (the Master Spec is UTF-8; another encoding is not guessed).
    #[error("not UTF-8: invalid byte at offset {offset} (line {line})")]
    NotUtf8 {
        /// Byte offset of the first invalid byte.
        offset: usize,
        /// Its 1-based line.
        line: usize,
    },
}

/// Decodes `bytes` as UTF-8 and repairs double-encoded lines.
pub fn decode(bytes: &[u8]) -> Result<SourceText, SourceError> {
    let text = std::str::from_utf8(bytes).map_err(|error| {
        let offset = error.valid_up_to();
        let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
        SourceError::NotUtf8 { offset, line }
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = String::with_capacity(text.len());
    let mut repaired = Vec::new();
    let mut suspicious = Vec::new();
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let (body, ending) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        match repair_line(body) {
            Repair::Repaired(fixed) => {
                repaired.push(index + 1);
                out.push_str(&fixed);
            }
            Repair::Suspicious => {
                suspicious.push(index + 1);
                out.push_str(body);
            }
            Repair::Clean => out.push_str(body),
        }
        out.push_str(ending);
    }
    Ok(SourceText {
        text: out,
        repaired,
        suspicious,
    })
}

enum Repair {
    Clean,
    Repaired(String),
    Suspicious,
}

fn repair_line(line: &str) -> Repair {
    if line.is_ascii() || !has_mojibake_mark(line) {
        return Repair::Clean;
    }
    let mut bytes = Vec::with_capacity(line.len());
    for c in line.chars() {
        match single_byte(c) {
            Some(b) => bytes.push(b),
            None => return Repair::Suspicious,
        }
    }
    match String::from_utf8(bytes) {
        Ok(fixed) if fixed != line => Repair::Repaired(fixed),
        _ => Repair::Suspicious,
    }
}

/// A lead byte of a multi-byte UTF-8 sequence read as Windows-1252 (`Ã`, `Â`, `â`, `ð`, …)
/// followed by a character that Windows-1252 gives to a continuation byte (0x80–0xBF).
fn has_mojibake_mark(line: &str) -> bool {
    let chars: Vec<char> = line.chars().collect();
    chars.windows(2).any(|pair| {
        let lead = pair[0] as u32;
        (0xC2..=0xF4).contains(&lead)
            && single_byte(pair[1]).is_some_and(|b| (0x80..=0xBF).contains(&b))
    })
}

/// The one byte Windows-1252 (Latin-1 for its undefined bytes) decodes to `c`, if any.
fn single_byte(c: char) -> Option<u8> {
    let code = c as u32;
    if code < 0x80 || (0xA0..=0xFF).contains(&code) {
        return Some(code as u8);
    }
    CP1252_HIGH
        .iter()
        .position(|&high| high == c)
        .map(|position| 0x80 + position as u8)
}

/// Encodes `line` the way a double-encoding tool would (for tests and fixtures): its UTF-8 bytes
/// read as Windows-1252.
pub fn double_encode(line: &str) -> String {
    line.bytes()
        .map(|b| match b {
            0x80..=0x9F => CP1252_HIGH[(b - 0x80) as usize],
            _ => char::from(b),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_double_encoded_line_is_repaired_and_reported() {
        let original = "- Empty candidate set → inject “minimal” blocks; naïve";
        let input = format!("# title\n{}\nplain line\n", double_encode(original));
        assert_ne!(double_encode(original), original);
        let read = decode(input.as_bytes()).unwrap();
        assert_eq!(read.text, format!("# title\n{original}\nplain line\n"));
        assert_eq!(read.repaired, vec![2]);
        assert!(read.suspicious.is_empty());
    }

    #[test]
    fn correct_text_with_latin_letters_is_left_alone() {
        let input = "Ã la carte, naïve café → done\nÂ\n";
        let read = decode(input.as_bytes()).unwrap();
        assert_eq!(read.text, input);
        assert!(read.repaired.is_empty());
        assert!(read.suspicious.is_empty());
    }

    #[test]
    fn a_half_repaired_line_is_suspicious_not_guessed() {
        // double-encoded arrow next to a correctly encoded one: no single reading explains both
        let input = format!("{} and →\n", double_encode("a → b"));
        let read = decode(input.as_bytes()).unwrap();
        assert_eq!(read.text, input);
        assert_eq!(read.suspicious, vec![1]);
    }

    #[test]
    fn bytes_that_are_not_utf8_are_an_error_with_their_line() {
        let error = decode(b"ok\nbad \xff here\n").unwrap_err();
        assert!(matches!(error, SourceError::NotUtf8 { line: 2, .. }));
    }
}
