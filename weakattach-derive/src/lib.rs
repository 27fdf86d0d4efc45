//! Implementation detail of the `weakattach` crate: `#[derive(WeakKey)]`.
use proc_macro::TokenStream;

/// See `weakattach::WeakKey`.
#[proc_macro_derive(WeakKey, attributes(weak_key))]
pub fn derive_weak_key(input: TokenStream) -> TokenStream {
    let _ = input;
    TokenStream::new()
}
