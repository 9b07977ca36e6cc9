//! Loading never panics: random mutations of a valid spec, and a few hostile inputs, always come
//! back as `Ok` or as diagnostics that render.

use std::collections::BTreeMap;

use proptest::prelude::*;

/// The seed spec every mutation starts from (`tests/fixtures/fuzz_seed`): it loads cleanly.
const MANIFEST: &str = include_str!("fixtures/fuzz_seed/handshake.yaml");
const CORE: &str = include_str!("fixtures/fuzz_seed/core.yaml");

fn load(manifest: &str, core: &str) -> Result<(), String> {
    let mut sources = BTreeMap::new();
    sources.insert("spec/handshake.yaml".to_string(), manifest.to_string());
    sources.insert("spec/core.yaml".to_string(), core.to_string());
    match handshake_spec::load_sources(&sources, "spec/handshake.yaml") {
        Ok(_) => Ok(()),
        Err(handshake_spec::LoadError::Invalid(diagnostics)) => {
            let rendered = diagnostics.render();
            prop_assert_eq_like(
                !diagnostics.is_empty(),
                "an error carries at least one diagnostic",
            )?;
            prop_assert_eq_like(
                rendered.ends_with("nothing was written\n"),
                "render ends with the summary",
            )?;
            Err(rendered)
        }
        Err(other) => Err(other.to_string()),
    }
}

fn prop_assert_eq_like(condition: bool, what: &str) -> Result<(), String> {
    if condition {
        Ok(())
    } else {
        Err(format!("broken invariant: {what}"))
    }
}

#[test]
fn the_fuzz_seed_is_valid() {
    if let Err(rendered) = load(MANIFEST, CORE) {
        panic!("the seed spec must load cleanly:\n{rendered}");
    }
}

/// One edit of the text at a character position.
#[derive(Debug, Clone)]
enum Edit {
    Delete {
        at: usize,
        len: usize,
    },
    Insert {
        at: usize,
        text: String,
    },
    DuplicateLine {
        line: usize,
    },
    SwapLines {
        a: usize,
        b: usize,
    },
    /// Replaces the n-th word (names, types, values, prose) with a fragment: reaches the checks
    /// behind the YAML parser far more often than edits at random characters.
    ReplaceWord {
        index: usize,
        text: String,
    },
}

fn edit() -> impl Strategy<Value = Edit> {
    let fragment = prop_oneof![
        prop::sample::select(vec![
            ":", ": ", "- ", "[", "]", "{", "}", ",", "&a ", "*a", "!t ", "'", "\"", "\n", "  ",
            "\t", "#", "|", ">", "%", "@", "`", "---\n", "...\n", "§", "\u{7}", "\u{0}", "*/",
            "{x}", "..", "/", "\\", "~", "null", "true", "-1", "1e999", "map<", ">", "[[", "]]",
            "é", "\r\n",
        ])
        .prop_map(str::to_string),
        "[a-zA-Z_0-9 ]{1,8}",
    ];
    let word_fragment = prop_oneof![
        3 => prop::sample::select(vec![
            "*/", "\u{7}", "'{x}'", "Job", "JobState", "[Job]", "map<Tag>", "'[Item'", "Op", "queued", "done",
            "select", "type", "Option", "model_dump", "position", "jobs", "job_items", "-1", "1.5", "true",
            "null", "[]", "{}", "§", "§1..2", "HSK-JOB-001", "hsk", "text", "diagram", "json", "column",
            "fast", "'x y'", "\"\"", "job_id", "name", "Item", "Tag", "uint", "timestamp",
            "2026-01-01T00:00:00Z", "0190a5f2-7c1e-7000-8000-000000000000",
        ])
        .prop_map(str::to_string),
        1 => "[a-z_]{1,6}",
    ];
    prop_oneof![
        1 => (0usize..4000, 1usize..40).prop_map(|(at, len)| Edit::Delete { at, len }),
        1 => (0usize..4000, fragment).prop_map(|(at, text)| Edit::Insert { at, text }),
        1 => (0usize..120).prop_map(|line| Edit::DuplicateLine { line }),
        1 => (0usize..120, 0usize..120).prop_map(|(a, b)| Edit::SwapLines { a, b }),
        3 => (0usize..2000, word_fragment).prop_map(|(index, text)| Edit::ReplaceWord { index, text }),
    ]
}

