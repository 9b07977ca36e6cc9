//! The behaviour half of the diff: the lifecycle, rules (with a structural tighter/looser test)
//! and profiles, whose changes alter what the system does rather than what a record looks like.

use std::collections::BTreeSet;

use handshake_spec::model::{Condition, Rule, Spec};
use serde_json::Value;

use super::{Differ, Paired, paired};
use crate::catalogue as c;

impl Differ {
    pub(super) fn lifecycle(&mut self, old: &Spec, new: &Spec) {
        let (o, n) = (&old.lifecycle, &new.lifecycle);
        let name = &n.name;
        let at = &n.meta.location;
        self.meta(name, &o.meta, &n.meta);
        if o.name != n.name {
            self.at_new(
                c::LIFECYCLE_RENAMED,
                name,
                format!("the lifecycle enum is {name} (was {})", o.name),
                at,
            );
        }
        if o.initial != n.initial {
            self.at_new(
                c::INITIAL_STATE_CHANGED,
                name,
                format!("new jobs start in `{}` (was `{}`)", n.initial, o.initial),
                at,
            );
        }
        for pair in paired(&o.states, &n.states, |a, b| a.name == b.name) {
            match pair {
                Paired::Removed(s) => {
                    let declared = self
                        .evolution
                        .removed_values_of(&n.name)
                        .find(|r| r.value == s.name)
                        .cloned();
                    match declared {
                        Some(r) => self.at_new(
                            c::STATE_MAPPED,
                            &format!("{name}.{}", s.name),
                            format!(
                                "state `{}` was removed: stored jobs in it move to `{}`{}",
                                s.name,
                                r.map_to,
                                super::alias_note(r.read_alias)
                            ),
                            &r.location,
                        ),
                        None => self.at_old(
                            c::STATE_REMOVED,
                            &format!("{name}.{}", s.name),
                            format!(
                                "state `{}` was removed: stored jobs in it no longer parse",
                                s.name
                            ),
                            &s.meta.location,
                        ),
                    }
                }
                Paired::Added(s) => self.at_new(
                    c::STATE_ADDED,
                    &format!("{name}.{}", s.name),
                    format!("state `{}` was added", s.name),
                    &s.meta.location,
                ),
                Paired::Kept(os, s) => {
                    let subject = format!("{name}.{}", s.name);
                    self.meta(&subject, &os.meta, &s.meta);
                    if os.terminal != s.terminal {
                        let what = if s.terminal {
                            "became terminal: no transition may leave it"
                        } else {
                            "is no longer terminal"
                        };
                        self.at_new(
                            c::TERMINAL_STATE_CHANGED,
                            &subject,
                            format!("state `{}` {what}", s.name),
                            &s.meta.location,
                        );
                    }
                }
            }
        }
        for t in &o.transitions {
            if !n.allows(&t.from, &t.to) {
                self.at_old(
                    c::TRANSITION_REMOVED,
                    &format!("{name}.{}->{}", t.from, t.to),
                    format!("transition {} -> {} is no longer allowed", t.from, t.to),
                    &t.meta.location,
                );
            }
        }
        for t in &n.transitions {
            let subject = format!("{name}.{}->{}", t.from, t.to);
            match o
                .transitions
                .iter()
                .find(|x| x.from == t.from && x.to == t.to)
            {
                None => self.at_new(
                    c::TRANSITION_ADDED,
                    &subject,
                    format!("transition {} -> {} is now allowed", t.from, t.to),
                    &t.meta.location,
                ),
                Some(ot) => {
                    self.meta(&subject, &ot.meta, &t.meta);
                    if ot.origin != t.origin {
                        self.at_new(
                            c::TRANSITION_ORIGIN_CHANGED,
                            &subject,
                            format!(
                                "transition {} -> {} is {:?} (was {:?})",
                                t.from, t.to, t.origin, ot.origin
                            )
                            .to_lowercase(),
                            &t.meta.location,
                        );
                    }
                }
            }
        }
        for pair in paired(&o.rejected, &n.rejected, |a, b| {
            (&a.from, &a.to) == (&b.from, &b.to)
        }) {
            match pair {
                Paired::Removed(r) => self.at_old(
                    c::REJECTED_EDGE_REMOVED,
                    &format!("{name}.{}->{}", r.from, r.to),
                    format!("rejected edge {} -> {} is no longer recorded", r.from, r.to),
                    &r.meta.location,
                ),
                Paired::Added(r) => self.at_new(
                    c::REJECTED_EDGE_ADDED,
                    &format!("{name}.{}->{}", r.from, r.to),
                    format!("edge {} -> {} is recorded as rejected", r.from, r.to),
                    &r.meta.location,
                ),
                Paired::Kept(or, r) => {
                    self.meta(&format!("{name}.{}->{}", r.from, r.to), &or.meta, &r.meta)
                }
            }
        }
    }

