//! The derive never panics, whatever its input: random struct, enum and
//! union definitions with random `#[weak_key(..)]` attributes, well-formed
//! and malformed, go through [`expand::derive`] in `proc_macro2` tokens; each
//! must come back as tokens or as errors, and every error must be spanned
//! inside the input. Likewise random `sides!` declarations through
//! [`expand::sides`].
//!
//! `WEAKATTACH_DERIVE_CASES` sets the number of inputs (256 by default),
//! drawn from a fixed seed.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use crate::expand;

const FIELD_TYPES: &[&str] = &[
    "Anchor",
    "weakattach::Anchor",
    "::weakattach::Anchor",
    "u32",
    "String",
    "Vec<T>",
    "&'a str",
    "[u8; N]",
    "Inner",
    "Option<Anchor>",
    "T",
    "(Anchor, u8)",
    "fn() -> Anchor",
];

/// Empty entries repeat, so that well-formed inputs come up often too.
const FIELD_ATTRS: &[&str] = &[
    "",
    "",
    "",
    "",
    "",
    "",
    "#[weak_key(anchor)]",
    "#[weak_key(anchor, anchor)]",
    "#[weak_key(side(x: u8))]",
    "#[weak_key(bogus)]",
    "#[weak_key()]",
    "#[weak_key]",
    "#[weak_key = \"x\"]",
    "#[weak_key(crate = \"x\")]",
    "#[weak_key(\"anchor\")]",
    "#[cfg(test)]",
    "#[cfg(any())]",
    "/// docs",
    "#[doc = \"x\"]",
];

const ITEM_ATTRS: &[&str] = &[
    "",
    "",
    "",
    "",
    "",
    "",
    "#[weak_key(crate = \"path::to::weakattach\")]",
    "#[weak_key(crate = \"not a path\")]",
    "#[weak_key(crate = 5)]",
    "#[weak_key(crate)]",
    "#[weak_key(crate = \"a\", crate = \"b\")]",
    "#[weak_key(side(pub visits: u32))]",
    "#[weak_key(side(/// doc\n notes: Vec<String>), side(pub(crate) n: u8))]",
    "#[weak_key(side(a: u8), side(a: u8))]",
    "#[weak_key(side(a))]",
    "#[weak_key(side())]",
    "#[weak_key(side)]",
    "#[weak_key(side(r#type: u8))]",
    "#[weak_key(side(t: T))]",
    "#[weak_key(side(x: [u8; N]))]",
    "#[weak_key(side(x: &'a str))]",
    "#[weak_key(side(x: u8 extra))]",
    "#[weak_key(side(x: u8 in TABLE), side(y: Self in crate::T))]",
    "#[weak_key(side(x: u8 in), side(y: u8 in \"T\"))]",
    "#[weak_key(anchor)]",
    "#[weak_key]",
    "#[weak_key(\"lit\")]",
    "#[weak_key(unknown = 1)]",
    "#[derive(Debug)]",
];

const GENERICS: &[&str] = &[
    "",
    "<T>",
    "<'a>",
    "<'a, T: Clone>",
    "<const N: usize>",
    "<T, const N: usize> where T: Copy",
    "<'a, T: 'a + ?Sized>",
];

const NAMES: &[&str] = &["anchor", "a", "b", "r#type", "r#match", "name", "inner"];

/// One field: attributes, a name (for named fields), a type.
fn field() -> impl Strategy<Value = (usize, usize, usize)> {
    (0..FIELD_ATTRS.len(), 0..NAMES.len(), 0..FIELD_TYPES.len())
}

fn fields(named: bool, list: &[(usize, usize, usize)]) -> String {
    let parts: Vec<String> = list
        .iter()
        .map(|&(attr, name, ty)| {
            if named {
                format!("{} {}: {}", FIELD_ATTRS[attr], NAMES[name], FIELD_TYPES[ty])
            } else {
                format!("{} {}", FIELD_ATTRS[attr], FIELD_TYPES[ty])
            }
        })
        .collect();
    if named {
        format!("{{ {} }}", parts.join(", "))
    } else {
        format!("({})", parts.join(", "))
    }
}

/// The source of one item: the shape (named, tuple or unit struct, enum,
/// union), generics, attributes, fields and, for enums, variants.
fn item() -> impl Strategy<Value = String> {
    (
        0..5_usize,
        0..GENERICS.len(),
        prop::collection::vec(0..ITEM_ATTRS.len(), 0..3),
        prop::collection::vec(field(), 0..4),
        prop::collection::vec((0..3_usize, prop::collection::vec(field(), 0..3)), 0..3),
    )
        .prop_map(|(shape, generics, attrs, list, variants)| {
            let attrs: String = attrs
                .iter()
                .map(|&a| ITEM_ATTRS[a])
                .collect::<Vec<_>>()
                .join("\n");
            let generics = GENERICS[generics];
            let (params, where_clause) = match generics.split_once(" where ") {
                Some((params, clause)) => (params.to_owned(), format!("where {clause}")),
                None => (generics.to_owned(), String::new()),
            };
            match shape {
                0 => format!(
                    "{attrs}\nstruct Key{params} {where_clause} {}",
                    fields(true, &list)
                ),
                1 => format!(
                    "{attrs}\nstruct Key{params}{} {where_clause};",
                    fields(false, &list)
                ),
                2 => format!("{attrs}\nstruct Key{params} {where_clause};"),
                3 => {
                    let variants: Vec<String> = variants
                        .iter()
                        .enumerate()
                        .map(|(i, (kind, list))| match kind {
                            0 => format!("V{i} {}", fields(true, list)),
                            1 => format!("V{i}{}", fields(false, list)),
                            _ => format!("V{i}"),
                        })
                        .collect();
                    format!(
                        "{attrs}\nenum Key{params} {where_clause} {{ {} }}",
                        variants.join(", ")
                    )
                }
                _ => format!(
                    "{attrs}\nunion Key{params} {where_clause} {}",
                    fields(true, &list)
                ),
            }
        })
}

