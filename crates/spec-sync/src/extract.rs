//! From Markdown blocks to §2.6.6: the clause tree, field tables, enumerations, code types and
//! normative statements, each as an [`Item`] with a stable id, clause, line and text hash.
//!
//! §2.6.6 is found by clause numbers in headings, never by heading level (levels in the Master
//! Spec do not follow the numbering: `2.6.6.7.5.1` is as deep as `2.6.6.7.5`). A block belongs to
//! the clause of the last numbered heading before it, so sections interleaved inside §2.6.6
//! (§2.6.7 and §4.6 in v02.84) are left out and §2.6.6.7 is read where it resumes.

use sha2::{Digest, Sha256};

use crate::finding::{Finding, FindingKind};
use crate::markdown::{self, Block, Cell, CodeBlock, Row, Table};
use crate::notation::{self, CodeType, CodeTypeKind, SpecField};
use crate::source::{self, SourceError};

/// The clause the tool reads.
pub const ROOT: &str = "2.6.6";

/// One numbered heading of §2.6.6.
#[derive(Debug, Clone, PartialEq)]
pub struct ClauseNode {
    /// `2.6.6.2.1` (without `§`).
    pub number: String,
    /// Heading text after the number.
    pub title: String,
    /// Line of the heading.
    pub line: usize,
    /// Last line before the next numbered heading that is not inside this clause.
    pub end_line: usize,
    /// Number of the enclosing clause present in the document (`None` for §2.6.6).
    pub parent: Option<String>,
}

/// What an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ItemKind {
    /// A row of a field table (§2.6.6.2).
    Field,
    /// A row of the state table (§2.6.6.3.2).
    State,
    /// A struct, enum or typed object of a normative code block.
    Type,
    /// A sentence, list item or table row with a requirement keyword.
    Statement,
    /// An edge of the state machine diagram (§2.6.6.3.1).
    Transition,
}

impl ItemKind {
    /// The name used in ids and the lock.
    pub fn name(self) -> &'static str {
        match self {
            ItemKind::Field => "field",
            ItemKind::State => "state",
            ItemKind::Type => "type",
            ItemKind::Statement => "statement",
            ItemKind::Transition => "transition",
        }
    }

    /// Parses [`ItemKind::name`].
    pub fn from_name(name: &str) -> Option<ItemKind> {
        Some(match name {
            "field" => ItemKind::Field,
            "state" => ItemKind::State,
            "type" => ItemKind::Type,
            "statement" => ItemKind::Statement,
            "transition" => ItemKind::Transition,
            _ => return None,
        })
    }
}

/// A normative item of §2.6.6.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Stable id, e.g. `§2.6.6.2.1/field/job_id` or `§2.6.6.3.3/failed-cancelled-poisoned-jobs-must-not`.
    pub id: String,
    /// What it is.
    pub kind: ItemKind,
    /// `§2.6.6.3.3`.
    pub clause: String,
    /// 1-based Master Spec line.
    pub line: usize,
    /// First 16 hex digits of the SHA-256 of the normalised text.
    pub hash: String,
    /// Word-shingle signature, so a reworded item is recognised as changed (see [`Signature`]).
    pub signature: Signature,
    /// The normalised text (never written to the lock).
    pub text: String,
}

/// A field table and the clause it is in.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldTable {
    /// `§2.6.6.2.1`.
    pub clause: String,
    /// Line of the header.
    pub line: usize,
    /// Its rows as fields.
    pub fields: Vec<SpecField>,
}

/// A code type and the clause it is in.
#[derive(Debug, Clone, PartialEq)]
pub struct ClauseType {
    /// `§2.6.6.7.3`.
    pub clause: String,
    /// The type.
    pub ty: CodeType,
}

/// A lifecycle state defined by a table row.
#[derive(Debug, Clone, PartialEq)]
pub struct StateRow {
    /// `§2.6.6.3.2`.
    pub clause: String,
    /// snake_case name.
    pub name: String,
    /// 1-based line.
    pub line: usize,
}

/// The edges of a state machine diagram and the clause it is in.
#[derive(Debug, Clone, PartialEq)]
pub struct DiagramEdges {
    /// `§2.6.6.3.1`.
    pub clause: String,
    /// Line of the code block.
    pub line: usize,
    /// The edges drawn.
    pub edges: Vec<crate::diagram::Edge>,
}

