//! The normative code blocks of §2.6.6: Rust structs and enums (parsed with `syn`), and the
//! typed-object notation of §2.6.6.7 (`Name` followed by `- field[]?: Type` lines, the one-line
//! `Name {a, b, c[]}`, and the `{ field: type }` structure blocks of §2.6.6.2.3).

use quote::ToTokens;

/// A field of a table or a code block.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecField {
    /// The field's name as written.
    pub name: String,
    /// Its type as written (without list or optional marks, comments removed); empty when the
    /// notation gives none (`Decision {claim, rationale}`).
    pub ty: String,
    /// Whether the field is required (no `?`, no `Option<…>`, a ✓ in a table).
    pub required: bool,
    /// Whether it is a list (`name[]`, `[T]`, `Vec<T>`).
    pub list: bool,
    /// Values of an inline closed enumeration (`(strict | replay)`), or of a description cell
    /// that lists only values.
    pub values: Option<Vec<String>>,
    /// 1-based Master Spec line.
    pub line: usize,
}

/// What a code type is.
#[derive(Debug, Clone, PartialEq)]
pub enum CodeTypeKind {
    /// A struct or typed object with fields.
    Record(Vec<SpecField>),
    /// An enum with its variants' wire names (`Block`, `Section`: serde's default is the variant
    /// name as written).
    Enum(Vec<String>),
}

/// How a code type was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notation {
    /// A Rust item.
    Rust,
    /// The typed-object notation.
    TypedObject,
}

/// A type defined in a normative code block.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeType {
    /// Its name, e.g. `ContextSnapshot`.
    pub name: String,
    /// Fields or variants.
    pub kind: CodeTypeKind,
    /// Line of its name.
    pub line: usize,
    /// How it was written.
    pub notation: Notation,
}

/// Something in a code block that could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct NotationError {
    /// 1-based Master Spec line.
    pub line: usize,
    /// What could not be read.
    pub detail: String,
}

/// Parses a Rust code block whose first line is Master Spec line `first_line`.
pub fn rust_items(content: &str, first_line: usize) -> (Vec<CodeType>, Vec<NotationError>) {
    let file = match syn::parse_file(content) {
        Ok(file) => file,
        Err(error) => {
            return (
                Vec::new(),
                vec![NotationError {
                    line: first_line,
                    detail: format!("rust code block does not parse: {error}"),
                }],
            );
        }
    };
    let mut types = Vec::new();
    for item in file.items {
        let (name, kind, keyword) = match item {
            syn::Item::Struct(item) => {
                let fields = item
                    .fields
                    .iter()
                    .filter_map(|field| {
                        let name = field.ident.as_ref()?.to_string();
                        let ty = field.ty.to_token_stream().to_string().replace(' ', "");
                        let (ty, required) = match strip_generic(&ty, "Option") {
                            Some(inner) => (inner.to_string(), false),
                            None => (ty, true),
                        };
                        let (ty, list) = match strip_generic(&ty, "Vec") {
                            Some(inner) => (inner.to_string(), true),
                            None => (ty, false),
                        };
                        Some(SpecField {
                            line: line_of(content, first_line, &format!("{name}:")),
                            name,
                            ty,
                            required,
                            list,
                            values: None,
                        })
                    })
                    .collect();
                (
                    item.ident.to_string(),
                    CodeTypeKind::Record(fields),
                    "struct",
                )
            }
            syn::Item::Enum(item) => (
                item.ident.to_string(),
                CodeTypeKind::Enum(item.variants.iter().map(|v| v.ident.to_string()).collect()),
                "enum",
            ),
            _ => continue,
        };
        let line = line_of(content, first_line, &format!("{keyword} {name}"));
        types.push(CodeType {
            name,
            kind,
            line,
            notation: Notation::Rust,
        });
    }
    (types, Vec::new())
}

/// `Option<T>` → `T` (and likewise for `Vec`).
fn strip_generic<'a>(ty: &'a str, wrapper: &str) -> Option<&'a str> {
    ty.strip_prefix(wrapper)?
        .strip_prefix('<')?
        .strip_suffix('>')
}

/// The Master Spec line of the first content line containing `needle`.
fn line_of(content: &str, first_line: usize, needle: &str) -> usize {
    content
        .lines()
        .position(|line| line.contains(needle))
        .map(|index| first_line + index)
        .unwrap_or(first_line)
}

/// One logical line: physical lines joined while brackets are open.
struct Logical {
    line: usize,
    text: String,
}

