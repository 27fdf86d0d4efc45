//! Implementation detail of the [`weakattach`] crate: `#[derive(WeakKey)]`
//! and `sides!`.
//!
//! Use them through `weakattach::WeakKey` and `weakattach::sides!`, whose
//! documentation describes them; this crate's output names items of the
//! `weakattach` version it is released with, and is not meant to be used on
//! its own.
//!
//! The modules read one way: the models of the input (`ast.rs` and
//! `attr.rs` for the derive, `decl.rs` for `sides!`), their rules
//! (`valid.rs`), the generated code (`generate.rs`), and the stand-in
//! emitted after an error (`fallback.rs`); `expand.rs` runs them in that
//! order.
//!
//! [`weakattach`]: https://docs.rs/weakattach

mod ast;
mod attr;
mod ctxt;
mod decl;
mod expand;
mod fallback;
mod generate;

mod symbol;
mod valid;

#[cfg(test)]
mod fuzz;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Derives `weakattach::WeakKey` for a struct or an enum with an identity
/// field; see `weakattach::WeakKey`.
#[proc_macro_derive(WeakKey, attributes(weak_key))]
pub fn derive_weak_key(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input)
        .unwrap_or_else(expand::Failed::into_compile_error)
        .into()
}

/// The body of `weakattach::sides!`, which forwards its input here as
/// `crate = $crate; DECLARATION*`; see `weakattach::sides!`.
#[doc(hidden)]
#[proc_macro]
pub fn sides(input: TokenStream) -> TokenStream {
    expand::sides(input.into())
        .unwrap_or_else(expand::Failed::into_compile_error)
        .into()
}
