//! The `rules:` section: cross-field rules, type-checked against the assembled types (pass C).
//!
//! Rules are read after every file's types are converted, so a rule may constrain a record
//! declared in any file. Every path is resolved from the rule's `on` record through record fields
//! (a union is entered only through its tag, or through a `[variant]` step into the fields of one
//! variant), and every comparison value is checked against the type found at the end of its path.

use std::collections::BTreeMap;

use marked_yaml::Node;
use marked_yaml::types::{MarkedMappingNode, MarkedSequenceNode};

use super::read::Twice;
use super::read::shape;
use super::{At, Reader};
use crate::diagnostics::Code;
use crate::model::{
    Condition, FieldPath, HashForm, Location, Measure, MemberMatch, PathStep, Primitive, Record,
    Rule, SortKey, Term, TypeDef, TypeKind, TypeRef, Union, Variant,
};
use crate::names::{self, NameKind};
use crate::suggest::{did_you_mean, quoted};

const RULE_KEYS: &[&str] = &[
    "on",
    "code",
    "message",
    "when",
    "require",
    "clause",
    "description",
    "decision",
];
const OPERATORS: &[&str] = &[
    "present",
    "absent",
    "field",
    "each",
    "member_of",
    "all",
    "any",
    "not",
];
/// What `member_of` may compare, for its help texts.
const MATCHABLE_HELP: &str = "`member_of` compares values of one type (scalars, ids, enums, or whole records and unions), strings with string types, or a UUID with a UUID or with a string";
const COMPARISONS: &[&str] = &[
    "equals",
    "not_equals",
    "in",
    "not_in",
    "min_length",
    "max_length",
    "contains",
    "in_registry",
    "hash_of",
    "same_as",
    "at_most",
    "equals_sum",
];

/// The value a path step reads from: a record, a union (its tag is addressable, or a `[variant]`
/// step selects one of its variants), or one variant of a union (its fields are addressable).
#[derive(Clone, Copy)]
enum Scope<'t> {
    Record(&'t str, &'t Record),
    Union(&'t str, &'t Union),
    Variant(&'t str, &'t Union, &'t Variant),
}

/// The element type of a `member_of` list, when the rule's record is known, and for records and
/// unions the scope the element's keys are read in.
type Element<'t> = (Option<&'t TypeRef>, Option<Scope<'t>>);

/// Where a field step of a path lands.
enum FieldStep<'t> {
    /// A field of this type.
    Typed(&'t TypeRef),
    /// The tag of this union (only at the end of a path).
    Tag(&'t str, &'t Union),
}

/// What a path ends at.
enum Leaf<'t> {
    /// A field of this type.
    Typed(&'t TypeRef),
    /// The tag of this union.
    Tag(&'t str, &'t Union),
    /// The union value itself, present only when it is this variant (a path ending in `[v]`).
    Variant(&'t str, &'t Variant),
}

