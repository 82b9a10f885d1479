//! `CatalogService`: the catalogue, read-only — bundles, matters and departments, each list paged
//! by code.

use lianban_proto::v1 as pb;
use lianban_proto::v1::catalog_service_server::CatalogService;
use tonic::Request;

use super::answers::{Reply, inbound, ok};
use super::checks::optional_department;
use crate::convert::{self, KeyedPage, required_text};
use crate::error::Error;
use crate::listing::{Listed, page_of_sorted};
use crate::runtime::Runtime;

/// The catalogue, read-only.
pub struct CatalogApi {
    runtime: Runtime,
}

impl CatalogApi {
    /// Over a runtime.
    pub fn new(runtime: Runtime) -> Self {
        CatalogApi { runtime }
    }
}

#[tonic::async_trait]
impl CatalogService for CatalogApi {
    async fn list_bundles(
        &self,
        request: Request<pb::ListBundlesRequest>,
    ) -> Reply<pb::ListBundlesResponse> {
        let request = inbound(request)?;
        let page = convert::code_page("bundles", request.page_size, &request.page_token)?;
        let catalogue = self.runtime.catalogue();
        let found = by_code(catalogue.bundles(), |b| &b.code, &page);
        ok(pb::ListBundlesResponse {
            bundles: found
                .items
                .into_iter()
                .map(|b| convert::bundle_to_wire(b, catalogue))
                .collect(),
            next_page_token: convert::code_token("bundles", found.next_after.as_deref()),
        })
    }

    async fn get_bundle(&self, request: Request<pb::GetBundleRequest>) -> Reply<pb::Bundle> {
        let code = required_text("code", &inbound(request)?.code)?;
        let catalogue = self.runtime.catalogue();
        let bundle = catalogue.bundle(&code).ok_or(Error::NotFound {
            entity: "bundle",
            id: code,
        })?;
        ok(convert::bundle_to_wire(bundle, catalogue))
    }

    async fn list_matters(
        &self,
        request: Request<pb::ListMattersRequest>,
    ) -> Reply<pb::ListMattersResponse> {
        let request = inbound(request)?;
        let department = optional_department(self.runtime.catalogue(), &request.department_code)?;
        let page = convert::code_page("matters", request.page_size, &request.page_token)?;
        let catalogue = self.runtime.catalogue();
        let matters = catalogue
            .matters()
            .filter(|m| department.as_ref().is_none_or(|d| *d == m.department));
        let found = by_code(matters, |m| &m.code, &page);
        ok(pb::ListMattersResponse {
            matters: found
                .items
                .into_iter()
                .map(convert::matter_to_wire)
                .collect(),
            next_page_token: convert::code_token("matters", found.next_after.as_deref()),
        })
    }

    async fn get_matter(&self, request: Request<pb::GetMatterRequest>) -> Reply<pb::Matter> {
        let code = required_text("code", &inbound(request)?.code)?;
        let matter = self
            .runtime
            .catalogue()
            .matter(&code)
            .ok_or(Error::NotFound {
                entity: "matter",
                id: code,
            })?;
        ok(convert::matter_to_wire(matter))
    }

    async fn list_departments(
        &self,
        request: Request<pb::ListDepartmentsRequest>,
    ) -> Reply<pb::ListDepartmentsResponse> {
        let request = inbound(request)?;
        let page = convert::code_page("departments", request.page_size, &request.page_token)?;
        let catalogue = self.runtime.catalogue();
        let found = by_code(catalogue.departments(), |d| &d.code, &page);
        ok(pb::ListDepartmentsResponse {
            departments: found
                .items
                .into_iter()
                .map(convert::department_to_wire)
                .collect(),
            next_page_token: convert::code_token("departments", found.next_after.as_deref()),
        })
    }
}

/// The page of catalogue entries (in code order, as the catalogue keeps them) after the page's code.
fn by_code<'a, T>(
    entries: impl Iterator<Item = &'a T>,
    code: impl Fn(&T) -> &String,
    page: &KeyedPage<String>,
) -> Listed<&'a T, String> {
    page_of_sorted(
        entries,
        |entry| code(entry).clone(),
        page.after.as_ref(),
        page.size,
    )
}
