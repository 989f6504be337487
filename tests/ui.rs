//! Compile-fail tests of #[gen_server]'s diagnostics. After a toolchain bump, refresh the
//! expected output with `TRYBUILD=overwrite cargo test -p genserver-tests --test ui`.
#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
}
