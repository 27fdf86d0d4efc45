//! The rules of the derive, checked on the model. Each rule reports every
//! violation it finds, at the tokens to change, with what to write instead.

use quote::quote;
use syn::{GenericArgument, GenericParam, Lifetime, PathArguments, Type};

use crate::ast::{Data, Field, Input};
use crate::attr::{Attrs, Side};
use crate::ctxt::Ctxt;
use crate::symbol::{ANCHOR, CRATE, SIDE, WEAK_KEY};

/// Checks `input`, reporting to `cx`. Returns the identity field, if there is
/// exactly one; when there is none, an error has been reported.
pub fn check<'m, 'a>(cx: &Ctxt, input: &'m Input<'a>) -> Option<&'m Field<'a>> {
    check_struct_attrs(cx, input);
    for field in input.fields() {
        check_field_attrs(cx, input, field);
    }
    check_sides(cx, input);
    match &input.data {
        Data::Struct(_) => check_identity(cx, input),
        Data::Enum(data) => {
            let ident = input.ident();
            let enum_token = &data.enum_token;
            cx.error_spanned_by(
                quote!(#enum_token #ident),
                format_args!(
                    "`WeakKey` can only be derived for a struct: an enum has no field that every \
                     value carries; put the enum in a struct with an `Anchor` field, or key it \
                     with `weakattach::Keyed<{ident}>`"
                ),
            );
            None
        }
        Data::Union(data) => {
            let ident = input.ident();
            let union_token = &data.union_token;
            cx.error_spanned_by(
                quote!(#union_token #ident),
                format_args!(
                    "`WeakKey` can only be derived for a struct: a union cannot own an `Anchor`; \
                     put the union in a struct with an `Anchor` field, or key it with \
                     `weakattach::Keyed<{ident}>`"
                ),
            );
            None
        }
    }
}

/// `anchor` belongs on a field; `crate` is given once.
fn check_struct_attrs(cx: &Ctxt, input: &Input) {
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

/// `side` and `crate` belong on the struct.
fn check_field_attrs(cx: &Ctxt, input: &Input, field: &Field) {
    let Attrs { sides, krate, .. } = &field.attrs;
    let ident = input.ident();
    for side in sides {
        cx.error_spanned_by(
            side.span,
            format_args!(
                "`{SIDE}(...)` declares a side field of the struct: move it to a \
                 `#[{WEAK_KEY}({SIDE}(...))]` attribute on `struct {ident}`"
            ),
        );
    }
    for krate in krate {
        cx.error_spanned_by(
            krate.span,
            format_args!(
                "`{CRATE} = \"...\"` names the runtime for the whole derive: move it to a \
                 `#[{WEAK_KEY}(...)]` attribute on `struct {ident}`"
            ),
        );
    }
}

/// Exactly one field carries the identity: the one marked, or else the one
/// written `Anchor`.
fn check_identity<'m, 'a>(cx: &Ctxt, input: &'m Input<'a>) -> Option<&'m Field<'a>> {
    let fields = input.fields();
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
        let ident = input.ident();
        cx.error_spanned_by(
            ident,
            format_args!(
                "`{ident}` has no identity field: add a field of type `weakattach::Anchor`, or \
                 mark the field that carries the identity with `#[{WEAK_KEY}({ANCHOR})]`"
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

/// Side names are distinct; sides need a struct without generic parameters
/// and `'static` values.
fn check_sides(cx: &Ctxt, input: &Input) {
    let sides = &input.attrs.sides;
    for (i, side) in sides.iter().enumerate() {
        if sides[..i].iter().any(|earlier| earlier.name == side.name) {
            cx.error_spanned_by(
                &side.name,
                format_args!(
                    "duplicate side `{}`: each `{SIDE}(...)` declares its own accessor, so give \
                     this one another name",
                    side.name,
                ),
            );
        }
    }

    if let Some(param) = input.generics().params.first() {
        let param = match param {
            GenericParam::Lifetime(param) => param.lifetime.to_string(),
            GenericParam::Type(param) => param.ident.to_string(),
            GenericParam::Const(param) => param.ident.to_string(),
        };
        let ident = input.ident();
        for side in sides {
            cx.error_spanned_by(
                side.span,
                format_args!(
                    "`{SIDE}(...)` needs a struct without generic parameters: a side is stored \
                     in one `static` table, which cannot depend on `{param}`; keep the values in \
                     a `WeakMap` keyed by a concrete `{ident}<...>` instead"
                ),
            );
        }
    }

    for side in sides {
        check_static(cx, side);
    }
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