/// Whether `span` lies inside `source` (lines start at 1, columns at 0).
fn inside(source: &str, span: proc_macro2::Span) -> bool {
    let lines: Vec<&str> = source.lines().collect();
    let (start, end) = (span.start(), span.end());
    let fits = |line: usize, column: usize| {
        line >= 1 && line <= lines.len() && column <= lines[line - 1].chars().count()
    };
    fits(start.line, start.column) && fits(end.line, end.column) && start <= end
}

#[test]
fn the_derive_returns_tokens_or_spanned_errors_for_any_input() {
    check_inputs(item(), "the derive", |source| {
        // Items the compiler itself would not hand to a derive are not
        // inputs.
        let input = syn::parse_str::<syn::DeriveInput>(source).ok()?;
        Some(expand::derive(&input))
    });
}

/// Runs `expand` on `cases` inputs drawn by `strategy` (`None`: not an
/// input): `what` must return tokens or errors spanned inside the input,
/// never panic, and both outcomes must come up.
fn check_inputs(
    strategy: impl Strategy<Value = String>,
    what: &str,
    expand: impl Fn(&str) -> Option<Result<proc_macro2::TokenStream, expand::Failed>>,
) {
    let cases = std::env::var("WEAKATTACH_DERIVE_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256);
    // A fixed seed: the same inputs on every run, so that CI is repeatable.
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    let (accepted, rejected) = (Cell::new(0_u32), Cell::new(0_u32));
    runner
        .run(&strategy, |source| {
            let outcome = catch_unwind(AssertUnwindSafe(|| expand(&source)));
            let outcome = outcome.map_err(|_| TestCaseError::fail(format!("{what} panicked")))?;
            match outcome {
                None => {}
                Some(Ok(_)) => accepted.set(accepted.get() + 1),
                Some(Err(failed)) => {
                    rejected.set(rejected.get() + 1);
                    for error in failed.errors() {
                        prop_assert!(
                            inside(&source, error.span()),
                            "error {:?} spanned outside the input\n{source}",
                            error.to_string()
                        );
                    }
                }
            }
            Ok(())
        })
        .unwrap();
    // The generator reaches both outcomes, or it tests little.
    let (accepted, rejected) = (accepted.get(), rejected.get());
    assert!(
        accepted > 0 && rejected > 0,
        "{what}: accepted {accepted}, rejected {rejected}"
    );
}

/// Pieces of `sides!` declarations: each slot draws one, well-formed more
/// often than not.
const DECL_ATTRS: &[&str] = &[
    "",
    "",
    "/// docs",
    "#[cfg(any())]",
    "#[allow(unused)]",
    "#[weak_key]",
];
const DECL_VIS: &[&str] = &["", "pub", "pub(crate)", "pub(in crate)", "priv"];
const DECL_HEADS: &[&str] = &[
    "trait Ext for",
    "trait Ext for",
    "trait Ext for",
    "trait Ext<T> for",
    "trait Ext: Clone for",
    "trait for",
    "Ext for",
    "trait Ext",
    "struct Ext for",
];
const DECL_KEYS: &[&str] = &[
    "Anchor",
    "Keyed<String>",
    "dyn Shape",
    "&str",
    "Keyed<&'_ str>",
    "T",
    "",
    "User where T: Clone",
];
const DECL_FIELDS: &[&str] = &[
    "a: u32",
    "a: u32",
    "b: Vec<Self>",
    "c: &str",
    "d: Cow<'_, str>",
    "pub e: u8",
    "f u8",
    "g:",
    "/// docs\nh: String",
    "#[cfg(any())] i: u8",
    "0: u8",
    "j: u8 = 1",
    "k: u8 in TABLE",
    "l: u8 in",
];

/// The source of one `sides!` input: the runtime's path and up to two
/// declarations.
fn sides_input() -> impl Strategy<Value = String> {
    let decl = (
        0..DECL_ATTRS.len(),
        0..DECL_VIS.len(),
        0..DECL_HEADS.len(),
        0..DECL_KEYS.len(),
        prop::collection::vec((0..DECL_FIELDS.len(), 0..4_usize), 0..4),
    )
        .prop_map(|(attrs, vis, head, key, fields)| {
            let fields: String = fields
                .iter()
                .flat_map(|&(field, separator)| {
                    [DECL_FIELDS[field], [",", ",", ";", ""][separator], "\n"]
                })
                .collect();
            format!(
                "{}\n{} {} {} {{\n{fields}}}",
                DECL_ATTRS[attrs], DECL_VIS[vis], DECL_HEADS[head], DECL_KEYS[key]
            )
        });
    prop::collection::vec(decl, 0..3)
        .prop_map(|decls| format!("crate = ::weakattach;\n{}", decls.join("\n")))
}

#[test]
fn sides_returns_tokens_or_spanned_errors_for_any_input() {
    check_inputs(sides_input(), "`sides!`", |source| {
        let tokens = source.parse::<proc_macro2::TokenStream>().ok()?;
        Some(expand::sides(tokens))
    });
}
