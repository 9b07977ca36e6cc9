//! `pattern:` of string types: compiled with the `regex` crate to refuse broken patterns early.
//!
//! The generated JSON Schema, Pydantic and TypeScript use the pattern as ECMA-262 / Python regex;
//! the spec language asks authors to stay in the common subset, which `regex` accepts.

/// Whether `pattern` compiles; the parser's message when it does not.
pub(crate) fn check(pattern: &str) -> Result<(), String> {
    regex::Regex::new(pattern).map(|_| ()).map_err(|error| {
        // The regex crate's message spans several lines with its own caret drawing; keep the gist.
        let text = error.to_string();
        text.lines()
            .rev()
            .find(|line| line.starts_with("error:"))
            .map(|line| line.trim_start_matches("error:").trim().to_string())
            .unwrap_or(text)
    })
}

/// Whether `text` matches `pattern`; `None` when the pattern does not compile.
pub(crate) fn matches(pattern: &str, text: &str) -> Option<bool> {
    regex::Regex::new(pattern).ok().map(|re| re.is_match(text))
}
