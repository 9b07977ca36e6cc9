//! Docs target, out-of-scope guards: the `## Guards out of scope for records` table of `index.md`,
//! listing each spec guard that needs the running system with its clause and reason.

use handshake_spec::model::Spec;

use super::{cell, code, row, with_decision};

/// The out-of-scope table of `index.md`; nothing when the spec lists no such guard.
pub(super) fn index_out_of_scope(out: &mut String, spec: &Spec) {
    if spec.out_of_scope.is_empty() {
        return;
    }
    out.push_str(
        "\n## Guards out of scope for records\n\nGuards of the spec that records alone cannot decide; no \
         generated validator enforces them (or only the part the reason names), the running system must.\n\n\
         | guard | clause | what it guards | why records cannot decide it |\n| --- | --- | --- | --- |\n",
    );
    for guard in &spec.out_of_scope {
        row(
            out,
            [
                &code(&guard.name),
                &guard.meta.clause,
                &cell(&guard.meta.description),
                &cell(&with_decision(&guard.reason, &guard.meta)),
            ],
        );
    }
}

#[cfg(test)]
mod tests {
    use handshake_spec::model::{Clause, Location, Meta, OutOfScope};

    use super::*;

    fn meta(decision: Option<&str>) -> Meta {
        Meta {
            clause: Clause(vec!["§2.6.6.7.11".into()]),
            description: "blocks | untrusted instructions".into(),
            decision: decision.map(str::to_string),
            location: Location {
                file: "spec/ace_rules.yaml".into(),
                line: 1,
                column: 1,
            },
        }
    }

    #[test]
    fn lists_each_guard_with_clause_and_reason_in_spec_order() {
        let mut spec = crate::typescript::test_spec::spec();
        spec.out_of_scope = vec![
            OutOfScope {
                name: "PromptInjectionGuard".into(),
                reason: "judges text\nat run time".into(),
                meta: meta(None),
            },
            OutOfScope {
                name: "CacheKeyGuard".into(),
                reason: "needs the log".into(),
                meta: meta(Some("listed on purpose")),
            },
        ];
        let mut out = String::new();
        index_out_of_scope(&mut out, &spec);
        let rows: Vec<&str> = out.lines().filter(|l| l.starts_with("| `")).collect();
        assert_eq!(
            rows,
            [
                "| `PromptInjectionGuard` | §2.6.6.7.11 | blocks \\| untrusted instructions | judges text at run time |",
                "| `CacheKeyGuard` | §2.6.6.7.11 | blocks \\| untrusted instructions | needs the log **Decision:** listed on purpose |",
            ]
        );
    }

    #[test]
    fn writes_nothing_without_guards() {
        let spec = crate::typescript::test_spec::spec();
        let mut out = String::new();
        index_out_of_scope(&mut out, &spec);
        assert!(out.is_empty());
    }
}
