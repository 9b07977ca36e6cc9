//! Domain facts the targets rely on, resolved once: what a target needs about the spec's
//! Handshake-specific declarations, found by name here and nowhere else.

use handshake_spec::model::{EnumValue, ErrorDef, Field, Profile, TypeKind, Variant};

use super::{Claim, DomainError, Ir};

/// The errors a lifecycle transition check returns (§2.6.6.3), with the fields it fills.
///
/// The loader (`S0412`) guarantees the shapes: `IllegalTransition` has exactly two fields of the
/// lifecycle's state type, `TerminalState` exactly one. The first field is the current state and
/// the second the requested one (spec order), so the spec may name them as it likes.
#[derive(Debug, Clone, Copy)]
pub struct TransitionErrors<'s> {
    /// `IllegalTransition`: an edge that is not in the table.
    pub illegal: &'s ErrorDef,
    /// Its field holding the current state.
    pub from: &'s Field,
    /// Its field holding the requested state.
    pub to: &'s Field,
    /// `TerminalState` and its one field, when the spec declares it: leaving a terminal state.
    pub terminal: Option<(&'s ErrorDef, &'s Field)>,
}

impl<'s> Ir<'s> {
    /// The errors a transition check returns, `None` when the spec declares no
    /// `IllegalTransition` (a target that checks transitions needs one). A `TerminalState` is
    /// used only in the shape the loader guarantees.
    pub fn transition_errors(&self) -> Option<TransitionErrors<'s>> {
        let illegal = self.error(DomainError::IllegalTransition)?;
        let [from, to] = illegal.fields.as_slice() else {
            return None;
        };
        let terminal = self.error(DomainError::TerminalState).and_then(|error| {
            match error.fields.as_slice() {
                [field] => Some((error, field)),
                _ => None,
            }
        });
        Some(TransitionErrors {
            illegal,
            from,
            to,
            terminal,
        })
    }

    /// Each value of the [`Ir::job_kind`] enum, in spec order, with the profile that binds it;
    /// empty when the job kinds are no enum. The loader's `S1004` binds every value to exactly
    /// one profile, so no value is left out of a checked spec.
    pub fn job_kind_registry(&self) -> Vec<(&'s EnumValue, &'s Profile)> {
        let Some(TypeKind::Enum(values)) = self.job_kind().map(|id| &self.def(id).kind) else {
            return Vec::new();
        };
        values
            .iter()
            .filter_map(|value| Some((value, self.profile_claiming(Claim::JobKind, &value.name)?)))
            .collect()
    }

    /// Each variant of the [`Ir::planned_operation`] union, in spec order, with the profile that
    /// claims it; empty when there is no such union. When a profile lists `operations`, the
    /// loader's `S1012` has every variant claimed by exactly one profile.
    pub fn operation_registry(&self) -> Vec<(&'s Variant, &'s Profile)> {
        let Some(TypeKind::Union(union)) = self.planned_operation().map(|id| &self.def(id).kind)
        else {
            return Vec::new();
        };
        union
            .variants
            .iter()
            .filter_map(|variant| {
                Some((
                    variant,
                    self.profile_claiming(Claim::Operation, &variant.name)?,
                ))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use handshake_spec::model::{Spec, TypeKind};

    use crate::ir::{Claim, Ir};

    /// The repository's spec.
    fn real_spec() -> Spec {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        handshake_spec::load(&root).expect("the real spec loads")
    }

    /// The transition errors are the spec's `IllegalTransition` (its two fields in order) and
    /// `TerminalState`; without an `IllegalTransition` there are none.
    #[test]
    fn transition_errors_are_the_declared_errors_with_their_fields_in_order() {
        let mut spec = real_spec();
        let ir = Ir::new(&spec);
        let errors = ir
            .transition_errors()
            .expect("the spec declares IllegalTransition");
        assert_eq!(errors.illegal.name, "IllegalTransition");
        let fields = &errors.illegal.fields;
        assert_eq!(
            [errors.from.name.as_str(), errors.to.name.as_str()],
            [fields[0].name.as_str(), fields[1].name.as_str()]
        );
        let (terminal, field) = errors.terminal.expect("the spec declares TerminalState");
        assert_eq!(
            (terminal.name.as_str(), &field.name),
            ("TerminalState", &terminal.fields[0].name)
        );

        spec.errors
            .retain(|error| error.name != "IllegalTransition");
        assert!(Ir::new(&spec).transition_errors().is_none());
    }

    /// Every job kind and every planned operation comes with the profile that claims it, in the
    /// order the enum and the union declare them.
    #[test]
    fn registries_list_every_value_with_its_profile_in_spec_order() {
        let spec = real_spec();
        let ir = Ir::new(&spec);
        let kinds = ir.job_kind_registry();
        let Some(TypeKind::Enum(values)) = ir.job_kind().map(|id| &ir.def(id).kind) else {
            panic!("JobKind is an enum");
        };
        assert_eq!(kinds.len(), values.len());
        for ((value, profile), declared) in kinds.iter().zip(values) {
            assert_eq!(value.name, declared.name);
            assert!(profile.job_kinds.contains(&value.name), "{}", value.name);
            assert_eq!(
                ir.profile_claiming(Claim::JobKind, &value.name)
                    .map(|p| &p.name),
                Some(&profile.name)
            );
        }
        let operations = ir.operation_registry();
        let Some(TypeKind::Union(union)) = ir.planned_operation().map(|id| &ir.def(id).kind) else {
            panic!("PlannedOperation is a union");
        };
        assert_eq!(operations.len(), union.variants.len());
        for ((variant, profile), declared) in operations.iter().zip(&union.variants) {
            assert_eq!(variant.name, declared.name);
            assert!(
                profile.operations.contains(&variant.name),
                "{}",
                variant.name
            );
        }
    }
}
