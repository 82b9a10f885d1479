//! The catalogue's departments and bundles as a view needs them: for a filter's choices and to
//! show a name beside a code. Read through `CatalogService` like every other figure.

use std::collections::BTreeMap;

use lianban_proto::v1 as pb;
use lianban_proto::v1::catalog_service_server::CatalogService as _;

use super::calls::{call, every_page};
use super::person::Person;
use super::refusal::Refused;
use super::state::Console;

/// The most pages of the catalogue read (at 500 entries a page).
const MOST_PAGES: usize = 10;

/// Codes and names, ordered by code.
pub type Names = BTreeMap<String, String>;

/// Every department's code and name.
pub async fn departments(console: &Console, person: &Person) -> Result<Names, Refused> {
    let names: Names = every_page(MOST_PAGES, |token| async move {
        let page = call(
            &person.principal,
            "/lianban.v1.CatalogService/ListDepartments",
            pb::ListDepartmentsRequest {
                page_size: 500,
                page_token: token,
            },
            |r| console.handlers.catalog.list_departments(r),
        )
        .await?;
        Ok((
            page.departments.into_iter().map(|d| (d.code, d.name)),
            page.next_page_token,
        ))
    })
    .await?
    .into_iter()
    .collect();
    Ok(names)
}

/// Every bundle's code and name.
pub async fn bundles(console: &Console, person: &Person) -> Result<Names, Refused> {
    let names: Names = every_page(MOST_PAGES, |token| async move {
        let page = call(
            &person.principal,
            "/lianban.v1.CatalogService/ListBundles",
            pb::ListBundlesRequest {
                page_size: 500,
                page_token: token,
            },
            |r| console.handlers.catalog.list_bundles(r),
        )
        .await?;
        Ok((
            page.bundles.into_iter().map(|b| (b.code, b.name)),
            page.next_page_token,
        ))
    })
    .await?
    .into_iter()
    .collect();
    Ok(names)
}

/// A code's name, or the code itself when the catalogue does not know it.
pub fn name<'a>(names: &'a Names, code: &'a str) -> &'a str {
    names.get(code).map_or(code, String::as_str)
}

/// A bundle as the catalogue describes it (its form's labels, its materials' names), or `None`
/// when it cannot be read: a view then shows the codes alone rather than fail.
pub async fn bundle(console: &Console, person: &Person, code: &str) -> Option<pb::Bundle> {
    call(
        &person.principal,
        "/lianban.v1.CatalogService/GetBundle",
        pb::GetBundleRequest {
            code: code.to_owned(),
        },
        |r| console.handlers.catalog.get_bundle(r),
    )
    .await
    .ok()
}