/// Everything read from §2.6.6.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Extraction {
    /// Numbered headings of §2.6.6 in document order.
    pub clauses: Vec<ClauseNode>,
    /// Items, in document order; ids are natural (see [`crate::lock::reconcile`] for ids kept
    /// from the lock).
    pub items: Vec<Item>,
    /// Field tables.
    pub field_tables: Vec<FieldTable>,
    /// Code types.
    pub types: Vec<ClauseType>,
    /// States of the state table.
    pub states: Vec<StateRow>,
    /// State machine diagrams.
    pub diagrams: Vec<DiagramEdges>,
    /// Unparsed and repaired findings inside §2.6.6.
    pub findings: Vec<Finding>,
    /// The same, for lines outside §2.6.6 whose reading still mattered (a stray fence before
    /// §2.6.6.7); reported, never counted as findings.
    pub notes: Vec<Finding>,
    /// Number of lines of the input.
    pub line_count: usize,
}

/// Why the input cannot be read at all (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Not text.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// No heading numbered 2.6.6.
    #[error("no heading numbered {ROOT} (the AI Job Model) in the input")]
    NoSection,
}

/// Reads the Master Spec (whole or an excerpt holding §2.6.6) from its bytes.
pub fn extract(bytes: &[u8]) -> Result<Extraction, ReadError> {
    let source = source::decode(bytes)?;
    let mut text = source.text;
    let mut stray_fences = Vec::new();
    let blocks = loop {
        let blocks = markdown::blocks(&text);
        match swallowed_heading(&blocks) {
            Some((fence_line, heading_line)) if stray_fences.len() < 64 => {
                stray_fences.push((fence_line, heading_line));
                text = blank_line(&text, fence_line);
            }
            _ => break blocks,
        }
    };
    let line_count = text.lines().count();
    let clauses = clause_tree(&blocks, line_count);
    if clauses.is_empty() {
        return Err(ReadError::NoSection);
    }
    let mut reader = Reader {
        clauses: &clauses,
        lines: text.lines().collect(),
        out: Extraction::default(),
    };
    for (fence, heading) in stray_fences {
        reader.unparsed(
            fence,
            "code fence",
            format!(
                "closing code fence with no opening one (read as fenced, it would swallow the \
                 numbered heading at line {heading}); ignored"
            ),
        );
    }
    for line in source.repaired {
        reader.report(
            FindingKind::Repaired,
            line,
            "utf-8",
            "double-encoded UTF-8 repaired before reading".into(),
        );
    }
    for line in source.suspicious {
        reader.unparsed(
            line,
            "utf-8",
            "looks double-encoded but does not round-trip as a whole line; read as it is".into(),
        );
    }
    reader.read(&blocks);
    // a note matters only where it shaped the reading of §2.6.6, i.e. before its last line
    let last_line = clauses.iter().map(|c| c.end_line).max().unwrap_or(0);
    reader.out.notes.retain(|note| note.line <= last_line);
    let mut extraction = reader.out;
    dedupe_ids(&mut extraction.items);
    extraction.clauses = clauses;
    extraction.line_count = line_count;
    Ok(extraction)
}

/// `2.6.6.7.14.1 Normative language` → `2.6.6.7.14.1`; `2.6.6 AI Job Model` → `2.6.6`.
pub fn heading_number(text: &str) -> Option<&str> {
    let token = text.split_whitespace().next()?;
    let number = token.strip_suffix('.').unwrap_or(token);
    let parts: Vec<&str> = number.split('.').collect();
    (parts.len() >= 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())))
    .then_some(number)
}

/// Whether clause `number` is §2.6.6 or inside it.
pub fn in_root(number: &str) -> bool {
    number == ROOT || number.starts_with(&format!("{ROOT}."))
}

fn is_descendant(child: &str, parent: &str) -> bool {
    child.len() > parent.len()
        && child.starts_with(parent)
        && child[parent.len()..].starts_with('.')
}