fn logical_lines(content: &str, first_line: usize) -> Vec<Logical> {
    let mut out: Vec<Logical> = Vec::new();
    let mut depth = 0i32;
    for (index, raw) in content.lines().enumerate() {
        let code = match raw.find("//") {
            Some(at) => &raw[..at],
            None => raw,
        };
        if depth > 0
            && let Some(last) = out.last_mut()
        {
            last.text.push(' ');
            last.text.push_str(code.trim());
        } else {
            out.push(Logical {
                line: first_line + index,
                text: code.trim_end().to_string(),
            });
        }
        for c in code.chars() {
            match c {
                '{' | '(' | '[' | '<' => depth += 1,
                '}' | ')' | ']' | '>' => depth -= 1,
                _ => {}
            }
        }
        depth = depth.max(0);
    }
    out
}

/// Parses a typed-object code block whose first content line is Master Spec line `first_line`.
/// `structure_name` names an object written as a bare `{ … }` block (from the sentence before
/// it, e.g. `EntityRef Structure:`).
pub fn typed_objects(
    content: &str,
    first_line: usize,
    structure_name: Option<&str>,
) -> (Vec<CodeType>, Vec<NotationError>) {
    let mut types: Vec<CodeType> = Vec::new();
    let mut errors = Vec::new();
    let mut open: Option<CodeType> = None;
    for logical in logical_lines(content, first_line) {
        let text = logical.text.trim();
        if text.is_empty() {
            types.extend(open.take());
            continue;
        }
        if let Some(field) = text.strip_prefix("- ").or(text.strip_prefix("-\t")) {
            match (&mut open, parse_field(field, logical.line, true)) {
                (
                    Some(CodeType {
                        kind: CodeTypeKind::Record(fields),
                        ..
                    }),
                    Ok(field),
                ) => fields.push(field),
                (None, _)
                | (
                    Some(CodeType {
                        kind: CodeTypeKind::Enum(_),
                        ..
                    }),
                    _,
                ) => errors.push(NotationError {
                    line: logical.line,
                    detail: "field line outside a typed object".into(),
                }),
                (_, Err(detail)) => errors.push(NotationError {
                    line: logical.line,
                    detail,
                }),
            }
            continue;
        }
        types.extend(open.take());
        if text.starts_with('{') {
            let Some(name) = structure_name else {
                errors.push(NotationError {
                    line: logical.line,
                    detail: "structure block without a name before it".into(),
                });
                continue;
            };
            // the whole `{ … }` is one logical line; its fields are its physical lines
            let mut fields = Vec::new();
            let start = logical.line - first_line;
            for (offset, part) in content.lines().enumerate().skip(start) {
                let part = part.trim();
                if part == "}" {
                    break;
                }
                if part.is_empty() || part == "{" {
                    continue;
                }
                match parse_field(part, first_line + offset, true) {
                    Ok(field) => fields.push(field),
                    Err(detail) => errors.push(NotationError {
                        line: first_line + offset,
                        detail,
                    }),
                }
            }
            types.push(CodeType {
                name: name.to_string(),
                kind: CodeTypeKind::Record(fields),
                line: logical.line,
                notation: Notation::TypedObject,
            });
            continue;
        }
        match parse_header(text, logical.line) {
            Ok((object, inline)) => {
                if inline {
                    types.push(object);
                } else {
                    open = Some(object);
                }
            }
            Err(detail) => errors.push(NotationError {
                line: logical.line,
                detail,
            }),
        }
    }
    types.extend(open);
    (types, errors)
}

/// `Name`, `Name (Derived)`, or `Name {a, b, c[]}` (inline: returns true).
fn parse_header(text: &str, line: usize) -> Result<(CodeType, bool), String> {
    let name_end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    let name = &text[..name_end];
    if !name.starts_with(|c: char| c.is_ascii_uppercase()) {
        return Err(format!("not a typed-object header: `{text}`"));
    }
    let rest = text[name_end..].trim();
    let object = |fields| CodeType {
        name: name.to_string(),
        kind: CodeTypeKind::Record(fields),
        line,
        notation: Notation::TypedObject,
    };
    if rest.is_empty() || (rest.starts_with('(') && rest.ends_with(')')) {
        return Ok((object(Vec::new()), false));
    }
    if let Some(inner) = rest.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
        let fields = split_top_level(inner)
            .into_iter()
            .filter(|part| !part.trim().is_empty())
            .map(|part| parse_field(part.trim(), line, false))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok((object(fields), true));
    }
    Err(format!("not a typed-object header: `{text}`"))
}

