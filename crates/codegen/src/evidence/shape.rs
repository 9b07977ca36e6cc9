//! The lines the evidence matrix looks for in generated code, written out as literal searches.
//!
//! Every shape is what a multi-line regex of escaped names would say (each variant gives it), but
//! it is found by searching for its name's text and checking the line around each occurrence. A
//! run asks for some 1,400 of them (280 claims in five targets), and building a regex for each
//! cost more than the rest of the matrix: in the dev profile, where `cargo xtask codegen` runs,
//! the builds and the lazy DFAs were a third of the run.
//!
//! A word character is `char::is_alphanumeric` or `_` (the regex crate's Unicode `\w` for the
//! identifiers, keywords and punctuation that generated code consists of).

/// What may stand before a [`Shape::Line`]'s text at the start of its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Indent {
    /// Nothing: `^`.
    None,
    /// Spaces and tabs, or nothing: `^[ \t]*`.
    Any,
    /// At least one space or tab: `^[ \t]+`.
    Some,
}

/// What must follow a shape's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum End {
    /// A word boundary: `\b`.
    Word,
    /// This text (empty: anything).
    Text(&'static str),
}

/// The lines that declare something, each as `^(indent)(head)name(end)` with one `(head, end)`
/// per alternative.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Form {
    /// `^pub (struct|enum|type) name\b`: a Rust type.
    RustType,
    /// `^[ \t]+pub (r#)?name:`: a Rust field.
    RustField,
    /// `^[ \t]+name\b`: a Rust variant, or an indented word.
    IndentedWord,
    /// `^[ \t]*"title": "name"`: a JSON Schema document's title.
    JsonTitle,
    /// `^[ \t]*"name": \{`: a JSON Schema definition or property.
    JsonKey,
    /// `^CREATE TABLE (IF NOT EXISTS )?name\b`: an SQL table.
    SqlTable,
    /// `^[ \t]+name `: an SQL column.
    SqlColumn,
    /// `^export (interface|type|const|class) name\b`: a TypeScript type.
    TsType,
    /// `^[ \t]+(readonly )?name\??:`: a TypeScript property.
    TsField,
    /// `^[ \t]+name: `: a Python field or a TypeScript object key.
    IndentedKey,
    /// `^[ \t]+"name": `: a quoted Python dict key.
    IndentedQuotedKey,
    /// `^(class name\(|name = )`: a Python class or alias.
    PyType,
    /// `^name`: a line that starts with the name (a test's closing brace).
    #[cfg(test)]
    LineStart,
}

impl Form {
    /// What may stand before the head, and the alternatives of head and end.
    fn parts(self) -> (Indent, &'static [(&'static str, End)]) {
        match self {
            Form::RustType => (
                Indent::None,
                &[
                    ("pub struct ", End::Word),
                    ("pub enum ", End::Word),
                    ("pub type ", End::Word),
                ],
            ),
            Form::RustField => (
                Indent::Some,
                &[("pub ", End::Text(":")), ("pub r#", End::Text(":"))],
            ),
            Form::IndentedWord => (Indent::Some, &[("", End::Word)]),
            Form::JsonTitle => (Indent::Any, &[("\"title\": \"", End::Text("\""))]),
            Form::JsonKey => (Indent::Any, &[("\"", End::Text("\": {"))]),
            Form::SqlTable => (
                Indent::None,
                &[
                    ("CREATE TABLE ", End::Word),
                    ("CREATE TABLE IF NOT EXISTS ", End::Word),
                ],
            ),
            Form::SqlColumn => (Indent::Some, &[("", End::Text(" "))]),
            Form::TsType => (
                Indent::None,
                &[
                    ("export interface ", End::Word),
                    ("export type ", End::Word),
                    ("export const ", End::Word),
                    ("export class ", End::Word),
                ],
            ),
            Form::TsField => (
                Indent::Some,
                &[
                    ("", End::Text(":")),
                    ("", End::Text("?:")),
                    ("readonly ", End::Text(":")),
                    ("readonly ", End::Text("?:")),
                ],
            ),
            Form::IndentedKey => (Indent::Some, &[("", End::Text(": "))]),
            Form::IndentedQuotedKey => (Indent::Some, &[("\"", End::Text("\": "))]),
            Form::PyType => (
                Indent::None,
                &[("class ", End::Text("(")), ("", End::Text(" = "))],
            ),
            #[cfg(test)]
            Form::LineStart => (Indent::None, &[("", End::Text(""))]),
        }
    }
}