impl Reader<'_> {
    /// Reads every file's `rules:` section against the assembled types.
    pub(super) fn rules(&mut self, roots: &[&MarkedMappingNode], types: &[TypeDef]) -> Vec<Rule> {
        let mut rules = Vec::new();
        let mut codes: BTreeMap<String, Location> = BTreeMap::new();
        let error_codes: BTreeMap<String, Location> = self
            .pending
            .error_codes
            .iter()
            .map(|(code, at)| (code.clone(), at.0.clone()))
            .collect();
        let twice = Twice {
            code: Code::DuplicateRule,
            noun: "rule",
            verb: "declared",
            fix: "rename one",
        };
        for (name, at, value) in self.unique_entries(roots, "rules", NameKind::Field, &twice) {
            if let Some(rule) = self.rule(name, at, value, types) {
                let code_at = match value.as_mapping().and_then(|m| m.get_scalar("code")) {
                    Some(scalar) => self.source.at_scalar(scalar),
                    None => (rule.meta.location.clone(), 1),
                };
                if let Some(first) = codes.get(&rule.code).or(error_codes.get(&rule.code)) {
                    let message = format!("rule code `{}` is already used", rule.code);
                    self.reused_code(Code::DuplicateRule, code_at, message, first);
                } else if !rule.code.is_empty() {
                    codes.insert(rule.code.clone(), code_at.0);
                }
                rules.push(rule);
            }
        }
        rules
    }

    fn rule(&mut self, name: String, owner: At, node: &Node, types: &[TypeDef]) -> Option<Rule> {
        let what = format!("rule `{name}`");
        let map = self.expect_keys(node, &what, RULE_KEYS)?;
        let meta = self.meta(map, &owner, &what);
        let code = self
            .error_code(map, &owner, &what, "rule", "HSK-RULE-0001")
            .map(|(code, _)| code)
            .unwrap_or_default();
        let message = self
            .required_prose(map, "message", &owner, &what)
            .unwrap_or_default();
        let scope = match self
            .require(map, "on", &owner, &what)
            .and_then(|n| self.expect_scalar(n, "`on`"))
        {
            Some(scalar) => {
                let on = scalar.as_str().to_string();
                let at = self.source.at_scalar(scalar);
                match types.iter().find(|t| t.name == on) {
                    Some(TypeDef {
                        kind: TypeKind::Record(record),
                        name,
                        ..
                    }) => Some(Scope::Record(name, record)),
                    Some(_) => {
                        self.sink.report(
                            Code::RuleOnNotRecord,
                            at,
                            format!("rule `on` type `{on}` is not a record"),
                            "not a record",
                            Some(
                                "rules constrain records; name the record that holds the fields"
                                    .into(),
                            ),
                        );
                        None
                    }
                    None => {
                        let records = types.iter().filter_map(|t| match t.kind {
                            TypeKind::Record(_) => Some(t.name.as_str()),
                            _ => None,
                        });
                        let help = did_you_mean(&on, records)
                            .unwrap_or_else(|| "name a record declared under `types:`".into());
                        self.sink.report(
                            Code::RuleOnNotRecord,
                            at,
                            format!("rule `on` names unknown type `{}`", on.escape_debug()),
                            "unknown type",
                            Some(help),
                        );
                        None
                    }
                }
            }
            None => None,
        };
        let on = match scope {
            Some(Scope::Record(name, _)) => name.to_string(),
            _ => String::new(),
        };
        let when = map
            .get_node("when")
            .and_then(|n| self.condition(n, scope, scope, types, 0));
        let require = self
            .require(map, "require", &owner, &what)
            .and_then(|n| self.condition(n, scope, scope, types, 0));
        let require = require?;
        if scope.is_none() || (map.get_node("when").is_some() && when.is_none()) {
            return None;
        }
        Some(Rule {
            name,
            code,
            on,
            when,
            require,
            message,
            meta,
            registry: mentions_in_registry(node),
        })
    }

    /// One condition; `scope` is `None` when the rule's type is unknown (the shape is still
    /// checked, paths are not). `root` is the rule's `on` record, where `member_of` lists are read.
    fn condition<'t>(
        &mut self,
        node: &Node,
        scope: Option<Scope<'t>>,
        root: Option<Scope<'t>>,
        types: &'t [TypeDef],
        depth: usize,
    ) -> Option<Condition> {
        let at = self.source.at_node(node);
        if depth > 32 {
            self.malformed(at, "conditions are nested too deeply", None);
            return None;
        }
        let Node::Mapping(map) = node else {
            self.malformed(
                at,
                format!("a condition must be a mapping, found {}", shape(node)),
                Some(
                    "write e.g. `{ present: hash }` or `{ field: kind, equals: artifact }`".into(),
                ),
            );
            return None;
        };
        if map.get_node("member_of").is_some() {
            return self.member_of(map, &at, scope, root, types, depth);
        }
        if map.get_node("count").is_some() || map.get_node("sum").is_some() {
            return self.aggregate(map, &at, scope, root, types);
        }
        let operators: Vec<&str> = OPERATORS
            .iter()
            .copied()
            .filter(|op| map.get_node(op).is_some())
            .collect();
        let [operator] = operators.as_slice() else {
            let found = if operators.is_empty() {
                let keys: Vec<String> = map.keys().map(|k| format!("`{}`", k.as_str())).collect();
                let hint = map
                    .keys()
                    .find_map(|k| {
                        crate::suggest::did_you_mean(k.as_str(), OPERATORS.iter().copied())
                    })
                    .map(|h| format!("{h} "))
                    .unwrap_or_default();
                self.malformed(
                    at,
                    format!("condition has no operator (keys: {})", keys.join(", ")),
                    Some(format!(
                        "{hint}a condition starts with one of `present`, `absent`, `field`, `each`, `member_of`, `count`, `sum`, `all`, `any`, `not`"
                    )),
                );
                return None;
            } else {
                quoted(&operators)
            };
            self.malformed(
                at,
                format!("condition mixes the operators {found}"),
                Some("write one operator per condition; combine them with `all`/`any`".into()),
            );
            return None;
        };
        let operator = *operator;
        let value = map.get_node(operator)?;
        match operator {
            "present" | "absent" => {
                self.only_keys(map, &[operator], &at)?;
                let (path, _) = self.path(value, scope, types)?;
                Some(if operator == "present" {
                    Condition::Present(path)
                } else {
                    Condition::Absent(path)
                })
            }
            "not" => {
                self.only_keys(map, &["not"], &at)?;
                let inner = self.condition(value, scope, root, types, depth + 1)?;
                Some(Condition::Not(Box::new(inner)))
            }
            "all" | "any" => {
                self.only_keys(map, &[operator], &at)?;
                let Node::Sequence(seq) = value else {
                    let at = self.source.at_node(value);
                    self.malformed(at, format!("`{operator}` takes a list of conditions"), None);
                    return None;
                };
                if seq.is_empty() {
                    let at = self.source.at_node(value);
                    self.malformed(at, format!("`{operator}` has no conditions"), None);
                    return None;
                }
                let mut items = Vec::new();
                let mut ok = true;
                for item in seq.iter() {
                    match self.condition(item, scope, root, types, depth + 1) {
                        Some(c) => items.push(c),
                        None => ok = false,
                    }
                }
                ok.then(|| {
                    if operator == "all" {
                        Condition::All(items)
                    } else {
                        Condition::Any(items)
                    }
                })
            }
            "each" => self.each(map, value, &at, scope, root, types, depth),
            _ => self.comparison(map, value, &at, scope, root, types),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn each<'t>(
        &mut self,
        map: &MarkedMappingNode,
        value: &Node,
        at: &At,
        scope: Option<Scope<'t>>,
        root: Option<Scope<'t>>,
        types: &'t [TypeDef],
        depth: usize,
    ) -> Option<Condition> {
        let seconds: Vec<&str> = ["require", "all_equal", "sorted_by"]
            .into_iter()
            .filter(|key| map.get_node(key).is_some())
            .collect();
        let [second] = seconds.as_slice() else {
            self.malformed(
                at.clone(),
                "`each` takes exactly one of `require`, `all_equal` or `sorted_by`",
                Some("write `{ each: items, require: { present: id } }`, `{ each: items, all_equal: job_id }` or `{ each: items, sorted_by: [{ key: rank, order: ascending }] }`".into()),
            );
            return None;
        };
        let second = *second;
        let has_require = second == "require";
        self.only_keys(map, &["each", second], at)?;
        let (path, leaf) = self.path(value, scope, types)?;
        // Without a scope (unknown `on`) the inner condition is still shape-checked.
        let element = match (scope, leaf) {
            (None, _) => None,
            (Some(_), leaf) => {
                let element = match leaf {
                    Some(Leaf::Typed(TypeRef::List(inner))) => match inner.as_ref() {
                        TypeRef::Named(name) => match types.iter().find(|t| &t.name == name) {
                            Some(TypeDef {
                                kind: TypeKind::Record(r),
                                name,
                                ..
                            }) => Some(Scope::Record(name, r)),
                            Some(TypeDef {
                                kind: TypeKind::Union(u),
                                name,
                                ..
                            }) => Some(Scope::Union(name, u)),
                            _ => None,
                        },
                        _ => None,
                    },
                    _ => None,
                };
                if element.is_none() {
                    let at = self.source.at_node(value);
                    let found = leaf_text(leaf.as_ref());
                    self.sink.report(
                        Code::RuleOperandKind,
                        at,
                        format!("`each: {path}` needs a list of records, found `{found}`"),
                        "not a list of records",
                        Some("`each` walks the elements of a `[Record]` field".into()),
                    );
                    return None;
                }
                element
            }
        };
        let second_node = map.get_node(second)?;
        if second == "sorted_by" {
            let keys = self.sort_keys(second_node, element, types)?;
            return Some(Condition::SortedBy { path, keys });
        }
        if has_require {
            let inner = self.condition(second_node, element, root, types, depth + 1)?;
            Some(Condition::Each {
                path,
                condition: Box::new(inner),
            })
        } else {
            let (key, key_leaf) = self.path(second_node, element, types)?;
            if let Some(Leaf::Variant(name, variant)) = key_leaf {
                let at = self.source.at_node(second_node);
                self.sink.report(
                    Code::RuleOperandKind,
                    at,
                    format!(
                        "`all_equal: {key}` compares whole `{name}` values selected by `[{}]`",
                        variant.name
                    ),
                    "not a single value",
                    Some(
                        "compare a field of the variant (`[variant].field`) or the union's tag"
                            .into(),
                    ),
                );
                return None;
            }
            if let Some(leaf) = key_leaf
                && !matches!(leaf, Leaf::Tag(..))
                && matches!(leaf, Leaf::Typed(TypeRef::List(_) | TypeRef::Map(_)))
            {
                let at = self.source.at_node(second_node);
                self.sink.report(
                    Code::RuleOperandKind,
                    at,
                    format!("`all_equal: {key}` compares lists or maps"),
                    "not a single value",
                    Some(
                        "`all_equal` compares a scalar, id, enum or record field of each element"
                            .into(),
                    ),
                );
                return None;
            }
            Some(Condition::AllEqual { path, key })
        }
    }

    /// `{ field: p, member_of: q, where: c }` (a list of scalars) or
    /// `{ member_of: q, match: { k: p, … }, where: c }` (a list of records or unions): `q` is read
    /// from the rule's record, `p` from the current value, `k` and `c` from each element.
    fn member_of<'t>(
        &mut self,
        map: &MarkedMappingNode,
        at: &At,
        scope: Option<Scope<'t>>,
        root: Option<Scope<'t>>,
        types: &'t [TypeDef],
        depth: usize,
    ) -> Option<Condition> {
        let has_field = map.get_node("field").is_some();
        let allowed: &[&str] = if has_field {
            &["field", "member_of", "where"]
        } else {
            &["member_of", "match", "where"]
        };
        let extra: Vec<String> = map
            .keys()
            .filter(|k| !allowed.contains(&k.as_str()))
            .map(|k| format!("`{}`", k.as_str()))
            .collect();
        if !extra.is_empty() {
            self.malformed(
                at.clone(),
                format!(
                    "unexpected {} in this `member_of` condition",
                    extra.join(", ")
                ),
                Some(
                    "write `{ field: p, member_of: list }` for a list of scalars, or \
                     `{ member_of: list, match: { key: p }, where: … }` for a list of records"
                        .into(),
                ),
            );
            return None;
        }
        if !has_field && map.get_node("match").is_none() && map.get_node("where").is_none() {
            self.malformed(
                at.clone(),
                "`member_of` needs `field`, `match` or `where`",
                Some("say what an element is compared with: `field: p` (the element itself) or `match: { key: p }`".into()),
            );
            return None;
        }
        let list_node = map.get_node("member_of")?;
        let (list, list_leaf) = self.path(list_node, root, types)?;
        // The element's type and, for records and unions, the scope its keys are read in.
        let (element_ty, element_scope) =
            self.member_element(list_node, (&list, list_leaf), root, types)?;
        let mut matches = Vec::new();
        if has_field {
            matches.push(self.member_field(
                map,
                (&list, list_node),
                (element_ty, element_scope),
                scope,
                types,
            )?);
        } else if let Some(match_node) = map.get_node("match") {
            matches = self.member_matches(
                match_node,
                &list,
                (element_ty, element_scope),
                (scope, root),
                types,
            )?;
        }
        let filter = match map.get_node("where") {
            Some(node) => {
                if root.is_some() && element_scope.is_none() {
                    let at = self.source.at_node(node);
                    self.malformed(
                        at,
                        format!(
                            "`where` reads fields of elements, but `{list}` is a list of scalars"
                        ),
                        None,
                    );
                    return None;
                }
                Some(Box::new(self.condition(
                    node,
                    element_scope,
                    root,
                    types,
                    depth + 1,
                )?))
            }
            None => None,
        };
        Some(Condition::MemberOf {
            list,
            matches,
            filter,
        })
    }

    /// The element type of the `member_of` list (and, for records and unions, the scope its keys
    /// are read in); a value that is not a list is reported.
    fn member_element<'t>(
        &mut self,
        list_node: &Node,
        (list, list_leaf): (&FieldPath, Option<Leaf<'t>>),
        root: Option<Scope<'t>>,
        types: &'t [TypeDef],
    ) -> Option<Element<'t>> {
        Some(match (root, list_leaf) {
            (None, _) => (None, None),
            (Some(_), Some(Leaf::Typed(TypeRef::List(inner)))) => {
                let scope = match inner.as_ref() {
                    TypeRef::Named(name) => match types.iter().find(|t| &t.name == name) {
                        Some(TypeDef {
                            kind: TypeKind::Record(r),
                            name,
                            ..
                        }) => Some(Scope::Record(name, r)),
                        Some(TypeDef {
                            kind: TypeKind::Union(u),
                            name,
                            ..
                        }) => Some(Scope::Union(name, u)),
                        _ => None,
                    },
                    _ => None,
                };
                (Some(inner), scope)
            }
            (Some(_), leaf) => {
                let found = leaf_text(leaf.as_ref());
                let at = self.source.at_node(list_node);
                self.sink.report(
                    Code::RuleOperandKind,
                    at,
                    format!("`member_of: {list}` needs a list, found `{found}`"),
                    "not a list",
                    Some("`member_of` names a list field of the rule's record (`on`), read from that record wherever the condition sits".into()),
                );
                return None;
            }
        })
    }

    /// `{ field: p, member_of: q }`: `p` is compared with whole elements of `q`, a list of
    /// scalars.
    fn member_field<'t>(
        &mut self,
        map: &MarkedMappingNode,
        (list, list_node): (&FieldPath, &Node),
        (element_ty, element_scope): Element<'t>,
        scope: Option<Scope<'t>>,
        types: &'t [TypeDef],
    ) -> Option<MemberMatch> {
        let field_node = map.get_node("field")?;
        let (value, value_leaf) = self.path(field_node, scope, types)?;
        if let (Some(element), Some(value_leaf)) = (element_ty, value_leaf.as_ref()) {
            if element_scope.is_some() {
                let at = self.source.at_node(list_node);
                self.sink.report(
                    Code::RuleOperandKind,
                    at,
                    format!("`{{ field: {value}, member_of: {list} }}` compares with whole elements of a list of `{element}`"),
                    "a list of records",
                    Some(format!("compare with a key of each element: `{{ member_of: {list}, match: {{ <key>: {value} }} }}`")),
                );
                return None;
            }
            let element_leaf = Leaf::Typed(element);
            if !self.matchable(&element_leaf, value_leaf, types) {
                let at = self.source.at_node(field_node);
                self.sink.report(
                    Code::RuleOperandKind,
                    at,
                    format!(
                        "`{value}` is `{}`, which cannot be compared with the `{element}` elements of `{list}`",
                        leaf_text(Some(value_leaf))
                    ),
                    "not comparable",
                    Some(MATCHABLE_HELP.into()),
                );
                return None;
            }
        }
        Some(MemberMatch { key: None, value })
    }

    /// `{ member_of: q, match: { k: p, … } }`: each key `k` of the elements of `q` is compared
    /// with the value at `p`.
    fn member_matches<'t>(
        &mut self,
        match_node: &Node,
        list: &FieldPath,
        (element_ty, element_scope): Element<'t>,
        (scope, root): (Option<Scope<'t>>, Option<Scope<'t>>),
        types: &'t [TypeDef],
    ) -> Option<Vec<MemberMatch>> {
        let mut matches = Vec::new();
        let Node::Mapping(pairs) = match_node else {
            let at = self.source.at_node(match_node);
            self.malformed(
                at,
                format!("`match` takes a mapping, found {}", shape(match_node)),
                Some("write `match: { artefact_id: \"[import_blocks].target_doc_id\" }`: element key → value path".into()),
            );
            return None;
        };
        if root.is_some() && element_ty.is_some() && element_scope.is_none() {
            let at = self.source.at_node(match_node);
            self.malformed(
                at,
                format!("`match` reads keys of elements, but `{list}` is a list of scalars"),
                Some(format!(
                    "compare with the element itself: `{{ field: <path>, member_of: {list} }}`"
                )),
            );
            return None;
        }
        let mut ok = true;
        for (key_node, value_node) in pairs.iter() {
            let key_node = Node::Scalar(key_node.clone());
            let key = self.path(&key_node, element_scope, types);
            let value = self.path(value_node, scope, types);
            let (Some((key, key_leaf)), Some((value, value_leaf))) = (key, value) else {
                ok = false;
                continue;
            };
            if let (Some(key_leaf), Some(value_leaf)) = (key_leaf.as_ref(), value_leaf.as_ref())
                && !self.matchable(key_leaf, value_leaf, types)
            {
                let at = self.source.at_node(value_node);
                self.sink.report(
                    Code::RuleOperandKind,
                    at,
                    format!(
                        "`{value}` is `{}`, which cannot be compared with `{key}` (`{}`) of the elements of `{list}`",
                        leaf_text(Some(value_leaf)),
                        leaf_text(Some(key_leaf))
                    ),
                    "not comparable",
                    Some(MATCHABLE_HELP.into()),
                );
                ok = false;
                continue;
            }
            matches.push(MemberMatch {
                key: Some(key),
                value,
            });
        }
        ok.then_some(matches)
    }

    /// Whether a `member_of` comparison may compare these two values: the same comparable type
    /// (records and unions compare whole, field by field), strings and string types with each
    /// other, or a UUID (`uuid` or an `id` type) with a UUID or with a string (equal when the
    /// string is the UUID's hyphenated text).
    fn matchable(&self, a: &Leaf<'_>, b: &Leaf<'_>, types: &[TypeDef]) -> bool {
        let (Leaf::Typed(a), Leaf::Typed(b)) = (a, b) else {
            return false;
        };
        let class = |ty: &TypeRef| -> Option<&'static str> {
            match ty {
                TypeRef::Primitive(Primitive::Uuid) => Some("uuid"),
                TypeRef::Primitive(Primitive::String) => Some("string"),
                TypeRef::Named(name) => match types.iter().find(|t| &t.name == name)?.kind {
                    TypeKind::Id => Some("uuid"),
                    TypeKind::String(_) => Some("string"),
                    _ => None,
                },
                _ => None,
            }
        };
        match (class(a), class(b)) {
            (Some("uuid"), Some(_)) | (Some(_), Some("uuid")) => return true,
            // Strings and string types are the same JSON string on the wire.
            (Some("string"), Some("string")) => return true,
            _ => {}
        }
        a == b
            && match a {
                TypeRef::Primitive(Primitive::Json) | TypeRef::List(_) | TypeRef::Map(_) => false,
                TypeRef::Primitive(_) | TypeRef::Named(_) => true,
            }
    }

    fn comparison(
        &mut self,
        map: &MarkedMappingNode,
        field: &Node,
        at: &At,
        scope: Option<Scope<'_>>,
        root: Option<Scope<'_>>,
        types: &[TypeDef],
    ) -> Option<Condition> {
        let present: Vec<&str> = COMPARISONS
            .iter()
            .copied()
            .filter(|c| map.get_node(c).is_some())
            .collect();
        let is_length = !present.is_empty()
            && present
                .iter()
                .all(|c| matches!(*c, "min_length" | "max_length"));
        if !(present.len() == 1 || is_length) {
            let message = if present.is_empty() {
                "`field` needs one comparison".to_string()
            } else {
                format!("`field` takes one comparison, found {}", quoted(&present))
            };
            self.malformed(
                at.clone(),
                message,
                Some("comparisons: `equals`, `not_equals`, `in`, `not_in`, `min_length`/`max_length`, `contains`, `hash_of`, `same_as`, `at_most`, `equals_sum`".into()),
            );
            return None;
        }
        let mut allowed = vec!["field"];
        allowed.extend(present.iter().copied());
        self.only_keys(map, &allowed, at)?;
        let (path, leaf) = self.path(field, scope, types)?;
        if is_length {
            return self.length_bounds(map, field, at, path, leaf, types);
        }
        let comparison = present.first().copied().unwrap_or_default();
        let node = map.get_node(comparison)?;
        match comparison {
            "in_registry" => self.in_registry(node, field, path, leaf.as_ref(), types),
            "hash_of" => self.hash_of(node, field, path, leaf.as_ref(), scope, types),
            "equals_sum" => {
                if let Some(leaf) = &leaf
                    && !numeric(leaf)
                {
                    let at = self.source.at_node(field);
                    self.sink.report(
                        Code::RuleOperandKind,
                        at,
                        format!(
                            "`equals_sum` on `{path}`, which is `{}`",
                            leaf_text(Some(leaf))
                        ),
                        "not a number",
                        Some("a stored sum is an `integer`, `uint` or `number` field".into()),
                    );
                    return None;
                }
                let terms = self.terms(node, scope, types)?;
                Some(Condition::EqualsSum { path, terms })
            }
            "at_most" => {
                if let Some(leaf) = &leaf
                    && !numeric(leaf)
                {
                    let at = self.source.at_node(field);
                    self.sink.report(
                        Code::RuleOperandKind,
                        at,
                        format!("`at_most` bounds `{path}`, which is `{}`", leaf_text(Some(leaf))),
                        "not a number",
                        Some("`at_most` bounds an `integer`, `uint` or `number` field; count a list with `{ count: p, at_most: q }`".into()),
                    );
                    return None;
                }
                let bound = self.bound(node, root, types)?;
                Some(Condition::AtMost {
                    measure: Measure::Value(path),
                    bound,
                })
            }
            "same_as" => self.same_as(node, path, leaf.as_ref(), root, types),
            "equals" | "not_equals" => {
                let value = self.compare_value(node, leaf.as_ref(), &path, types)?;
                Some(if comparison == "equals" {
                    Condition::Equals { path, value }
                } else {
                    Condition::NotEquals { path, value }
                })
            }
            "in" | "not_in" => self.value_list(comparison, node, path, leaf.as_ref(), types),
            _ => self.contains(node, field, path, leaf.as_ref(), types),
        }
    }

    /// `{ field: p, min_length: n, max_length: m }`: bounds in order, on a string or a list.
    fn length_bounds(
        &mut self,
        map: &MarkedMappingNode,
        field: &Node,
        at: &At,
        path: FieldPath,
        leaf: Option<Leaf<'_>>,
        types: &[TypeDef],
    ) -> Option<Condition> {
        let min = match map.get_node("min_length") {
            Some(n) => Some(self.unsigned(n, "`min_length`")?),
            None => None,
        };
        let max = match map.get_node("max_length") {
            Some(n) => Some(self.unsigned(n, "`max_length`")?),
            None => None,
        };
        if let (Some(min), Some(max)) = (min, max)
            && min > max
        {
            self.malformed(
                at.clone(),
                format!("`min_length` {min} is greater than `max_length` {max}"),
                None,
            );
            return None;
        }
        if let Some(leaf) = &leaf
            && !self.has_length(leaf, types)
        {
            let at = self.source.at_node(field);
            self.sink.report(
                Code::RuleOperandKind,
                at,
                format!(
                    "length bounds on `{path}`, which is `{}`",
                    leaf_text(Some(leaf))
                ),
                "not a string or list",
                Some(
                    "`min_length`/`max_length` count characters of a string or items of a list"
                        .into(),
                ),
            );
            return None;
        }
        Some(Condition::Length { path, min, max })
    }

    /// `in_registry: profile_id`: one of the registered profiles' wire ids.
    fn in_registry(
        &mut self,
        node: &Node,
        field: &Node,
        path: FieldPath,
        leaf: Option<&Leaf<'_>>,
        types: &[TypeDef],
    ) -> Option<Condition> {
        // `in_registry: profile_id`: one of the registered profiles' wire ids.
        let key = match node {
            Node::Scalar(scalar) => scalar.as_str().to_string(),
            other => shape(other).to_string(),
        };
        if key != "profile_id" {
            let at = self.source.at_node(node);
            self.malformed(
                at,
                format!(
                    "`in_registry` names `{}`, which the profile registry does not list",
                    key.escape_debug()
                ),
                Some(
                    "write `in_registry: profile_id` (the ids of the profiles under `profiles:`)"
                        .into(),
                ),
            );
            return None;
        }
        let ids = self.pending.profiles.registered_ids.clone();
        if ids.is_empty() {
            let at = self.source.at_node(node);
            self.sink.report(
                Code::RuleValueMismatch,
                at,
                format!("`in_registry: profile_id` on `{path}`, but the spec declares no profiles"),
                "empty registry",
                Some("declare the profiles under `profiles:`".into()),
            );
            return None;
        }
        if let Some(Leaf::Typed(ty)) = leaf
            && !self.comparable(ty, types)
        {
            let at = self.source.at_node(field);
            self.sink.report(
                Code::RuleValueMismatch,
                at,
                format!("`in_registry` on `{path}`, which is `{ty}`"),
                "not comparable",
                Some("compare a string field with the profile ids".into()),
            );
            return None;
        }
        Some(Condition::OneOf {
            path,
            values: ids.into_iter().map(serde_json::Value::String).collect(),
        })
    }

    /// `{ field: p, same_as: q }`: `q` is read from the rule's record and matchable with `p`.
    fn same_as(
        &mut self,
        node: &Node,
        path: FieldPath,
        leaf: Option<&Leaf<'_>>,
        root: Option<Scope<'_>>,
        types: &[TypeDef],
    ) -> Option<Condition> {
        let (other, other_leaf) = self.path(node, root, types)?;
        if let (Some(leaf), Some(other_leaf)) = (leaf, &other_leaf)
            && !self.matchable(leaf, other_leaf, types)
        {
            let at = self.source.at_node(node);
            self.sink.report(
                Code::RuleOperandKind,
                at,
                format!(
                    "`{path}` is `{}`, which cannot be compared with `{other}` (`{}`)",
                    leaf_text(Some(leaf)),
                    leaf_text(Some(other_leaf))
                ),
                "not comparable",
                Some(format!(
                    "{}; `{other}` is read from the rule's record (`on`)",
                    MATCHABLE_HELP.replacen("`member_of`", "`same_as`", 1)
                )),
            );
            return None;
        }
        Some(Condition::SameAs { path, other })
    }

    /// `in` / `not_in` (`comparison`): a non-empty list of values of the field's type.
    fn value_list(
        &mut self,
        comparison: &str,
        node: &Node,
        path: FieldPath,
        leaf: Option<&Leaf<'_>>,
        types: &[TypeDef],
    ) -> Option<Condition> {
        let help = Some(format!(
            "write `{comparison}: [a, b]` with values of the field's type"
        ));
        let seq = self.non_empty_list(node, comparison, "values", "has no values", help)?;
        let mut values = Vec::new();
        let mut ok = true;
        for item in seq.iter() {
            match self.compare_value(item, leaf, &path, types) {
                Some(v) => values.push(v),
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        Some(if comparison == "in" {
            Condition::OneOf { path, values }
        } else {
            Condition::NoneOf { path, values }
        })
    }

    /// `contains`: the path is a list; the value is one of its elements.
    fn contains(
        &mut self,
        node: &Node,
        field: &Node,
        path: FieldPath,
        leaf: Option<&Leaf<'_>>,
        types: &[TypeDef],
    ) -> Option<Condition> {
        let element = match leaf {
            None => None,
            Some(Leaf::Typed(TypeRef::List(inner))) => Some(inner.as_ref()),
            Some(other) => {
                let at = self.source.at_node(field);
                self.sink.report(
                    Code::RuleOperandKind,
                    at,
                    format!(
                        "`contains` on `{path}`, which is `{}`",
                        leaf_text(Some(other))
                    ),
                    "not a list",
                    Some("`contains` tests the elements of a list field".into()),
                );
                return None;
            }
        };
        let value = match element {
            Some(element) => self.compare_value(node, Some(&Leaf::Typed(element)), &path, types)?,
            None => super::whole_spec::yaml_to_json(node),
        };
        Some(Condition::Contains { path, value })
    }

    /// `{ field: p, hash_of: { <form>: [q, …] } }`: `p` is a string (the stored hash), the form
    /// is one of [`HashForm::ALL`], and every `q` is a value that form hashes (for
    /// `prompt_blocks`, a list of records with an `order_key`).
    fn hash_of(
        &mut self,
        node: &Node,
        field: &Node,
        path: FieldPath,
        leaf: Option<&Leaf<'_>>,
        scope: Option<Scope<'_>>,
        types: &[TypeDef],
    ) -> Option<Condition> {
        let forms = || quoted(HashForm::ALL.iter().map(|f| f.name()));
        let shape_help = || {
            Some(format!(
                "write `hash_of: {{ <form>: [<path>, …] }}` with one form of {}",
                forms()
            ))
        };
        let Node::Mapping(map) = node else {
            let at = self.source.at_node(node);
            self.malformed(
                at,
                format!("`hash_of` takes a mapping, found {}", shape(node)),
                shape_help(),
            );
            return None;
        };
        let mut entries = map.iter();
        let (Some((key, parts_node)), None) = (entries.next(), entries.next()) else {
            let at = self.source.at_node(node);
            self.malformed(at, "`hash_of` names exactly one form", shape_help());
            return None;
        };
        let Some(form) = HashForm::ALL
            .iter()
            .copied()
            .find(|f| f.name() == key.as_str())
        else {
            let at = self.source.at_scalar(key);
            let hint =
                crate::suggest::did_you_mean(key.as_str(), HashForm::ALL.iter().map(|f| f.name()))
                    .map(|h| format!("{h} "))
                    .unwrap_or_default();
            self.malformed(
                at,
                format!(
                    "`hash_of` names the unknown form `{}`",
                    key.as_str().escape_debug()
                ),
                Some(format!("{hint}the forms are {}", forms())),
            );
            return None;
        };
        if let Some(leaf) = leaf
            && !self.has_length(leaf, types)
        {
            let at = self.source.at_node(field);
            self.sink.report(
                Code::RuleOperandKind,
                at,
                format!(
                    "`hash_of` on `{path}`, which is `{}`",
                    leaf_text(Some(leaf))
                ),
                "not a string",
                Some("a stored hash is a string field, such as one of type `Hash`".into()),
            );
            return None;
        }
        let seq = self.non_empty_list(
            parts_node,
            form.name(),
            "paths",
            "names no value to hash",
            shape_help(),
        )?;
        let mut parts = Vec::new();
        for part in seq.iter() {
            let (part_path, part_leaf) = self.path(part, scope, types)?;
            if let Some(part_leaf) = &part_leaf
                && !hashes_as(form, part_leaf, types)
            {
                let at = self.source.at_node(part);
                self.sink.report(
                    Code::RuleOperandKind,
                    at,
                    format!(
                        "`{}` hashes `{part_path}`, which is `{}`",
                        form.name(),
                        leaf_text(Some(part_leaf))
                    ),
                    "not a list of blocks",
                    Some("`prompt_blocks` hashes lists of records that have an `order_key` field (ContextBlocks)".into()),
                );
                return None;
            }
            parts.push(part_path);
        }
        Some(Condition::HashOf { path, form, parts })
    }

    /// The keys of `sorted_by`: `[{ key: field, order: ascending | descending }, …]`, each a required
    /// number or string field of the element record.
    fn sort_keys(
        &mut self,
        node: &Node,
        element: Option<Scope<'_>>,
        types: &[TypeDef],
    ) -> Option<Vec<SortKey>> {
        let help = || {
            Some(
                "write `sorted_by: [{ key: base_score, order: descending }, { key: tiebreak, order: ascending }]`"
                    .to_string(),
            )
        };
        let seq = self.non_empty_list(node, "sorted_by", "keys", "has no keys", help())?;
        let mut keys = Vec::new();
        for item in seq.iter() {
            let at = self.source.at_node(item);
            let Node::Mapping(map) = item else {
                self.malformed(
                    at,
                    format!("a sort key must be a mapping, found {}", shape(item)),
                    help(),
                );
                return None;
            };
            self.only_keys(map, &["key", "order"], &at)?;
            let (Some(key), Some(order)) = (map.get_scalar("key"), map.get_scalar("order")) else {
                self.malformed(at, "a sort key needs `key` and `order`", help());
                return None;
            };
            let descending = match order.as_str() {
                "ascending" => false,
                "descending" => true,
                other => {
                    let at = self.source.at_scalar(order);
                    self.malformed(
                        at,
                        format!(
                            "`order: {}` is neither `ascending` nor `descending`",
                            other.escape_debug()
                        ),
                        help(),
                    );
                    return None;
                }
            };
            let numeric = match element {
                Some(Scope::Record(name, record)) => {
                    let field = record.fields.iter().find(|f| f.name == key.as_str());
                    let kind = field.and_then(|f| match &f.ty {
                        TypeRef::Primitive(
                            Primitive::Integer | Primitive::UnsignedInteger | Primitive::Number,
                        ) => Some(true),
                        TypeRef::Primitive(Primitive::String) => Some(false),
                        TypeRef::Named(named) => types
                            .iter()
                            .any(|t| &t.name == named && matches!(t.kind, TypeKind::String(_)))
                            .then_some(false),
                        _ => None,
                    });
                    match (field, kind) {
                        (Some(f), Some(numeric)) if f.required || f.default.is_some() => numeric,
                        _ => {
                            let at = self.source.at_scalar(key);
                            self.sink.report(
                                Code::RuleOperandKind,
                                at,
                                format!("`sorted_by` key `{}` is no required number or string field of `{name}`", key.as_str()),
                                "not a sort key",
                                Some("sort by a required `integer`, `uint`, `number` or string field of the element".into()),
                            );
                            return None;
                        }
                    }
                }
                Some(_) => {
                    let at = self.source.at_scalar(key);
                    self.sink.report(
                        Code::RuleOperandKind,
                        at,
                        "`sorted_by` sorts a list of records".to_string(),
                        "not a list of records",
                        Some("sort by a field of each record".into()),
                    );
                    return None;
                }
                None => false,
            };
            keys.push(SortKey {
                field: key.as_str().to_string(),
                numeric,
                descending,
            });
        }
        Some(keys)
    }

    /// `{ count: p, at_most: q }` or `{ sum: p, of: k, at_most: q }`: `p` is a list (of records with
    /// a numeric `k`, for `sum`), `q` a number of the rule's record.
    fn aggregate(
        &mut self,
        map: &MarkedMappingNode,
        at: &At,
        scope: Option<Scope<'_>>,
        root: Option<Scope<'_>>,
        types: &[TypeDef],
    ) -> Option<Condition> {
        let is_sum = map.get_node("sum").is_some();
        let (operator, allowed): (&str, &[&str]) = if is_sum {
            ("sum", &["sum", "of", "at_most"])
        } else {
            ("count", &["count", "at_most"])
        };
        if is_sum && map.get_node("count").is_some() {
            self.malformed(
                at.clone(),
                "condition mixes `count` and `sum`",
                Some("write one measure per condition; combine them with `all`/`any`".into()),
            );
            return None;
        }
        self.only_keys(map, allowed, at)?;
        let (Some(list_node), Some(bound_node)) = (map.get_node(operator), map.get_node("at_most"))
        else {
            self.malformed(
                at.clone(),
                format!("`{operator}` needs `at_most`"),
                Some(if is_sum {
                    "write `{ sum: list, of: key, at_most: bound }`".into()
                } else {
                    "write `{ count: list, at_most: bound }`".into()
                }),
            );
            return None;
        };
        let (list, list_leaf) = self.path(list_node, scope, types)?;
        let element = match &list_leaf {
            None => None,
            Some(Leaf::Typed(TypeRef::List(inner))) => Some(inner.as_ref()),
            Some(other) => {
                let at = self.source.at_node(list_node);
                self.sink.report(
                    Code::RuleOperandKind,
                    at,
                    format!(
                        "`{operator}: {list}` needs a list, found `{}`",
                        leaf_text(Some(other))
                    ),
                    "not a list",
                    Some(format!(
                        "`{operator}` measures the elements of a list field"
                    )),
                );
                return None;
            }
        };
        let measure = if is_sum {
            let Some(key_node) = map.get_node("of") else {
                self.malformed(
                    at.clone(),
                    "`sum` needs `of`, the number of each element it adds up",
                    Some("write `{ sum: list, of: key, at_most: bound }`".into()),
                );
                return None;
            };
            let element_scope = element.and_then(|element| match element {
                TypeRef::Named(name) => types.iter().find_map(|t| match &t.kind {
                    TypeKind::Record(r) if &t.name == name => Some(Scope::Record(&t.name, r)),
                    _ => None,
                }),
                _ => None,
            });
            if element.is_some() && element_scope.is_none() {
                let at = self.source.at_node(list_node);
                self.sink.report(
                    Code::RuleOperandKind,
                    at,
                    format!("`sum: {list}` needs a list of records"),
                    "not a list of records",
                    Some("`of` names a number field of each element".into()),
                );
                return None;
            }
            let (key, key_leaf) = self.path(key_node, element_scope, types)?;
            if let Some(key_leaf) = &key_leaf
                && !numeric(key_leaf)
            {
                let at = self.source.at_node(key_node);
                self.sink.report(
                    Code::RuleOperandKind,
                    at,
                    format!(
                        "`sum` adds up `{key}`, which is `{}`",
                        leaf_text(Some(key_leaf))
                    ),
                    "not a number",
                    Some(
                        "`of` names an `integer`, `uint` or `number` field of each element".into(),
                    ),
                );
                return None;
            }
            Measure::Sum { list, key }
        } else {
            Measure::Count(list)
        };
        let bound = self.bound(bound_node, root, types)?;
        Some(Condition::AtMost { measure, bound })
    }

    /// The terms of `equals_sum`: paths to numbers, or `{ max: [path, …] }`.
    fn terms(
        &mut self,
        node: &Node,
        scope: Option<Scope<'_>>,
        types: &[TypeDef],
    ) -> Option<Vec<Term>> {
        let help = || {
            Some("write `equals_sum: [a, b, { max: [c, d] }]` with paths to numbers".to_string())
        };
        let seq = self.non_empty_list(node, "equals_sum", "terms", "has no terms", help())?;
        let mut terms = Vec::new();
        for item in seq.iter() {
            let (paths, is_max) = match item {
                Node::Mapping(map) => {
                    let at = self.source.at_node(item);
                    self.only_keys(map, &["max"], &at)?;
                    let Some(Node::Sequence(members)) = map.get_node("max") else {
                        self.malformed(at, "a `max` term takes a list of paths", help());
                        return None;
                    };
                    if members.is_empty() {
                        self.malformed(at, "a `max` term has no paths", help());
                        return None;
                    }
                    (members.iter().collect::<Vec<_>>(), true)
                }
                other => (vec![other], false),
            };
            let mut resolved = Vec::new();
            for member in paths {
                let (path, leaf) = self.path(member, scope, types)?;
                if let Some(leaf) = &leaf
                    && !numeric(leaf)
                {
                    let at = self.source.at_node(member);
                    self.sink.report(
                        Code::RuleOperandKind,
                        at,
                        format!(
                            "`equals_sum` adds `{path}`, which is `{}`",
                            leaf_text(Some(leaf))
                        ),
                        "not a number",
                        Some("every term is an `integer`, `uint` or `number` field".into()),
                    );
                    return None;
                }
                resolved.push(path);
            }
            terms.push(if is_max {
                Term::Max(resolved)
            } else {
                Term::Value(resolved.remove(0))
            });
        }
        Some(terms)
    }

    /// The bound of `at_most`: a number field of the rule's record.
    fn bound(
        &mut self,
        node: &Node,
        root: Option<Scope<'_>>,
        types: &[TypeDef],
    ) -> Option<FieldPath> {
        let (bound, bound_leaf) = self.path(node, root, types)?;
        if let Some(leaf) = &bound_leaf
            && !numeric(leaf)
        {
            let at = self.source.at_node(node);
            self.sink.report(
                Code::RuleOperandKind,
                at,
                format!("`at_most: {bound}` is `{}`", leaf_text(Some(leaf))),
                "not a number",
                Some("the bound is an `integer`, `uint` or `number` field of the rule's record (`on`)".into()),
            );
            return None;
        }
        Some(bound)
    }

    /// Checks a comparison value against the type at the end of the path.
    fn compare_value(
        &mut self,
        node: &Node,
        leaf: Option<&Leaf<'_>>,
        path: &FieldPath,
        types: &[TypeDef],
    ) -> Option<serde_json::Value> {
        let at = self.source.at_node(node);
        let fail = |this: &mut Self, problem: String, help: Option<String>| {
            this.sink.report(
                Code::RuleValueMismatch,
                at.clone(),
                format!("value does not fit `{path}`: {problem}"),
                "wrong value",
                help,
            );
            None
        };
        match leaf {
            None => Some(super::whole_spec::yaml_to_json(node)),
            Some(Leaf::Tag(name, union)) => {
                let text = match node {
                    Node::Scalar(s) => s.as_str(),
                    other => {
                        return fail(
                            self,
                            format!("expected a variant of `{name}`, found {}", shape(other)),
                            None,
                        );
                    }
                };
                if union.variants.iter().any(|v| v.name == text) {
                    Some(serde_json::Value::String(text.to_string()))
                } else {
                    let help = did_you_mean(text, union.variants.iter().map(|v| v.name.as_str()));
                    fail(
                        self,
                        format!("`{}` is not a variant of `{name}`", text.escape_debug()),
                        help,
                    )
                }
            }
            Some(Leaf::Variant(name, variant)) => fail(
                self,
                format!(
                    "`[{}]` selects a whole `{name}` value, which cannot be compared",
                    variant.name
                ),
                Some(format!(
                    "test it with `present`/`absent`, or compare a field of the variant (`{path}.<field>`)"
                )),
            ),
            Some(Leaf::Typed(ty)) => {
                if !self.comparable(ty, types) {
                    return fail(
                        self,
                        format!("`{ty}` values cannot be compared"),
                        Some("compare a scalar, id, string or enum field; use `present`, `each` or length bounds for the rest".into()),
                    );
                }
                match self.default_value(node, ty, types, 0) {
                    Ok(value) => Some(value),
                    Err((_, problem)) => fail(self, problem, None),
                }
            }
        }
    }

    /// Scalars, ids, strings and enums compare with `equals`; records, unions, lists, maps and
    /// `json` do not.
    fn comparable(&self, ty: &TypeRef, types: &[TypeDef]) -> bool {
        match ty {
            TypeRef::Primitive(Primitive::Json) => false,
            TypeRef::Primitive(_) => true,
            TypeRef::List(_) | TypeRef::Map(_) => false,
            TypeRef::Named(name) => types.iter().any(|t| {
                &t.name == name
                    && matches!(
                        t.kind,
                        TypeKind::Id | TypeKind::String(_) | TypeKind::Enum(_)
                    )
            }),
        }
    }

    fn has_length(&self, leaf: &Leaf<'_>, types: &[TypeDef]) -> bool {
        match leaf {
            Leaf::Tag(..) | Leaf::Variant(..) => false,
            Leaf::Typed(TypeRef::Primitive(Primitive::String) | TypeRef::List(_)) => true,
            Leaf::Typed(TypeRef::Named(name)) => types
                .iter()
                .any(|t| &t.name == name && matches!(t.kind, TypeKind::String(_))),
            Leaf::Typed(_) => false,
        }
    }

    /// Parses and resolves a path; the leaf is `None` when there is no scope to resolve in.
    fn path<'t>(
        &mut self,
        node: &Node,
        scope: Option<Scope<'t>>,
        types: &'t [TypeDef],
    ) -> Option<(FieldPath, Option<Leaf<'t>>)> {
        let scalar = self.expect_scalar(node, "a field path")?;
        let text = scalar.as_str().to_string();
        let at = self.source.at_scalar(scalar);
        let Some(path) = parse_path(&text) else {
            self.malformed(
                at,
                format!("invalid field path `{}`", text.escape_debug()),
                Some(
                    "write snake_case field names joined by dots, e.g. `local_only_payload_ref.kind`; \
                     select a union variant with `field[variant]` (`job_inputs[charts_decks].source_table_ref`), \
                     or start with `[variant]` inside `each` over a list of unions"
                        .into(),
                ),
            );
            return None;
        };
        let Some(mut scope) = scope else {
            return Some((path, None));
        };
        let last = path.0.len() - 1;
        for (i, step) in path.0.iter().enumerate() {
            let walked = FieldPath(path.0[..i].to_vec()).to_string();
            let segment = match step {
                PathStep::Variant(variant) => {
                    scope = self.variant_step(scope, variant, &walked, &text, &at)?;
                    if i == last {
                        let Scope::Variant(name, _, variant) = scope else {
                            return None;
                        };
                        return Some((path, Some(Leaf::Variant(name, variant))));
                    }
                    continue;
                }
                PathStep::Field(segment) => segment,
            };
            let ty = match self.field_step(scope, segment, (&path, i), &walked, &text, &at)? {
                FieldStep::Tag(name, union) => return Some((path, Some(Leaf::Tag(name, union)))),
                FieldStep::Typed(ty) => ty,
            };
            if i == last {
                return Some((path, Some(Leaf::Typed(ty))));
            }
            scope = self.scope_after(ty, (&path, i), segment, &text, &at, types)?;
        }
        None
    }

    /// A `[variant]` step: the variant of the union `scope` is, else reported.
    fn variant_step<'t>(
        &mut self,
        scope: Scope<'t>,
        variant: &str,
        walked: &str,
        text: &str,
        at: &At,
    ) -> Option<Scope<'t>> {
        Some(match scope {
            Scope::Union(name, union) => match union.variants.iter().find(|v| v.name == variant) {
                Some(found) => Scope::Variant(name, union, found),
                None => {
                    let help =
                        did_you_mean(variant, union.variants.iter().map(|v| v.name.as_str()))
                            .unwrap_or_else(|| {
                                format!(
                                    "the variants of `{name}` are {}",
                                    quoted(union.variants.iter().map(|v| v.name.as_str()))
                                )
                            });
                    self.sink.report(
                        Code::InvalidRulePath,
                        at.clone(),
                        format!("`[{variant}]` in `{text}` is not a variant of `{name}`"),
                        "unknown variant",
                        Some(help),
                    );
                    return None;
                }
            },
            Scope::Record(name, _) | Scope::Variant(name, ..) => {
                let what = if walked.is_empty() {
                    "the value".to_string()
                } else {
                    format!("`{walked}`")
                };
                self.sink.report(
                    Code::InvalidRulePath,
                    at.clone(),
                    format!(
                        "`[{variant}]` in `{text}` selects a variant, but {what} is `{name}`, not a union"
                    ),
                    "not a union",
                    Some(if walked.is_empty() {
                        "a path starts with `[variant]` only inside `each` over a list of unions; here, name the union field first (`field[variant]`)"
                            .into()
                    } else {
                        "a `[variant]` step applies only to a union-typed value; drop it to read the record's fields"
                            .into()
                    }),
                );
                return None;
            }
        })
    }

    /// A field step into `scope`: the field's type, or the union's tag at the end of the path;
    /// anything else is reported.
    fn field_step<'t>(
        &mut self,
        scope: Scope<'t>,
        segment: &str,
        (path, i): (&FieldPath, usize),
        walked: &str,
        text: &str,
        at: &At,
    ) -> Option<FieldStep<'t>> {
        Some(match scope {
            Scope::Union(name, union) => {
                if *segment == union.tag && i == path.0.len() - 1 {
                    return Some(FieldStep::Tag(name, union));
                }
                let with_field: Vec<&str> = union
                    .variants
                    .iter()
                    .filter(|v| v.fields.iter().any(|f| f.name == segment))
                    .map(|v| v.name.as_str())
                    .collect();
                let help = match with_field.as_slice() {
                    [] => format!(
                        "address a union by its tag `{}`, or select a variant first: `{walked}[<variant>].<field>` (variants: {})",
                        union.tag,
                        quoted(union.variants.iter().map(|v| v.name.as_str()))
                    ),
                    variants => format!(
                        "select the variant first: {}",
                        variants
                            .iter()
                            .map(|v| {
                                let mut steps = path.0.clone();
                                steps.insert(i, PathStep::Variant((*v).to_string()));
                                format!("`{}`", FieldPath(steps))
                            })
                            .collect::<Vec<_>>()
                            .join(" or ")
                    ),
                };
                self.sink.report(
                    Code::InvalidRulePath,
                    at.clone(),
                    format!("`{segment}` in `{text}` is not addressable: `{name}` is a union"),
                    "union without a variant step",
                    Some(help),
                );
                return None;
            }
            Scope::Variant(name, union, variant) => {
                match variant.fields.iter().find(|f| f.name == segment) {
                    Some(field) => FieldStep::Typed(&field.ty),
                    None => {
                        let help = if *segment == union.tag {
                            Some(format!(
                                "the tag of a `[{}]` value is always `{}`; test `{{ present: \"{walked}\" }}` instead",
                                variant.name, variant.name
                            ))
                        } else {
                            let others: Vec<String> = union
                                .variants
                                .iter()
                                .filter(|v| v.fields.iter().any(|f| f.name == segment))
                                .map(|v| {
                                    let mut steps = path.0.clone();
                                    steps[i - 1] = PathStep::Variant(v.name.clone());
                                    format!("`{}`", FieldPath(steps))
                                })
                                .collect();
                            if others.is_empty() {
                                did_you_mean(
                                    segment,
                                    variant.fields.iter().map(|f| f.name.as_str()),
                                )
                            } else {
                                Some(format!(
                                    "`{segment}` belongs to another variant: {}",
                                    others.join(" or ")
                                ))
                            }
                        };
                        self.sink.report(
                            Code::InvalidRulePath,
                            at.clone(),
                            format!(
                                "`{segment}` in `{text}` is not a field of variant `{}` of `{name}`",
                                variant.name
                            ),
                            "unknown field",
                            help,
                        );
                        return None;
                    }
                }
            }
            Scope::Record(name, record) => match record.fields.iter().find(|f| f.name == segment) {
                Some(field) => FieldStep::Typed(&field.ty),
                None => {
                    let help = did_you_mean(segment, record.fields.iter().map(|f| f.name.as_str()));
                    self.sink.report(
                        Code::InvalidRulePath,
                        at.clone(),
                        format!("`{segment}` in `{text}` is not a field of `{name}`"),
                        "unknown field",
                        help,
                    );
                    return None;
                }
            },
        })
    }

    /// The scope a path continues in after a field of type `ty` (the `i`th step); a list, or a
    /// value without fields or variants, is reported.
    fn scope_after<'t>(
        &mut self,
        ty: &'t TypeRef,
        (path, i): (&FieldPath, usize),
        segment: &str,
        text: &str,
        at: &At,
        types: &'t [TypeDef],
    ) -> Option<Scope<'t>> {
        let prefix = FieldPath(path.0[..=i].to_vec()).to_string();
        Some(match ty {
            TypeRef::List(inner) => {
                let into_variant = match (&path.0[i + 1], inner.as_ref()) {
                    (PathStep::Variant(v), TypeRef::Named(n)) => types
                        .iter()
                        .any(|t| &t.name == n && matches!(t.kind, TypeKind::Union(_)))
                        .then(|| v.clone()),
                    _ => None,
                };
                let help = match into_variant {
                    Some(variant) => format!(
                        "use `{{ each: {prefix}, require: … }}` and start the inner paths with `[{variant}]`"
                    ),
                    None => format!(
                        "use `{{ each: {prefix}, require: … }}` with paths relative to the element"
                    ),
                };
                self.sink.report(
                    Code::RulePathThroughList,
                    at.clone(),
                    format!("path `{text}` goes through the list `{prefix}`"),
                    "through a list",
                    Some(help),
                );
                return None;
            }
            TypeRef::Named(n) => match types.iter().find(|t| &t.name == n) {
                Some(TypeDef {
                    kind: TypeKind::Record(r),
                    name,
                    ..
                }) => Scope::Record(name, r),
                Some(TypeDef {
                    kind: TypeKind::Union(u),
                    name,
                    ..
                }) => Scope::Union(name, u),
                _ => {
                    self.not_walkable(at.clone(), text, &path.0[i + 1], segment, n);
                    return None;
                }
            },
            other => {
                self.not_walkable(
                    at.clone(),
                    text,
                    &path.0[i + 1],
                    segment,
                    &other.to_string(),
                );
                return None;
            }
        })
    }

    /// A path continues after a value that has no fields or variants.
    fn not_walkable(&mut self, at: At, text: &str, next: &PathStep, segment: &str, ty: &str) {
        let (label, help) = match next {
            PathStep::Variant(_) => (
                "not a union",
                "a `[variant]` step applies only to a union-typed value",
            ),
            PathStep::Field(_) => (
                "not a record",
                "only record fields (and a union's tag, or a `[variant]`'s fields) can be walked into",
            ),
        };
        self.sink.report(
            Code::InvalidRulePath,
            at,
            format!("path `{text}` continues after `{segment}`, which is `{ty}`"),
            label,
            Some(help.into()),
        );
    }

    fn only_keys(&mut self, map: &MarkedMappingNode, allowed: &[&str], at: &At) -> Option<()> {
        let extra: Vec<String> = map
            .keys()
            .filter(|k| !allowed.contains(&k.as_str()))
            .map(|k| format!("`{}`", k.as_str()))
            .collect();
        if extra.is_empty() {
            return Some(());
        }
        let allowed_text = quoted(allowed);
        self.malformed(
            at.clone(),
            format!("unexpected {} in this condition", extra.join(", ")),
            Some(format!("this condition takes only {allowed_text}")),
        );
        None
    }

    fn malformed(&mut self, at: At, message: impl Into<String>, help: Option<String>) {
        self.sink.report(
            Code::MalformedCondition,
            at,
            message,
            "malformed condition",
            help,
        );
    }

    /// The operand of `operator`, which takes a non-empty list of `items`: anything else is a
    /// malformed condition, an empty list said as `operator` + `empty` (e.g. "has no values").
    fn non_empty_list<'n>(
        &mut self,
        node: &'n Node,
        operator: &str,
        items: &str,
        empty: &str,
        help: Option<String>,
    ) -> Option<&'n MarkedSequenceNode> {
        let problem = match node {
            Node::Sequence(seq) if !seq.is_empty() => return Some(seq),
            Node::Sequence(_) => format!("`{operator}` {empty}"),
            other => format!(
                "`{operator}` takes a list of {items}, found {}",
                shape(other)
            ),
        };
        let at = self.source.at_node(node);
        self.malformed(at, problem, help);
        None
    }
}