/// A fenced code block whose content holds a numbered ATX heading: its opening fence is a
/// closing fence without an opening one (a real code block in the Master Spec never holds one).
fn swallowed_heading(blocks: &[Block]) -> Option<(usize, usize)> {
    blocks.iter().find_map(|block| {
        let Block::Code(code) = block else {
            return None;
        };
        if !code.fenced {
            return None;
        }
        code.content.lines().enumerate().find_map(|(index, line)| {
            let trimmed = line.trim_start_matches('#');
            let hashes = line.len() - trimmed.len();
            ((1..=6).contains(&hashes)
                && trimmed.starts_with(' ')
                && heading_number(trimmed.trim()).is_some())
            .then_some((code.line, code.content_line + index))
        })
    })
}

fn blank_line(text: &str, line: usize) -> String {
    text.split_inclusive('\n')
        .enumerate()
        .map(|(index, content)| {
            if index + 1 == line {
                if content.ends_with('\n') { "\n" } else { "" }
            } else {
                content
            }
        })
        .collect()
}

fn clause_tree(blocks: &[Block], line_count: usize) -> Vec<ClauseNode> {
    let numbered: Vec<(&str, &str, usize)> = blocks
        .iter()
        .filter_map(|block| match block {
            Block::Heading { text, line, .. } => {
                let number = heading_number(text)?;
                Some((
                    number,
                    text[number.len()..].trim_start_matches('.').trim(),
                    *line,
                ))
            }
            _ => None,
        })
        .collect();
    let Some(root_at) = numbered.iter().position(|(n, _, _)| *n == ROOT) else {
        return Vec::new();
    };
    let mut nodes: Vec<ClauseNode> = Vec::new();
    for (index, (number, title, line)) in numbered.iter().enumerate().skip(root_at) {
        if !in_root(number) || nodes.iter().any(|n| n.number == *number) {
            continue;
        }
        let end_line = numbered[index + 1..]
            .iter()
            .find(|(next, _, _)| !is_descendant(next, number))
            .map(|(_, _, next_line)| next_line - 1)
            .unwrap_or(line_count);
        let parent = nodes
            .iter()
            .rev()
            .find(|n| is_descendant(number, &n.number))
            .map(|n| n.number.clone());
        nodes.push(ClauseNode {
            number: number.to_string(),
            title: title.to_string(),
            line: *line,
            end_line,
            parent,
        });
    }
    nodes
}

struct Reader<'a> {
    clauses: &'a [ClauseNode],
    /// The text's lines, for the fingerprints of unparsed and repaired findings.
    lines: Vec<&'a str>,
    /// What is read, filled in as the blocks are; its `clauses` and `line_count` are set after.
    out: Extraction,
}

