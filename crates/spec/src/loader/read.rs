//! The typed readers passes B and C share: a node as a mapping, list or scalar, text, booleans,
//! numbers, allowed and required keys, names, clauses, prose and the common metadata, each
//! reporting what is wrong at the node.

use std::collections::{BTreeMap, btree_map};

use marked_yaml::Node;
use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode, MarkedSequenceNode};

use super::{At, Reader};
use crate::diagnostics::Code;
use crate::model::{Clause, Location, Meta};
use crate::names::{self, NameKind};
use crate::suggest::did_you_mean_then;

/// How a name given twice in a section that spans the spec files is reported: "{noun} `x` is
/// {verb} twice", labelled "{verb} again here", with "first {verb} at …; {fix}" as help.
pub(super) struct Twice {
    pub(super) code: Code,
    pub(super) noun: &'static str,
    pub(super) verb: &'static str,
    pub(super) fix: &'static str,
}

/// How a clause reference is written, for every problem with one.
const CLAUSE_HELP: &str = "write e.g. `§2.6.6.2.3`, or a list `[§2.6.6.3.2, §2.6.6.4]`";

/// A `name: { … }` entry of a block as [`Reader::entry`] reads it.
pub(super) struct Entry<'n> {
    /// The entry's name (its key).
    pub(super) name: String,
    /// Where the name is: the place of the entry's own problems.
    pub(super) at: At,
    /// How messages name the entry, e.g. "state `queued`".
    pub(super) what: String,
    /// Its value.
    pub(super) map: &'n MarkedMappingNode,
    /// Its clause, description and decision.
    pub(super) meta: Meta,
}

/// A closed set of keywords a value may be, as the report of an unknown one words it.
pub(super) struct Words<'w> {
    /// What the value is, e.g. `storage`.
    pub noun: &'w str,
    /// The keywords, for the nearest-match hint.
    pub words: &'w [&'w str],
    /// What may be written, e.g. "allowed: `column`, `json`".
    pub allowed: &'w str,
}

