//! The `#[gen_server]` attribute macro. Use it through the `genserver` crate,
//! which re-exports it and documents it.
//!
//! Flow: `args` reads `#[gen_server(...)]`, `ast` builds the model of the
//! impl block (the handlers, their kinds and arguments), `valid` checks what
//! needs more than one handler at a time, `expand` prints the generated
//! code. Errors are collected, not thrown: the user's impl block is always
//! emitted again (with our helper attributes removed) so rust-analyzer keeps
//! working, followed by every error found.

mod args;
mod ast;
mod attr;
mod errors;
mod expand;
#[cfg(test)]
mod fuzz;
mod names;
#[cfg(test)]
mod tests;
mod valid;

use proc_macro::TokenStream;

/// (Implemented in the `genserver-macros` crate; depend on `genserver`,
/// which re-exports it.)
#[proc_macro_attribute]
pub fn gen_server(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::gen_server(args.into(), input.into()).into()
}
