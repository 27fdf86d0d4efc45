//! The model of a `weakattach::sides!` invocation, and its parser.
//!
//! The runtime's `sides!` forwards its input here as
//! `crate = $crate; DECLARATION*`, so that the generated code names the
//! runtime by the path that always resolves to it, whatever the user's crate
//! calls it.

use proc_macro2::{Delimiter, Ident, TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser as _};
use syn::{Attribute, Token, Type, Visibility, braced};

use crate::attr::{self, Side};
use crate::ctxt::{Ctxt, SpanRange};

/// How a declaration is written, repeated in the messages about malformed
/// ones.
const SYNTAX: &str = "write `sides! { pub trait NAME for KEY_TYPE { FIELD: TYPE, .. } }`";

/// One `VIS trait NAME for KEY { FIELD: TYPE, .. }`.
pub struct Decl {
    /// The outer attributes written before `VIS`.
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub trait_token: Token![trait],
    pub name: Ident,
    pub key: Type,
    /// Each well-formed field, as a side without a visibility of its own.
    pub fields: Vec<Side>,
}

/// What one `sides!` says: the runtime's path and the declarations.
pub struct Input {
    pub krate: TokenStream,
    pub decls: Vec<Decl>,
}

/// Reads the input of `sides!`, reporting what is malformed to `cx`. A
/// declaration that cannot be read is skipped up to the end of its braces,
/// and a field that cannot be read up to the comma after it, so that the
/// declarations and fields after them are still read (and stood in for, if
/// there are errors), and code that uses them reports nothing more.
pub fn parse(cx: &Ctxt, tokens: TokenStream) -> Input {
    let parser = |input: ParseStream| {
        input.parse::<Token![crate]>()?;
        input.parse::<Token![=]>()?;
        let krate = input.step(|cursor| {
            let mut path = TokenStream::new();
            let mut rest = *cursor;
            while let Some((token, next)) = rest.token_tree() {
                rest = next;
                if matches!(&token, TokenTree::Punct(punct) if punct.as_char() == ';') {
                    return Ok((path, rest));
                }
                path.extend([token]);
            }
            Err(cursor.error("expected `crate = PATH;` before the declarations"))
        })?;
        let mut decls = Vec::new();
        while !input.is_empty() {
            match declaration(cx, input) {
                Ok(decl) => decls.push(decl),
                Err(error) => {
                    cx.error_at(
                        error.span(),
                        format_args!("malformed `sides!` declaration: {error}; {SYNTAX}"),
                    );
                    skip_past_braces(input)?;
                }
            }
        }
        Ok(Input { krate, decls })
    };
    parser.parse2(tokens).unwrap_or_else(|error| {
        cx.syn_error(error);
        Input {
            krate: TokenStream::new(),
            decls: Vec::new(),
        }
    })
}

/// `ATTRS VIS trait NAME for KEY { FIELDS }`.
fn declaration(cx: &Ctxt, input: ParseStream) -> syn::Result<Decl> {
    let attrs = input.call(Attribute::parse_outer)?;
    let vis = input.parse()?;
    let trait_token = input.parse()?;
    let name = input.parse()?;
    if input.peek(Token![<]) {
        return Err(input.error(
            "a `sides!` trait has no generic parameters: its fields live in `static` tables, one \
             per field, for one concrete key type",
        ));
    }
    if input.peek(Token![:]) {
        return Err(input.error(
            "a `sides!` trait has no supertraits of its own: it extends `WeakKey`, and nothing \
             else",
        ));
    }
    input.parse::<Token![for]>()?;
    let key = input.parse()?;
    if input.peek(Token![where]) {
        return Err(
            input.error("a `sides!` declaration has no `where` clause: name one concrete key type")
        );
    }
    let content;
    braced!(content in input);
    let mut fields = Vec::new();
    while !content.is_empty() {
        match field(cx, &content) {
            Ok(field) => fields.push(field),
            Err(error) => {
                cx.error_at(
                    error.span(),
                    format_args!(
                        "malformed field of `sides!`: {error}; write `FIELD: TYPE` (or \
                         `FIELD: TYPE in TABLE`), one per field, separated by commas"
                    ),
                );
                skip_past_comma(&content)?;
            }
        }
    }
    Ok(Decl {
        attrs,
        vis,
        trait_token,
        name,
        key,
        fields,
    })
}

/// `ATTRS NAME: TYPE`, and the comma after it unless it is the last field.
fn field(cx: &Ctxt, input: ParseStream) -> syn::Result<Side> {
    let attrs = input.call(Attribute::parse_outer)?;
    let vis: Visibility = input.parse()?;
    if !matches!(vis, Visibility::Inherited) {
        cx.error_spanned_by(
            &vis,
            "the methods of a trait have the trait's visibility: remove this, and write it \
             before `trait` to make the trait public",
        );
    }
    let name: Ident = input.parse()?;
    input.parse::<Token![:]>()?;
    let ty: Type = input.parse()?;
    let table = attr::parse_table(input)?;
    let span = SpanRange {
        start: name.span(),
        end: SpanRange::of(&ty).end,
    };
    if !input.is_empty() {
        input.parse::<Token![,]>()?;
    }
    Ok(Side {
        span,
        attrs,
        vis: Visibility::Inherited,
        name,
        ty,
        table,
    })
}

/// Skips the rest of a malformed declaration: up to and with the next `{..}`.
fn skip_past_braces(input: ParseStream) -> syn::Result<()> {
    input.step(|cursor| {
        let mut rest = *cursor;
        while let Some((token, next)) = rest.token_tree() {
            rest = next;
            if matches!(&token, TokenTree::Group(group) if group.delimiter() == Delimiter::Brace) {
                break;
            }
        }
        Ok(((), rest))
    })
}

/// Skips the rest of a malformed field: up to and with the next comma that
/// is not between `<` and `>` (of generic arguments, as in `HashMap<K, V>`).
fn skip_past_comma(input: ParseStream) -> syn::Result<()> {
    input.step(|cursor| {
        let mut rest = *cursor;
        let mut depth = 0_usize;
        let mut previous = ' ';
        while let Some((token, next)) = rest.token_tree() {
            rest = next;
            if let TokenTree::Punct(punct) = &token {
                match punct.as_char() {
                    '<' => depth += 1,
                    '>' if previous != '-' => depth = depth.saturating_sub(1),
                    ',' if depth == 0 => break,
                    _ => {}
                }
                previous = punct.as_char();
            } else {
                previous = ' ';
            }
        }
        Ok(((), rest))
    })
}