    pub(super) fn rules(&mut self, old: &Spec, new: &Spec) {
        // match by name, then what is left by code (a rename)
        let find = |list: &'_ [Rule], r: &Rule, others: &[Rule]| -> Option<usize> {
            list.iter().position(|x| x.name == r.name).or_else(|| {
                list.iter().position(|x| {
                    x.code == r.code
                        && !others.iter().any(|y| y.name == x.name)
                        && !list.iter().any(|y| y.name == r.name)
                })
            })
        };
        // a rule written from a profile binding that came or went with it is reported once, as
        // the binding (or the profile)
        let (bound_added, bound_removed) = (new_bindings(old, new), new_bindings(new, old));
        for r in &old.rules {
            if find(&new.rules, r, &old.rules).is_none() && !bound_removed.contains(&r.code) {
                self.at_old(
                    c::RULE_REMOVED,
                    &r.name,
                    format!("rule {} ({}) was removed", r.name, r.code),
                    &r.meta.location,
                );
            }
        }
        for r in &new.rules {
            let at = &r.meta.location;
            let Some(o) = find(&old.rules, r, &new.rules).map(|i| &old.rules[i]) else {
                if bound_added.contains(&r.code) {
                    continue;
                }
                if old.type_named(&r.on).is_none() {
                    // nothing of this record was ever accepted without the rule
                    self.at_new(
                        c::RULE_ADDED_ON_NEW_RECORD,
                        &r.name,
                        format!(
                            "rule {} ({}) was added on {}, a record that is new too",
                            r.name, r.code, r.on
                        ),
                        at,
                    );
                    continue;
                }
                self.at_new(
                    c::RULE_ADDED,
                    &r.name,
                    format!(
                        "rule {} ({}) on {} was added: records it refuses were accepted",
                        r.name, r.code, r.on
                    ),
                    at,
                );
                continue;
            };
            let name = &r.name;
            self.meta(name, &o.meta, &r.meta);
            if o.name != r.name {
                self.at_new(
                    c::RULE_RENAMED,
                    name,
                    format!("rule {} ({}) was renamed from {}", r.name, r.code, o.name),
                    at,
                );
            }
            if o.code != r.code {
                self.at_new(
                    c::RULE_CODE_CHANGED,
                    name,
                    format!("rule {name} reports {} (was {})", r.code, o.code),
                    at,
                );
            }
            if o.on != r.on {
                self.at_new(
                    c::RULE_TARGET_CHANGED,
                    name,
                    format!("rule {name} is on {} (was {})", r.on, o.on),
                    at,
                );
            } else {
                match compare_rule(o, r) {
                    Strength::Same => {}
                    Strength::Tighter => self.at_new(
                        c::RULE_TIGHTENED,
                        name,
                        format!("rule {name} ({}) refuses records it accepted", r.code),
                        at,
                    ),
                    Strength::Looser => self.at_new(
                        c::RULE_LOOSENED,
                        name,
                        format!("rule {name} ({}) accepts records it refused", r.code),
                        at,
                    ),
                    Strength::Different => self.at_new(
                        c::RULE_CONDITION_CHANGED,
                        name,
                        format!("the condition of rule {name} ({}) changed", r.code),
                        at,
                    ),
                }
            }
            if o.message != r.message {
                self.at_new(
                    c::RULE_MESSAGE_CHANGED,
                    name,
                    format!("the message of rule {name} is `{}`", r.message),
                    at,
                );
            }
        }
    }

    pub(super) fn profiles(&mut self, old: &Spec, new: &Spec) {
        for pair in paired(&old.profiles, &new.profiles, |a, b| a.name == b.name) {
            let (o, p) = match pair {
                Paired::Kept(o, p) => (o, p),
                Paired::Removed(p) => {
                    let message = format!("profile {} ({}) was removed", p.name, p.profile_id);
                    self.at_old(c::PROFILE_REMOVED, &p.name, message, &p.meta.location);
                    continue;
                }
                Paired::Added(p) => {
                    let message = format!("profile {} ({}) was added", p.name, p.profile_id);
                    self.at_new(c::PROFILE_ADDED, &p.name, message, &p.meta.location);
                    continue;
                }
            };
            let at = &p.meta.location;
            let name = &p.name;
            self.meta(name, &o.meta, &p.meta);
            if o.profile_id != p.profile_id {
                self.at_new(
                    c::PROFILE_ID_CHANGED,
                    name,
                    format!(
                        "profile {name} is `{}` on the wire (was `{}`)",
                        p.profile_id, o.profile_id
                    ),
                    at,
                );
            }
            if o.job_kinds != p.job_kinds {
                self.at_new(
                    c::PROFILE_JOB_KINDS_CHANGED,
                    name,
                    format!(
                        "profile {name} binds [{}] (was [{}])",
                        p.job_kinds.join(", "),
                        o.job_kinds.join(", ")
                    ),
                    at,
                );
            }
            for (what, ov, nv) in [
                ("inputs", &o.inputs, &p.inputs),
                ("outputs", &o.outputs, &p.outputs),
            ] {
                if ov != nv {
                    self.at_new(
                        c::PROFILE_RECORD_CHANGED,
                        &format!("{name}.{what}"),
                        format!(
                            "profile {name} carries {} as {what} (was {})",
                            nv.as_deref().unwrap_or("nothing"),
                            ov.as_deref().unwrap_or("nothing")
                        ),
                        at,
                    );
                }
            }
            if o.operations != p.operations {
                self.at_new(
                    c::PROFILE_OPERATIONS_CHANGED,
                    name,
                    format!(
                        "profile {name} owns [{}] (was [{}])",
                        p.operations.join(", "),
                        o.operations.join(", ")
                    ),
                    at,
                );
            }
            for pair in paired(&o.bindings, &p.bindings, |a, b| a.kind == b.kind) {
                match pair {
                    Paired::Removed(b) => self.at_old(
                        c::PROFILE_BINDING_REMOVED,
                        &format!("{name}.bindings.{}", b.kind.key()),
                        format!(
                            "profile {name} no longer binds {} ({})",
                            b.kind.key(),
                            b.code
                        ),
                        &b.location,
                    ),
                    Paired::Added(b) => self.at_new(
                        c::PROFILE_BINDING_ADDED,
                        &format!("{name}.bindings.{}", b.kind.key()),
                        format!("profile {name} binds {} ({})", b.kind.key(), b.code),
                        &b.location,
                    ),
                    Paired::Kept(ob, b) if ob.code != b.code => self.at_new(
                        c::PROFILE_BINDING_CODE_CHANGED,
                        &format!("{name}.bindings.{}", b.kind.key()),
                        format!(
                            "the {} binding of {name} reports {} (was {})",
                            b.kind.key(),
                            b.code,
                            ob.code
                        ),
                        &b.location,
                    ),
                    Paired::Kept(..) => {}
                }
            }
            for cap in &o.capabilities {
                if !p.capabilities.contains(cap) {
                    self.at_new(
                        c::CAPABILITY_REMOVED,
                        &format!("{name}:{cap}"),
                        format!("profile {name} no longer requires {cap}"),
                        at,
                    );
                }
            }
            for cap in &p.capabilities {
                if !o.capabilities.contains(cap) {
                    self.at_new(
                        c::CAPABILITY_ADDED,
                        &format!("{name}:{cap}"),
                        format!(
                            "profile {name} requires {cap}: jobs without the grant are refused"
                        ),
                        at,
                    );
                }
            }
            for (what, ov, nv) in [
                ("validation_plan", &o.validation_plan, &p.validation_plan),
                ("provenance_plan", &o.provenance_plan, &p.provenance_plan),
            ] {
                if ov != nv {
                    self.at_new(
                        c::PROFILE_PLAN_CHANGED,
                        &format!("{name}.{what}"),
                        format!("the {what} of profile {name} changed"),
                        at,
                    );
                }
            }
            for pair in paired(&o.statuses, &p.statuses, |a, b| a.status == b.status) {
                match pair {
                    Paired::Removed(s) => self.at_old(
                        c::PROFILE_STATUS_CHANGED,
                        &format!("{name}.statuses.{}", s.status),
                        format!("status {} of profile {name} was removed", s.status),
                        &s.meta.location,
                    ),
                    Paired::Added(s) => self.at_new(
                        c::PROFILE_STATUS_CHANGED,
                        &format!("{name}.statuses.{}", s.status),
                        format!(
                            "status {} of profile {name} was added, onto `{}`",
                            s.status, s.state
                        ),
                        &s.meta.location,
                    ),
                    Paired::Kept(os, s) => {
                        let subject = format!("{name}.statuses.{}", s.status);
                        self.meta(&subject, &os.meta, &s.meta);
                        if os.state != s.state {
                            self.at_new(
                                c::PROFILE_STATUS_CHANGED,
                                &subject,
                                format!(
                                    "status {} of profile {name} maps onto `{}` (was `{}`)",
                                    s.status, s.state, os.state
                                ),
                                &s.meta.location,
                            );
                        }
                    }
                }
            }
            if o.future != p.future {
                let what = if p.future {
                    "is marked future"
                } else {
                    "is active"
                };
                self.at_new(
                    c::PROFILE_FUTURE_CHANGED,
                    name,
                    format!("profile {name} {what}"),
                    at,
                );
            }
        }
    }
}