fn apply(text: &str, edit: &Edit) -> String {
    let chars: Vec<char> = text.chars().collect();
    match edit {
        Edit::Delete { at, len } => {
            let start = (*at).min(chars.len());
            let end = (start + len).min(chars.len());
            chars[..start].iter().chain(&chars[end..]).collect()
        }
        Edit::Insert { at, text: fragment } => {
            let at = (*at).min(chars.len());
            let mut out: String = chars[..at].iter().collect();
            out.push_str(fragment);
            out.extend(&chars[at..]);
            out
        }
        Edit::DuplicateLine { line } => {
            let mut lines: Vec<&str> = text.split('\n').collect();
            let index = line % lines.len();
            let copy = lines[index];
            lines.insert(index, copy);
            lines.join("\n")
        }
        Edit::ReplaceWord {
            index,
            text: fragment,
        } => {
            // Words: maximal runs of letters, digits, `_` and `§`.
            let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '§';
            let mut starts = Vec::new();
            let mut previous_word = false;
            for (i, c) in text.char_indices() {
                if is_word(c) && !previous_word {
                    starts.push(i);
                }
                previous_word = is_word(c);
            }
            if starts.is_empty() {
                return text.to_string();
            }
            let start = starts[index % starts.len()];
            let end = text[start..]
                .find(|c: char| !is_word(c))
                .map_or(text.len(), |n| start + n);
            format!("{}{}{}", &text[..start], fragment, &text[end..])
        }
        Edit::SwapLines { a, b } => {
            let mut lines: Vec<&str> = text.split('\n').collect();
            let (a, b) = (a % lines.len(), b % lines.len());
            lines.swap(a, b);
            lines.join("\n")
        }
    }
}

proptest! {
    // A fixed seed keeps CI reproducible; set PROPTEST_RNG_SEED or raise `cases` to explore more.
    #![proptest_config(ProptestConfig {
        cases: 4096,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5eed_2666),
        ..ProptestConfig::default()
    })]

    #[test]
    fn mutated_specs_never_panic(core_edits in prop::collection::vec(edit(), 1..4), manifest_edits in prop::collection::vec(edit(), 0..2)) {
        let core = core_edits.iter().fold(CORE.to_string(), |text, e| apply(&text, e));
        let manifest = manifest_edits.iter().fold(MANIFEST.to_string(), |text, e| apply(&text, e));
        if let Err(message) = load(&manifest, &core) {
            prop_assert!(!message.starts_with("broken invariant"), "{}", message);
        }
    }
}

#[test]
fn hostile_inputs_never_panic() {
    let hostile = [
        String::new(),
        "\u{feff}".to_string(),
        "types: ~".to_string(),
        "types: [1, 2]".to_string(),
        "- a\n- b".to_string(),
        "plain scalar".to_string(),
        "a: 1\n---\nb: 2\n".to_string(),
        "a: &x 1\nb: *x\n".to_string(),
        "b: *undefined\n".to_string(),
        "? [complex]\n: key\n".to_string(),
        "types:\n  A:\n    kind: record\n    fields:\n      f: { type: '".to_string() + &"[".repeat(5000) + "A" + &"]".repeat(5000) + "' }\n",
        "types:\n  A:\n    kind: record\n    fields:\n      f: { type: ".to_string() + &"[".repeat(200) + "A" + &"]".repeat(200) + " }\n",
        "types:\n  A:\n    kind: record\n    fields:\n      f:\n        type: json\n        required: false\n        default: ".to_string() + &"[".repeat(200) + &"]".repeat(200) + "\n",
        "errors:\n  E:\n    message: '}{'\n".to_string(),
        "lifecycle:\n  states: { a: {}, b: {} }\n  transitions: [{from: a, to: b}, {from: b, to: a}]\n  initial: c\n".to_string(),
    ];
    for text in &hostile {
        let _ = load(MANIFEST, text);
        let _ = load(text, CORE);
    }
}
