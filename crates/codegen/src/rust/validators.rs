//! `validate.rs`: the spec's cross-field rules as `Validate` impls for every record and union.
//!
//! Each rule becomes straight-line Rust on the typed model (no interpretation at run time): a path
//! is a chain of field accesses, `Option::is_some_and` / `is_none_or` where a step is optional, so
//! an absent value behaves exactly as `docs/spec-language.md` says (it satisfies only `absent`,
//! negated comparisons, and length/`each` vacuously; a field with a `default:` is never absent,
//! because the model applies the default when it reads a record). Conditions are kept as a small
//! boolean tree and negated by De Morgan before printing, so the output reads like hand-written
//! code and passes clippy without allowances.
//!
//! A `[variant]` path step destructures the union with a `match` (other variants give `None`, so
//! the rest of the path is absent), and a path ending in one is tested with `matches!`.
//!
//! Violations carry the JSON Pointer of the value the rule is about: the record's pointer plus the
//! first path of the failing part (its field steps; a variant step adds no key). A top-level `all` reports each failing part on its own; a
//! top-level `each` reports each failing element (and part) on its own, so every violation is
//! returned, not only the first. Records and unions that cannot reach a rule get an empty impl;
//! the others descend only into the fields that can.

use handshake_spec::diagnostics::Code;
use handshake_spec::model::{
    Condition, Field, FieldPath, HashForm, Measure, Primitive, Rule, Term, TypeDef, TypeKind,
    TypeRef,
};
use proc_macro2::{Literal, TokenStream};
use quote::{ToTokens, format_ident, quote};

use super::{field_ident, ident, module_doc, unsupported, variant_ident};
use crate::CodegenError;
use crate::ir::{Ir, Leaf, Step, TypeId};

