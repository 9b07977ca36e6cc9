//! The `errors:` section: stable codes and message placeholders.

use marked_yaml::Node;
use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};

use super::source::location;
use super::{At, Owner, Reader};
use crate::diagnostics::Code;
use crate::model::{ErrorDef, Field};
use crate::names::{self, NameKind};
use crate::suggest::did_you_mean;

/// The keys of an error under `errors:`.
const ERROR_KEYS: &[&str] = &[
    "code",
    "message",
    "clause",
    "description",
    "decision",
    "fields",
];

impl Reader<'_> {
    pub(super) fn error_def(&mut self, key: &MarkedScalarNode, node: &Node) -> Option<ErrorDef> {
        let name = self.name(key, NameKind::Error);
        let owner = self.source.at_scalar(key);
        let what = format!("error `{name}`");
        let map = self.expect_keys(node, &what, ERROR_KEYS)?;
        let meta = self.meta(map, &owner, &what);
        let code = self
            .error_code(map, &owner, &what, "error", "HSK-JOB-001")
            .inspect(|(code, at)| self.pending.error_codes.push((code.clone(), at.clone())))
            .map(|(code, _)| code)
            .unwrap_or_default();
        let fields = match map.get_node("fields") {
            Some(n) => self.fields(n, &Owner::Error(name.clone())),
            None => Vec::new(),
        };
        let message = self.required_prose(map, "message", &owner, &what);
        if let (Some(message), Some(node)) = (&message, map.get_node("message")) {
            self.check_placeholders(node, message, &fields, &what);
        }
        let message = message.unwrap_or_default();
        Some(ErrorDef {
            name,
            code,
            message,
            fields,
            meta,
        })
    }

    /// The required `code` of an error or a rule (`noun`) and where it is; a malformed one is
    /// reported (with `example` as the fix) and still returned.
    pub(super) fn error_code(
        &mut self,
        map: &MarkedMappingNode,
        owner: &At,
        what: &str,
        noun: &str,
        example: &str,
    ) -> Option<(String, At)> {
        let scalar = self
            .require(map, "code", owner, what)
            .and_then(|n| self.expect_scalar(n, "`code`"))?;
        let code = scalar.as_str().to_string();
        let at = self.source.at_scalar(scalar);
        if !is_error_code(&code) {
            self.sink.report(
                Code::InvalidErrorCode,
                at.clone(),
                format!("invalid {noun} code `{}`", code.escape_debug()),
                "expected `^[A-Z]+(-[A-Z0-9]+)+$`",
                Some(format!("write e.g. `{example}`")),
            );
        }
        Some((code, at))
    }

    /// Reports every `{placeholder}` of an error's `message` (at `node`) that names none of its
    /// `fields`, pointing at the placeholder itself where the source text allows.
    fn check_placeholders(&mut self, node: &Node, message: &str, fields: &[Field], what: &str) {
        let at = self.source.at_node(node);
        let names = match placeholders(message) {
            Ok(names) => names,
            Err(problem) => {
                self.sink.report(
                    Code::InvalidPlaceholder,
                    at,
                    format!("malformed message of {what}: {problem}"),
                    "bad placeholder",
                    Some(
                        "placeholders are `{field_name}`; braces are not allowed otherwise".into(),
                    ),
                );
                return;
            }
        };
        let offset = self.source.text_offset(&at, message);
        let field_names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        for (placeholder, position) in names {
            if field_names.contains(&placeholder.as_str()) {
                continue;
            }
            let at = match (offset, message.get(..position)) {
                (Some(offset), Some(before)) => {
                    let column = at.0.column + offset + before.chars().count();
                    (
                        location(&at.0.file, at.0.line, column),
                        placeholder.chars().count() + 2,
                    )
                }
                _ => at.clone(),
            };
            let help = did_you_mean(&placeholder, field_names.iter().copied()).or_else(|| {
                Some(format!(
                    "add a field `{placeholder}` to the error, or drop the placeholder"
                ))
            });
            self.sink.report(
                Code::InvalidPlaceholder,
                at,
                format!("message placeholder `{{{placeholder}}}` is not a field of {what}"),
                "unknown placeholder",
                help,
            );
        }
    }
}

/// `^[A-Z]+(-[A-Z0-9]+)+$`
pub(super) fn is_error_code(value: &str) -> bool {
    let mut parts = value.split('-');
    let first_ok = parts
        .next()
        .is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_uppercase()));
    let rest: Vec<&str> = parts.collect();
    first_ok
        && !rest.is_empty()
        && rest.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
}

/// Names inside `{…}` in an error message, with the byte position of their `{`.
pub(super) fn placeholders(message: &str) -> Result<Vec<(String, usize)>, String> {
    let mut out = Vec::new();
    let mut rest = message;
    while let Some(open) = rest.find(['{', '}']) {
        let position = message.len() - rest.len() + open;
        let (before, after) = rest.split_at(open);
        let _ = before;
        if after.starts_with('}') {
            return Err("`}` without a matching `{`".into());
        }
        let Some(close) = after.find('}') else {
            return Err("`{` without a matching `}`".into());
        };
        let name = after.get(1..close).unwrap_or_default();
        if !names::is_snake_case(name) {
            return Err(format!(
                "`{{{}}}` is not a field placeholder",
                name.escape_debug()
            ));
        }
        out.push((name.to_string(), position));
        rest = after.get(close + 1..).unwrap_or_default();
    }
    Ok(out)
}
