//! `bundles` and `bundle`: reading the catalogue.

use lianban_proto::v1 as pb;

use crate::connection::{CliResult, PAGE_SIZE, Transport, every_page, status_text};
use crate::render::{render_bundle, render_bundles};

type CatalogClient = pb::catalog_service_client::CatalogServiceClient<Transport>;

/// Prints every bundle with its limits, critical path and serial sum, following page tokens to
/// the end.
pub async fn bundles(catalog: &mut CatalogClient) -> CliResult {
    let bundles = every_page(async |page_token| {
        let request = pb::ListBundlesRequest {
            page_size: PAGE_SIZE,
            page_token,
        };
        let page = catalog.list_bundles(request).await?.into_inner();
        Ok((page.bundles, page.next_page_token))
    })
    .await?;
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
