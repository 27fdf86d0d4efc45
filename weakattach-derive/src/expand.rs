//! The two entry points, `#[derive(WeakKey)]` and `sides!`: each parses its
//! input into a model, checks the model, and generates the code, or, when
//! there are errors, the errors and a stand-in.

use proc_macro2::TokenStream;
use syn::DeriveInput;

use crate::ast::Input;
use crate::ctxt::Ctxt;
use crate::generate;
use crate::{decl, fallback, valid};

/// An input with errors: what to report, and the stand-in code that keeps
/// the rest of the user's crate from failing because of them.
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

/// `#[derive(WeakKey)]` on `node`.
pub fn derive(node: &DeriveInput) -> Result<TokenStream, Failed> {
    let cx = Ctxt::new();
    let input = Input::from_syn(&cx, node);
    let identity = valid::check(&cx, &input);
    if let Err(errors) = cx.check() {
        let stand_in = fallback::derive(&input);
        return Err(Failed { errors, stand_in });
    }
    let identity = identity.expect("`valid::check` reports an error when there is no identity");

    let krate = input.crate_path();
    let ident = quote::ToTokens::to_token_stream(input.ident());
    let mut tokens =
        generate::impl_weak_key(&input, &krate, &generate::anchor_body(&krate, &identity));
    tokens.extend(generate::impl_sides(&input, &krate, |side| {
        generate::side_body(&krate, &ident, side)
    }));
    Ok(tokens)
}

/// `weakattach::sides! { .. }`, whose input is `tokens`.
pub fn sides(tokens: TokenStream) -> Result<TokenStream, Failed> {
    let cx = Ctxt::new();
    let input = decl::parse(&cx, tokens);
    for decl in &input.decls {
        valid::check_decl(&cx, decl);
    }
    if let Err(errors) = cx.check() {
        let stand_in = fallback::sides(&input);
        return Err(Failed { errors, stand_in });
    }

    let krate = &input.krate;
    Ok(input
        .decls
        .iter()
        .map(|decl| {
            let fields: Vec<_> = decl.fields.iter().collect();
            let key = quote::ToTokens::to_token_stream(&decl.key);
            generate::sides_trait(krate, decl, &fields, |field| {
                generate::side_body(krate, &key, field)
            })
        })
        .collect())
}
