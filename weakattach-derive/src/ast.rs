//! The derive's view of its input: the syn nodes it borrows, for their spans,
//! and the `#[weak_key(...)]` attributes read from them.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens as _, quote};
use syn::{
    Data as SynData, DataUnion, DeriveInput, Fields, Generics, Ident, Index, Member, PathArguments,
    Type,
};

use crate::attr::{self, Attrs, Side};
use crate::ctxt::Ctxt;
use crate::symbol::ANCHOR_TYPE;

pub struct Input<'a> {
    pub original: &'a DeriveInput,
    /// The attributes on the struct (or enum, or union) itself.
    pub attrs: Attrs,
    pub data: Data<'a>,
}

pub enum Data<'a> {
    Struct(Vec<Field<'a>>),
    Enum(Vec<Variant<'a>>),
    Union(&'a DataUnion),
}

pub struct Variant<'a> {
    pub original: &'a syn::Variant,
    pub fields: Vec<Field<'a>>,
    /// The attributes on the variant itself, where no key belongs.
    pub attrs: Attrs,
}

pub struct Field<'a> {
    pub original: &'a syn::Field,
    /// `self.name` or `self.0`.
    pub member: Member,
    pub attrs: Attrs,
}

impl<'a> Input<'a> {
    /// Reads `node`, reporting malformed attributes to `cx`.
    pub fn from_syn(cx: &Ctxt, node: &'a DeriveInput) -> Self {
        let attrs = attr::parse(cx, &node.attrs);
        let data = match &node.data {
            SynData::Struct(data) => Data::Struct(Field::multiple_from_syn(cx, &data.fields)),
            SynData::Enum(data) => Data::Enum(
                data.variants
                    .iter()
                    .map(|variant| Variant {
                        original: variant,
                        fields: Field::multiple_from_syn(cx, &variant.fields),
                        attrs: attr::parse(cx, &variant.attrs),
                    })
                    .collect(),
            ),
            SynData::Union(data) => Data::Union(data),
        };
        Input {
            original: node,
            attrs,
            data,
        }
    }

    pub fn ident(&self) -> &'a Ident {
        &self.original.ident
    }

    pub fn generics(&self) -> &'a Generics {
        &self.original.generics
    }

    /// The fields of a struct, or of every variant of an enum; none for a
    /// union.
    pub fn fields(&self) -> impl Iterator<Item = &Field<'a>> {
        let (fields, variants): (&[Field<'a>], &[Variant<'a>]) = match &self.data {
            Data::Struct(fields) => (fields, &[]),
            Data::Enum(variants) => (&[], variants),
            Data::Union(_) => (&[], &[]),
        };
        let in_variants = variants.iter().flat_map(|variant| &variant.fields);
        fields.iter().chain(in_variants)
    }

    /// `struct`, `enum` or `union`, for messages.
    pub fn kind(&self) -> &'static str {
        match &self.data {
            Data::Struct(_) => "struct",
            Data::Enum(_) => "enum",
            Data::Union(_) => "union",
        }
    }

    /// The path of the runtime crate: the first well-formed
    /// `crate = "..."`, or `::weakattach`.
    pub fn crate_path(&self) -> TokenStream {
        self.attrs.krate.first().map_or_else(
            || quote!(::weakattach),
            |krate| krate.path.to_token_stream(),
        )
    }

    /// The declared sides, each name once: a repeated name is an error, and
    /// only its first declaration is kept.
    pub fn distinct_sides(&self) -> Vec<&Side> {
        attr::distinct(&self.attrs.sides)
    }
}

impl<'a> Field<'a> {
    fn multiple_from_syn(cx: &Ctxt, fields: &'a Fields) -> Vec<Self> {
        fields
            .iter()
            .enumerate()
            .map(|(i, field)| Field {
                original: field,
                member: match &field.ident {
                    Some(ident) => Member::Named(ident.clone()),
                    None => Member::Unnamed(Index {
                        index: u32::try_from(i).expect("fewer than 2^32 fields"),
                        span: Span::call_site(),
                    }),
                },
                attrs: attr::parse(cx, &field.attrs),
            })
            .collect()
    }

    pub fn ty(&self) -> &'a Type {
        &self.original.ty
    }

    /// Its type is written `Anchor` or `path::to::Anchor`, without generic
    /// arguments. The derive sees only tokens, so this is a matter of
    /// spelling: an alias of `Anchor` has to be marked.
    pub fn is_written_anchor(&self) -> bool {
        let mut ty = self.ty();
        loop {
            match ty {
                Type::Group(group) => ty = &group.elem,
                Type::Paren(paren) => ty = &paren.elem,
                Type::Path(path) => {
                    return path.qself.is_none()
                        && path.path.segments.last().is_some_and(|last| {
                            last.ident == ANCHOR_TYPE
                                && matches!(last.arguments, PathArguments::None)
                        });
                }
                _ => return false,
            }
        }
    }

    /// `field `name`` or `field 0`, for messages.
    pub fn describe(&self) -> String {
        match &self.member {
            Member::Named(ident) => format!("field `{ident}`"),
            Member::Unnamed(index) => format!("field {}", index.index),
        }
    }
}
