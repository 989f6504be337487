//! The options of `#[gen_server(...)]`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::Parser;

use crate::errors::Errors;

pub(crate) struct Args {
    /// The path generated code reaches the runtime through: `::genserver`
    /// unless `crate = path` says otherwise (for crates that re-export it).
    pub(crate) krate: syn::Path,
}

impl Args {
    /// Parses the options, reporting problems into `errors` and falling back
    /// to the defaults, so that the impl block still expands.
    pub(crate) fn parse(tokens: TokenStream, errors: &mut Errors) -> Args {
        let mut args = Args {
            krate: syn::parse_quote!(::genserver),
        };
        let mut seen_crate = false;
        let parser = syn::meta::parser(|meta| {
            if meta.path.is_ident("crate") {
                if seen_crate {
                    return Err(meta.error("duplicate `crate` option"));
                }
                seen_crate = true;
                let value = meta.value()?;
                let path: syn::LitStr = value.parse()?;
                args.krate = path.parse()?;
                Ok(())
            } else {
                let name = meta.path.clone();
                Err(syn::Error::new_spanned(
                    &name,
                    format!(
                        "unknown option `{}` in #[gen_server(...)]; the only option is `crate = \"path\"` (where the genserver crate is found, for crates that re-export it)",
                        quote!(#name).to_string().replace(' ', "")
                    ),
                ))
            }
        });
        if let Err(error) = parser.parse2(tokens) {
            errors.push(error);
        }
        args
    }
}
