//! The `out_of_scope:` section: spec guards that records alone cannot decide, each with its reason.

use marked_yaml::Node;
use marked_yaml::types::MarkedMappingNode;

use super::read::Twice;
use super::{At, Reader};
use crate::diagnostics::Code;
use crate::model::OutOfScope;
use crate::names::NameKind;

impl Reader<'_> {
    /// Collects every file's `out_of_scope:` entries in spec order; names are unique across files.
    pub(super) fn out_of_scope(&mut self, roots: &[&MarkedMappingNode]) -> Vec<OutOfScope> {
        let mut entries = Vec::new();
        let twice = Twice {
            code: Code::DuplicateOutOfScope,
            noun: "out-of-scope guard",
            verb: "listed",
            fix: "give each guard one entry with one reason",
        };
        for (name, at, value) in self.unique_entries(roots, "out_of_scope", NameKind::Type, &twice)
        {
            if let Some(entry) = self.out_of_scope_entry(name, at, value) {
                entries.push(entry);
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
