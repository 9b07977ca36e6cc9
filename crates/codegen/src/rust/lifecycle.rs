//! `lifecycle.rs`: the §2.6.6.3 state machine as constants and `const fn`s on the state enum.
//!
//! The state enum itself is emitted once, in `types.rs` (it is also a spec type that fields use);
//! this module adds the transition table, the rejected diagram edges and the checks.

use handshake_spec::model::{Field, Lifecycle, TransitionOrigin};
use proc_macro2::TokenStream;
use quote::quote;

use super::{ident, module_doc, one_line, unsupported, variant_ident};
use crate::CodegenError;
use crate::ir::domain::TransitionErrors;
use crate::ir::{DomainError, Ir};

/// The whole `lifecycle.rs` module.
///
/// The state enum it names is the one the loader builds from the states (`lower::lifecycle_enum`;
/// `S0204` refuses another type of that name), and every state a transition, a rejected edge or
/// `initial` names is declared (`S0401`, `S0402`).
pub(super) fn module(ir: &Ir<'_>) -> Result<TokenStream, CodegenError> {
    let lifecycle = &ir.spec.lifecycle;
    let meta = &lifecycle.meta;
    let state_type = ident(&lifecycle.name, meta)?;

    let header_lines = [
        format!("The {} lifecycle ({}) as data: transitions, rejected diagram edges and checks.", lifecycle.name, meta.clause),
        String::new(),
        "Every allowed transition is listed with its clause and whether the diagram draws it or the text".to_owned(),
        "implies it; a transition that is not listed is illegal. Generated from `spec/*.yaml`.".to_owned(),
    ];
    let header_refs: Vec<&str> = header_lines.iter().map(String::as_str).collect();
    let header = module_doc(&header_refs);

    let initial = variant_ident(&lifecycle.initial, meta)?;
    let terminal = lifecycle
        .terminal_states()
        .map(|s| variant_ident(&s.name, &s.meta))
        .collect::<Result<Vec<_>, _>>()?;

    let mut table = Vec::new();
    for transition in &lifecycle.transitions {
        let from = variant_ident(&transition.from, &transition.meta)?;
        let to = variant_ident(&transition.to, &transition.meta)?;
        let clause = transition.meta.clause.to_string();
        let description = one_line(&transition.meta.description);
        let origin = match transition.origin {
            TransitionOrigin::Diagram => quote! { TransitionOrigin::Diagram },
            TransitionOrigin::Text => quote! { TransitionOrigin::Text },
        };
        table.push(quote! {
            Transition {
                from: #state_type::#from,
                to: #state_type::#to,
                clause: #clause,
                origin: #origin,
                description: #description,
            }
        });
    }

    let mut rejected = Vec::new();
    for edge in &lifecycle.rejected {
        let from = variant_ident(&edge.from, &edge.meta)?;
        let to = variant_ident(&edge.to, &edge.meta)?;
        let clause = edge.meta.clause.to_string();
        let reason = one_line(edge.reason());
        rejected.push(quote! {
            RejectedTransition { from: #state_type::#from, to: #state_type::#to, clause: #clause, reason: #reason }
        });
    }

    // One arm per state, listing its targets: reads like the spec's table, and the compiler
    // checks that every state is covered.
    let mut target_arms = Vec::new();
    let mut can_arms = Vec::new();
    for s in &lifecycle.states {
        let from = variant_ident(&s.name, &s.meta)?;
        let targets = lifecycle
            .transitions
            .iter()
            .filter(|t| t.from == s.name)
            .map(|t| variant_ident(&t.to, &t.meta))
            .collect::<Result<Vec<_>, _>>()?;
        target_arms.push(quote! { Self::#from => &[#(Self::#targets),*] });
        can_arms.push(if targets.is_empty() {
            quote! { Self::#from => false }
        } else {
            quote! { Self::#from => matches!(to, #(Self::#targets)|*) }
        });
    }
    // `to` is unused only when no state has a way out (a spec of terminal states alone).
    let unused_to = if lifecycle.transitions.is_empty() {
        quote! { let _ = to; }
    } else {
        quote! {}
    };
    let can_transition_body = quote! {
        #unused_to
        match self {
            #(#can_arms,)*
        }
    };
    let is_terminal_body = if terminal.is_empty() {
        quote! { let _ = self; false }
    } else {
        quote! { matches!(self, #(Self::#terminal)|*) }
    };
    let check_body = check_transition_body(ir, lifecycle)?;

    let can_doc = format!(
        " Whether `self → to` is in the transition table ({}); a generated match, not a search.",
        meta.clause
    );
    Ok(quote! {
        #header
        use super::errors::ModelError;
        use super::types::#state_type;

        /// Where an allowed transition comes from in the Master Spec.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum TransitionOrigin {
            /// Drawn as an arrow in the lifecycle diagram.
            Diagram,
            /// Implied by a sentence of the spec's text; the clause names the sentence.
            Text,
        }

        /// One allowed lifecycle transition, with the clause that allows it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct Transition {
            /// Source state.
            pub from: #state_type,
            /// Target state.
            pub to: #state_type,
            /// The Master Spec clause(s) that allow it, e.g. `§2.6.6.3.1`.
            pub clause: &'static str,
            /// Whether the diagram draws it or the text implies it.
            pub origin: TransitionOrigin,
            /// What the transition means, paraphrasing the spec.
            pub description: &'static str,
        }

        /// An edge the spec's diagram draws that the transition table refuses, with the reason.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct RejectedTransition {
            /// Source state as drawn.
            pub from: #state_type,
            /// Target state as drawn.
            pub to: #state_type,
            /// The clause whose diagram draws it.
            pub clause: &'static str,
            /// Why it is refused (the spec decision).
            pub reason: &'static str,
        }

        /// Diagram edges that are not allowed transitions, each with the reason, in spec order.
        pub const REJECTED_TRANSITIONS: &[RejectedTransition] = &[#(#rejected),*];

        impl #state_type {
            /// The state every new job starts in.
            pub const INITIAL: Self = Self::#initial;

            /// States no transition may leave, in spec order.
            pub const TERMINAL: &'static [Self] = &[#(Self::#terminal),*];

            /// Every allowed transition, in spec order.
            pub const TRANSITIONS: &'static [Transition] = &[#(#table),*];

            #[doc = #can_doc]
            pub const fn can_transition_to(self, to: Self) -> bool {
                #can_transition_body
            }

            /// Whether no transition may leave this state.
            pub const fn is_terminal(self) -> bool {
                #is_terminal_body
            }

            /// The states this one may move to, in spec order (empty for terminal states).
            pub fn allowed_targets(self) -> &'static [Self] {
                match self {
                    #(#target_arms,)*
                }
            }

            /// Checks `self → to` against the table and returns the spec's typed error if refused.
            pub fn check_transition(self, to: Self) -> Result<(), ModelError> {
                #check_body
            }
        }
    })
}

/// `check_transition`: terminal states first (if the spec has an error for it), then the table.
fn check_transition_body(ir: &Ir<'_>, lifecycle: &Lifecycle) -> Result<TokenStream, CodegenError> {
    // The one thing this target needs that the spec language leaves optional: an error to
    // return. Its shape, and `TerminalState`'s, is the loader's (`S0412`).
    let Some(TransitionErrors {
        from: from_field,
        to: to_field,
        terminal,
        ..
    }) = ir.transition_errors()
    else {
        return Err(unsupported(
            &lifecycle.meta.location.to_string(),
            format!(
                "the rust target needs an error named {} with two fields of type {} \
                 (current state, requested state); declare it under `errors:`",
                DomainError::IllegalTransition.name(),
                lifecycle.name
            ),
        ));
    };
    let from_value = state_value(from_field, quote! { self });
    let to_value = state_value(to_field, quote! { to });
    let from_name = ident(&from_field.name, &from_field.meta)?;
    let to_name = ident(&to_field.name, &to_field.meta)?;
    let illegal_error =
        quote! { ModelError::IllegalTransition { #from_name: #from_value, #to_name: #to_value } };

    let terminal_check = match terminal {
        None => quote! {},
        Some((_, field)) => {
            let value = state_value(field, quote! { self });
            let name = ident(&field.name, &field.meta)?;
            quote! {
                if self.is_terminal() {
                    return Err(ModelError::TerminalState { #name: #value });
                }
            }
        }
    };
    Ok(quote! {
        #terminal_check
        if self.can_transition_to(to) {
            Ok(())
        } else {
            Err(#illegal_error)
        }
    })
}

/// `value` for an error field of the lifecycle's state type; wrapped in `Some` if optional.
fn state_value(field: &Field, value: TokenStream) -> TokenStream {
    if field.required {
        value
    } else {
        quote! { Some(#value) }
    }
}