impl Reader<'_> {
    /// Reports `word` (at `at`), which is none of `words`, with `code`; `context` follows the
    /// word in the message (e.g. " for type `Job`"), and the help names the nearest keyword.
    pub(super) fn unknown_word(
        &mut self,
        code: Code,
        at: At,
        word: &str,
        words: &Words<'_>,
        context: &str,
    ) {
        let Words {
            noun,
            words,
            allowed,
        } = words;
        let help = did_you_mean_then(word, words.iter().copied(), allowed);
        self.sink.report(
            code,
            at,
            format!("unknown {noun} `{}`{context}", word.escape_debug()),
            format!("unknown {noun}"),
            Some(help),
        );
    }

    pub(super) fn expect_map<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
    ) -> Option<&'n MarkedMappingNode> {
        match node {
            Node::Mapping(map) => Some(map),
            _ => self.found_instead(
                node,
                format!("{what} must be a mapping"),
                Some("write `key: value` entries, indented below"),
            ),
        }
    }

    pub(super) fn expect_seq<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
    ) -> Option<&'n MarkedSequenceNode> {
        match node {
            Node::Sequence(seq) => Some(seq),
            _ => self.found_instead(
                node,
                format!("{what} must be a list"),
                Some("write `[a, b]` or one `- item` per line"),
            ),
        }
    }

    pub(super) fn expect_scalar<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
    ) -> Option<&'n MarkedScalarNode> {
        match node {
            Node::Scalar(scalar) => Some(scalar),
            _ => self.found_instead(node, format!("{what} must be a single value"), None),
        }
    }

    /// Reports `node` where a value of another shape belongs (`message` says which), labelled
    /// with the shape it has.
    fn found_instead<T>(&mut self, node: &Node, message: String, help: Option<&str>) -> Option<T> {
        let found = format!("found {}", shape(node));
        self.wrong_shape(self.source.at_node(node), message, found, help);
        None
    }

    /// Reports a value of the wrong shape at `at` (`Code::WrongShape`).
    pub(super) fn wrong_shape(
        &mut self,
        at: At,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<&str>,
    ) {
        let help = help.map(String::from);
        self.sink.report(Code::WrongShape, at, message, label, help);
    }

    /// The entries (`name: value`) of every file's `section:`, in spec order, each with its name
    /// (checked as a `kind` name) and where that is. A name given again, in any file, is reported
    /// as `twice` says and still returned.
    pub(super) fn unique_entries<'n>(
        &mut self,
        roots: &[&'n MarkedMappingNode],
        section: &str,
        kind: NameKind,
        twice: &Twice,
    ) -> Vec<(String, At, &'n Node)> {
        let mut first_at: BTreeMap<String, Location> = BTreeMap::new();
        let mut entries = Vec::new();
        for root in roots {
            let Some(node) = root.get_node(section) else {
                continue;
            };
            let Some(map) = self.expect_map(node, &format!("`{section}`")) else {
                continue;
            };
            for (key, value) in map.iter() {
                let name = self.name(key, kind);
                let at = self.source.at_scalar(key);
                match first_at.entry(name.clone()) {
                    btree_map::Entry::Occupied(first) => {
                        let Twice {
                            noun, verb, fix, ..
                        } = twice;
                        self.sink.report(
                            twice.code,
                            at.clone(),
                            format!("{noun} `{name}` is {verb} twice"),
                            format!("{verb} again here"),
                            Some(format!("first {verb} at {}; {fix}", first.get())),
                        );
                    }
                    btree_map::Entry::Vacant(slot) => {
                        slot.insert(at.0.clone());
                    }
                }
                entries.push((name, at, value));
            }
        }
        entries
    }

    /// `node` as a mapping whose keys are all in `allowed` (the others are reported; the mapping is
    /// still read).
    pub(super) fn expect_keys<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
        allowed: &[&str],
    ) -> Option<&'n MarkedMappingNode> {
        let map = self.expect_map(node, what)?;
        self.check_keys(map, allowed, what);
        Some(map)
    }

    /// One `name: { … }` entry of a block, read as far as every such entry is: its name checked
    /// as a `kind` name, its keys checked against `allowed`, its metadata. `what` names the entry
    /// in messages from its name. `None` (reported) when the value is not a mapping.
    pub(super) fn entry<'n>(
        &mut self,
        (key, value): (&MarkedScalarNode, &'n Node),
        kind: NameKind,
        what: impl FnOnce(&str) -> String,
        allowed: &[&str],
    ) -> Option<Entry<'n>> {
        let name = self.name(key, kind);
        let at = self.source.at_scalar(key);
        let what = what(&name);
        let map = self.expect_keys(value, &what, allowed)?;
        let meta = self.meta(map, &at, &what);
        Some(Entry {
            name,
            at,
            what,
            map,
            meta,
        })
    }

    /// A non-empty text value.
    pub(super) fn text(&mut self, node: &Node, what: &str) -> Option<String> {
        let scalar = self.expect_scalar(node, what)?;
        if is_null(scalar) {
            let at = self.source.at_scalar(scalar);
            self.wrong_shape(at, format!("{what} must not be empty"), "empty value", None);
            return None;
        }
        Some(scalar.as_str().to_string())
    }

    pub(super) fn boolean(&mut self, node: &Node, what: &str) -> Option<bool> {
        let scalar = self.expect_scalar(node, what)?;
        if scalar.may_coerce() {
            match scalar.as_str() {
                "true" => return Some(true),
                "false" => return Some(false),
                _ => {}
            }
        }
        let message = format!("{what} must be `true` or `false`");
        self.wrong_shape(
            self.source.at_scalar(scalar),
            message,
            "not a boolean",
            None,
        );
        None
    }

    pub(super) fn unsigned(&mut self, node: &Node, what: &str) -> Option<u64> {
        let scalar = self.expect_scalar(node, what)?;
        if scalar.may_coerce()
            && let Ok(value) = scalar.as_str().parse::<u64>()
        {
            return Some(value);
        }
        let message = format!("{what} must be a whole number ≥ 0");
        let label = "not an unsigned integer";
        self.wrong_shape(self.source.at_scalar(scalar), message, label, None);
        None
    }

    /// Reports every key not in `allowed`.
    pub(super) fn check_keys(&mut self, map: &MarkedMappingNode, allowed: &[&str], what: &str) {
        for key in map.keys() {
            // `claims:` is common declaration metadata, allowed wherever `description` is
            if allowed.contains(&key.as_str())
                || (key.as_str() == "claims" && allowed.contains(&"description"))
            {
                continue;
            }
            let at = self.source.at_scalar(key);
            let list = crate::suggest::quoted(allowed);
            let closest = crate::suggest::closest(key.as_str(), allowed.iter().copied());
            if let Some(intended) = closest {
                let map_at = self.source.span_location(map.span());
                self.typo_of.insert((map_at, intended.to_string()));
            }
            let help = match closest {
                Some(intended) => format!("did you mean `{intended}`? allowed keys: {list}"),
                None => format!("allowed keys: {list}"),
            };
            self.sink.report(
                Code::UnknownKey,
                at,
                format!("unknown key `{}` in {what}", key.as_str()),
                "unknown key",
                Some(help),
            );
        }
    }

    pub(super) fn require<'n>(
        &mut self,
        map: &'n MarkedMappingNode,
        key: &str,
        owner: &At,
        what: &str,
    ) -> Option<&'n Node> {
        let node = map.get_node(key);
        let typo = self
            .typo_of
            .contains(&(self.source.span_location(map.span()), key.to_string()));
        if node.is_none() && !typo {
            self.sink.report(
                Code::MissingKey,
                owner.clone(),
                format!("{what} is missing required key `{key}`"),
                format!("no `{key}` here"),
                Some(missing_help(key)),
            );
        }
        node
    }

    pub(super) fn name(&mut self, key: &MarkedScalarNode, kind: NameKind) -> String {
        let name = key.as_str().to_string();
        let at = self.source.at_scalar(key);
        self.check_name(&name, kind, at);
        name
    }

    pub(super) fn check_name(&mut self, name: &str, kind: NameKind, at: At) {
        let (ok, shape, fixed) = if kind.is_pascal() {
            (
                names::is_pascal_case(name),
                "PascalCase (`^[A-Z][A-Za-z0-9]*$`)",
                names::to_pascal_case(name),
            )
        } else {
            (
                names::is_snake_case(name),
                "snake_case (`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)",
                names::to_snake_case(name),
            )
        };
        if !ok {
            let help = if !fixed.is_empty() && fixed != name {
                format!("write it in {shape}, e.g. `{fixed}`")
            } else {
                format!("write it in {shape}")
            };
            self.sink.report(
                Code::InvalidIdentifier,
                at,
                format!("invalid {} `{}`", kind.noun(), name.escape_debug()),
                format!("not {}", shape.split(' ').next().unwrap_or(shape)),
                Some(help),
            );
            return;
        }
        let reasons = names::reserved_reasons(kind, name);
        if !reasons.is_empty() {
            self.sink.report(
                Code::ReservedIdentifier,
                at,
                format!("{} `{name}` is reserved", kind.noun()),
                format!("`{name}` is {}", reasons.join(", and ")),
                Some("names are used verbatim in every target; pick a more specific name".into()),
            );
        }
    }

    pub(super) fn clause(&mut self, node: &Node) -> Clause {
        let mut clauses = Vec::new();
        let mut check = |this: &mut Self, scalar: &MarkedScalarNode| {
            let value = scalar.as_str();
            if is_clause(value) {
                clauses.push(value.to_string());
            } else {
                let at = this.source.at_scalar(scalar);
                this.sink.report(
                    Code::InvalidClause,
                    at,
                    format!("invalid clause reference `{}`", value.escape_debug()),
                    "expected `§` and dotted numbers",
                    Some(CLAUSE_HELP.into()),
                );
            }
        };
        match node {
            Node::Scalar(scalar) => check(self, scalar),
            Node::Sequence(seq) => {
                if seq.is_empty() {
                    let at = self.source.at_node(node);
                    self.sink.report(
                        Code::InvalidClause,
                        at,
                        "empty clause list",
                        "no clause",
                        Some("name at least one clause, e.g. `§2.6.6.2.3`".into()),
                    );
                }
                for item in seq.iter() {
                    if let Some(scalar) = self.expect_scalar(item, "a clause") {
                        check(self, scalar);
                    }
                }
            }
            Node::Mapping(_) => {
                let message = "`clause` must be a clause or a list of clauses";
                let at = self.source.at_node(node);
                self.wrong_shape(at, message, "found a mapping", Some(CLAUSE_HELP));
            }
        }
        Clause(clauses)
    }

    /// Checks prose (`description`, `decision`, error `message`) and returns it.
    pub(super) fn prose(&mut self, node: &Node, key: &str, key_at: Option<At>) -> String {
        let Some(scalar) = self.expect_scalar(node, &format!("`{key}`")) else {
            return String::new();
        };
        let value = scalar.as_str().to_string();
        let at = self.source.at_scalar(scalar);
        if value.trim().is_empty() {
            // An empty plain value has no text to point at; its key does.
            let at = if is_null(scalar) {
                key_at.unwrap_or(at)
            } else {
                at
            };
            self.sink.report(
                Code::EmptyProse,
                at,
                format!("empty `{key}`"),
                "nothing written",
                Some(format!("write one line for `{key}`, paraphrasing the spec")),
            );
            return value;
        }
        if let Some(c) = value.chars().find(|&c| c.is_control() && c != '\n') {
            self.sink.report(
                Code::ControlCharacterInProse,
                at,
                format!(
                    "`{key}` contains the control character {}",
                    c.escape_unicode()
                ),
                "control character in here",
                Some("remove it; only line breaks are allowed in prose".into()),
            );
        } else if value.contains("*/") {
            self.sink.report(
                Code::CommentEndInProse,
                at,
                format!("`{key}` contains `*/`"),
                "would end a generated comment",
                Some("rephrase without `*/`".into()),
            );
        }
        value
    }

    /// The prose under the required `key` of `map`; `None` (reported) when the key is missing.
    pub(super) fn required_prose(
        &mut self,
        map: &MarkedMappingNode,
        key: &str,
        owner: &At,
        what: &str,
    ) -> Option<String> {
        let node = self.require(map, key, owner, what)?;
        let key_at = map
            .get_key_value(key)
            .map(|(key, _)| self.source.at_scalar(key));
        Some(self.prose(node, key, key_at))
    }

    pub(super) fn meta(&mut self, map: &MarkedMappingNode, owner: &At, what: &str) -> Meta {
        let clause = match self.require(map, "clause", owner, what) {
            Some(node) => self.clause(node),
            None => Clause(Vec::new()),
        };
        let description = self
            .required_prose(map, "description", owner, what)
            .unwrap_or_default();
        let decision = map.get_key_value("decision").map(|(key, node)| {
            let key_at = self.source.at_scalar(key);
            self.prose(node, "decision", Some(key_at))
        });
        if let Some((key, node)) = map.get_key_value("claims") {
            self.read_claims(key, node, owner);
        }
        Meta {
            clause,
            description,
            decision,
            location: owner.0.clone(),
        }
    }

    pub(super) fn read_claims(&mut self, key: &MarkedScalarNode, node: &Node, owner: &At) {
        let ids = node.as_sequence().map(|sequence| {
            sequence
                .iter()
                .map(|item| item.as_scalar())
                .collect::<Option<Vec<_>>>()
        });
        let Some(Some(ids)) = ids else {
            let at = self.source.at_scalar(key);
            self.sink.report(
                Code::UnknownClaim,
                at,
                "`claims` must be a list of Master Spec item ids",
                "not a list of ids",
                Some(
                    "e.g. `claims: [\"§2.6.6.3.3/failed-cancelled-poisoned-jobs-must-not\"]`"
                        .into(),
                ),
            );
            return;
        };
        for id in ids {
            let at = self.source.at_scalar(id);
            let entry = (id.as_str().to_string(), at, owner.0.clone());
            // a declaration's metadata may be read in more than one pass
            if !self.pending.claims.contains(&entry) {
                self.pending.claims.push(entry);
            }
        }
    }
}

pub(super) fn shape(node: &Node) -> &'static str {
    match node {
        Node::Scalar(_) => "a single value",
        Node::Mapping(_) => "a mapping",
        Node::Sequence(_) => "a list",
    }
}

/// A plain `null`, `~` or empty scalar.
pub(super) fn is_null(scalar: &MarkedScalarNode) -> bool {
    scalar.may_coerce() && matches!(scalar.as_str(), "" | "~" | "null" | "Null" | "NULL")
}

pub(super) fn missing_help(key: &str) -> String {
    match key {
        "clause" => "add `clause: §…` naming the Master Spec clause this implements".into(),
        "description" => "add `description:` with one line paraphrasing the spec".into(),
        "required" => "add `required: true` where the Master Spec marks the field required, else `required: false`".into(),
        other => format!("add `{other}:`"),
    }
}

/// `^§\d+(\.\d+)*$`
pub(super) fn is_clause(value: &str) -> bool {
    value.strip_prefix('§').is_some_and(is_dotted_numbers)
}

pub(super) fn is_dotted_numbers(value: &str) -> bool {
    !value.is_empty()
        && value
            .split('.')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()))
}
