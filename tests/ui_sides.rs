//! Compile-time suite of `weakattach::sides!`: every misuse in
//! `tests/ui/sides/` fails with the diagnostics of its `.stderr`, and every
//! accepted declaration in `tests/ui/sides/pass/` compiles and runs.
//! Regenerate the snapshots with `TRYBUILD=overwrite cargo test --test ui_sides`.

#[test]
fn ui_sides() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/sides/*.rs");
    t.pass("tests/ui/sides/pass/*.rs");
}
