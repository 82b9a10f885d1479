//! `CatalogService`: the catalogue, read-only — bundles, matters and departments.

use lianban_proto::v1 as pb;
use lianban_proto::v1::catalog_service_server::CatalogService;
use tonic::Request;

use super::answers::{Reply, inbound, ok};
use crate::convert::{self, optional_text, required_text};
use crate::error::Error;
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
        _: Request<pb::ListBundlesRequest>,
    ) -> Reply<pb::ListBundlesResponse> {
        let catalogue = self.runtime.catalogue();
        ok(pb::ListBundlesResponse {
            bundles: catalogue
                .bundles()
                .map(|b| convert::bundle_to_wire(b, catalogue))
                .collect(),
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
        let department = optional_text(&inbound(request)?.department_code);
        let matters = self
            .runtime
            .catalogue()
            .matters()
            .filter(|m| department.as_ref().is_none_or(|d| *d == m.department))
            .map(convert::matter_to_wire)
            .collect();
        ok(pb::ListMattersResponse { matters })
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
        _: Request<pb::ListDepartmentsRequest>,
    ) -> Reply<pb::ListDepartmentsResponse> {
        let departments = self
            .runtime
            .catalogue()
            .departments()
            .map(convert::department_to_wire)
            .collect();
        ok(pb::ListDepartmentsResponse { departments })
    }
}
