//! Generation of the `WeakKey` impl and of the side accessors.

use proc_macro2::{Group, Ident, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::DeriveInput;

use crate::ast::{Field, Input};
use crate::attr::Side;
use crate::ctxt::{Ctxt, SpanRange};
use crate::symbol::{DOC, MUST_USE};
use crate::{fallback, valid};

/// A derive input with errors: what to report, and the stand-in code that
/// keeps the rest of the user's crate from failing because of them.
pub struct Failed {
    errors: syn::Error,
    stand_in: TokenStream,
}

impl Failed {
    /// The errors, one by one.
    #[cfg(test)]
    pub fn errors(&self) -> syn::Error {
        self.errors.clone()
    }

    /// The `compile_error!`s followed by the stand-in.
    pub fn into_compile_error(self) -> TokenStream {
        let mut tokens = self.errors.into_compile_error();
        tokens.extend(self.stand_in);
        tokens
    }
}

/// `#[derive(WeakKey)]` on `node`: parse, check, generate.
pub fn derive(node: &DeriveInput) -> Result<TokenStream, Failed> {
    let cx = Ctxt::new();
    let input = Input::from_syn(&cx, node);
    let identity = valid::check(&cx, &input);
    if let Err(errors) = cx.check() {
        let stand_in = fallback::expand(&input);
        return Err(Failed { errors, stand_in });
    }
    let identity = identity.expect("`valid::check` reports an error when there is no identity");

    let krate = input.crate_path();
    let mut tokens = impl_weak_key(&input, &krate, &anchor_body(&krate, identity));
    tokens.extend(impl_sides(&input, &krate, |side| {
        side_body(&input, &krate, side)
    }));
    Ok(tokens)
}

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

/// `WeakKey::anchor(&self.field)`, located at the field's type, so that a
/// type that is not a key is reported there, underlined from its first token
/// to its last.
fn anchor_body(krate: &TokenStream, identity: &Field) -> TokenStream {
    let (start, end) = located_at(identity.ty());
    let krate = relocate(krate.clone(), start);
    let member = relocate(identity.member.to_token_stream(), end);
    let receiver = quote_spanned!(start=> &self.);
    quote_spanned!(end=> #krate::WeakKey::anchor(#receiver #member))
}

/// One inherent impl with an accessor per declared side, with `body(side)`
/// as its body; nothing when no side is declared.
pub fn impl_sides(
    input: &Input,
    krate: &TokenStream,
    body: impl Fn(&Side) -> TokenStream,
) -> TokenStream {
    let accessors: Vec<TokenStream> = input
        .distinct_sides()
        .map(|side| accessor(krate, side, &body(side)))
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

/// `VIS fn NAME(&self) -> Side<'_, Self, TYPE>`, with the attributes written
/// in `side(...)`. A side without a doc comment gets a generic one, so that
/// a `pub` side passes `missing_docs`; the accessor is `#[must_use]` unless
/// the declaration says otherwise.
fn accessor(krate: &TokenStream, side: &Side, body: &TokenStream) -> TokenStream {
    let Side {
        attrs,
        vis,
        name,
        ty,
        ..
    } = side;
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
        #[inline]
        #vis fn #name(&self) -> #krate::Side<'_, Self, #ty> {
            #body
        }
    }
}

/// The accessor's own `static` table and the key's slot in it. The table's
/// type is located at the side's type, so that a value type that cannot be
/// kept in a `static` (not `Send`) is reported there. A `static` is an item
/// of its own, where `Self` means nothing: the side's type names the struct
/// instead.
fn side_body(input: &Input, krate: &TokenStream, side: &Side) -> TokenStream {
    let ty = replace_self(side.ty.to_token_stream(), input.ident());
    let (start, end) = located_at(&ty);
    let krate = relocate(krate.clone(), start);
    let ident = relocate(input.ident().to_token_stream(), start);
    let table_type = quote_spanned!(end=> #krate::WeakMap<#ident, #ty>);
    let reference = quote_spanned!(start=> &);
    let slot =
        quote_spanned!(end=> #krate::__private::side(#reference WEAKATTACH_SIDE_TABLE, self));
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

/// `tokens` with each `Self` replaced by `ident`.
fn replace_self(tokens: TokenStream, ident: &Ident) -> TokenStream {
    tokens
        .into_iter()
        .map(|token| match token {
            TokenTree::Group(group) => {
                let mut replaced =
                    Group::new(group.delimiter(), replace_self(group.stream(), ident));
                replaced.set_span(group.span());
                TokenTree::Group(replaced)
            }
            TokenTree::Ident(word) if word == "Self" => {
                let mut ident = ident.clone();
                ident.set_span(word.span());
                TokenTree::Ident(ident)
            }
            token => token,
        })
        .collect()
}
