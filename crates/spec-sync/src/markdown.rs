//! The Markdown layer: pulldown-cmark events (CommonMark + GFM tables) folded into the few block
//! kinds the extractor reads, each with its 1-based Master Spec line.
//!
//! Nothing here looks at clause numbers or requirement keywords; it only turns the event stream
//! into headings, text units (a paragraph piece between hard breaks, or a list item's own text),
//! tables, code blocks, and paragraphs made only of `|` rows (rows cut off from their table, which
//! CommonMark reads as a paragraph because no delimiter row precedes them).

use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

/// Byte offset → 1-based line.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `text`.
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(at, _)| at + 1));
        LineIndex { starts }
    }

    /// The 1-based line of byte `offset`.
    pub fn line(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(index) => index + 1,
            Err(index) => index,
        }
    }
}

/// Text with the line each part of it came from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Text {
    /// The text: inline code keeps its backticks, emphasis markers are dropped, soft breaks are
    /// spaces.
    pub text: String,
    /// `(byte position in text, line)` wherever the source line changes.
    pub marks: Vec<(usize, usize)>,
    /// True when every visible character is inside `**strong**` (a label such as `**Rules**`).
    pub label_only: bool,
    /// Inline code spans, in order.
    pub code_spans: Vec<String>,
    strong_chars: usize,
    plain_chars: usize,
}

impl Text {
    /// The line of the character at byte position `at`.
    pub fn line_at(&self, at: usize) -> usize {
        self.marks
            .iter()
            .take_while(|(position, _)| *position <= at)
            .last()
            .or(self.marks.first())
            .map(|(_, line)| *line)
            .unwrap_or(0)
    }

    /// The line the text starts on.
    pub fn line(&self) -> usize {
        self.marks.first().map(|(_, line)| *line).unwrap_or(0)
    }

    fn push(&mut self, piece: &str, line: usize, strong: bool) {
        if self.marks.last().is_none_or(|(_, last)| *last != line) {
            self.marks.push((self.text.len(), line));
        }
        self.text.push_str(piece);
        let visible = piece.chars().filter(|c| !c.is_whitespace()).count();
        if strong {
            self.strong_chars += visible;
        } else {
            self.plain_chars += visible;
        }
    }

    fn finish(mut self) -> Option<Text> {
        self.label_only = self.strong_chars > 0 && self.plain_chars == 0;
        if self.text.trim().is_empty() {
            return None;
        }
        Some(self)
    }
}

/// A table cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// Its text (inline code in backticks).
    pub text: String,
    /// Its inline code spans.
    pub code_spans: Vec<String>,
}

/// A table row with its line.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// 1-based line.
    pub line: usize,
    /// Cells, in column order.
    pub cells: Vec<Cell>,
}

/// A GFM table.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Line of the header row.
    pub line: usize,
    /// Header cells.
    pub header: Vec<Cell>,
    /// Body rows.
    pub rows: Vec<Row>,
}

/// A code block.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeBlock {
    /// Line of the opening fence (or of the first line of an indented block).
    pub line: usize,
    /// Line of the first content line.
    pub content_line: usize,
    /// The info string (`rust`, `text`, empty).
    pub info: String,
    /// The content, verbatim.
    pub content: String,
    /// Whether it was fenced.
    pub fenced: bool,
}

/// One block of the document, in the reading the extractor needs.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// An ATX or setext heading.
    Heading {
        /// 1–6.
        level: u8,
        /// Its text.
        text: String,
        /// 1-based line.
        line: usize,
    },
    /// A paragraph piece (split at hard breaks) or the own text of a list item.
    Text {
        /// The text.
        text: Text,
        /// Whether it is a list item's text.
        list_item: bool,
    },
    /// A table.
    Table(Table),
    /// A code block.
    Code(CodeBlock),
    /// A paragraph whose every line is a `|`-delimited row: rows cut off from their table.
    OrphanRows {
        /// `(line, source text)` of each row.
        rows: Vec<(usize, String)>,
    },
}

impl Block {
    /// The block's first line.
    pub fn line(&self) -> usize {
        match self {
            Block::Heading { line, .. } => *line,
            Block::Text { text, .. } => text.line(),
            Block::Table(table) => table.line,
            Block::Code(code) => code.line,
            Block::OrphanRows { rows } => rows.first().map(|(line, _)| *line).unwrap_or(0),
        }
    }
}

