//! The examples are the `[[example]]` targets beside this file; run one with
//! `cargo run --example NAME` from the workspace root. This library is empty.
