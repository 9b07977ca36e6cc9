//! The `errors:` section: stable codes and message placeholders.

use marked_yaml::Node;
use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};

use super::source::location;
use super::{At, Owner, Reader};
use crate::diagnostics::Code;
use crate::model::{ErrorDef, Field, MessagePart, Primitive, TypeRef};
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
        let message_parts = match (&message, map.get_node("message")) {
            (Some(message), Some(node)) => self.message_parts(node, message, &name, &fields, &what),
            _ => Vec::new(),
        };
        let message = message.unwrap_or_default();
        Some(ErrorDef {
            name,
            code,
            message,
            message_parts,
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

    /// Reports a rule or error code used again at `at` (refused with `code`; `message` names
    /// it), first used at `first`: codes are stable and never shared.
    pub(super) fn reused_code(
        &mut self,
        code: Code,
        at: At,
        message: String,
        first: &impl std::fmt::Display,
    ) {
        self.sink.report(
            code,
            at,
            message,
            "already used",
            Some(format!(
                "first used at {first}; codes are stable and never shared — pick a new one"
            )),
        );
    }

    /// The parts of an error's `message` (at `node`): its text and the fields its placeholders
    /// name. Reports a malformed message, a placeholder that names none of the `fields`, and one
    /// that names an optional field or a field with no text form (every target interpolates
    /// the field's text, so the field must always be there and be a scalar), pointing at the
    /// placeholder itself where the source text allows.
    fn message_parts(
        &mut self,
        node: &Node,
        message: &str,
        error: &str,
        fields: &[Field],
        what: &str,
    ) -> Vec<MessagePart> {
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
                return Vec::new();
            }
        };
        let offset = self.source.text_offset(&at, message);
        let field_names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        let mut parts = Vec::new();
        let mut end = 0;
        for (placeholder, position) in names {
            if let Some(text) = message.get(end..position).filter(|text| !text.is_empty()) {
                parts.push(MessagePart::Text(text.to_string()));
            }
            end = position + placeholder.len() + 2;
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
            let Some(index) = field_names.iter().position(|name| *name == placeholder) else {
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
                continue;
            };
            let field = &fields[index];
            let unresolved = self
                .pending
                .unresolved
                .contains(&format!("{error}.{}", field.name));
            let problem = if unresolved {
                None
            } else if !field.required {
                Some("an optional field, which may have no value to print")
            } else if self.has_text_form(&field.ty) == Some(false) {
                Some("a field with no text form")
            } else {
                None
            };
            if let Some(problem) = problem {
                self.sink.report(
                    Code::PlaceholderWithoutText,
                    at,
                    format!(
                        "message placeholder `{{{placeholder}}}` of {what} names {problem} (type `{}`)",
                        field.ty
                    ),
                    "cannot be interpolated",
                    Some(format!(
                        "a placeholder names a required field of a scalar type (any primitive but `json`, or an `id`, `string` or `enum` type); make `{placeholder}` one, or drop the placeholder"
                    )),
                );
            }
            parts.push(MessagePart::Field(index));
        }
        if let Some(text) = message.get(end..).filter(|text| !text.is_empty()) {
            parts.push(MessagePart::Text(text.to_string()));
        }
        parts
    }

    /// Whether values of `ty` have a text form every target can interpolate into a message: a
    /// primitive other than `json`, or a declared `id`, `string` or `enum` type (the lifecycle's
    /// state enum included); not a list, map, record or union. `None` for a name that is not
    /// declared (or declared without a `kind`), which is reported where it is written.
    fn has_text_form(&self, ty: &TypeRef) -> Option<bool> {
        match ty {
            TypeRef::Primitive(primitive) => Some(*primitive != Primitive::Json),
            TypeRef::Named(name) => self
                .declarations
                .kind(name)
                .map(|kind| matches!(kind, "id" | "string" | "enum")),
            TypeRef::List(_) | TypeRef::Map(_) => Some(false),
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