#[derive(Default)]
struct TableBuilder {
    line: usize,
    header: Vec<Cell>,
    rows: Vec<Row>,
    row: Option<Row>,
    cell: Option<Text>,
    in_head: bool,
}

/// Reads `text` into blocks, sorted by line.
pub fn blocks(text: &str) -> Vec<Block> {
    let lines = LineIndex::new(text);
    let parser = Parser::new_ext(text, Options::ENABLE_TABLES);
    let mut out = Vec::new();
    let mut items: Vec<Text> = Vec::new();
    let mut paragraph: Option<(Text, Range<usize>)> = None;
    let mut heading: Option<(u8, Text)> = None;
    let mut table: Option<TableBuilder> = None;
    let mut code: Option<CodeBlock> = None;
    let mut strong = 0usize;

    for (event, range) in parser.into_offset_iter() {
        let line = lines.line(range.start);
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((level as u8, Text::default()));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, text)) = heading.take() {
                    let line = text.line();
                    out.push(Block::Heading {
                        level,
                        text: text.text.trim().to_string(),
                        line,
                    });
                }
            }
            Event::Start(Tag::Paragraph) => {
                if items.is_empty() {
                    paragraph = Some((Text::default(), range.clone()));
                } else if let Some(item) = items.last_mut()
                    && !item.text.is_empty()
                {
                    item.push(" ", line, false);
                }
            }
            Event::End(TagEnd::Paragraph) => {
                if let Some((piece, range)) = paragraph.take() {
                    let source = &text[range.clone()];
                    if is_orphan_rows(source) {
                        let first = lines.line(range.start);
                        let rows = source
                            .lines()
                            .enumerate()
                            .map(|(index, row)| (first + index, row.trim().to_string()))
                            .collect();
                        out.push(Block::OrphanRows { rows });
                    } else if let Some(piece) = piece.finish() {
                        out.push(Block::Text {
                            text: piece,
                            list_item: false,
                        });
                    }
                }
            }
            Event::Start(Tag::Item) => items.push(Text::default()),
            Event::End(TagEnd::Item) => {
                if let Some(item) = items.pop().and_then(Text::finish) {
                    out.push(Block::Text {
                        text: item,
                        list_item: true,
                    });
                }
            }
            Event::Start(Tag::Table(_)) => {
                table = Some(TableBuilder {
                    line,
                    ..TableBuilder::default()
                });
            }
            Event::Start(Tag::TableHead) => {
                if let Some(table) = table.as_mut() {
                    table.in_head = true;
                }
            }
            Event::End(TagEnd::TableHead) => {
                if let Some(table) = table.as_mut() {
                    table.in_head = false;
                }
            }
            Event::Start(Tag::TableRow) => {
                if let Some(table) = table.as_mut() {
                    table.row = Some(Row {
                        line,
                        cells: Vec::new(),
                    });
                }
            }
            Event::End(TagEnd::TableRow) => {
                if let Some(table) = table.as_mut()
                    && let Some(row) = table.row.take()
                {
                    table.rows.push(row);
                }
            }
            Event::Start(Tag::TableCell) => {
                if let Some(table) = table.as_mut() {
                    table.cell = Some(Text::default());
                }
            }
            Event::End(TagEnd::TableCell) => {
                if let Some(table) = table.as_mut()
                    && let Some(cell) = table.cell.take()
                {
                    let cell = Cell {
                        text: cell.text.trim().to_string(),
                        code_spans: cell.code_spans,
                    };
                    match (table.in_head, table.row.as_mut()) {
                        (true, _) | (false, None) => table.header.push(cell),
                        (false, Some(row)) => row.cells.push(cell),
                    }
                }
            }
            Event::End(TagEnd::Table) => {
                if let Some(done) = table.take() {
                    out.push(Block::Table(Table {
                        line: done.line,
                        header: done.header,
                        rows: done.rows,
                    }));
                }
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let (info, fenced) = match kind {
                    CodeBlockKind::Fenced(info) => (info.trim().to_string(), true),
                    CodeBlockKind::Indented => (String::new(), false),
                };
                code = Some(CodeBlock {
                    line,
                    content_line: if fenced { line + 1 } else { line },
                    info,
                    content: String::new(),
                    fenced,
                });
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some(block) = code.take() {
                    out.push(Block::Code(block));
                }
            }
            Event::Start(Tag::Strong) => strong += 1,
            Event::End(TagEnd::Strong) => strong = strong.saturating_sub(1),
            Event::Text(piece) => {
                if let Some(block) = code.as_mut() {
                    block.content.push_str(&piece);
                } else if let Some(target) =
                    inline_target(&mut heading, &mut table, &mut paragraph, &mut items)
                {
                    target.push(&piece, line, strong > 0);
                }
            }
            Event::Code(piece) => {
                if let Some(target) =
                    inline_target(&mut heading, &mut table, &mut paragraph, &mut items)
                {
                    target.push(&format!("`{piece}`"), line, strong > 0);
                    target.code_spans.push(piece.to_string());
                }
            }
            Event::SoftBreak => {
                if let Some(target) =
                    inline_target(&mut heading, &mut table, &mut paragraph, &mut items)
                {
                    target.push(" ", line, strong > 0);
                }
            }
            Event::HardBreak => {
                // A hard break ends a unit of a paragraph (the Master Spec writes `**Label**  `
                // and the label's sentence on the next line); inside list items it is a space.
                if heading.is_none()
                    && table.is_none()
                    && let Some((piece, range)) = paragraph.take()
                {
                    if let Some(piece) = piece.finish() {
                        out.push(Block::Text {
                            text: piece,
                            list_item: false,
                        });
                    }
                    paragraph = Some((Text::default(), range));
                } else if let Some(target) =
                    inline_target(&mut heading, &mut table, &mut paragraph, &mut items)
                {
                    target.push(" ", line, strong > 0);
                }
            }
            _ => {}
        }
    }
    out.sort_by_key(Block::line);
    out
}

