//! Integration tests of genserver live beside this file, one file per
//! area; see `Cargo.toml` for the list. This library is empty.
