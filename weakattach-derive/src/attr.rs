//! Parsing of `#[weak_key(...)]` attributes.
//!
//! The same grammar is parsed on the struct and on its fields; whether a key
//! is allowed where it was written is decided in `valid.rs`. A key that
//! cannot be parsed is reported and skipped, so that the keys after it are
//! still read and every mistake is reported in one build.

use proc_macro2::{Ident, TokenStream, TokenTree};
use syn::meta::ParseNestedMeta;
use syn::parse::ParseStream;
use syn::{Attribute, LitStr, Meta, Path, Token, Type, Visibility, parenthesized, token};

use crate::ctxt::{Ctxt, SpanRange};
use crate::symbol::{ANCHOR, CRATE, SIDE, WEAK_KEY};

/// How a side is written, repeated in the messages about malformed ones.
const SIDE_SYNTAX: &str = "declare a side as `side(VIS NAME: TYPE)` or `side(VIS NAME: TYPE in TABLE)`, \
                           e.g. `side(pub visits: u32)`";

/// What the `#[weak_key(...)]` attributes on one struct or field say.
#[derive(Default)]
pub struct Attrs {
    /// Each `anchor` key, by its word.
    pub anchor: Vec<Ident>,
    /// Each well-formed `side(...)`.
    pub sides: Vec<Side>,
    /// Each well-formed `crate = "..."`.
    pub krate: Vec<CratePath>,
}

/// `side(VIS NAME: TYPE)`, with the outer attributes written before `VIS`.
pub struct Side {
    /// From `side` to the closing parenthesis.
    pub span: SpanRange,
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub name: Ident,
    pub ty: Type,
    /// `in TABLE`: the path of a `static` table of the user's own, where the
    /// side is kept instead of a hidden one.
    pub table: Option<Path>,
}

/// ` in TABLE` after a side's type, if it is there.
pub fn parse_table(input: ParseStream) -> syn::Result<Option<Path>> {
    if !input.peek(Token![in]) {
        return Ok(None);
    }
    input.parse::<Token![in]>()?;
    input.call(Path::parse_mod_style).map(Some)
}

/// The sides of `sides`, each name once: a repeated name is an error, and
/// only its first declaration is kept.
pub fn distinct(sides: &[Side]) -> Vec<&Side> {
    sides
        .iter()
        .enumerate()
        .filter(|&(i, side)| !sides[..i].iter().any(|earlier| earlier.name == side.name))
        .map(|(_, side)| side)
        .collect()
}

/// `crate = "path::to::weakattach"`.
pub struct CratePath {
    /// From `crate` to the string.
    pub span: SpanRange,
    pub path: Path,
}

/// Reads the `#[weak_key(...)]` attributes among `attrs`, reporting what is
/// malformed to `cx`.
pub fn parse(cx: &Ctxt, attrs: &[Attribute]) -> Attrs {
    let mut parsed = Attrs::default();
    for attr in attrs.iter().filter(|attr| *attr.path() == WEAK_KEY) {
        if !matches!(attr.meta, Meta::List(_)) {
            cx.error_spanned_by(
                &attr.meta,
                format_args!(
                    "`{WEAK_KEY}` takes a list: `#[{WEAK_KEY}({ANCHOR})]` on the identity field, or \
                     `#[{WEAK_KEY}({SIDE}(...))]` and `#[{WEAK_KEY}({CRATE} = \"...\")]` on the struct"
                ),
            );
            continue;
        }
        if let Err(error) = attr.parse_nested_meta(|meta| parsed.parse_key(cx, &meta)) {
            cx.syn_error(error);
        }
    }
    parsed
}