/// The whole `validate.rs` module.
pub(super) fn module(ir: &Ir<'_>) -> Result<TokenStream, CodegenError> {
    let spec = ir.spec;
    let header = module_doc(&[
        "Cross-field rules of the AI Job Model (`rules:` in `spec/*.yaml`) as `Validate` impls.",
        "",
        "Every record and union implements `crate::validation::Validate`; `validate()` returns",
        "every violation with its JSON Pointer, stable code and clause. Generated from `spec/*.yaml`.",
    ]);
    let mut used: Vec<&str> = Vec::new();
    let mut impls = Vec::new();
    for id in ir.ids() {
        let def = ir.def(id);
        let body = match &def.kind {
            TypeKind::Record(record) => {
                let mut generator = Generator {
                    ir,
                    used: &mut used,
                    depth: 0,
                    on: id,
                };
                let mut statements = Vec::new();
                for rule in ir.rules_on(id) {
                    statements.push(generator.rule(rule)?);
                }
                for field in &record.fields {
                    if ir.leads_to_rules(&field.ty) {
                        let name = field_ident(&field.name, &field.meta)?;
                        let key = &field.name;
                        statements.push(quote! {
                            crate::validation::descend(pointer, #key, &self.#name, out);
                        });
                    }
                }
                statements
            }
            TypeKind::Union(union) => {
                let mut arms = Vec::new();
                for variant in &union.variants {
                    let fields: Vec<&Field> = variant
                        .fields
                        .iter()
                        .filter(|f| ir.leads_to_rules(&f.ty))
                        .collect();
                    if fields.is_empty() {
                        continue;
                    }
                    let union_name = ident(&def.name, &def.meta)?;
                    let variant_name = variant_ident(&variant.name, &variant.meta)?;
                    let names = fields
                        .iter()
                        .map(|f| field_ident(&f.name, &f.meta))
                        .collect::<Result<Vec<_>, _>>()?;
                    let keys = fields.iter().map(|f| f.name.as_str());
                    arms.push((
                        quote! { #union_name::#variant_name { #(#names,)* .. } },
                        quote! { #(crate::validation::descend(pointer, #keys, #names, out);)* },
                    ));
                }
                if arms.is_empty() {
                    Vec::new()
                } else if arms.len() == 1 && union.variants.len() > 1 {
                    // One variant to walk: `if let`, as clippy's single_match asks.
                    let (pattern, body) = arms.remove(0);
                    vec![quote! { if let #pattern = self { #body } }]
                } else {
                    let mut arms: Vec<TokenStream> = arms
                        .iter()
                        .map(|(pattern, body)| quote! { #pattern => { #body } })
                        .collect();
                    if arms.len() < union.variants.len() {
                        arms.push(quote! { _ => {} });
                    }
                    vec![quote! { match self { #(#arms)* } }]
                }
            }
            _ => continue,
        };
        if !used.contains(&def.name.as_str()) {
            used.push(&def.name);
        }
        let name = ident(&def.name, &def.meta)?;
        let params = if body.is_empty() {
            quote! { _pointer: &mut String, _out: &mut Vec<Violation> }
        } else {
            quote! { pointer: &mut String, out: &mut Vec<Violation> }
        };
        impls.push(quote! {
            impl Validate for #name {
                fn validate_at(&self, #params) {
                    #(#body)*
                }
            }
        });
    }
    let mut imports = Vec::new();
    for def in &spec.types {
        if used.contains(&def.name.as_str()) {
            imports.push(ident(&def.name, &def.meta)?);
        }
    }
    Ok(quote! {
        #header
        use super::types::{#(#imports),*};
        use crate::validation::{Validate, Violation};
        #(#impls)*
    })
}

/// A boolean expression: constants fold away, negation is pushed down to the atoms.
#[derive(Clone)]
enum B {
    Const(bool),
    /// An atom with its printed positive and negative forms.
    Atom {
        pos: TokenStream,
        neg: TokenStream,
    },
    And(Vec<B>),
    Or(Vec<B>),
}

impl B {
    fn not(self) -> B {
        match self {
            B::Const(value) => B::Const(!value),
            B::Atom { pos, neg } => B::Atom { pos: neg, neg: pos },
            B::And(items) => B::or(items.into_iter().map(B::not).collect()),
            B::Or(items) => B::and(items.into_iter().map(B::not).collect()),
        }
    }

    fn and(items: Vec<B>) -> B {
        B::connective(items, true, B::And)
    }

    fn or(items: Vec<B>) -> B {
        B::connective(items, false, B::Or)
    }

    /// `and` (`identity` true) and `or` (false) are duals: the identity constant drops out, its
    /// negation decides the whole, and a nested item of the same connective is flattened.
    fn connective(items: Vec<B>, identity: bool, make: fn(Vec<B>) -> B) -> B {
        let mut out = Vec::new();
        for item in items {
            match item {
                B::Const(value) if value == identity => {}
                B::Const(decided) => return B::Const(decided),
                B::And(inner) if identity => out.extend(inner),
                B::Or(inner) if !identity => out.extend(inner),
                other => out.push(other),
            }
        }
        match out.len() {
            0 => B::Const(identity),
            1 => out.pop().unwrap_or(B::Const(identity)),
            _ => make(out),
        }
    }

    fn atom(pos: TokenStream, neg: TokenStream) -> B {
        B::Atom { pos, neg }
    }

    fn render(&self) -> TokenStream {
        match self {
            B::Const(true) => quote! { true },
            B::Const(false) => quote! { false },
            B::Atom { pos, .. } => pos.clone(),
            B::And(items) => {
                let items = items
                    .iter()
                    .map(|item| item.render_operand(matches!(item, B::Or(_))));
                quote! { #(#items)&&* }
            }
            B::Or(items) => {
                let items = items
                    .iter()
                    .map(|item| item.render_operand(matches!(item, B::And(_))));
                quote! { #(#items)||* }
            }
        }
    }

    /// An operand of `&&` or `||`, in parentheses when it is the other connective: the
    /// generated code then reads as the spec's nesting, whatever the precedence rules.
    fn render_operand(&self, parenthesise: bool) -> TokenStream {
        let inner = self.render();
        if parenthesise {
            quote! { (#inner) }
        } else {
            inner
        }
    }
}

/// How a value is reached: a place of type `T`, a reference `&T`, or an `Option<&T>`.
#[derive(Clone)]
enum Access {
    Place(TokenStream),
    Ref(TokenStream),
    Opt(TokenStream),
}

/// A value expression handed to a comparison: a place of type `T` or a reference `&T`.
#[derive(Clone)]
enum Value {
    Place(TokenStream),
    Ref(TokenStream),
}

impl Value {
    /// The value itself (`T` by copy/compare): a place, or `*r`.
    fn deref(&self) -> TokenStream {
        match self {
            Value::Place(p) => p.clone(),
            Value::Ref(r) => quote! { *#r },
        }
    }

    /// Receiver for method calls (auto-ref/deref applies).
    fn recv(&self) -> TokenStream {
        match self {
            Value::Place(p) | Value::Ref(p) => p.clone(),
        }
    }
}

/// The body [`Generator::with_values`] calls with every accessed value.
type ValuesBody<'b, G> = dyn FnMut(&mut G, &[Value]) -> Result<B, CodegenError> + 'b;

struct Generator<'i, 's, 'u> {
    ir: &'i Ir<'s>,
    used: &'u mut Vec<&'s str>,
    depth: usize,
    /// The record the rules being generated are on (`self`).
    on: TypeId,
}

/// A statement of a rule's body: a guarded violation, or a loop over a list's elements.
enum Check {
    Guarded(B, TokenStream),
    Raw(TokenStream),
    /// `if let Some(list) = <option> { <body> }`: kept apart so that under a `when` it becomes
    /// one `if <when> && let Some(list) = …` (clippy's collapsible_if; edition 2024 let chains).
    IfSome(TokenStream, TokenStream),
}

/// One check of a rule's `require`: a condition and the pointer suffix it reports.
struct Part<'c> {
    condition: &'c Condition,
    suffix: String,
}

impl<'s> Generator<'_, 's, '_> {
    fn rule(&mut self, rule: &'s Rule) -> Result<TokenStream, CodegenError> {
        let on = Some(self.on);
        let code = &rule.code;
        let clause = rule.meta.clause.to_string();
        let name = &rule.name;
        let message = &rule.message;
        let violation = |path: TokenStream| {
            quote! {
                out.push(Violation {
                    path: #path,
                    code: #code,
                    clause: #clause,
                    rule: #name,
                    message: #message.to_owned(),
                });
            }
        };
        let base = Access::Ref(quote! { self });
        let mut checks = Vec::new();
        match &rule.require {
            Condition::Each { path, condition } => {
                let (access, element) = self.list_access(on, base.clone(), path, rule)?;
                let [var, index] = self.enter(["e", "i"]);
                let list_suffix = suffix(path);
                let mut inner = Vec::new();
                for part in split(condition) {
                    let b = self.condition(
                        element,
                        Access::Ref(quote! { #var }),
                        part.condition,
                        rule,
                    )?;
                    let part_suffix = part.suffix;
                    let template = format!("{{pointer}}{list_suffix}/{{{index}}}{part_suffix}");
                    let push = violation(quote! {
                        format!(#template)
                    });
                    inner.push(guarded(b.not(), push));
                }
                self.depth -= 1;
                let each = |list: TokenStream| {
                    quote! {
                        for (#index, #var) in #list.iter().enumerate() {
                            #(#inner)*
                        }
                    }
                };
                checks.push(match access {
                    Access::Opt(o) => Check::IfSome(o, each(quote! { list })),
                    Access::Place(p) | Access::Ref(p) => Check::Raw(each(p)),
                });
            }
            other => {
                for part in split(other) {
                    let b = self.condition(on, base.clone(), part.condition, rule)?;
                    let part_suffix = part.suffix;
                    let push = violation(quote! {
                        crate::validation::at(pointer, #part_suffix)
                    });
                    checks.push(Check::Guarded(b.not(), push));
                }
            }
        }
        let when = match &rule.when {
            None => B::Const(true),
            Some(when) => self.condition(on, base, when, rule)?,
        };
        // One check under a `when` is one `if` (clippy's collapsible_if), else a nested block.
        if let [Check::Guarded(b, push)] = checks.as_slice() {
            return Ok(guarded(B::and(vec![when, b.clone()]), push.clone()));
        }
        if let [Check::IfSome(option, body)] = checks.as_slice()
            && !matches!(when, B::Const(_))
        {
            let when = match &when {
                B::Or(_) => {
                    let inner = when.render();
                    quote! { (#inner) }
                }
                other => other.render(),
            };
            return Ok(quote! { if #when && let Some(list) = #option { #body } });
        }
        let body = checks.into_iter().map(|check| match check {
            Check::Guarded(b, push) => guarded(b, push),
            Check::Raw(tokens) => tokens,
            Check::IfSome(option, body) => quote! { if let Some(list) = #option { #body } },
        });
        Ok(guarded(when, quote! { #(#body)* }))
    }

    /// The element scope of a list path, for `each`.
    fn element_type(&self, leaf: &Leaf<'s>, rule: &Rule) -> Result<Option<TypeId>, CodegenError> {
        match leaf {
            Leaf::Typed(ty @ TypeRef::List(_)) => match self.ir.element(ty) {
                Some(id) => Ok(Some(id)),
                None => {
                    Err(self.fail(rule, "`each` over a list of scalars", Code::RuleOperandKind))
                }
            },
            _ => Err(self.fail(
                rule,
                "`each` over a value that is not a list",
                Code::RuleOperandKind,
            )),
        }
    }

    /// Goes one closure deeper and names its parameters with the new depth (`e1`, `a2`, `b2`…), so
    /// a nested closure never shadows the one around it; undone by `self.depth -= 1`.
    fn enter<const N: usize>(&mut self, prefixes: [&str; N]) -> [proc_macro2::Ident; N] {
        self.depth += 1;
        prefixes.map(|prefix| format_ident!("{}{}", prefix, self.depth))
    }

    /// The refusal of a rule shape the loader already refuses with `code`: only a spec that did
    /// not come through the loader (one built by hand) reaches it, so the message says which
    /// loader check guarantees it.
    fn fail(&self, rule: &Rule, what: &str, code: Code) -> CodegenError {
        unsupported(
            &rule.meta.location.to_string(),
            format!(
                "rule `{}`: {what} cannot be generated (the loader refuses it with {code}: the spec did not come through the loader)",
                rule.name
            ),
        )
    }

    /// Follows `path` (resolved in the IR) from a value of type `scope` reached by `base`.
    ///
    /// A `[variant]` step followed by a field destructures the union in a `match` whose other
    /// arms give `None`, so the field is absent unless the union is that variant. A path that
    /// *ends* in `[variant]` returns the union's own access with [`Leaf::Variant`]: only
    /// `present`/`absent` reach it, and they test the variant with `matches!`.
    /// The access to a list path and the scope of its elements, for the conditions that walk a
    /// list (`each`, `sorted_by`, `all_equal`).
    fn list_access(
        &mut self,
        scope: Option<TypeId>,
        base: Access,
        path: &FieldPath,
        rule: &Rule,
    ) -> Result<(Access, Option<TypeId>), CodegenError> {
        let (access, leaf) = self.access(scope, base, path, rule)?;
        Ok((access, self.element_type(&leaf, rule)?))
    }

    fn access(
        &mut self,
        scope: Option<TypeId>,
        base: Access,
        path: &FieldPath,
        rule: &Rule,
    ) -> Result<(Access, Leaf<'s>), CodegenError> {
        let ir = self.ir;
        let resolved = ir
            .path(scope, path)
            .map_err(|error| self.fail(rule, error.0, Code::InvalidRulePath))?;
        let mut access = base;
        for step in &resolved.steps {
            let step = match step {
                Step::Variant { union, .. } => {
                    self.use_type(ir.def(*union));
                    continue;
                }
                Step::Tag { .. } => continue,
                Step::Field(step) => step,
            };
            let field = step.field;
            let name = field_ident(&field.name, &field.meta)?;
            let optional = step.can_be_absent();
            access = match step.variant {
                Some(variant) => {
                    let union = ir.def(step.owner);
                    let union_name = ident(&union.name, &union.meta)?;
                    let variant_name = variant_ident(&variant.name, &variant.meta)?;
                    let binding = if optional {
                        quote! { #name: Some(#name) }
                    } else {
                        quote! { #name }
                    };
                    let pattern = quote! { #union_name::#variant_name { #binding, .. } };
                    Access::Opt(match access {
                        Access::Place(p) => {
                            quote! { match &#p { #pattern => Some(#name), _ => None } }
                        }
                        Access::Ref(r) => {
                            quote! { match #r { #pattern => Some(#name), _ => None } }
                        }
                        Access::Opt(o) => {
                            quote! { match #o { Some(#pattern) => Some(#name), _ => None } }
                        }
                    })
                }
                None => match (access, optional) {
                    (Access::Place(p) | Access::Ref(p), true) => {
                        Access::Opt(quote! { #p.#name.as_ref() })
                    }
                    (Access::Place(p) | Access::Ref(p), false) => {
                        Access::Place(quote! { #p.#name })
                    }
                    (Access::Opt(o), true) => {
                        Access::Opt(quote! { #o.and_then(|x| x.#name.as_ref()) })
                    }
                    (Access::Opt(o), false) => Access::Opt(quote! { #o.map(|x| &x.#name) }),
                },
            };
        }
        Ok((access, resolved.leaf.clone()))
    }

    fn condition(
        &mut self,
        scope: Option<TypeId>,
        base: Access,
        condition: &Condition,
        rule: &Rule,
    ) -> Result<B, CodegenError> {
        Ok(match condition {
            Condition::All(items) => B::and(
                items
                    .iter()
                    .map(|c| self.condition(scope, base.clone(), c, rule))
                    .collect::<Result<_, _>>()?,
            ),
            Condition::Any(items) => B::or(
                items
                    .iter()
                    .map(|c| self.condition(scope, base.clone(), c, rule))
                    .collect::<Result<_, _>>()?,
            ),
            Condition::Not(inner) => self.condition(scope, base, inner, rule)?.not(),
            Condition::Present(path) | Condition::Absent(path) => {
                let (access, leaf) = self.access(scope, base, path, rule)?;
                let present = match (access, leaf) {
                    (access, Leaf::Variant(union, variant)) => {
                        let def = self.ir.def(union);
                        let union_name = ident(&def.name, &def.meta)?;
                        let variant_name = variant_ident(&variant.name, &variant.meta)?;
                        self.with_value(access, false, |_, v| {
                            let recv = v.recv();
                            Ok(B::atom(
                                quote! { matches!(#recv, #union_name::#variant_name { .. }) },
                                quote! { !matches!(#recv, #union_name::#variant_name { .. }) },
                            ))
                        })?
                    }
                    (Access::Opt(o), _) => {
                        B::atom(quote! { #o.is_some() }, quote! { #o.is_none() })
                    }
                    _ => B::Const(true),
                };
                if matches!(condition, Condition::Present(_)) {
                    present
                } else {
                    present.not()
                }
            }
            Condition::Equals { path, value } | Condition::NotEquals { path, value } => {
                let (access, leaf) = self.access(scope, base, path, rule)?;
                let leaf = leaf.clone();
                let value = value.clone();
                let b = self.with_value(access, false, |this, v| {
                    this.compare(&leaf, &value, v, rule)
                })?;
                if matches!(condition, Condition::Equals { .. }) {
                    b
                } else {
                    b.not()
                }
            }
            Condition::OneOf { path, values } | Condition::NoneOf { path, values } => {
                let (access, leaf) = self.access(scope, base, path, rule)?;
                let values = values.clone();
                let b = self.with_value(access, false, |this, v| {
                    if let Some(patterns) = this.patterns(&leaf, &values)? {
                        let recv = v.recv();
                        return Ok(B::atom(
                            quote! { matches!(#recv, #(#patterns)|*) },
                            quote! { !matches!(#recv, #(#patterns)|*) },
                        ));
                    }
                    Ok(B::or(
                        values
                            .iter()
                            .map(|value| this.compare(&leaf, value, v.clone(), rule))
                            .collect::<Result<_, _>>()?,
                    ))
                })?;
                if matches!(condition, Condition::OneOf { .. }) {
                    b
                } else {
                    b.not()
                }
            }
            Condition::Length { path, min, max } => {
                let (access, leaf) = self.access(scope, base, path, rule)?;
                let (min, max) = (*min, *max);
                self.with_value(access, true, |this, v| {
                    this.length(&leaf, v, min, max, rule)
                })?
            }
            Condition::Contains { path, value } => {
                let (access, leaf) = self.access(scope, base, path, rule)?;
                let Leaf::Typed(TypeRef::List(element)) = leaf else {
                    return Err(self.fail(
                        rule,
                        "`contains` on a value that is not a list",
                        Code::RuleOperandKind,
                    ));
                };
                let element = element.as_ref();
                let value = value.clone();
                self.with_value(access, false, |this, v| {
                    let [x] = this.enter(["x"]);
                    let b = this.compare(
                        &Leaf::Typed(element),
                        &value,
                        Value::Ref(quote! { #x }),
                        rule,
                    );
                    this.depth -= 1;
                    let b = b?.render();
                    let recv = v.recv();
                    Ok(B::atom(
                        quote! { #recv.iter().any(|#x| #b) },
                        quote! { !#recv.iter().any(|#x| #b) },
                    ))
                })?
            }
            Condition::Each { path, condition } => {
                let (access, element) = self.list_access(scope, base, path, rule)?;
                self.with_value(access, true, |this, v| {
                    let [e] = this.enter(["e"]);
                    let b = this.condition(element, Access::Ref(quote! { #e }), condition, rule);
                    this.depth -= 1;
                    let (pos, neg) = {
                        let b = b?;
                        (b.render(), b.not().render())
                    };
                    let recv = v.recv();
                    Ok(B::atom(
                        quote! { #recv.iter().all(|#e| #pos) },
                        quote! { #recv.iter().any(|#e| #neg) },
                    ))
                })?
            }
            Condition::MemberOf {
                list,
                matches,
                filter,
            } => self.member_of(scope, base, list, matches, filter.as_deref(), rule)?,
            Condition::EqualsSum { path, terms } => {
                // Left to right in binary64, as the interpreters add; a missing number is 0.
                let mut parts = Vec::new();
                for term in terms {
                    let mut numbers = Vec::new();
                    for path in term.paths() {
                        let (access, leaf) = self.access(scope, base.clone(), path, rule)?;
                        let float = is_float(&leaf);
                        numbers.push(match access {
                            Access::Place(p) => as_f64(p, float, true),
                            Access::Ref(r) => as_f64(quote! { *#r }, float, true),
                            Access::Opt(o) => {
                                let n = as_f64(quote! { *n }, float, false);
                                quote! { #o.map_or(0.0, |n| #n) }
                            }
                        });
                    }
                    parts.push(match term {
                        Term::Value(_) => numbers.remove(0),
                        Term::Max(_) => {
                            let first = numbers.remove(0);
                            quote! { #first #(.max(#numbers))* }
                        }
                    });
                }
                let (access, leaf) = self.access(scope, base, path, rule)?;
                let float = is_float(&leaf);
                self.with_value(access, true, |_, stored| {
                    let stored = as_f64(stored.deref(), float, true);
                    let sum = quote! { #(#parts)+* };
                    // Exact equality is the point: the spec computes base_score deterministically
                    // (IEEE equality, so -0 equals 0 as in the interpreters).
                    Ok(B::atom(
                        quote! { #stored == #sum },
                        quote! { #stored != #sum },
                    ))
                })?
            }
            Condition::SortedBy { path, keys } => {
                let (access, element) = self.list_access(scope, base, path, rule)?;
                self.with_value(access, true, |this, list| {
                    let [a, b] = this.enter(["a", "b"]);
                    // Numbers as binary64 (`total_cmp` agrees with `<`/`>` on the finite values
                    // JSON carries), strings by code point (`str` orders by UTF-8 bytes, which is
                    // code point order).
                    let mut orderings = Vec::new();
                    for key in keys {
                        let field = FieldPath::fields(&[key.field.as_str()]);
                        let place = |this: &mut Self, of: &proc_macro2::Ident| {
                            let (access, leaf) =
                                this.access(element, Access::Ref(quote! { #of }), &field, rule)?;
                            match access {
                                Access::Place(p) | Access::Ref(p) => Ok((p, is_float(&leaf))),
                                Access::Opt(_) => Err(this.fail(
                                    rule,
                                    "an optional `sorted_by` key",
                                    Code::RuleOperandKind,
                                )),
                            }
                        };
                        let ((left, float), (right, _)) = (place(this, &a)?, place(this, &b)?);
                        let ordering = if key.numeric {
                            let (left, right) =
                                (as_f64(left, float, true), as_f64(right, float, true));
                            quote! { #left.total_cmp(&#right) }
                        } else {
                            quote! { str::cmp(#left.as_ref(), #right.as_ref()) }
                        };
                        orderings.push(if key.descending {
                            quote! { #ordering.reverse() }
                        } else {
                            ordering
                        });
                    }
                    this.depth -= 1;
                    let recv = list.recv();
                    let sorted = quote! {
                        #recv.windows(2).all(|pair| match pair {
                            [#a, #b] => std::cmp::Ordering::Equal
                                #(.then_with(|| #orderings))*
                                .is_le(),
                            _ => true,
                        })
                    };
                    Ok(B::atom(sorted.clone(), quote! { !#sorted }))
                })?
            }
            Condition::AtMost { measure, bound } => {
                // Numbers compare as binary64, as in the interpreters (JavaScript has no other).
                let (bound_access, bound_leaf) =
                    self.access(Some(self.on), Access::Ref(quote! { self }), bound, rule)?;
                let bound_is_float = is_float(&bound_leaf);
                let (access, leaf) = self.access(scope, base, measure.path(), rule)?;
                let value_is_float = is_float(&leaf);
                let key = match measure {
                    Measure::Sum { key, .. } => Some((self.element_type(&leaf, rule)?, key)),
                    Measure::Value(_) | Measure::Count(_) => None,
                };
                self.with_value(access, true, |this, value| {
                    let measured = match (measure, key) {
                        (Measure::Count(_), _) => {
                            let recv = value.recv();
                            quote! { (#recv.len() as f64) }
                        }
                        (Measure::Sum { .. }, Some((element, key))) => {
                            let [e] = this.enter(["e"]);
                            let access =
                                this.access(element, Access::Ref(quote! { #e }), key, rule);
                            this.depth -= 1;
                            let (access, key_leaf) = access?;
                            let number = |n: TokenStream| as_f64(n, is_float(&key_leaf), false);
                            let number = match access {
                                Access::Place(p) => number(p),
                                Access::Ref(r) => number(quote! { *#r }),
                                Access::Opt(o) => {
                                    let n = number(quote! { *n });
                                    quote! { #o.map_or(0.0, |n| #n) }
                                }
                            };
                            let recv = value.recv();
                            quote! { #recv.iter().map(|#e| #number).sum::<f64>() }
                        }
                        _ => as_f64(value.deref(), value_is_float, true),
                    };
                    this.with_value(bound_access, true, |_, bound| {
                        // No measure or bound is NaN (JSON has none), so `>` negates `<=`.
                        let bound = as_f64(bound.deref(), bound_is_float, true);
                        Ok(B::atom(
                            quote! { #measured <= #bound },
                            quote! { #measured > #bound },
                        ))
                    })
                })?
            }
            Condition::SameAs { path, other } => {
                let (value_access, value_leaf) = self.access(scope, base, path, rule)?;
                let (other_access, other_leaf) =
                    self.access(Some(self.on), Access::Ref(quote! { self }), other, rule)?;
                self.with_value(value_access, false, |this, value| {
                    this.with_value(other_access, false, |this, other| {
                        this.same(&value_leaf, value, &other_leaf, other, rule)
                    })
                })?
            }
            Condition::HashOf { path, form, parts } => {
                let (access, _) = self.access(scope, base.clone(), path, rule)?;
                let parts = parts
                    .iter()
                    .map(|part| Ok(self.access(scope, base.clone(), part, rule)?.0))
                    .collect::<Result<Vec<_>, CodegenError>>()?;
                let form = match form {
                    HashForm::PromptBlocks => quote! { crate::validation::HashForm::PromptBlocks },
                };
                // An absent hash holds (nothing stored to check); an absent part fails.
                self.with_value(access, true, |this, stored| {
                    this.with_values(parts, Vec::new(), &mut |_, values| {
                        let stored = stored.recv();
                        let values = values.iter().map(Value::recv);
                        let call = quote! {
                            crate::validation::stored_hash_matches(
                                #form,
                                &#stored,
                                &[#(crate::validation::wire_form(&#values)),*],
                            )
                        };
                        Ok(B::atom(call.clone(), quote! { !#call }))
                    })
                })?
            }
            Condition::AllEqual { path, key } => {
                let (access, element) = self.list_access(scope, base, path, rule)?;
                self.with_value(access, true, |this, v| {
                    let [a, b] = this.enter(["a", "b"]);
                    let left = this.access(element, Access::Ref(quote! { #a }), key, rule);
                    let right = this.access(element, Access::Ref(quote! { #b }), key, rule);
                    this.depth -= 1;
                    let (left, right) = (left?, right?);
                    if matches!(left.1, Leaf::Variant(..)) {
                        return Err(this.fail(
                            rule,
                            "`all_equal` on a whole union",
                            Code::RuleOperandKind,
                        ));
                    }
                    let (left, right) = match (left.0, right.0) {
                        (Access::Place(l), Access::Place(r)) => (l, r),
                        (l, r) => (option_form(l), option_form(r)),
                    };
                    let recv = v.recv();
                    let same = quote! {
                        #recv.windows(2).all(|pair| match pair {
                            [#a, #b] => #left == #right,
                            _ => true,
                        })
                    };
                    Ok(B::atom(same.clone(), quote! { !#same }))
                })?
            }
        })
    }

    /// `member_of`: `list` (read from the rule's record, `self`) has an element that satisfies
    /// `filter` and equals the current value at every match. Every value is read inside the
    /// element closure, where the element (`m<depth>`) and the enclosing bindings are in scope.
    fn member_of(
        &mut self,
        scope: Option<TypeId>,
        base: Access,
        list: &FieldPath,
        matches: &[handshake_spec::model::MemberMatch],
        filter: Option<&Condition>,
        rule: &Rule,
    ) -> Result<B, CodegenError> {
        let (list_access, list_leaf) =
            self.access(Some(self.on), Access::Ref(quote! { self }), list, rule)?;
        let Leaf::Typed(TypeRef::List(element_ty)) = list_leaf else {
            return Err(self.fail(
                rule,
                "`member_of` on a value that is not a list",
                Code::RuleOperandKind,
            ));
        };
        let element_ty: &'s TypeRef = element_ty.as_ref();
        let element = self.ir.target(element_ty);
        // A list of scalars compared with a value of the same type: `contains` (clippy's
        // manual_contains), the same test as `iter().any(|m| *m == value)`.
        if let ([member], None) = (matches, filter)
            && member.key.is_none()
        {
            let (value_access, value_leaf) =
                self.access(scope, base.clone(), &member.value, rule)?;
            if matches!(value_leaf, Leaf::Typed(ty) if ty == element_ty) {
                return self.with_value(value_access, false, |this, value| {
                    let needle = match &value {
                        Value::Place(p) => quote! { &#p },
                        Value::Ref(r) => r.clone(),
                    };
                    this.with_value(list_access, false, |_, list| {
                        let recv = list.recv();
                        Ok(B::atom(
                            quote! { #recv.contains(#needle) },
                            quote! { !#recv.contains(#needle) },
                        ))
                    })
                });
            }
        }
        let [m] = self.enter(["m"]);
        let mut parts = Vec::new();
        if let Some(filter) = filter {
            parts.push(self.condition(element, Access::Ref(quote! { #m }), filter, rule)?);
        }
        for member in matches {
            let (value_access, value_leaf) =
                self.access(scope, base.clone(), &member.value, rule)?;
            let (key_access, key_leaf) = match &member.key {
                None => (Access::Ref(quote! { #m }), Leaf::Typed(element_ty)),
                Some(key) => self.access(element, Access::Ref(quote! { #m }), key, rule)?,
            };
            let b = self.with_value(value_access, false, |this, value| {
                this.with_value(key_access, false, |this, key| {
                    this.same(&key_leaf, key, &value_leaf, value, rule)
                })
            })?;
            parts.push(b);
        }
        self.depth -= 1;
        let inner = B::and(parts).render();
        self.with_value(list_access, false, |_, v| {
            let recv = v.recv();
            Ok(B::atom(
                quote! { #recv.iter().any(|#m| #inner) },
                quote! { !#recv.iter().any(|#m| #inner) },
            ))
        })
    }

    /// `left == right` for two values a `member_of` or `same_as` compares: of one type, or UUIDs (a `uuid` or
    /// an `id` type) with UUIDs or with strings holding a UUID's hyphenated text.
    fn same(
        &mut self,
        left_leaf: &Leaf<'s>,
        left: Value,
        right_leaf: &Leaf<'s>,
        right: Value,
        rule: &Rule,
    ) -> Result<B, CodegenError> {
        #[derive(PartialEq)]
        enum Class {
            Uuid,
            Text,
            Other,
        }
        let ir = self.ir;
        let class = |leaf: &Leaf<'s>, v: &Value| -> (Class, TokenStream) {
            let recv = v.recv();
            match leaf {
                Leaf::Typed(TypeRef::Primitive(Primitive::Uuid)) => (Class::Uuid, v.deref()),
                Leaf::Typed(TypeRef::Primitive(Primitive::String)) => {
                    (Class::Text, quote! { #recv.as_str() })
                }
                Leaf::Typed(ty @ TypeRef::Named(_)) => match ir.kind_of(ty) {
                    Some(TypeKind::Id) => (Class::Uuid, quote! { #recv.0 }),
                    Some(TypeKind::String(_)) => (Class::Text, quote! { #recv.as_str() }),
                    _ => (Class::Other, v.deref()),
                },
                _ => (Class::Other, v.deref()),
            }
        };
        let (left_class, l) = class(left_leaf, &left);
        let (right_class, r) = class(right_leaf, &right);
        let text_uuid = |text: &TokenStream, id: &TokenStream| {
            // Only the hyphenated form (36 characters), the UUID text the other targets compare.
            let same = quote! {
                uuid::Uuid::parse_str(#text).is_ok_and(|u| #text.len() == 36 && u == #id)
            };
            B::atom(same.clone(), quote! { !#same })
        };
        Ok(match (left_class, right_class) {
            (Class::Uuid, Class::Text) => text_uuid(&r, &l),
            (Class::Text, Class::Uuid) => text_uuid(&l, &r),
            (Class::Uuid, Class::Uuid)
            | (Class::Text, Class::Text)
            | (Class::Other, Class::Other) => B::atom(quote! { #l == #r }, quote! { #l != #r }),
            _ => {
                return Err(self.fail(
                    rule,
                    "a `member_of` comparison of unrelated types",
                    Code::RuleOperandKind,
                ));
            }
        })
    }

    /// Applies `body` to the value at `access`; an absent value gives `absent`.
    fn with_value(
        &mut self,
        access: Access,
        absent: bool,
        body: impl FnOnce(&mut Self, Value) -> Result<B, CodegenError>,
    ) -> Result<B, CodegenError> {
        Ok(match access {
            Access::Place(p) => body(self, Value::Place(p))?,
            Access::Ref(r) => body(self, Value::Ref(r))?,
            Access::Opt(o) => {
                let [v] = self.enter(["v"]);
                let b = body(self, Value::Ref(quote! { #v }));
                self.depth -= 1;
                match b? {
                    B::Const(value) if value == absent => B::Const(value),
                    B::Const(true) => B::atom(quote! { #o.is_some() }, quote! { #o.is_none() }),
                    B::Const(false) => B::atom(quote! { #o.is_none() }, quote! { #o.is_some() }),
                    b => {
                        let pos = b.render();
                        let neg = b.not().render();
                        if absent {
                            B::atom(
                                quote! { #o.is_none_or(|#v| #pos) },
                                quote! { #o.is_some_and(|#v| #neg) },
                            )
                        } else {
                            B::atom(
                                quote! { #o.is_some_and(|#v| #pos) },
                                quote! { #o.is_none_or(|#v| #neg) },
                            )
                        }
                    }
                }
            }
        })
    }

    /// [`Self::with_value`] for several accesses at once: `body` sees every value, and the
    /// result fails when any of them is absent.
    fn with_values(
        &mut self,
        mut accesses: Vec<Access>,
        mut values: Vec<Value>,
        body: &mut ValuesBody<'_, Self>,
    ) -> Result<B, CodegenError> {
        if accesses.is_empty() {
            return body(self, &values);
        }
        let first = accesses.remove(0);
        self.with_value(first, false, move |this, value| {
            values.push(value);
            this.with_values(accesses, values, body)
        })
    }

    /// `value == literal` for the leaf's type.
    fn compare(
        &mut self,
        leaf: &Leaf<'s>,
        literal: &serde_json::Value,
        v: Value,
        rule: &Rule,
    ) -> Result<B, CodegenError> {
        let ir = self.ir;
        let text = literal.as_str();
        let recv = v.recv();
        let deref = v.deref();
        let eq = |lhs: TokenStream, rhs: TokenStream| {
            B::atom(quote! { #lhs == #rhs }, quote! { #lhs != #rhs })
        };
        Ok(match leaf {
            Leaf::Tag(union) => {
                let def = ir.def(*union);
                // The loader checked the value is one of the union's variants (S0904).
                let text = text.ok_or_else(|| {
                    self.fail(rule, "a variant that is no string", Code::RuleValueMismatch)
                })?;
                self.use_type(def);
                let name = ident(&def.name, &def.meta)?;
                let variant = variant_ident(text, &rule.meta)?;
                B::atom(
                    quote! { matches!(#recv, #name::#variant { .. }) },
                    quote! { !matches!(#recv, #name::#variant { .. }) },
                )
            }
            Leaf::Typed(TypeRef::Primitive(primitive)) => match primitive {
                Primitive::String => {
                    let text = text.ok_or_else(|| {
                        self.fail(rule, "a non-text string value", Code::RuleValueMismatch)
                    })?;
                    eq(quote! { #recv.as_str() }, quote! { #text })
                }
                Primitive::Integer => {
                    let n = literal.as_i64().ok_or_else(|| {
                        self.fail(rule, "a non-integer value", Code::RuleValueMismatch)
                    })?;
                    eq(deref, Literal::i64_unsuffixed(n).into_token_stream())
                }
                Primitive::UnsignedInteger => {
                    let n = literal.as_u64().ok_or_else(|| {
                        self.fail(rule, "a non-uint value", Code::RuleValueMismatch)
                    })?;
                    eq(deref, Literal::u64_unsuffixed(n).into_token_stream())
                }
                Primitive::Number => {
                    let n = literal.as_f64().ok_or_else(|| {
                        self.fail(rule, "a non-number value", Code::RuleValueMismatch)
                    })?;
                    eq(deref, Literal::f64_unsuffixed(n).into_token_stream())
                }
                Primitive::Boolean => match literal.as_bool() {
                    Some(true) => B::atom(deref.clone(), quote! { !#deref }),
                    Some(false) => B::atom(quote! { !#deref }, deref),
                    None => {
                        return Err(self.fail(
                            rule,
                            "a non-boolean value",
                            Code::RuleValueMismatch,
                        ));
                    }
                },
                Primitive::Uuid => {
                    let text = text.ok_or_else(|| {
                        self.fail(rule, "a non-text uuid", Code::RuleValueMismatch)
                    })?;
                    eq(deref, quote! { uuid::uuid!(#text) })
                }
                Primitive::Timestamp => {
                    let text = text.ok_or_else(|| {
                        self.fail(rule, "a non-text timestamp", Code::RuleValueMismatch)
                    })?;
                    B::atom(
                        quote! { #text.parse::<crate::Timestamp>().is_ok_and(|t| t == #deref) },
                        quote! { !#text.parse::<crate::Timestamp>().is_ok_and(|t| t == #deref) },
                    )
                }
                Primitive::Json => {
                    return Err(self.fail(
                        rule,
                        "a comparison with a json value",
                        Code::RuleValueMismatch,
                    ));
                }
            },
            Leaf::Typed(ty @ TypeRef::Named(_)) => {
                let def = ir
                    .target(ty)
                    .map(|id| ir.def(id))
                    .ok_or_else(|| self.fail(rule, "an unknown type", Code::UnknownType))?;
                let text = text
                    .ok_or_else(|| self.fail(rule, "a non-text value", Code::RuleValueMismatch))?;
                match &def.kind {
                    TypeKind::Id => eq(quote! { #recv.0 }, quote! { uuid::uuid!(#text) }),
                    TypeKind::String(_) => eq(quote! { #recv.as_str() }, quote! { #text }),
                    TypeKind::Enum(_) => {
                        // A value of the enum (the loader's S0904 checked it).
                        self.use_type(def);
                        let name = ident(&def.name, &def.meta)?;
                        let value = variant_ident(text, &rule.meta)?;
                        B::atom(
                            quote! { matches!(#recv, #name::#value) },
                            quote! { !matches!(#recv, #name::#value) },
                        )
                    }
                    _ => {
                        return Err(self.fail(
                            rule,
                            "a comparison with a record or union",
                            Code::RuleValueMismatch,
                        ));
                    }
                }
            }
            Leaf::Typed(_) => {
                return Err(self.fail(
                    rule,
                    "a comparison with a list or map",
                    Code::RuleValueMismatch,
                ));
            }
            Leaf::Variant(..) => {
                return Err(self.fail(
                    rule,
                    "a comparison with a whole union",
                    Code::RuleValueMismatch,
                ));
            }
        })
    }

    /// Match patterns for the values when the leaf is an enum or a union tag.
    fn patterns(
        &mut self,
        leaf: &Leaf<'s>,
        values: &[serde_json::Value],
    ) -> Result<Option<Vec<TokenStream>>, CodegenError> {
        let ir = self.ir;
        let id = match leaf {
            Leaf::Tag(union) => *union,
            Leaf::Typed(ty @ TypeRef::Named(_)) => match ir.target(ty) {
                Some(id) if matches!(ir.def(id).kind, TypeKind::Enum(_)) => id,
                _ => return Ok(None),
            },
            Leaf::Typed(_) | Leaf::Variant(..) => return Ok(None),
        };
        let def = ir.def(id);
        self.use_type(def);
        let name = ident(&def.name, &def.meta)?;
        let mut out = Vec::new();
        for value in values {
            let Some(text) = value.as_str() else {
                return Ok(None);
            };
            // One of the type's values or variants: the loader checked it (S0904).
            let variant = variant_ident(text, &def.meta)?;
            out.push(if matches!(def.kind, TypeKind::Union(_)) {
                quote! { #name::#variant { .. } }
            } else {
                quote! { #name::#variant }
            });
        }
        Ok(Some(out))
    }

    fn length(
        &mut self,
        leaf: &Leaf<'s>,
        v: Value,
        min: Option<u64>,
        max: Option<u64>,
        rule: &Rule,
    ) -> Result<B, CodegenError> {
        let recv = v.recv();
        let (count, empty) = match leaf {
            Leaf::Typed(TypeRef::List(_)) => (quote! { #recv.len() }, quote! { #recv.is_empty() }),
            Leaf::Typed(TypeRef::Primitive(Primitive::String)) => (
                quote! { #recv.chars().count() },
                quote! { #recv.is_empty() },
            ),
            Leaf::Typed(TypeRef::Named(_)) => (
                quote! { #recv.as_str().chars().count() },
                quote! { #recv.as_str().is_empty() },
            ),
            _ => {
                return Err(self.fail(
                    rule,
                    "length bounds on a value without length",
                    Code::RuleOperandKind,
                ));
            }
        };
        let mut parts = Vec::new();
        match min {
            None | Some(0) => {}
            Some(1) => parts.push(B::atom(quote! { !#empty }, empty.clone())),
            Some(n) => {
                let n = Literal::usize_unsuffixed(n as usize);
                parts.push(B::atom(quote! { #count >= #n }, quote! { #count < #n }));
            }
        }
        match max {
            None => {}
            Some(0) => parts.push(B::atom(empty.clone(), quote! { !#empty })),
            Some(n) => {
                let n = Literal::usize_unsuffixed(n as usize);
                parts.push(B::atom(quote! { #count <= #n }, quote! { #count > #n }));
            }
        }
        Ok(B::and(parts))
    }

    fn use_type(&mut self, def: &'s TypeDef) {
        if !self.used.contains(&def.name.as_str()) {
            self.used.push(&def.name);
        }
    }
}

/// `Option<&T>` form of an access, for `all_equal` comparisons.
fn option_form(access: Access) -> TokenStream {
    match access {
        Access::Place(p) => quote! { Some(&#p) },
        Access::Ref(r) => quote! { Some(#r) },
        Access::Opt(o) => o,
    }
}

/// `if condition { body }`, folding constants.
fn guarded(condition: B, body: TokenStream) -> TokenStream {
    match condition {
        B::Const(true) => body,
        B::Const(false) => quote! {},
        other => {
            let condition = other.render();
            quote! { if #condition { #body } }
        }
    }
}

/// Whether a path ends at a `number` (an `f64` already).
fn is_float(leaf: &Leaf<'_>) -> bool {
    matches!(leaf, Leaf::Typed(TypeRef::Primitive(Primitive::Number)))
}

/// `value` as an `f64`: itself when it is one, else `value as f64` (in parentheses when `grouped`,
/// for a method call or comparison on it).
fn as_f64(value: TokenStream, float: bool, grouped: bool) -> TokenStream {
    match (float, grouped) {
        (true, _) => value,
        (false, true) => quote! { (#value as f64) },
        (false, false) => quote! { #value as f64 },
    }
}

/// The parts of a `require` reported separately: a top-level `all` splits into its items.
fn split(condition: &Condition) -> Vec<Part<'_>> {
    match condition {
        Condition::All(items) => items.iter().flat_map(split).collect(),
        other => vec![Part {
            condition: other,
            suffix: other.subject().map(suffix).unwrap_or_default(),
        }],
    }
}

/// `/a/b` for the path `a.b` or `a[v].b` (a variant step selects, it adds no key; snake_case names
/// need no JSON Pointer escaping).
fn suffix(path: &FieldPath) -> String {
    path.json_keys().map(|key| format!("/{key}")).collect()
}
