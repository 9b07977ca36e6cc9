//! Pass A: every name the spec declares (types, the lifecycle, errors, and the unions `profiles:`
//! synthesizes), across all files, so references may point forward and across files and a name
//! declared twice is found. The result is immutable: later passes only read it.

use std::collections::BTreeMap;

use marked_yaml::Node;
use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};

use super::At;
use super::lower::SYNTHESIZED;
use super::sink::Sink;
use super::source::Source;
use crate::diagnostics::Code;

/// What pass A learned about one declared name.
#[derive(Debug, Clone)]
pub(super) struct Declared {
    /// The `kind:` written (`record`, `enum`, ...; `error` for errors), if any.
    pub(super) kind: Option<String>,
    /// Where the name is declared.
    pub(super) at: At,
}

/// Every declared name, read before any declaration is converted.
#[derive(Debug, Default)]
pub(super) struct Declarations {
    /// Types, the lifecycle and errors share one namespace.
    pub(super) names: BTreeMap<String, Declared>,
    /// Where each synthesized union is declared (the first `profiles` key with a profile that
    /// has its key), in [`SYNTHESIZED`] order; `None` when no profile needs it.
    pub(super) synthesized_at: [Option<At>; 2],
}

impl Declarations {
    /// Pass A over every parsed file, in load order.
    pub(super) fn collect(
        roots: &[&MarkedMappingNode],
        source: &Source,
        sink: &mut Sink,
    ) -> Declarations {
        let mut declarations = Declarations::default();
        for root in roots {
            declarations.file(root, source, sink);
            declarations.synthesized(root, source, sink);
        }
        declarations
    }

    /// The `kind:` a name was declared with, if it is declared.
    pub(super) fn kind(&self, name: &str) -> Option<&str> {
        self.names.get(name).and_then(|d| d.kind.as_deref())
    }

    fn file(&mut self, root: &MarkedMappingNode, source: &Source, sink: &mut Sink) {
        if let Some(Node::Mapping(types)) = root.get_node("types") {
            for (key, value) in types.iter() {
                let kind = value
                    .as_mapping()
                    .and_then(|m| m.get_scalar("kind"))
                    .map(|k| k.as_str().to_string());
                self.declare(key, kind, "type", source, sink);
            }
        }
        if let Some(Node::Mapping(lifecycle)) = root.get_node("lifecycle")
            && let Some(name) = lifecycle.get_scalar("name")
        {
            self.declare(name, Some("enum".to_string()), "lifecycle", source, sink);
        }
        if let Some(Node::Mapping(errors)) = root.get_node("errors") {
            for key in errors.keys() {
                self.declare(key, Some("error".to_string()), "error", source, sink);
            }
        }
    }

    fn declare(
        &mut self,
        key: &MarkedScalarNode,
        kind: Option<String>,
        what: &str,
        source: &Source,
        sink: &mut Sink,
    ) {
        let name = key.as_str().to_string();
        let at = source.at_scalar(key);
        if let Some(first) = self.names.get(&name) {
            let first = first.at.0.clone();
            sink.report(
                Code::DuplicateDeclaration,
                at,
                format!("`{name}` is declared twice"),
                format!("this {what} is declared again here"),
                Some(format!("first declared at {first}; types, the lifecycle and errors share one namespace — rename or remove one")),
            );
            return;
        }
        self.names.insert(name, Declared { kind, at });
    }

    /// Declares `JobInputs` (`JobOutputs`) when some profile in this file has `inputs`
    /// (`outputs`), the first time one does.
    fn synthesized(&mut self, root: &MarkedMappingNode, source: &Source, sink: &mut Sink) {
        let Some((key, Node::Mapping(profiles))) = root.get_key_value("profiles") else {
            return;
        };
        for (index, synthesized) in SYNTHESIZED.iter().enumerate() {
            let has_key = profiles.values().any(|profile| {
                profile
                    .as_mapping()
                    .is_some_and(|map| map.get_node(synthesized.key).is_some())
            });
            if !has_key || self.synthesized_at[index].is_some() {
                continue;
            }
            let (union, profile_key) = (synthesized.union, synthesized.key);
            let at = source.at_scalar(key);
            if let Some(first) = self.names.get(union) {
                let first = first.at.0.clone();
                sink.report(
                    Code::SynthesizedTypeDeclared,
                    at.clone(),
                    format!("a type named `{union}` is declared, but `profiles:` synthesizes it"),
                    format!("profiles with `{profile_key}` build `{union}` here"),
                    Some(format!(
                        "remove or rename the type declared at {first}; `{union}` gets one variant per profile with `{profile_key}`"
                    )),
                );
            } else {
                self.names.insert(
                    union.to_string(),
                    Declared {
                        kind: Some("union".to_string()),
                        at: at.clone(),
                    },
                );
            }
            self.synthesized_at[index] = Some(at);
        }
    }
}
