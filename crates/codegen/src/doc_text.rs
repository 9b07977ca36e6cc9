//! What the targets say alike in their doc comments (TSDoc, docstrings) and the docs pages: the
//! words are the same, only the comment syntax and the code quoting differ, so the lines are
//! made here once and each target wraps them.

use handshake_spec::model::{EnumValue, Meta, StringConstraints, TransitionOrigin, TypeDef};

/// The closing lines of every doc comment: a blank line, the clause, and any decision.
pub(crate) fn meta_tail(meta: &Meta) -> Vec<String> {
    let mut lines = vec![String::new(), format!("Clause: {}", meta.clause)];
    if let Some(decision) = &meta.decision {
        lines.push(format!("Decision: {decision}"));
    }
    lines
}

/// A declaration's description followed by [`meta_tail`].
pub(crate) fn type_lines(meta: &Meta) -> Vec<String> {
    let mut lines = vec![meta.description.clone()];
    lines.extend(meta_tail(meta));
    lines
}

/// The markup of a doc comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Markup {
    /// TSDoc (Markdown): code in single backticks.
    TsDoc,
    /// A Python docstring (reStructuredText): code in double backticks, and a blank line
    /// before a list.
    Rst,
}

impl Markup {
    fn code(self, text: &str) -> String {
        match self {
            Markup::TsDoc => format!("`{text}`"),
            Markup::Rst => format!("``{text}``"),
        }
    }
}

/// An enum's doc: its description, each value with its description, clause and decision, then
/// [`meta_tail`].
pub(crate) fn enum_lines(ty: &TypeDef, values: &[EnumValue], markup: Markup) -> Vec<String> {
    let mut lines = vec![
        ty.meta.description.clone(),
        String::new(),
        "Values:".to_string(),
    ];
    if markup == Markup::Rst {
        lines.push(String::new());
    }
    for value in values {
        lines.push(format!(
            "- {}: {} ({})",
            markup.code(&value.name),
            value.meta.description,
            value.meta.clause
        ));
        if let Some(decision) = &value.meta.decision {
            lines.push(format!("  Decision: {decision}"));
        }
    }
    lines.extend(meta_tail(&ty.meta));
    lines
}

/// What a string type's constraints ask, as a phrase: "A string matching `…`, at least N
/// characters long, at most M characters long" (or just "A string").
pub(crate) fn string_phrase(constraints: &StringConstraints) -> String {
    let mut phrase = "A string".to_string();
    let mut rules = Vec::new();
    if let Some(pattern) = &constraints.pattern {
        rules.push(format!("matching `{pattern}`"));
    }
    if let Some(min) = constraints.min_length {
        rules.push(format!("at least {min} characters long"));
    }
    if let Some(max) = constraints.max_length {
        rules.push(format!("at most {max} characters long"));
    }
    if !rules.is_empty() {
        phrase.push(' ');
        phrase.push_str(&rules.join(", "));
    }
    phrase
}

/// The spec's word for where an allowed transition comes from (`origin:` in the lifecycle).
pub(crate) fn origin(origin: TransitionOrigin) -> &'static str {
    match origin {
        TransitionOrigin::Diagram => "diagram",
        TransitionOrigin::Text => "text",
    }
}
