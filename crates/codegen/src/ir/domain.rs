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