impl Attrs {
    /// One key of a `#[weak_key(...)]` list. An `Err` is a syntax error that
    /// ends the list; a misused key is reported to `cx` and skipped.
    fn parse_key(&mut self, cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<()> {
        let key = &meta.path;
        if *key == ANCHOR {
            if meta.input.peek(Token![=]) || meta.input.peek(token::Paren) {
                skip_value(meta.input)?;
                cx.syn_error(meta.error(format_args!(
                    "`{ANCHOR}` takes no value: write `#[{WEAK_KEY}({ANCHOR})]` on the field that carries the identity"
                )));
            } else if let Some(word) = key.get_ident() {
                self.anchor.push(word.clone());
            }
        } else if *key == SIDE {
            if let Some(side) = parse_side(cx, meta)? {
                self.sides.push(side);
            }
        } else if *key == CRATE {
            if let Some(path) = parse_crate(cx, meta)? {
                self.krate.push(path);
            }
        } else {
            skip_value(meta.input)?;
            cx.error_spanned_by(
                key,
                format_args!(
                    "unknown `{WEAK_KEY}` key `{}`: expected `{ANCHOR}` (on the identity field), \
                     or `{SIDE}(VIS NAME: TYPE)` or `{CRATE} = \"path\"` (on the struct)",
                    display_path(key),
                ),
            );
        }
        Ok(())
    }
}

/// `side(...)`, after the word `side`. `None` if malformed (and reported).
fn parse_side(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<Option<Side>> {
    if !meta.input.peek(token::Paren) {
        skip_value(meta.input)?;
        cx.syn_error(meta.error(format_args!(
            "expected parentheses after `{SIDE}`: {SIDE_SYNTAX}"
        )));
        return Ok(None);
    }
    let content;
    let parens = parenthesized!(content in meta.input);
    let span = SpanRange {
        start: meta.path.segments[0].ident.span(),
        end: parens.span.close(),
    };
    let declaration = side_declaration(&content);
    // After a malformed declaration, the rest of it is not worth reading.
    content.parse::<TokenStream>()?;
    match declaration {
        Ok((attrs, vis, name, ty, table)) => Ok(Some(Side {
            span,
            attrs,
            vis,
            name,
            ty,
            table,
        })),
        Err(error) => {
            cx.error_at(
                error.span(),
                format_args!("malformed `{SIDE}(...)`: {error}; {SIDE_SYNTAX}"),
            );
            Ok(None)
        }
    }
}

/// The parts of a side declaration.
type Declaration = (Vec<Attribute>, Visibility, Ident, Type, Option<Path>);

/// `OUTER-ATTRS VIS NAME: TYPE`, then ` in TABLE` or nothing: the whole
/// content of `side(...)`.
fn side_declaration(input: ParseStream) -> syn::Result<Declaration> {
    let attrs = input.call(Attribute::parse_outer)?;
    let vis = input.parse()?;
    let name = input.parse()?;
    input.parse::<Token![:]>()?;
    let ty = input.parse()?;
    let table = parse_table(input)?;
    if !input.is_empty() {
        return Err(input.error(format_args!(
            "unexpected tokens after the side's type (one side per `{SIDE}(...)`, as in `{SIDE}(a: u8), {SIDE}(b: u16)`)"
        )));
    }
    Ok((attrs, vis, name, ty, table))
}

/// `= "path"`, after the word `crate`. `None` if malformed (and reported).
fn parse_crate(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<Option<CratePath>> {
    const USAGE: &str =
        "write the path of `weakattach` as a string, e.g. `crate = \"my_crate::weakattach\"`";
    let start = meta.path.segments[0].ident.span();
    if !meta.input.peek(Token![=]) || !meta.input.peek2(LitStr) {
        skip_value(meta.input)?;
        cx.syn_error(meta.error(format_args!("malformed `{CRATE}`: {USAGE}")));
        return Ok(None);
    }
    meta.input.parse::<Token![=]>()?;
    let literal: LitStr = meta.input.parse()?;
    let span = SpanRange {
        start,
        end: literal.span(),
    };
    let path = literal.parse_with(Path::parse_mod_style);
    if path.is_err() {
        cx.error_spanned_by(
            span,
            format_args!("`{CRATE}` must be a path without generic arguments: {USAGE}"),
        );
    }
    Ok(path.ok().map(|path| CratePath { span, path }))
}

/// Skips what follows a key up to the next `,` of the list, so that the
/// keys after a misused one are still read.
fn skip_value(input: ParseStream) -> syn::Result<()> {
    input.step(|cursor| {
        let mut rest = *cursor;
        while let Some((token, next)) = rest.token_tree() {
            if matches!(&token, TokenTree::Punct(punct) if punct.as_char() == ',') {
                break;
            }
            rest = next;
        }
        Ok(((), rest))
    })
}

/// `a::b` as written, for messages.
fn display_path(path: &Path) -> String {
    let segments = path
        .segments
        .iter()
        .map(|segment| segment.ident.to_string());
    let joined = segments.collect::<Vec<_>>().join("::");
    if path.leading_colon.is_some() {
        format!("::{joined}")
    } else {
        joined
    }
}
