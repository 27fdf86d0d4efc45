//! The stand-ins emitted after an error: a `WeakKey` impl and the
//! well-formed side accessors (for the derive), or the well-formed traits
//! (for `sides!`), each with bodies that only panic. With them, code that
//! uses the type as a key or calls its sides still compiles, and the build
//! reports the macro's errors alone rather than a page of consequences.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast::Input;
use crate::attr;
use crate::decl;
use crate::generate::{impl_sides, impl_weak_key, sides_trait};

pub fn derive(input: &Input) -> TokenStream {
    let krate = input.crate_path();
    let unimplemented = quote!(#krate::__private::unimplemented!());
    let mut tokens = impl_weak_key(input, &krate, &unimplemented);
    tokens.extend(impl_sides(input, &krate, |_| unimplemented.clone()));
    tokens
}

pub fn sides(input: &decl::Input) -> TokenStream {
    let krate = &input.krate;
    if krate.is_empty() {
        return TokenStream::new();
    }
    let unimplemented = quote!(#krate::__private::unimplemented!());
    input
        .decls
        .iter()
        .map(|decl| {
            let fields = attr::distinct(&decl.fields);
            sides_trait(krate, decl, &fields, |_| unimplemented.clone())
        })
        .collect()
}
