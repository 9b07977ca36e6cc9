//! The spec's source texts and positions: every file read, by marked-yaml source index (manifest
//! first), with the line starts that turn a node's marker into `file:line:col` and the width of
//! the token to underline. Built once while the files are read, then only read: every pass gets
//! it as `&Source`.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};
use marked_yaml::{LoaderOptions, Node, Span};

use super::At;
use super::sink::Sink;
use crate::diagnostics::Code;
use crate::model::Location;

/// What a file that is not one YAML mapping is told (message and label), wherever the parser
/// notices.
const NOT_A_MAPPING: (&str, &str) = (
    "a spec file must be a YAML mapping",
    "expected `key: value` lines",
);

/// Every spec file read, with its text.
#[derive(Debug, Default)]
pub(super) struct Source {
    /// Repo-relative paths by marked-yaml source index (manifest first).
    pub(super) files: Vec<String>,
    /// The text of every file, by path.
    pub(super) texts: BTreeMap<String, String>,
    /// Byte offset of every line start of each text, so a location's source line is found
    /// without rescanning the file (once per scalar, that scan made loading quadratic).
    line_starts: BTreeMap<String, Vec<usize>>,
}

impl Source {
    /// Adds a file read from `path`; its index is its position in [`Source::files`].
    pub(super) fn add(&mut self, path: String, text: String) -> usize {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(index, _)| index + 1))
            .collect();
        self.line_starts.insert(path.clone(), starts);
        self.texts.insert(path.clone(), text);
        self.files.push(path);
        self.files.len() - 1
    }

    /// Where `path` comes in load order (the manifest is 0), if it was read.
    pub(super) fn file_index(&self, path: &str) -> Option<usize> {
        self.files.iter().position(|file| file == path)
    }

    /// Parses file `index` as one YAML mapping; a syntax error is reported and gives `None`.
    pub(super) fn parse(&self, index: usize, sink: &mut Sink) -> Option<MarkedMappingNode> {
        let file = self.files.get(index)?.clone();
        let text = self.texts.get(&file)?;
        if let Some(line) = second_document_line(text) {
            sink.report(
                Code::YamlSyntax,
                (location(&file, line, 1), 3),
                "a spec file holds one YAML document; this starts a second one",
                "document marker",
                Some(
                    "remove the `---` / `...` line, or split the documents into separate files"
                        .into(),
                ),
            );
            return None;
        }
        let options = LoaderOptions::default()
            .error_on_duplicate_keys(true)
            .prevent_coercion(true);
        // marked-yaml asserts on a few inputs its event loop does not expect; a spec must never
        // crash the tool, so a panic inside it becomes a syntax error.
        let result = catch_unwind(AssertUnwindSafe(|| {
            marked_yaml::parse_yaml_with_options(index, text, options)
        }));
        use marked_yaml::LoadError as Yaml;
        let error = match result {
            Ok(Ok(node)) => {
                return match node {
                    Node::Mapping(map) => Some(map),
                    other => {
                        let (message, label) = NOT_A_MAPPING;
                        sink.report(Code::YamlSyntax, self.at_node(&other), message, label, None);
                        None
                    }
                };
            }
            Ok(Err(error)) => error,
            Err(_) => {
                sink.report(
                    Code::YamlSyntax,
                    (location(&file, 1, 1), 1),
                    "the YAML parser could not read this file",
                    "",
                    Some("simplify the YAML: plain mappings, lists and scalars only".into()),
                );
                return None;
            }
        };
        // Every other error is a syntax error at one character, told by what it says, the label
        // under that character and, where there is one, how to fix it.
        let (marker, message, label, help) = match error {
            Yaml::DuplicateKey(inner) => {
                let first = self.at_scalar(&inner.prev_key);
                let at = self.at_scalar(&inner.key);
                let key = inner.key.as_str().to_string();
                sink.report(
                    Code::DuplicateKey,
                    at,
                    format!("duplicate key `{key}`"),
                    "declared again here",
                    Some(format!(
                        "`{key}` is first declared at {}; remove or rename one",
                        first.0
                    )),
                );
                return None;
            }
            Yaml::ScanError(marker, scan) => {
                let message = format!("YAML syntax error: {}", scan.info());
                (marker, message, "here", None)
            }
            Yaml::TopLevelMustBeMapping(marker) | Yaml::TopLevelMustBeSequence(marker) => {
                (marker, NOT_A_MAPPING.0.to_string(), NOT_A_MAPPING.1, None)
            }
            Yaml::UnexpectedAnchor(marker) => (
                marker,
                "YAML anchors and aliases are not supported in spec files".to_string(),
                "anchor",
                Some("write the value out; every declaration should be readable on its own"),
            ),
            Yaml::MappingKeyMustBeScalar(marker) => (
                marker,
                "mapping keys must be plain names".to_string(),
                "complex key",
                None,
            ),
            Yaml::UnexpectedTag(marker) => (
                marker,
                "YAML tags (`!name`) are not supported in spec files".to_string(),
                "tag",
                Some("quote the value if the `!` is meant literally"),
            ),
        };
        sink.report(
            Code::YamlSyntax,
            (self.marker_location(&marker), 1),
            message,
            label,
            help.map(String::from),
        );
        None
    }

    pub(super) fn marker_location(&self, marker: &marked_yaml::Marker) -> Location {
        let file = self.files.get(marker.source()).cloned().unwrap_or_default();
        location(&file, marker.line(), marker.column())
    }

    pub(super) fn span_location(&self, span: &Span) -> Location {
        match span.start() {
            Some(marker) => self.marker_location(marker),
            None => location("", 1, 1),
        }
    }

    /// Location of a scalar and the width of its text in the source (quotes included).
    pub(super) fn at_scalar(&self, scalar: &MarkedScalarNode) -> At {
        let location = self.span_location(scalar.span());
        let width = self.token_width(&location, Some(scalar.as_str()));
        (location, width)
    }

    pub(super) fn at_node(&self, node: &Node) -> At {
        match node {
            Node::Scalar(scalar) => self.at_scalar(scalar),
            other => (self.span_location(other.span()), 1),
        }
    }

    /// The text of the location's line, without its `\n` (as `text.split('\n')` yields it).
    pub(super) fn source_line(&self, location: &Location) -> Option<&str> {
        let text = self.texts.get(&location.file)?;
        let starts = self.line_starts.get(&location.file)?;
        let index = location.line.checked_sub(1)?;
        let start = *starts.get(index)?;
        let end = starts.get(index + 1).map_or(text.len(), |next| next - 1);
        text.get(start..end)
    }

    /// How many characters the token at `location` spans: a quoted string up to its closing quote,
    /// a plain scalar by its value, else up to the next separator.
    pub(super) fn token_width(&self, location: &Location, value: Option<&str>) -> usize {
        let Some(line) = self.source_line(location) else {
            return 1;
        };
        let rest: String = line
            .chars()
            .skip(location.column.saturating_sub(1))
            .collect();
        let mut chars = rest.chars();
        match chars.next() {
            Some(quote @ ('"' | '\'')) => {
                let mut width = 1;
                let mut escaped = false;
                for c in chars {
                    width += 1;
                    if escaped {
                        escaped = false;
                    } else if c == '\\' && quote == '"' {
                        escaped = true;
                    } else if c == quote {
                        return width;
                    }
                }
                width
            }
            Some(_) => {
                if let Some(value) = value
                    && !value.is_empty()
                    && !value.contains('\n')
                    && rest.starts_with(value)
                {
                    return value.chars().count();
                }
                let end = rest
                    .char_indices()
                    .find(|&(i, c)| {
                        matches!(c, ',' | ']' | '}' | '#')
                            || (c == ':'
                                && rest
                                    .get(i + 1..)
                                    .is_some_and(|r| r.starts_with([' ', '\t'])))
                            || (c == ':' && rest.len() == i + 1)
                    })
                    .map(|(i, _)| i)
                    .unwrap_or(rest.len());
                rest.get(..end)
                    .unwrap_or_default()
                    .trim_end()
                    .chars()
                    .count()
                    .max(1)
            }
            None => 1,
        }
    }

    /// Where `text` starts relative to the node at `at`: 0 for plain scalars, 1 for one-line quoted
    /// ones; `None` when the source differs (escapes, folded lines) and only the node is known.
    pub(super) fn text_offset(&self, at: &At, text: &str) -> Option<usize> {
        let line = self.source_line(&at.0)?;
        let rest: String = line.chars().skip(at.0.column.saturating_sub(1)).collect();
        if rest.starts_with(text) {
            Some(0)
        } else if rest.get(1..).is_some_and(|r| r.starts_with(text)) {
            Some(1)
        } else {
            None
        }
    }
}

pub(super) fn location(file: &str, line: usize, column: usize) -> Location {
    Location {
        file: file.to_string(),
        line,
        column,
    }
}

/// 1-based line of a `---` / `...` marker that follows document content, if any.
pub(super) fn second_document_line(text: &str) -> Option<usize> {
    let mut seen_content = false;
    for (index, line) in text.split('\n').enumerate() {
        let line = line.trim_end_matches('\r');
        let is_marker = ["---", "..."].iter().any(|m| {
            line.strip_prefix(m)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
        });
        if is_marker {
            if seen_content || line.starts_with("...") {
                return Some(index + 1);
            }
            seen_content = true;
            continue;
        }
        let trimmed = line.trim();
        if !trimmed.is_empty() && !trimmed.starts_with('#') && !trimmed.starts_with('%') {
            seen_content = true;
        }
    }
    None
}
