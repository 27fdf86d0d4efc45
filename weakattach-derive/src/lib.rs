//! Implementation detail of the [`weakattach`] crate: `#[derive(WeakKey)]`.
//!
//! Use the derive through `weakattach::WeakKey`, whose documentation
//! describes it; this crate's output names items of the `weakattach` version
//! it is released with, and is not meant to be used on its own.
//!
//! [`weakattach`]: https://docs.rs/weakattach

mod ast;
mod attr;
mod ctxt;
mod expand;
mod fallback;
mod symbol;
mod valid;

#[cfg(test)]
mod fuzz;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Derives `weakattach::WeakKey` for a struct with an identity field; see
/// `weakattach::WeakKey`.
#[proc_macro_derive(WeakKey, attributes(weak_key))]
pub fn derive_weak_key(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input)
        .unwrap_or_else(expand::Failed::into_compile_error)
        .into()
}
