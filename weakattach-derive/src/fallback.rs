//! The stand-in emitted after an error: a `WeakKey` impl and the well-formed
//! side accessors, each with a body that only panics. With them, code that
//! uses the type as a key or calls its sides still compiles, and the build
//! reports the derive's errors alone rather than a page of consequences.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast::Input;
use crate::expand::{impl_sides, impl_weak_key};

pub fn expand(input: &Input) -> TokenStream {
    let krate = input.crate_path();
    let unimplemented = quote!(#krate::__private::unimplemented!());
    let mut tokens = impl_weak_key(input, &krate, &unimplemented);
    tokens.extend(impl_sides(input, &krate, |_| unimplemented.clone()));
    tokens
}