/// A line of generated code that declares or names something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Shape {
    /// A declaration of `name` in this form.
    Line { form: Form, name: String },
    /// One of `texts` anywhere in the line, followed by `end`: `(text|text…)(end)`.
    Contains { texts: Vec<String>, end: End },
    /// The word `from` and, after it on the same line, the word `to`: `\bfrom\b.*\bto\b`.
    Words { from: String, to: String },
}

impl Shape {
    /// A declaration of `name` in `form`.
    pub(super) fn line(form: Form, name: &str) -> Self {
        Shape::Line {
            form,
            name: name.to_string(),
        }
    }

    /// `text` anywhere, then `end`.
    pub(super) fn contains(text: String, end: End) -> Self {
        Shape::Contains {
            texts: vec![text],
            end,
        }
    }

    /// A byte offset inside the first line of `text` that has this shape (lines end at `\n`).
    pub(super) fn find(&self, text: &str) -> Option<usize> {
        match self {
            Shape::Line { form, name } => occurrences(text, name).find(|&at| {
                let line = &text[text[..at].rfind('\n').map_or(0, |i| i + 1)..at];
                let (indent, heads) = form.parts();
                heads.iter().any(|&(head, end)| {
                    line.strip_suffix(head)
                        .is_some_and(|lead| indent.admits(lead))
                        && ends(text, at + name.len(), end)
                })
            }),
            Shape::Contains { texts, end } => texts
                .iter()
                .filter_map(|t| occurrences(text, t).find(|&at| ends(text, at + t.len(), *end)))
                .min(),
            Shape::Words { from, to } => words(text, from).find(|&at| {
                let rest = at + from.len();
                let line_end = text[rest..].find('\n').map_or(text.len(), |i| rest + i);
                words(&text[..line_end], to).any(|found| found >= rest)
            }),
        }
    }
}

impl Indent {
    fn admits(self, lead: &str) -> bool {
        let blank = lead.bytes().all(|b| b == b' ' || b == b'\t');
        match self {
            Indent::None => lead.is_empty(),
            Indent::Any => blank,
            Indent::Some => blank && !lead.is_empty(),
        }
    }
}

/// Whether `text` at byte `at` continues as `end` asks.
fn ends(text: &str, at: usize, end: End) -> bool {
    match end {
        End::Word => boundary(text, at),
        End::Text(next) => text[at..].starts_with(next),
    }
}

/// Every start of `needle` in `text`, overlapping ones included, in order.
pub(super) fn occurrences<'t>(text: &'t str, needle: &'t str) -> impl Iterator<Item = usize> + 't {
    // memchr's vectorised search: `str::find` scans generated files of 600 kB a byte at a time
    let finder = memchr::memmem::Finder::new(needle);
    let mut from = 0;
    std::iter::from_fn(move || {
        let at = from + finder.find(text.get(from..)?.as_bytes())?;
        from = at + text[at..].chars().next().map_or(1, char::len_utf8);
        Some(at)
    })
}

/// Every start of `word` in `text` with a word boundary before and after it: `\bword\b`.
fn words<'t>(text: &'t str, word: &'t str) -> impl Iterator<Item = usize> + 't {
    occurrences(text, word).filter(move |&at| boundary(text, at) && boundary(text, at + word.len()))
}

/// Whether `text` contains `word` as a whole word: `\bword\b`.
pub(super) fn has_word(text: &str, word: &str) -> bool {
    words(text, word).next().is_some()
}

