//! Compile-time suite of `#[derive(WeakKey)]`: every misuse in
//! `tests/ui/derive/` fails with the diagnostics of its `.stderr`, and every
//! accepted shape in `tests/ui/pass/` compiles. Regenerate the snapshots
//! with `TRYBUILD=overwrite cargo test --test ui_derive`.

#[test]
fn ui_derive() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/derive/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