impl Reader<'_> {
    /// The innermost clause whose own lines hold `line`.
    fn clause_at(&self, line: usize) -> Option<&ClauseNode> {
        self.clauses
            .iter()
            .filter(|c| c.line <= line && line <= c.end_line)
            .max_by_key(|c| c.line)
    }

    fn report(&mut self, kind: FindingKind, line: usize, subject: &str, detail: String) {
        let (clause, target) = match self.clause_at(line) {
            Some(clause) => (format!("§{}", clause.number), &mut self.out.findings),
            None => ("outside §2.6.6".to_string(), &mut self.out.notes),
        };
        let source = self.lines.get(line.wrapping_sub(1)).copied().unwrap_or("");
        let fingerprint = text_hash(&format!(
            "{clause}\n{kind}\n{subject}\n{}",
            normalise(source)
        ));
        target.push(Finding {
            fingerprint: Some(fingerprint),
            kind,
            clause,
            line,
            subject: subject.to_string(),
            detail,
        });
    }

    fn unparsed(&mut self, line: usize, subject: &str, detail: String) {
        self.report(FindingKind::Unparsed, line, subject, detail);
    }

    fn read(&mut self, blocks: &[Block]) {
        let mut current: Option<String> = None;
        let mut previous_text: Option<String> = None;
        for block in blocks {
            if let Block::Heading { text, .. } = block
                && let Some(number) = heading_number(text)
            {
                current = in_root(number).then(|| format!("§{number}"));
                continue;
            }
            let Some(clause) = current.clone() else {
                continue;
            };
            match block {
                Block::Heading { .. } => {}
                Block::Text { text, .. } => {
                    if !text.label_only {
                        for (start, end) in sentences(&text.text) {
                            let sentence = &text.text[start..end];
                            if is_normative(sentence) {
                                self.statement(&clause, text.line_at(start), sentence);
                            }
                        }
                    }
                    previous_text = Some(text.text.clone());
                    continue;
                }
                Block::Table(table) => self.table(&clause, table),
                Block::Code(code) => self.code(&clause, code, previous_text.as_deref()),
                Block::OrphanRows { rows } => {
                    for (line, row) in rows {
                        self.unparsed(
                            *line,
                            "table row",
                            format!("row outside any table (no header or delimiter row before it): {row}"),
                        );
                    }
                }
            }
            previous_text = None;
        }
    }

    fn statement(&mut self, clause: &str, line: usize, text: &str) {
        let normal = normalise(text);
        let id = format!("{clause}/{}", slug(&normal));
        self.push_item(id, ItemKind::Statement, clause, line, normal);
    }

    fn push_item(&mut self, id: String, kind: ItemKind, clause: &str, line: usize, text: String) {
        self.out.items.push(Item {
            id,
            kind,
            clause: clause.to_string(),
            line,
            hash: text_hash(&text),
            signature: Signature::of(&text),
            text,
        });
    }

    fn table(&mut self, clause: &str, table: &Table) {
        let header: Vec<String> = table
            .header
            .iter()
            .map(|cell| strip_version_tags(&cell.text).to_lowercase())
            .collect();
        let column = |name: &str| header.iter().position(|h| h == name);
        let field_columns = match (column("field"), column("type"), column("required")) {
            (Some(name), Some(ty), Some(required)) => Some((name, ty, required)),
            _ => None,
        };
        let state_table = header.first().is_some_and(|h| h == "state");
        let description = column("description");
        let mut fields = Vec::new();
        for row in &table.rows {
            if row.cells.len() != table.header.len() {
                self.unparsed(
                    row.line,
                    "table row",
                    format!(
                        "{} cells where the header has {}",
                        row.cells.len(),
                        table.header.len()
                    ),
                );
                continue;
            }
            // version tags are bookkeeping of the Master Spec, not content: a row that only gains
            // a tag keeps its hash
            let row_text = normalise(
                &row.cells
                    .iter()
                    .map(|c| strip_version_tags(&c.text))
                    .collect::<Vec<_>>()
                    .join(" | "),
            );
            if let Some((name, ty, required)) = field_columns {
                match field_row(row, name, ty, required, description) {
                    Ok(field) => {
                        let id = format!("{clause}/field/{}", field.name);
                        self.push_item(id, ItemKind::Field, clause, row.line, row_text.clone());
                        fields.push(field);
                    }
                    Err(detail) => self.unparsed(row.line, "table row", detail),
                }
            } else if state_table {
                match identifier(&row.cells[0]) {
                    Some(name) => {
                        let id = format!("{clause}/state/{name}");
                        self.push_item(id, ItemKind::State, clause, row.line, row_text.clone());
                        self.out.states.push(StateRow {
                            clause: clause.to_string(),
                            name,
                            line: row.line,
                        });
                    }
                    None => self.unparsed(
                        row.line,
                        "table row",
                        format!("state row without a state name: {}", row.cells[0].text),
                    ),
                }
            }
            if is_normative(&row_text) {
                self.statement(clause, row.line, &row_text);
            }
        }
        if field_columns.is_some() {
            self.out.field_tables.push(FieldTable {
                clause: clause.to_string(),
                line: table.line,
                fields,
            });
        }
    }

    fn code(&mut self, clause: &str, code: &CodeBlock, previous_text: Option<&str>) {
        let first = code.content.lines().map(str::trim).find(|l| !l.is_empty());
        let (types, errors) = match code.info.as_str() {
            "rust" => notation::rust_items(&code.content, code.content_line),
            "" | "text" => match first {
                Some(line) if line.starts_with(|c: char| c.is_ascii_uppercase()) => {
                    notation::typed_objects(&code.content, code.content_line, None)
                }
                Some(line) if line.starts_with('{') => {
                    let name = previous_text.and_then(structure_name);
                    notation::typed_objects(&code.content, code.content_line, name)
                }
                // a box diagram gives its edges; other illustrations carry nothing
                _ => {
                    if let Some(edges) = crate::diagram::edges(&code.content) {
                        for edge in &edges {
                            let id = format!("{clause}/transition/{}-{}", edge.from, edge.to);
                            let text = format!("{} -> {}", edge.from, edge.to);
                            self.push_item(id, ItemKind::Transition, clause, code.line, text);
                        }
                        self.out.diagrams.push(DiagramEdges {
                            clause: clause.to_string(),
                            line: code.line,
                            edges,
                        });
                    }
                    return;
                }
            },
            _ => return,
        };
        for error in errors {
            self.unparsed(error.line, "code block", error.detail);
        }
        for ty in types {
            let id = format!("{clause}/type/{}", ty.name);
            let text = canonical_type(&ty);
            self.push_item(id, ItemKind::Type, clause, ty.line, text);
            self.out.types.push(ClauseType {
                clause: clause.to_string(),
                ty,
            });
        }
    }
}

