//! The rules of the derive, checked on the model. Each rule reports every
//! violation it finds, at the tokens to change, with what to write instead.

use core::fmt::Display;

use proc_macro2::{Ident, Punct, TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::{Fields, GenericArgument, Generics, Lifetime, PathArguments, Type};

use crate::ast::{Data, Field, Input, Variant};
use crate::attr::{Attrs, Side};
use crate::ctxt::Ctxt;
use crate::decl::Decl;
use crate::symbol::{ANCHOR, CRATE, SIDE, WEAK_KEY};

/// Where a key's identity is found.
pub enum Identity<'m, 'a> {
    /// The identity field of a struct.
    Struct(&'m Field<'a>),
    /// The identity field of each variant of an enum, in order.
    Enum(Vec<(&'m Variant<'a>, &'m Field<'a>)>),
}

/// Checks `input`, reporting to `cx`. Returns where the identity is, if every
/// struct or variant has exactly one identity field; when one has none, an
/// error has been reported.
pub fn check<'m, 'a>(cx: &Ctxt, input: &'m Input<'a>) -> Option<Identity<'m, 'a>> {
    check_type_attrs(cx, input);
    for field in input.fields() {
        check_field_attrs(cx, input, field);
    }
    check_sides(cx, &input.attrs.sides, input.ident());
    check_generic_sides(cx, input);
    match &input.data {
        Data::Struct(fields) => {
            let ident = input.ident();
            let missing = format!("`{ident}` has no identity field");
            identity_field(cx, fields, ident, &missing, "").map(Identity::Struct)
        }
        Data::Enum(variants) => {
            let mut found = Some(Vec::with_capacity(variants.len()));
            for variant in variants {
                check_variant_attrs(cx, input, variant);
                let field = variant_identity(cx, input, variant);
                found = found.zip(field).map(|(mut found, field)| {
                    found.push((variant, field));
                    found
                });
            }
            found.map(Identity::Enum)
        }
        Data::Union(data) => {
            let ident = input.ident();
            let union_token = &data.union_token;
            cx.error_spanned_by(
                quote!(#union_token #ident),
                format_args!(
                    "`WeakKey` cannot be derived for a union: a union cannot own an `Anchor`; \
                     put the union in a struct with an `Anchor` field, or key it with \
                     `weakattach::Keyed<{ident}>`"
                ),
            );
            None
        }
    }
}

/// `anchor` belongs on a field; `crate` is given once.
fn check_type_attrs(cx: &Ctxt, input: &Input) {
    for word in &input.attrs.anchor {
        cx.error_spanned_by(
            word,
            format_args!(
                "`{ANCHOR}` marks the field that carries the identity: put \
                 `#[{WEAK_KEY}({ANCHOR})]` on that field, not on the type"
            ),
        );
    }
    for duplicate in input.attrs.krate.iter().skip(1) {
        cx.error_spanned_by(
            duplicate.span,
            format_args!("duplicate `{CRATE} = \"...\"`: give the path of `weakattach` once"),
        );
    }
}

/// `side` and `crate` belong on the type.
fn check_field_attrs(cx: &Ctxt, input: &Input, field: &Field) {
    misplaced_type_keys(cx, input, &field.attrs);
}

/// A variant takes no key: `anchor` goes on one of its fields, the others on
/// the enum.
fn check_variant_attrs(cx: &Ctxt, input: &Input, variant: &Variant) {
    for word in &variant.attrs.anchor {
        cx.error_spanned_by(
            word,
            format_args!(
                "`{ANCHOR}` marks the field that carries the identity: put \
                 `#[{WEAK_KEY}({ANCHOR})]` on a field of `{}`, not on the variant",
                variant.original.ident,
            ),
        );
    }
    misplaced_type_keys(cx, input, &variant.attrs);
}

/// `side(...)` and `crate = "..."` written anywhere but on the type.
fn misplaced_type_keys(cx: &Ctxt, input: &Input, attrs: &Attrs) {
    let Attrs { sides, krate, .. } = attrs;
    let (kind, ident) = (input.kind(), input.ident());
    for side in sides {
        cx.error_spanned_by(
            side.span,
            format_args!(
                "`{SIDE}(...)` declares a side field of the {kind}: move it to a \
                 `#[{WEAK_KEY}({SIDE}(...))]` attribute on `{kind} {ident}`"
            ),
        );
    }
    for krate in krate {
        cx.error_spanned_by(
            krate.span,
            format_args!(
                "`{CRATE} = \"...\"` names the runtime for the whole derive: move it to a \
                 `#[{WEAK_KEY}(...)]` attribute on `{kind} {ident}`"
            ),
        );
    }
}

/// The identity field of one variant, which every variant needs: a value of
/// the enum is always one of them.
fn variant_identity<'m, 'a>(
    cx: &Ctxt,
    input: &Input,
    variant: &'m Variant<'a>,
) -> Option<&'m Field<'a>> {
    let name = &variant.original.ident;
    let missing = format!(
        "variant `{}::{name}` has no identity field, and every variant of a key enum needs its own",
        input.ident(),
    );
    let example = match &variant.original.fields {
        Fields::Named(_) => format!(" (`{name} {{ .., anchor: Anchor }}`)"),
        Fields::Unnamed(_) => format!(" (`{name}(.., Anchor)`)"),
        Fields::Unit => format!(" (`{name}(Anchor)` or `{name} {{ anchor: Anchor }}`)"),
    };
    identity_field(cx, &variant.fields, variant.original, &missing, &example)
}

/// Exactly one of `fields` carries the identity: the one marked, or else the
/// one written `Anchor`. When none does, the error underlines `owner`, says
/// `missing` and suggests `example`.
fn identity_field<'m, 'a>(
    cx: &Ctxt,
    fields: &'m [Field<'a>],
    owner: impl ToTokens,
    missing: &str,
    example: &str,
) -> Option<&'m Field<'a>> {
    let mut marks = fields
        .iter()
        .flat_map(|field| field.attrs.anchor.iter().map(move |word| (field, word)));
    if let Some((first, _)) = marks.next() {
        for (_, word) in marks {
            cx.error_spanned_by(
                word,
                format_args!(
                    "duplicate `#[{WEAK_KEY}({ANCHOR})]`: only one field can carry the identity, \
                     and {} already does; remove this mark",
                    first.describe(),
                ),
            );
        }
        return Some(first);
    }

    let mut candidates = fields.iter().filter(|field| field.is_written_anchor());
    let Some(first) = candidates.next() else {
        cx.error_spanned_by(
            owner,
            format_args!(
                "{missing}: add a field of type `weakattach::Anchor`{example}, or mark the field \
                 that carries the identity with `#[{WEAK_KEY}({ANCHOR})]`"
            ),
        );
        return None;
    };
    let mut ambiguous = false;
    for other in candidates {
        ambiguous = true;
        cx.error_spanned_by(
            other.ty(),
            format_args!(
                "{} and {} both have type `Anchor`, so the identity is ambiguous: mark the one \
                 that carries it with `#[{WEAK_KEY}({ANCHOR})]`",
                first.describe(),
                other.describe(),
            ),
        );
    }
    (!ambiguous).then_some(first)
}

/// Side names are distinct, and side values `'static`; `owner` names the
/// key type in messages.
pub fn check_sides(cx: &Ctxt, sides: &[Side], owner: &dyn Display) {
    for side in sides.iter().filter(|side| side.name == ANCHOR) {
        cx.error_spanned_by(
            &side.name,
            format_args!(
                "a side named `{ANCHOR}` would hide `WeakKey::{ANCHOR}` in method calls on \
                 `{owner}`: give the side another name"
            ),
        );
    }
    for (i, side) in sides.iter().enumerate() {
        if sides[..i].iter().any(|earlier| earlier.name == side.name) {
            cx.error_spanned_by(
                &side.name,
                format_args!(
                    "duplicate side `{}` of `{owner}`: each side has its own accessor, so give \
                     this one another name",
                    side.name,
                ),
            );
        }
    }
    for side in sides {
        check_static(cx, side);
    }
}

/// The sides of a generic type share one `static` table among all its
/// instantiations, so their value types cannot name the type's parameters.
fn check_generic_sides(cx: &Ctxt, input: &Input) {
    let generics = input.generics();
    if generics.params.is_empty() {
        return;
    }
    let ident = input.ident();
    for side in &input.attrs.sides {
        let Some(found) = names_parameter(side.ty.to_token_stream(), generics) else {
            continue;
        };
        let advice = format!(
            "one `static` table holds the `{}` side of every `{ident}<..>`, so its type cannot \
             depend on the parameters",
            side.name,
        );
        match found {
            Named::SelfType(word) => cx.error_at(
                word.span(),
                format_args!(
                    "`Self` is `{ident}` with its parameters, and {advice}: name a type that does \
                     not depend on them"
                ),
            ),
            Named::Param(word) => cx.error_at(
                word.span(),
                format_args!(
                    "the side's type names `{word}`, a parameter of `{ident}`, and {advice}: use a \
                     type without `{word}` (a `Box<dyn Trait>`, say), or keep the values in a \
                     `WeakMap<{ident}<..>, ..>` of each instantiation"
                ),
            ),
            Named::Lifetime(quote, word) => cx.error_spanned_by(
                quote!(#quote #word),
                format_args!(
                    "the side's type names `'{word}`, a lifetime of `{ident}`, and {advice}: a side \
                     value must be `'static` (write `'static`, or store an owned value)"
                ),
            ),
        }
    }
}

enum Named {
    /// `Self`.
    SelfType(Ident),
    /// A type or const parameter.
    Param(Ident),
    /// A lifetime parameter: its `'` and its name.
    Lifetime(Punct, Ident),
}

/// The first token of `tokens` that names one of the parameters of
/// `generics`, or `Self`. A name after `::` is an item of a path, not the
/// parameter. (A `for<'a>` inside the type cannot reuse a parameter's
/// name: rustc rejects the shadowing.)
fn names_parameter(tokens: TokenStream, generics: &Generics) -> Option<Named> {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, token) in tokens.iter().enumerate() {
        let is_colon = |at: Option<usize>| {
            at.and_then(|at| tokens.get(at))
                .is_some_and(|token| matches!(token, TokenTree::Punct(p) if p.as_char() == ':'))
        };
        let after_path_separator = is_colon(i.checked_sub(1)) && is_colon(i.checked_sub(2));
        match token {
            TokenTree::Group(group) => {
                if let Some(found) = names_parameter(group.stream(), generics) {
                    return Some(found);
                }
            }
            TokenTree::Ident(word) if !after_path_separator => {
                if word == "Self" {
                    return Some(Named::SelfType(word.clone()));
                }
                let is_param = generics.type_params().any(|param| param.ident == *word)
                    || generics.const_params().any(|param| param.ident == *word);
                if is_param {
                    return Some(Named::Param(word.clone()));
                }
            }
            TokenTree::Punct(quote) if quote.as_char() == '\'' => {
                if let Some(TokenTree::Ident(word)) = tokens.get(i + 1) {
                    let is_param = generics
                        .lifetimes()
                        .any(|param| param.lifetime.ident == *word);
                    if is_param {
                        return Some(Named::Lifetime(quote.clone(), word.clone()));
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// A `sides!` declaration: its fields are distinct and `'static`.
pub fn check_decl(cx: &Ctxt, decl: &Decl) {
    check_sides(cx, &decl.fields, &crate::ctxt::display(&decl.key));
}

/// A side's value lives in a `static` table, so it cannot borrow for less
/// than `'static`: an elided or `'_` lifetime in the written type would tie
/// the accessor's result to `&self` and never match the table.
fn check_static(cx: &Ctxt, side: &Side) {
    let Some(found) = non_static_lifetime(&side.ty) else {
        return;
    };
    let advice = "a side value is kept in a `static` table, so it must be `'static`";
    match found {
        NonStatic::Elided(reference) => cx.error_at(
            reference.and_token.spans[0],
            format_args!("{advice}: write `&'static` here, or store an owned value"),
        ),
        NonStatic::Placeholder(lifetime) => cx.error_spanned_by(
            lifetime,
            format_args!("{advice}: write `'static` instead of `'_`"),
        ),
    }
}

enum NonStatic<'a> {
    /// `&T` without a lifetime.
    Elided(&'a syn::TypeReference),
    /// `'_`.
    Placeholder(&'a Lifetime),
}

/// The first reference without a lifetime, or `'_`, in `ty`, outside of
/// function pointers and trait bounds (where they are higher-ranked and
/// fine).
fn non_static_lifetime(ty: &Type) -> Option<NonStatic<'_>> {
    match ty {
        Type::Reference(reference) => match &reference.lifetime {
            None => Some(NonStatic::Elided(reference)),
            Some(lifetime) if lifetime.ident == "_" => Some(NonStatic::Placeholder(lifetime)),
            Some(_) => non_static_lifetime(&reference.elem),
        },
        Type::Array(array) => non_static_lifetime(&array.elem),
        Type::Group(group) => non_static_lifetime(&group.elem),
        Type::Paren(paren) => non_static_lifetime(&paren.elem),
        Type::Ptr(ptr) => non_static_lifetime(&ptr.elem),
        Type::Slice(slice) => non_static_lifetime(&slice.elem),
        Type::Tuple(tuple) => tuple.elems.iter().find_map(non_static_lifetime),
        Type::Path(path) => {
            let qself = path.qself.as_ref();
            let in_qself = qself.and_then(|qself| non_static_lifetime(&qself.ty));
            in_qself.or_else(|| {
                path.path
                    .segments
                    .iter()
                    .find_map(|segment| match &segment.arguments {
                        PathArguments::AngleBracketed(arguments) => {
                            arguments.args.iter().find_map(|argument| match argument {
                                GenericArgument::Lifetime(lifetime) if lifetime.ident == "_" => {
                                    Some(NonStatic::Placeholder(lifetime))
                                }
                                GenericArgument::Type(ty) => non_static_lifetime(ty),
                                GenericArgument::AssocType(assoc) => non_static_lifetime(&assoc.ty),
                                _ => None,
                            })
                        }
                        PathArguments::None | PathArguments::Parenthesized(_) => None,
                    })
            })
        }
        _ => None,
    }
}