/// Splits at commas outside brackets.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (at, c) in text.char_indices() {
        match c {
            '{' | '(' | '[' | '<' => depth += 1,
            '}' | ')' | ']' | '>' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// `name[]?: Type`, `name?: (a | b)`, or (without `typed`) a bare `name[]`.
fn parse_field(text: &str, line: usize, typed: bool) -> Result<SpecField, String> {
    let text = text.trim().trim_end_matches(',');
    let (head, ty) = match text.split_once(':') {
        Some((head, ty)) => (head.trim(), ty.trim()),
        None if !typed => (text, ""),
        None => return Err(format!("field without a type: `{text}`")),
    };
    let name_end = head
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(head.len());
    let name = &head[..name_end];
    let marks = &head[name_end..];
    if name.is_empty() || !marks.chars().all(|c| matches!(c, '[' | ']' | '?')) {
        return Err(format!("not a field: `{text}`"));
    }
    let list = marks.contains("[]");
    let required = !marks.contains('?');
    let values = enum_values(ty);
    Ok(SpecField {
        name: name.to_string(),
        ty: ty.to_string(),
        required,
        list,
        values,
        line,
    })
}

/// `(a | b | c)` → `[a, b, c]`; `"doc" | "sheet" | ...` is open (`None`).
fn enum_values(ty: &str) -> Option<Vec<String>> {
    let inner = ty.strip_prefix('(')?.strip_suffix(')')?;
    if !inner.contains('|') {
        return None;
    }
    let values: Vec<String> = inner.split('|').map(|v| v.trim().to_string()).collect();
    let word = |v: &String| {
        !v.is_empty()
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    values.iter().all(word).then_some(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_objects_with_lists_optionals_enums_and_continuations() {
        let content = "Plan (Derived)\n- id: UUID\n- hint[]?: ScopeHint          // bounded (not a type)\n- mode: (strict | replay)\n- budgets: {total, prefix,\n            suffix}\n\nDecision   {claim, rationale, evidence_refs[]}\n";
        let (types, errors) = typed_objects(content, 100, None);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(types.len(), 2);
        assert_eq!(types[0].name, "Plan");
        let CodeTypeKind::Record(fields) = &types[0].kind else {
            panic!()
        };
        let summary: Vec<_> = fields
            .iter()
            .map(|f| (f.name.as_str(), f.ty.as_str(), f.required, f.list, f.line))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("id", "UUID", true, false, 101),
                ("hint", "ScopeHint", false, true, 102),
                ("mode", "(strict | replay)", true, false, 103),
                ("budgets", "{total, prefix, suffix}", true, false, 104),
            ]
        );
        assert_eq!(
            fields[2].values,
            Some(vec!["strict".to_string(), "replay".to_string()])
        );
        let CodeTypeKind::Record(inline) = &types[1].kind else {
            panic!()
        };
        assert_eq!(types[1].line, 107);
        assert_eq!(
            inline
                .iter()
                .map(|f| (f.name.as_str(), f.list))
                .collect::<Vec<_>>(),
            vec![
                ("claim", false),
                ("rationale", false),
                ("evidence_refs", true)
            ]
        );
    }

    #[test]
    fn unreadable_lines_are_errors_with_their_line() {
        let (types, errors) = typed_objects("- orphan: int\nthis is prose\n", 10, None);
        assert!(types.is_empty());
        assert_eq!(
            errors.iter().map(|e| e.line).collect::<Vec<_>>(),
            vec![10, 11]
        );
    }

    #[test]
    fn structure_blocks_take_their_name_from_outside() {
        let content = "{\n  artefact_type: \"doc\" | \"sheet\" | ...\n  artefact_id: UUID\n}\n";
        let (types, errors) = typed_objects(content, 20, Some("EntityRef"));
        assert!(errors.is_empty(), "{errors:?}");
        let CodeTypeKind::Record(fields) = &types[0].kind else {
            panic!()
        };
        assert_eq!(types[0].name, "EntityRef");
        assert_eq!(
            fields
                .iter()
                .map(|f| (f.name.as_str(), f.line))
                .collect::<Vec<_>>(),
            vec![("artefact_type", 21), ("artefact_id", 22)]
        );
        assert_eq!(fields[0].values, None);
    }

    #[test]
    fn rust_structs_and_enums() {
        let content = "#[derive(Debug)]\npub struct Profile {\n    /// doc\n    pub doc_id: Uuid,\n    pub selection: Option<SelectionRange>,\n    pub tags: Vec<String>,\n}\n\npub enum LayerScope {\n    Block,\n    Section,\n}\n";
        let (types, errors) = rust_items(content, 50);
        assert!(errors.is_empty());
        assert_eq!(types[0].line, 51);
        let CodeTypeKind::Record(fields) = &types[0].kind else {
            panic!()
        };
        assert_eq!(
            fields
                .iter()
                .map(|f| (f.name.as_str(), f.ty.as_str(), f.required, f.list, f.line))
                .collect::<Vec<_>>(),
            vec![
                ("doc_id", "Uuid", true, false, 53),
                ("selection", "SelectionRange", false, false, 54),
                ("tags", "String", true, true, 55),
            ]
        );
        assert_eq!(
            types[1].kind,
            CodeTypeKind::Enum(vec!["Block".into(), "Section".into()])
        );
        let (_, errors) = rust_items("pub struct {", 7);
        assert_eq!(errors[0].line, 7);
    }
}
