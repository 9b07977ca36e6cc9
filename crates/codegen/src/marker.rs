//! The `@generated` marker every output carries on its first line.
//!
//! The write path refuses to overwrite a file whose first line lacks [`MARKER`], so a hand-written
//! file that happens to sit where output goes is never lost.

/// The token searched for on the first line of a file before it may be overwritten.
pub const MARKER: &str = "@generated";

/// The marker sentence without comment syntax, naming the command and the spec source.
pub fn sentence(source: &str) -> String {
    format!("{MARKER} by `cargo xtask codegen` from {source} — do not edit.")
}

/// The marker as a full first line with the given line-comment prefix (`//`, `--`, `#`).
pub fn line(comment_prefix: &str, source: &str) -> String {
    format!("{comment_prefix} {}\n", sentence(source))
}

/// Whether `contents` carries the marker on its first line (for any comment syntax, JSON included).
pub fn is_generated(contents: &str) -> bool {
    contents
        .lines()
        .next()
        .is_some_and(|first| first.contains(MARKER))
        || first_json_comment_is_generated(contents)
}

/// JSON has no comments: the marker is the first key, `"$comment"`, on the second line.
fn first_json_comment_is_generated(contents: &str) -> bool {
    let mut lines = contents.lines();
    lines.next() == Some("{")
        && lines.next().is_some_and(|second| {
            second.trim_start().starts_with("\"$comment\"") && second.contains(MARKER)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_lines_are_recognised_in_every_syntax() {
        assert!(is_generated(&line("//", "spec/handshake.yaml")));
        assert!(is_generated(&line("--", "spec/handshake.yaml")));
        assert!(is_generated(&format!(
            "{{\n  \"$comment\": \"{}\"\n}}\n",
            sentence("spec/x.yaml")
        )));
        assert!(!is_generated("// hand-written\n"));
        assert!(!is_generated("{\n  \"title\": \"@generated later\"\n}\n"));
    }
}
