//! Generation of the `WeakKey` impl and of side accessors, from a model that
//! has passed `valid.rs` (or, for the stand-in, from what of it is
//! well-formed).

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};

use crate::ast::{Field, Input};
use crate::attr::Side;
use crate::ctxt::SpanRange;
use crate::decl::Decl;
use crate::symbol::{CFG, DOC, MUST_USE};
use crate::valid::Identity;

/// `impl WeakKey for Name`, with `body` as the body of `anchor`.
pub fn impl_weak_key(input: &Input, krate: &TokenStream, body: &TokenStream) -> TokenStream {
    let ident = input.ident();
    let (impl_generics, ty_generics, where_clause) = input.generics().split_for_impl();
    quote! {
        #[automatically_derived]
        impl #impl_generics #krate::WeakKey for #ident #ty_generics #where_clause {
            #[inline]
            fn anchor(&self) -> &#krate::Anchor {
                #body
            }
        }
    }
}

/// The body of `anchor`: the identity field's `anchor()`, for a struct, or
/// for each variant of an enum.
pub fn anchor_body(krate: &TokenStream, identity: &Identity) -> TokenStream {
    match identity {
        Identity::Struct(field) => {
            let (start, end) = located_at(field.ty());
            let member = relocate(field.member.to_token_stream(), end);
            let receiver = quote_spanned!(start=> &self.);
            field_anchor(krate, field, &quote!(#receiver #member))
        }
        Identity::Enum(variants) if variants.is_empty() => quote!(match *self {}),
        Identity::Enum(variants) => {
            let arms = variants.iter().map(|(variant, field)| {
                let name = &variant.original.ident;
                let member = &field.member;
                let binding = Ident::new(
                    "__weakattach_identity",
                    Span::mixed_site().located_at(field_end(field)),
                );
                let anchor = field_anchor(krate, field, &binding.to_token_stream());
                quote!(Self::#name { #member: #binding, .. } => #anchor,)
            });
            quote!(match self { #(#arms)* })
        }
    }
}

/// `WeakKey::anchor(field)`, located at the field's type, so that a type
/// that is not a key is reported there, underlined from its first token to
/// its last.
fn field_anchor(krate: &TokenStream, field: &Field, field_ref: &TokenStream) -> TokenStream {
    let (start, end) = located_at(field.ty());
    let krate = relocate(krate.clone(), start);
    quote_spanned!(end=> #krate::WeakKey::anchor(#field_ref))
}

fn field_end(field: &Field) -> Span {
    located_at(field.ty()).1
}

/// One inherent impl with an accessor per declared side, with `body(side)`
/// as its body; nothing when no side is declared.
pub fn impl_sides(
    input: &Input,
    krate: &TokenStream,
    body: impl Fn(&Side) -> TokenStream,
) -> TokenStream {
    let key = quote!(Self);
    let accessors: Vec<TokenStream> = input
        .distinct_sides()
        .into_iter()
        .map(|side| {
            let vis = &side.vis;
            let attrs = documented(side);
            let signature = signature(krate, side, &key, &side.ty.to_token_stream());
            let body = body(side);
            quote! {
                #attrs
                #[inline]
                #vis #signature {
                    #body
                }
            }
        })
        .collect();
    if accessors.is_empty() {
        return TokenStream::new();
    }
    let ident = input.ident();
    let (impl_generics, ty_generics, where_clause) = input.generics().split_for_impl();
    quote! {
        #[automatically_derived]
        impl #impl_generics #ident #ty_generics #where_clause {
            #(#accessors)*
        }
    }
}

/// The trait and its impl that a `sides!` declaration stands for, with
/// `body(field)` as the body of each field's accessor. The accessors are
/// the trait's provided methods and the impl is empty, so that a key type
/// without identity is one error, at the impl (the trait extends
/// `WeakKey`), rather than one per accessor.
pub fn sides_trait(
    krate: &TokenStream,
    decl: &Decl,
    fields: &[&Side],
    body: impl Fn(&Side) -> TokenStream,
) -> TokenStream {
    let Decl {
        attrs,
        vis,
        trait_token,
        name,
        key,
        ..
    } = decl;
    let trait_doc = (!attrs.iter().any(|attr| *attr.path() == DOC)).then(|| {
        let doc = format!(
            " Side fields of `{}`: values attached to an instance by its identity, dropped with \
             it.",
            crate::ctxt::display(key),
        );
        quote!(#[doc = #doc])
    });
    let cfgs = attrs.iter().filter(|attr| *attr.path() == CFG);
    let this = quote!(Self);
    let accessors = fields.iter().map(|field| {
        let attrs = documented(field);
        // `Self` in a field's type is the key type of the declaration, as
        // in the `static`: in the trait, it would be any implementer.
        let ty = replace_self(field.ty.to_token_stream(), &key.to_token_stream());
        let signature = signature(krate, field, &this, &ty);
        let body = body(field);
        quote! {
            #attrs
            #[inline]
            #signature {
                #body
            }
        }
    });
    quote! {
        #(#attrs)*
        #trait_doc
        #vis #trait_token #name: #krate::WeakKey {
            #(#accessors)*
        }

        #(#cfgs)*
        #[automatically_derived]
        impl #name for #key {}
    }
}

/// `fn NAME(&self) -> Side<'_, KEY, TYPE>`.
fn signature(krate: &TokenStream, side: &Side, key: &TokenStream, ty: &TokenStream) -> TokenStream {
    let name = &side.name;
    quote!(fn #name(&self) -> #krate::Side<'_, #key, #ty>)
}

/// The attributes written on a side, and the ones every accessor has: a
/// side without a doc comment gets a generic one, so that a `pub` side
/// passes `missing_docs`; the accessor is `#[must_use]` unless the
/// declaration says otherwise.
fn documented(side: &Side) -> TokenStream {
    let Side { attrs, name, .. } = side;
    let doc = (!attrs.iter().any(|attr| *attr.path() == DOC)).then(|| {
        let doc = format!(
            " The `{name}` side field: a value attached to this instance by its identity, \
             dropped with it.",
        );
        quote!(#[doc = #doc])
    });
    let must_use =
        (!attrs.iter().any(|attr| *attr.path() == MUST_USE)).then(|| quote!(#[must_use]));
    quote! {
        #(#attrs)*
        #doc
        #must_use
    }
}

/// The key's slot in the table named by `in TABLE`, or else in the
/// accessor's own `static` table. That table is
/// keyed by the identity alone (`Anchor`), so that one `static` serves every
/// type whose accessor it is: each instantiation of a generic type, each
/// implementer of a `sides!` trait. Its type is located at the side's type,
/// so that a value type that cannot be kept in a `static` (not `Send`) is
/// reported there. A `static` is an item of its own, where `Self` means
/// nothing: `self_type` stands for it in the side's type.
pub fn side_body(krate: &TokenStream, self_type: &TokenStream, side: &Side) -> TokenStream {
    if let Some(table) = &side.table {
        // The user's own table, located at its path, so that a table of
        // another value type is reported there.
        let (start, end) = located_at(table);
        let krate = relocate(krate.clone(), start);
        let reference = quote_spanned!(start=> &);
        return quote_spanned!(end=> #krate::__private::side(#reference #table, self));
    }
    let ty = replace_self(side.ty.to_token_stream(), self_type);
    let (start, end) = located_at(&ty);
    let krate = relocate(krate.clone(), start);
    let table_type = quote_spanned!(end=> #krate::WeakMap<#krate::Anchor, #ty>);
    let reference = quote_spanned!(start=> &);
    let slot = quote_spanned!(end=>
        #krate::__private::side(#reference WEAKATTACH_SIDE_TABLE, self)
    );
    quote! {
        static WEAKATTACH_SIDE_TABLE: #table_type = #krate::WeakMap::new();
        #slot
    }
}

/// Spans that resolve as the derive's own tokens but are shown at the first
/// and the last token of `tokens`.
fn located_at(tokens: &impl ToTokens) -> (Span, Span) {
    let SpanRange { start, end } = SpanRange::of(tokens);
    let call_site = Span::call_site();
    (call_site.located_at(start), call_site.located_at(end))
}

/// `tokens`, each shown at `location` in diagnostics but resolved as before.
fn relocate(tokens: TokenStream, location: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(group) = &mut token {
                let delimiter = group.delimiter();
                let stream = relocate(group.stream(), location);
                let span = group.span().located_at(location);
                *group = Group::new(delimiter, stream);
                group.set_span(span);
            } else {
                token.set_span(token.span().located_at(location));
            }
            token
        })
        .collect()
}

/// `tokens` with each `Self` replaced by `with`.
fn replace_self(tokens: TokenStream, with: &TokenStream) -> TokenStream {
    tokens
        .into_iter()
        .flat_map(|token| match token {
            TokenTree::Group(group) => {
                let mut replaced =
                    Group::new(group.delimiter(), replace_self(group.stream(), with));
                replaced.set_span(group.span());
                vec![TokenTree::Group(replaced)]
            }
            TokenTree::Ident(word) if word == "Self" => {
                let mut replaced = Group::new(Delimiter::None, relocate(with.clone(), word.span()));
                replaced.set_span(word.span());
                vec![TokenTree::Group(replaced)]
            }
            token => vec![token],
        })
        .collect()
}