/// `EntityRef Structure:` → `EntityRef`.
fn structure_name(text: &str) -> Option<&str> {
    let text = text.trim().strip_suffix(':')?.trim();
    let name = text.strip_suffix("Structure")?.trim();
    (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric())).then_some(name)
}

/// The text a type item is hashed by: its name and fields (or variants) in order.
fn canonical_type(ty: &CodeType) -> String {
    match &ty.kind {
        CodeTypeKind::Record(fields) => {
            let fields: Vec<String> = fields
                .iter()
                .map(|f| {
                    format!(
                        "{}{}{}: {}",
                        f.name,
                        if f.list { "[]" } else { "" },
                        if f.required { "" } else { "?" },
                        f.ty
                    )
                })
                .collect();
            format!("{} {{{}}}", ty.name, fields.join(", "))
        }
        CodeTypeKind::Enum(variants) => format!("enum {} {{{}}}", ty.name, variants.join(", ")),
    }
}

/// The name of a table row: its first code span, or its text if that is an identifier.
fn identifier(cell: &Cell) -> Option<String> {
    let text = strip_version_tags(&cell.text);
    let candidate = cell
        .code_spans
        .first()
        .map(String::as_str)
        .unwrap_or(text.trim());
    let candidate = candidate.trim_matches('`').trim();
    (!candidate.is_empty()
        && candidate
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_'))
    .then(|| candidate.to_string())
}

fn field_row(
    row: &Row,
    name: usize,
    ty: usize,
    required: usize,
    description: Option<usize>,
) -> Result<SpecField, String> {
    let field_name = identifier(&row.cells[name])
        .ok_or_else(|| format!("field row without a field name: {}", row.cells[name].text))?;
    let ty_text = strip_version_tags(&row.cells[ty].text);
    let ty_text = ty_text.trim().trim_matches('`');
    let (ty_text, list) = match ty_text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        Some(inner) => (inner, true),
        None => match ty_text.strip_suffix("[]") {
            Some(inner) => (inner, true),
            None => (ty_text, false),
        },
    };
    let required_text = strip_version_tags(&row.cells[required].text);
    let required_value = match required_text.trim().to_lowercase().as_str() {
        "✓" | "✔" | "yes" | "y" | "x" | "required" | "true" => true,
        "" | "-" | "—" | "no" | "optional" | "false" => false,
        other => {
            return Err(format!(
                "field `{field_name}`: required column reads `{other}`, neither a mark nor empty"
            ));
        }
    };
    let values = description.and_then(|index| description_values(&row.cells[index]));
    Ok(SpecField {
        name: field_name,
        ty: ty_text.to_string(),
        required: required_value,
        list,
        values,
        line: row.line,
    })
}

/// A description cell that lists only values (`` `strict`, `normal`, or `experimental` ``, with
/// optional parentheticals after each) enumerates the field's values; one with other words
/// (`e.g.`, prose) does not.
fn description_values(cell: &Cell) -> Option<Vec<String>> {
    if cell.code_spans.len() < 2 {
        return None;
    }
    let mut rest = strip_version_tags(&cell.text);
    for span in &cell.code_spans {
        rest = rest.replacen(&format!("`{span}`"), " ", 1);
    }
    let rest = remove_groups(&rest, '(', ')');
    let only_separators = rest
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .all(|word| word.is_empty() || word == "or" || word == "and");
    let values_are_names = cell.code_spans.iter().all(|span| {
        span.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    });
    (only_separators && values_are_names).then(|| cell.code_spans.clone())
}

