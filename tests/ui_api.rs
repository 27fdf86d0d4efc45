//! Compile-time suite of the tables: keys without identity (`tests/ui/keys/`),
//! the operations a weak table deliberately lacks (`tests/ui/tables/`) and
//! values that cannot cross threads (`tests/ui/values/`) are rejected with the
//! diagnostics of each case's `.stderr`. Regenerate the snapshots with
//! `TRYBUILD=overwrite cargo test --test ui_api`.

#[test]
fn ui_api() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/keys/*.rs");
    t.compile_fail("tests/ui/tables/*.rs");
    t.compile_fail("tests/ui/values/*.rs");
}
