//! Where the derive collects its errors, so that one build reports them all.

use core::cell::RefCell;
use core::fmt::Display;

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, TokenStreamExt as _};

/// The errors found so far in one derive input.
pub struct Ctxt {
    errors: RefCell<Vec<syn::Error>>,
}

impl Ctxt {
    pub fn new() -> Self {
        Ctxt {
            errors: RefCell::new(Vec::new()),
        }
    }

    /// Records an error that underlines `tokens`, from their first token to
    /// their last.
    pub fn error_spanned_by(&self, tokens: impl ToTokens, message: impl Display) {
        self.syn_error(syn::Error::new_spanned(tokens, message));
    }

    /// Records an error that underlines one token.
    pub fn error_at(&self, span: Span, message: impl Display) {
        self.syn_error(syn::Error::new(span, message));
    }

    pub fn syn_error(&self, error: syn::Error) {
        self.errors.borrow_mut().push(error);
    }

    /// All the recorded errors as one, in the order they were found.
    pub fn check(self) -> syn::Result<()> {
        let mut errors = self.errors.into_inner().into_iter();
        match errors.next() {
            None => Ok(()),
            Some(mut first) => {
                for error in errors {
                    first.combine(error);
                }
                Err(first)
            }
        }
    }
}

/// A stretch of source from one token to another, for errors that underline
/// more than one token (such as a whole `side(...)`) on a stable compiler,
/// where spans cannot be joined.
#[derive(Copy, Clone)]
pub struct SpanRange {
    pub start: Span,
    pub end: Span,
}

impl SpanRange {
    /// The first and last token of `tokens`.
    pub fn of(tokens: &impl ToTokens) -> Self {
        let mut tokens = tokens.to_token_stream().into_iter();
        let start = tokens
            .next()
            .map_or_else(Span::call_site, |token| token.span());
        let end = tokens.last().map_or(start, |token| token.span());
        SpanRange { start, end }
    }
}

impl ToTokens for SpanRange {
    /// Two placeholder tokens: only their spans matter, to
    /// `syn::Error::new_spanned`.
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.append(Ident::new("start", self.start));
        tokens.append(Ident::new("end", self.end));
    }
}

/// `tokens` as a user writes them, for messages: `Keyed<String>`, not
/// `Keyed < String >`.
pub fn display(tokens: &impl ToTokens) -> String {
    let mut text = tokens.to_token_stream().to_string();
    for (spaced, tight) in [
        (" <", "<"),
        ("< ", "<"),
        (" >", ">"),
        (" ,", ","),
        (" ::", "::"),
        (":: ", "::"),
        ("& ", "&"),
        ("( ", "("),
        (" )", ")"),
        ("[ ", "["),
        (" ]", "]"),
    ] {
        text = text.replace(spaced, tight);
    }
    text
}
