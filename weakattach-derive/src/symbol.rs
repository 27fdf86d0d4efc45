//! The words the derive recognises, in one place.

use core::fmt::{self, Display};

use syn::{Ident, Path};

/// A word of the `#[weak_key(...)]` language, or a name the derive looks for.
#[derive(Copy, Clone, Debug)]
pub struct Symbol(&'static str);

/// The attribute itself: `#[weak_key(...)]`.
pub const WEAK_KEY: Symbol = Symbol("weak_key");
/// `#[weak_key(anchor)]`, on the field that carries the identity.
pub const ANCHOR: Symbol = Symbol("anchor");
/// `#[weak_key(side(VIS NAME: TYPE))]`, on the struct.
pub const SIDE: Symbol = Symbol("side");
/// `#[weak_key(crate = "path")]`, on the struct.
pub const CRATE: Symbol = Symbol("crate");
/// The last path segment of a field type that makes it the identity field
/// when no field is marked.
pub const ANCHOR_TYPE: Symbol = Symbol("Anchor");
/// Outer attributes of a side declaration that the derive looks at.
pub const DOC: Symbol = Symbol("doc");
pub const MUST_USE: Symbol = Symbol("must_use");
/// `#[cfg(...)]` on a `sides!` trait or field, which its impl must share.
pub const CFG: Symbol = Symbol("cfg");

impl PartialEq<Symbol> for Ident {
    fn eq(&self, word: &Symbol) -> bool {
        self == word.0
    }
}

impl PartialEq<Symbol> for Path {
    fn eq(&self, word: &Symbol) -> bool {
        self.is_ident(word.0)
    }
}

impl Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}
