//! Expansion snapshots: the generated code of representative inputs,
//! pretty-printed and compared with `tests/snapshots/*.rs`. Refresh them with
//! `UPDATE_EXPECT=1 cargo test -p genserver-macros`.

use proc_macro2::TokenStream;
use quote::quote;

fn expand(args: TokenStream, input: TokenStream) -> String {
    let output = crate::expand::gen_server(args, input);
    let file: syn::File = syn::parse2(output).expect("the expansion parses as a file");
    prettyplease::unparse(&file)
}

fn check(name: &str, args: TokenStream, input: TokenStream) {
    let path = format!("../tests/snapshots/{name}.rs");
    expect_test::expect_file![path].assert_eq(&expand(args, input));
}

#[test]
fn sum_server() {
    check(
        "sum_server",
        quote!(),
        quote! {
            impl SumServer {
                /// Adds two numbers.
                #[call]
                fn sum(&self, a: i64, b: i64) -> i64 {
                    a + b
                }
            }
        },
    );
}
