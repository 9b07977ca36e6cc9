//! The `out_of_scope:` section: spec guards that records alone cannot decide, each with its reason.

use std::collections::BTreeMap;

use marked_yaml::Node;
use marked_yaml::types::MarkedMappingNode;

use super::{At, Reader};
use crate::diagnostics::Code;
use crate::model::{Location, OutOfScope};
use crate::names::NameKind;

impl Reader<'_> {
    /// Collects every file's `out_of_scope:` entries in spec order; names are unique across files.
    pub(super) fn out_of_scope(&mut self, roots: &[&MarkedMappingNode]) -> Vec<OutOfScope> {
        let mut entries = Vec::new();
        let mut names: BTreeMap<String, Location> = BTreeMap::new();
        for root in roots {
            let Some(node) = root.get_node("out_of_scope") else {
                continue;
            };
            let Some(map) = self.expect_map(node, "`out_of_scope`") else {
                continue;
            };
            for (key, value) in map.iter() {
                let name = self.name(key, NameKind::Type);
                let at = self.source.at_scalar(key);
                if let Some(first) = names.get(&name) {
                    self.sink.report(
                        Code::DuplicateOutOfScope,
                        at.clone(),
                        format!("out-of-scope guard `{name}` is listed twice"),
                        "listed again here",
                        Some(format!(
                            "first listed at {first}; give each guard one entry with one reason"
                        )),
                    );
                } else {
                    names.insert(name.clone(), at.0.clone());
                }
                if let Some(entry) = self.out_of_scope_entry(name, at, value) {
                    entries.push(entry);
                }
            }
        }
        entries
    }

    fn out_of_scope_entry(&mut self, name: String, owner: At, node: &Node) -> Option<OutOfScope> {
        let what = format!("out-of-scope guard `{name}`");
        let keys = ["reason", "clause", "description", "decision"];
        let map = self.expect_keys(node, &what, &keys)?;
        let meta = self.meta(map, &owner, &what);
        let reason = self
            .required_prose(map, "reason", &owner, &what)
            .unwrap_or_default();
        Some(OutOfScope { name, reason, meta })
    }
}