/// Codes of the bindings `new` has and `old` does not (on a profile `old` lacks, or of a kind the
/// profile did not bind).
fn new_bindings(old: &Spec, new: &Spec) -> BTreeSet<String> {
    let mut codes = BTreeSet::new();
    for p in &new.profiles {
        let before = old.profiles.iter().find(|o| o.name == p.name);
        for b in &p.bindings {
            if !before.is_some_and(|o| o.bindings.iter().any(|x| x.kind == b.kind)) {
                codes.insert(b.code.clone());
            }
        }
    }
    codes
}

/// How a rule's new condition relates to its old one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strength {
    Same,
    /// Refuses a superset of what it refused.
    Tighter,
    /// Refuses a subset.
    Looser,
    /// Neither can be shown.
    Different,
}

/// A rule refuses a record when `when` holds and `require` does not. Only structural cases are
/// decided (a `when` dropped or added, a conjunct added to or removed from `require`, a set of
/// allowed values shrunk or grown, a length bound moved); anything else is `Different`.
fn compare_rule(old: &Rule, new: &Rule) -> Strength {
    let when = match (&old.when, &new.when) {
        (a, b) if a == b => Strength::Same,
        (None, None) => Strength::Same,
        (Some(_), None) => Strength::Tighter,
        (None, Some(_)) => Strength::Looser,
        // a narrower `when` applies to fewer records: looser
        (Some(a), Some(b)) => flip(implication(a, b)),
    };
    let require = implication(&old.require, &new.require);
    combine(when, require)
}

