//! `bundles` and `bundle`: reading the catalogue.

use lianban_proto::v1 as pb;
use tonic::transport::Channel;

use crate::connection::{CliResult, status_text};
use crate::render::{render_bundle, render_bundles};

type CatalogClient = pb::catalog_service_client::CatalogServiceClient<Channel>;

/// Prints every bundle with its limits, critical path and serial sum.
pub async fn bundles(catalog: &mut CatalogClient) -> CliResult {
    let bundles = catalog
        .list_bundles(pb::ListBundlesRequest {})
        .await
        .map_err(status_text)?
        .into_inner()
        .bundles;
    print!("{}", render_bundles(&bundles));
    Ok(())
}

/// Prints one bundle: its matters, their order, and its materials.
pub async fn bundle(catalog: &mut CatalogClient, code: String) -> CliResult {
    let bundle = catalog
        .get_bundle(pb::GetBundleRequest { code })
        .await
        .map_err(status_text)?
        .into_inner();
    print!("{}", render_bundle(&bundle));
    Ok(())
}
