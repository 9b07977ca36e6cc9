//! What the TypeScript and Python targets both say in their doc comments (TSDoc, docstrings):
//! the lines are the same, only the comment syntax and the code quoting differ, so the lines are
//! made here once and each target wraps them.

use handshake_spec::model::{EnumValue, Meta, TransitionOrigin, TypeDef};

use crate::GeneratedFile;

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

/// The spec's word for where an allowed transition comes from (`origin:` in the lifecycle).
pub(crate) fn origin(origin: TransitionOrigin) -> &'static str {
    match origin {
        TransitionOrigin::Diagram => "diagram",
        TransitionOrigin::Text => "text",
    }
}

/// The files of an SDK target: `(name, contents)` under the target's folder `dir`, in order;
/// a `None` contents (a file the spec has nothing for) is left out.
pub(crate) fn files_under(
    dir: &str,
    files: impl IntoIterator<Item = (&'static str, Option<String>)>,
) -> Vec<GeneratedFile> {
    let dir = dir.trim_end_matches('/');
    files
        .into_iter()
        .filter_map(|(name, contents)| {
            contents.map(|contents| GeneratedFile {
                path: format!("{dir}/{name}"),
                contents,
            })
        })
        .collect()
}
