//! The wire contract of Lianban, package `lianban.v1`, generated at build time from `proto/`.
//!
//! This crate holds the contract only: messages, enums, service traits and clients. It has no
//! behaviour; the server in `lianban-services` implements the traits.

pub mod codec;

/// Everything in package `lianban.v1`.
#[allow(missing_docs, clippy::all)]
pub mod v1 {
    tonic::include_proto!("lianban.v1");
}

/// The encoded descriptor set of every `lianban.v1` file, for gRPC reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/lianban_descriptor.bin"));
