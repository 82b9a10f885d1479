//! Compiles the lianban.v1 contract with protox (pure Rust, no protoc on the machine) and keeps the
//! encoded descriptor set for gRPC reflection.
use std::{env, fs, path::PathBuf};

use protox::prost::Message as _;

const PROTOS: &[&str] = &[
    "proto/lianban/v1/catalog.proto",
    "proto/lianban/v1/application.proto",
    "proto/lianban/v1/intake.proto",
    "proto/lianban/v1/tasks.proto",
    "proto/lianban/v1/dispatch.proto",
    "proto/lianban/v1/admin.proto",
    "proto/lianban/v1/supervision.proto",
    "proto/lianban/v1/notifications.proto",
    "proto/lianban/v1/projects.proto",
    "proto/lianban/v1/staff.proto",
    "proto/lianban/v1/statistics.proto",
    "proto/lianban/v1/sessions.proto",
    "proto/lianban/v1/cases.proto",
    "proto/lianban/v1/assessment.proto",
    "proto/lianban/v1/errors.proto",
    "proto/lianban/v1/exchange.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let descriptors = protox::compile(PROTOS, ["proto"])?;
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    fs::write(
        out_dir.join("lianban_descriptor.bin"),
        descriptors.encode_to_vec(),
    )?;
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        // Ordered maps encode deterministically, so a request's hash (idempotency) is stable.
        .btree_map(".")
        // Undecodable messages are the sender's fault: INVALID_ARGUMENT, not prost's INTERNAL.
        .codec_path("crate::codec::LianbanCodec")
        .compile_fds_with_config(descriptors, with_type_names())?;
    for proto in PROTOS {
        println!("cargo:rerun-if-changed={proto}");
    }
    Ok(())
}

/// Messages know their full protobuf name (`prost::Name`), so that the server can check any
/// request against the descriptor of its type.
fn with_type_names() -> tonic_prost_build::Config {
    let mut config = tonic_prost_build::Config::new();
    config.enable_type_names();
    config
}
