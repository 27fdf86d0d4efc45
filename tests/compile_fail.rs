//! The compile-time suite: every case under `tests/ui/<topic>/` is compiled
//! and its diagnostics compared with the `.stderr` beside it. Pass cases live
//! in `tests/ui/pass/`. Regenerate snapshots with `TRYBUILD=overwrite`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/keys/*.rs");
    t.compile_fail("tests/ui/tables/*.rs");
    t.compile_fail("tests/ui/values/*.rs");
    t.compile_fail("tests/ui/derive/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