fn remove_groups(text: &str, open: char, close: char) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in text.chars() {
        if c == open {
            depth += 1;
        } else if c == close && depth > 0 {
            depth -= 1;
        } else if depth == 0 {
            out.push(c);
        }
    }
    out
}

/// Removes version tags that later Master Spec versions put inside cells: `(v02.85)`,
/// `[ADD v02.101]`, a bare `v02.85`.
pub fn strip_version_tags(text: &str) -> String {
    let is_version = |word: &str| {
        let word = word.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '.');
        let word = word.trim_end_matches('.');
        word.strip_prefix(['v', 'V']).is_some_and(|rest| {
            rest.contains('.')
                && rest
                    .split('.')
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        })
    };
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(['(', '[']) {
        let close = if rest[at..].starts_with('(') {
            ')'
        } else {
            ']'
        };
        match rest[at..].find(close) {
            Some(len) if rest[at + 1..at + len].split_whitespace().any(is_version) => {
                out.push_str(&rest[..at]);
                rest = &rest[at + len + 1..];
            }
            _ => {
                out.push_str(&rest[..=at]);
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    out.split_whitespace()
        .filter(|word| !is_version(word))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Sentence spans of a text unit: split after `.`, `!` or `?` followed by a space and a capital,
/// a backtick, a digit or a quote; never after `e.g.`, `i.e.`, `etc.`, `vs.`, `cf.`.
pub fn sentences(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (index, &(at, c)) in chars.iter().enumerate() {
        if !matches!(c, '.' | '!' | '?') {
            continue;
        }
        let Some(&(_, space)) = chars.get(index + 1) else {
            continue;
        };
        let Some(&(next_at, next)) = chars.get(index + 2) else {
            continue;
        };
        if !space.is_whitespace()
            || !(next.is_uppercase() || next.is_ascii_digit() || matches!(next, '`' | '"' | '“'))
        {
            continue;
        }
        let word_start = text[..at]
            .rfind(|ch: char| ch.is_whitespace() || ch == '(')
            .map(|p| p + 1)
            .unwrap_or(0);
        let word = text[word_start..at].to_lowercase();
        if matches!(
            word.as_str(),
            "e.g" | "i.e" | "etc" | "vs" | "cf" | "e" | "i"
        ) {
            continue;
        }
        spans.push((start, at + c.len_utf8()));
        start = next_at;
    }
    if text[start..].trim().is_empty() {
        return spans;
    }
    spans.push((start, text.len()));
    spans
        .into_iter()
        .filter(|(s, e)| !text[*s..*e].trim().is_empty())
        .collect()
}

/// Whether a sentence carries a requirement keyword: MUST (NOT), SHALL (NOT), REQUIRED,
/// mandatory or never, in any case.
pub fn is_normative(text: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric()).any(|word| {
        matches!(
            word.to_lowercase().as_str(),
            "must" | "shall" | "required" | "mandatory" | "never"
        )
    })
}

/// Whitespace collapsed, trimmed.
pub fn normalise(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// First 16 hex digits of the SHA-256 of `text`.
pub fn text_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

const STOP_WORDS: &[&str] = &[
    "a", "an", "the", "to", "of", "be", "is", "are", "and", "or", "in", "on", "for", "with", "by",
    "if", "it", "its", "this", "that", "as", "at", "any", "all",
];

/// Up to six significant lower-case words of the text, joined by `-`.
pub fn slug(text: &str) -> String {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .take(6)
        .collect();
    if words.is_empty() {
        "item".into()
    } else {
        words.join("-")
    }
}

/// Two items with the same natural id get `-2`, `-3`, … in document order.
fn dedupe_ids(items: &mut [Item]) {
    let mut seen = std::collections::HashMap::<String, usize>::new();
    for item in items.iter_mut() {
        let count = seen.entry(item.id.clone()).or_insert(0);
        *count += 1;
        if *count > 1 {
            item.id = format!("{}-{}", item.id, count);
        }
    }
}

/// A b-bit MinHash of an item's word unigrams and bigrams: 16 slots of 16 bits. Two texts agree
/// in a slot with probability equal to the Jaccard similarity of their word sets, so a reworded
/// item is still matched to its lock entry, while the lock holds hashes only, never prose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature(pub [u16; 16]);

impl Signature {
    /// The signature of a normalised text.
    pub fn of(text: &str) -> Signature {
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric() && c != '_')
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        let mut features: Vec<String> = words.clone();
        features.extend(
            words
                .windows(2)
                .map(|pair| format!("{} {}", pair[0], pair[1])),
        );
        let mut slots = [u16::MAX; 16];
        for (seed, slot) in slots.iter_mut().enumerate() {
            let minimum = features
                .iter()
                .map(|feature| fnv1a(seed as u64, feature))
                .min()
                .unwrap_or(u64::MAX);
            *slot = (minimum & 0xffff) as u16;
        }
        Signature(slots)
    }

    /// Share of slots that agree, 0.0–1.0.
    pub fn similarity(&self, other: &Signature) -> f64 {
        let same = self
            .0
            .iter()
            .zip(other.0)
            .filter(|(a, b)| **a == *b)
            .count();
        same as f64 / 16.0
    }

    /// As 64 hex digits.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|slot| format!("{slot:04x}")).collect()
    }

    /// Parses [`Signature::to_hex`].
    pub fn from_hex(hex: &str) -> Option<Signature> {
        if hex.len() != 64 || !hex.is_ascii() {
            return None;
        }
        let mut slots = [0u16; 16];
        for (index, slot) in slots.iter_mut().enumerate() {
            *slot = u16::from_str_radix(&hex[index * 4..index * 4 + 4], 16).ok()?;
        }
        Some(Signature(slots))
    }
}

fn fnv1a(seed: u64, text: &str) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64 ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    // a final mix, so the low bits the signature keeps depend on every byte
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
    hash ^ (hash >> 33)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_split_after_full_stops_but_not_abbreviations() {
        let text =
            "Jobs MUST be durable (e.g. replayable). A second one. `x` third; i.e. Not split";
        let parts: Vec<&str> = sentences(text).iter().map(|(s, e)| &text[*s..*e]).collect();
        assert_eq!(
            parts,
            vec![
                "Jobs MUST be durable (e.g. replayable).",
                "A second one.",
                "`x` third; i.e. Not split"
            ]
        );
    }

    #[test]
    fn keywords_and_slugs() {
        assert!(is_normative("implementations MUST NOT auto-retry"));
        assert!(is_normative("Never inject raw documents"));
        assert!(!is_normative("Mustard is not a keyword"));
        assert_eq!(
            slug("Failed/cancelled/poisoned jobs MUST NOT commit edits; they may"),
            "failed-cancelled-poisoned-jobs-must-not"
        );
    }

    #[test]
    fn version_tags_are_removed_from_cells() {
        assert_eq!(strip_version_tags("JobKind (v02.85)"), "JobKind");
        assert_eq!(strip_version_tags("[ADD v02.101] ✓"), "✓");
        assert_eq!(strip_version_tags("Timestamp v02.90"), "Timestamp");
        assert_eq!(
            strip_version_tags("Limits (token budgets)"),
            "Limits (token budgets)"
        );
    }

    #[test]
    fn signatures_see_rewording_as_similar() {
        let a = Signature::of(
            "Failed, cancelled and poisoned jobs MUST NOT commit edits; they may still produce logs and previews.",
        );
        let b = Signature::of(
            "Failed, cancelled and poisoned jobs MUST NOT commit any edits; they may still produce logs and previews.",
        );
        let c = Signature::of("The active mode MUST be recorded in the ContextSnapshot.");
        assert!(a.similarity(&b) >= 0.5, "{}", a.similarity(&b));
        assert!(a.similarity(&c) < 0.5, "{}", a.similarity(&c));
        assert_eq!(Signature::from_hex(&a.to_hex()), Some(a));
    }

    #[test]
    fn heading_numbers() {
        assert_eq!(
            heading_number("2.6.6.7.14.1 Normative language"),
            Some("2.6.6.7.14.1")
        );
        assert_eq!(heading_number("2.6.6 AI Job Model"), Some("2.6.6"));
        assert_eq!(heading_number("4.6. Tokenization"), Some("4.6"));
        assert_eq!(heading_number("Why"), None);
        assert_eq!(heading_number("2026 plans"), None);
    }
}