fn inline_target<'a>(
    heading: &'a mut Option<(u8, Text)>,
    table: &'a mut Option<TableBuilder>,
    paragraph: &'a mut Option<(Text, Range<usize>)>,
    items: &'a mut [Text],
) -> Option<&'a mut Text> {
    if let Some((_, text)) = heading.as_mut() {
        return Some(text);
    }
    if let Some(table) = table.as_mut() {
        return table.cell.as_mut();
    }
    if let Some((text, _)) = paragraph.as_mut() {
        return Some(text);
    }
    items.last_mut()
}

/// A paragraph made only of lines that start and end with `|` and hold at least one more `|`.
fn is_orphan_rows(source: &str) -> bool {
    source.lines().all(|line| {
        let line = line.trim();
        line.len() >= 3
            && line.starts_with('|')
            && line.ends_with('|')
            && line[1..line.len() - 1].contains('|')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_blocks() {
        let text = "# 1 Title\n\nFirst sentence.  \nSecond **MUST** line\ncontinues.\n\n- item one\n  - nested\n\n| a | b |\n|---|---|\n| `x` | y |\n\n```text\nBody\n```\n| c | d |\n";
        let blocks = blocks(text);
        let heading = &blocks[0];
        assert_eq!(
            heading,
            &Block::Heading {
                level: 1,
                text: "1 Title".into(),
                line: 1
            }
        );
        let texts: Vec<(String, usize, bool)> = blocks
            .iter()
            .filter_map(|b| match b {
                Block::Text { text, list_item } => {
                    Some((text.text.clone(), text.line(), *list_item))
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            texts,
            vec![
                ("First sentence.".into(), 3, false),
                ("Second MUST line continues.".into(), 4, false),
                ("item one".into(), 7, true),
                ("nested".into(), 8, true),
            ]
        );
        let Some(Block::Table(table)) = blocks.iter().find(|b| matches!(b, Block::Table(_))) else {
            panic!("no table");
        };
        assert_eq!(table.line, 10);
        assert_eq!(table.rows[0].line, 12);
        assert_eq!(table.rows[0].cells[0].code_spans, vec!["x".to_string()]);
        let Some(Block::Code(code)) = blocks.iter().find(|b| matches!(b, Block::Code(_))) else {
            panic!("no code");
        };
        assert_eq!((code.line, code.info.as_str()), (14, "text"));
        assert_eq!(
            blocks.last(),
            Some(&Block::OrphanRows {
                rows: vec![(17, "| c | d |".into())]
            })
        );
    }
}