/// `\b` at byte `at`: a word character on exactly one side.
fn boundary(text: &str, at: usize) -> bool {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    word(text[..at].chars().next_back()) != word(text[at..].chars().next())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each shape finds the line its regex finds, on texts made to trip the literal search:
    /// overlapping and partial names, heads and ends that almost fit, the name on a later line.
    #[test]
    fn shapes_find_what_their_regexes_find() {
        let texts = [
            "pub struct AiJobs {}\npub struct AiJob {\n",
            "  pub struct AiJob\npub enum AiJob;\n",
            "    pub aa: u8,\n    pub aaa: u8,\n    pub r#aa: u8,\n",
            "\t\"title\": \"Job\"\n  \"Job\": {\n\"Jobs\": {\n",
            "CREATE TABLE IF NOT EXISTS ai_jobs (\nCREATE TABLE ai_job (\n",
            "export type Job = 1;\nexport class Job2 {}\n  readonly id?: string;\n",
            "class Job(Base):\nJob = Literal[\"a\"]\n",
            "kind: \"queued\" | \"running\"\nfrom: \"running\", to: \"queued\"\n",
            "running queued running\nqueued_running running\n",
            "x code\": \"E1\"\ncode: \"E12\" code: \"E1\"\nCrossFieldRule(\"E1\")\n",
            "ck_a_b_check\n_a_check2 _a_check,\n",
            "    Running,\n    RunningLate\n",
            "  id string,\n\tid  int\n",
            "  \"a\": 1,\n    code: 2\n",
            "é_a_check ä\n",
            "x_x_x y\n",
        ];
        let line = |form, name: &str, pattern| (Shape::line(form, name), pattern);
        let cases = [
            line(Form::RustType, "AiJob", r"^pub (struct|enum|type) AiJob\b"),
            line(Form::RustField, "aa", r"^[ \t]+pub (r#)?aa:"),
            line(Form::IndentedWord, "Running", r"^[ \t]+Running\b"),
            line(Form::JsonTitle, "Job", r#"^[ \t]*"title": "Job""#),
            line(Form::JsonKey, "Job", r#"^[ \t]*"Job": \{"#),
            line(
                Form::SqlTable,
                "ai_job",
                r"^CREATE TABLE (IF NOT EXISTS )?ai_job\b",
            ),
            line(Form::SqlColumn, "id", r"^[ \t]+id "),
            line(
                Form::TsType,
                "Job",
                r"^export (interface|type|const|class) Job\b",
            ),
            line(Form::TsField, "id", r"^[ \t]+(readonly )?id\??:"),
            line(Form::IndentedKey, "code", r"^[ \t]+code: "),
            line(Form::IndentedQuotedKey, "a", r#"^[ \t]+"a": "#),
            line(Form::PyType, "Job", r"^(class Job\(|Job = )"),
            (
                Shape::contains("\"queued\"".into(), End::Text("")),
                r#""queued""#,
            ),
            (
                Shape::Contains {
                    texts: ["code: \"E1\"", "code\": \"E1\"", "CrossFieldRule(\"E1\""]
                        .map(String::from)
                        .to_vec(),
                    end: End::Text(""),
                },
                r#"(code"?: |CrossFieldRule\()"E1""#,
            ),
            (Shape::contains("_a_check".into(), End::Word), r"_a_check\b"),
            // the match overlaps an occurrence that is not one
            (Shape::contains("x_x".into(), End::Word), r"x_x\b"),
            (
                Shape::Words {
                    from: "running".into(),
                    to: "queued".into(),
                },
                r"\brunning\b.*\bqueued\b",
            ),
            (
                Shape::Words {
                    from: "queued".into(),
                    to: "running".into(),
                },
                r"\bqueued\b.*\brunning\b",
            ),
        ];
        for (shape, pattern) in &cases {
            let regex = regex::Regex::new(&format!("(?m){pattern}")).unwrap();
            for text in texts {
                let line = |at: usize| text[..at].matches('\n').count();
                assert_eq!(
                    shape.find(text).map(line),
                    regex.find(text).map(|m| line(m.start())),
                    "{pattern} in {text:?}"
                );
            }
        }
        assert!(has_word("renamed from Job.", "Job"));
        assert!(!has_word("renamed from Jobs", "Job"));
    }
}