fn flip(s: Strength) -> Strength {
    match s {
        Strength::Tighter => Strength::Looser,
        Strength::Looser => Strength::Tighter,
        other => other,
    }
}

fn combine(a: Strength, b: Strength) -> Strength {
    match (a, b) {
        (Strength::Same, x) | (x, Strength::Same) => x,
        (x, y) if x == y => x,
        _ => Strength::Different,
    }
}

/// `Tighter` when the new condition is stricter than the old (holds for fewer records).
fn implication(old: &Condition, new: &Condition) -> Strength {
    use Condition as C;
    if old == new {
        return Strength::Same;
    }
    let subset = |a: &[Value], b: &[Value]| a.iter().all(|v| b.contains(v));
    match (old, new) {
        (C::All(o), C::All(n)) if subset_of(o, n) => Strength::Tighter,
        (C::All(o), C::All(n)) if subset_of(n, o) => Strength::Looser,
        (o, C::All(n)) if n.contains(o) => Strength::Tighter,
        (C::All(o), n) if o.contains(n) => Strength::Looser,
        (C::Any(o), C::Any(n)) if subset_of(n, o) => Strength::Tighter,
        (C::Any(o), C::Any(n)) if subset_of(o, n) => Strength::Looser,
        (C::OneOf { path: a, values: o }, C::OneOf { path: b, values: n }) if a == b => {
            if subset(n, o) {
                Strength::Tighter
            } else if subset(o, n) {
                Strength::Looser
            } else {
                Strength::Different
            }
        }
        (C::NoneOf { path: a, values: o }, C::NoneOf { path: b, values: n }) if a == b => {
            if subset(o, n) {
                Strength::Tighter
            } else if subset(n, o) {
                Strength::Looser
            } else {
                Strength::Different
            }
        }
        (
            C::Length {
                path: a,
                min: omin,
                max: omax,
            },
            C::Length {
                path: b,
                min: nmin,
                max: nmax,
            },
        ) if a == b => {
            let lo = |v: &Option<u64>| v.unwrap_or(0);
            let hi = |v: &Option<u64>| v.unwrap_or(u64::MAX);
            let tighter = lo(nmin) >= lo(omin) && hi(nmax) <= hi(omax);
            let looser = lo(nmin) <= lo(omin) && hi(nmax) >= hi(omax);
            match (tighter, looser) {
                (true, false) => Strength::Tighter,
                (false, true) => Strength::Looser,
                _ => Strength::Different,
            }
        }
        (
            C::Each {
                path: a,
                condition: o,
            },
            C::Each {
                path: b,
                condition: n,
            },
        ) if a == b => implication(o, n),
        (C::Not(o), C::Not(n)) => flip(implication(o, n)),
        _ => Strength::Different,
    }
}

fn subset_of(a: &[Condition], b: &[Condition]) -> bool {
    a.iter().all(|x| b.contains(x))
}
