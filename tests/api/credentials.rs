//! The test PKI and identity provider, shared with the browser tests (`lianban_tests::credentials`).

pub use lianban_tests::credentials::*;