/// Whether a path ends at a number (`integer`, `uint`, `number`).
fn numeric(leaf: &Leaf<'_>) -> bool {
    matches!(
        leaf,
        Leaf::Typed(TypeRef::Primitive(
            Primitive::Integer | Primitive::UnsignedInteger | Primitive::Number
        ))
    )
}

/// Whether `form` can hash the value a path ends at.
fn hashes_as(form: HashForm, leaf: &Leaf<'_>, types: &[TypeDef]) -> bool {
    match form {
        HashForm::PromptBlocks => {
            let Leaf::Typed(TypeRef::List(element)) = leaf else {
                return false;
            };
            let TypeRef::Named(name) = element.as_ref() else {
                return false;
            };
            types.iter().any(|t| {
                &t.name == name
                    && matches!(&t.kind, TypeKind::Record(r) if r.fields.iter().any(|f| f.name == "order_key"))
            })
        }
    }
}

/// Parses a rule path: `a.b`, `a[v].b`, or `[v].b` (a leading variant step, for `each` over a
/// list of unions). `None` when the text is not of that form.
fn parse_path(text: &str) -> Option<FieldPath> {
    let mut steps = Vec::new();
    for (index, piece) in text.split('.').enumerate() {
        let (field, variant) = match piece.split_once('[') {
            Some((field, rest)) => (field, Some(rest.strip_suffix(']')?)),
            None => (piece, None),
        };
        if field.is_empty() {
            // Only a path may start with a bare `[variant]`; `a.[v]` is written `a[v]`.
            if index > 0 || variant.is_none() {
                return None;
            }
        } else {
            if !names::is_snake_case(field) {
                return None;
            }
            steps.push(PathStep::Field(field.to_string()));
        }
        if let Some(variant) = variant {
            if !names::is_snake_case(variant) {
                return None;
            }
            steps.push(PathStep::Variant(variant.to_string()));
        }
    }
    Some(FieldPath(steps))
}

/// Whether a rule's node uses `in_registry` anywhere (its rule is then derived from the registry).
fn mentions_in_registry(node: &Node) -> bool {
    match node {
        Node::Mapping(map) => map
            .iter()
            .any(|(key, value)| key.as_str() == "in_registry" || mentions_in_registry(value)),
        Node::Sequence(items) => items.iter().any(mentions_in_registry),
        Node::Scalar(_) => false,
    }
}

fn leaf_text(leaf: Option<&Leaf<'_>>) -> String {
    match leaf {
        Some(Leaf::Typed(ty)) => ty.to_string(),
        Some(Leaf::Tag(name, _)) => format!("tag of {name}"),
        Some(Leaf::Variant(name, variant)) => format!("{name}[{}]", variant.name),
        None => "unknown".into(),
    }
}
