//! `StaffService`: posts (AB岗) and who is away. Both are stored first and then changed in the
//! runtime's staffing, so that a restart finds what the server assigned with.

use lianban_orchestrator::staffing::Post;
use lianban_proto::v1 as pb;
use lianban_proto::v1::staff_service_server::StaffService;
use tonic::Request;

use super::answers::{Reply, inbound, inbound_as, ok};
use super::checks::{known_department, optional_department};
use crate::convert::{self, required_text};
use crate::error::Error;
use crate::listing::page_of_sorted;
use crate::runtime::Runtime;
use crate::staff;

/// Posts and clerks (AB岗).
pub struct StaffApi {
    runtime: Runtime,
}

impl StaffApi {
    /// Over a runtime.
    pub fn new(runtime: Runtime) -> Self {
        StaffApi { runtime }
    }
}

#[tonic::async_trait]
impl StaffService for StaffApi {
    async fn declare_post(&self, request: Request<pb::DeclarePostRequest>) -> Reply<pb::Post> {
        let post = convert::post_from_wire(inbound(request)?.post)?;
        staff::check_post(self.runtime.catalogue(), &post)?;
        let version = self
            .runtime
            .store()
            .save_post(&post)
            .await
            .map_err(Error::from)?;
        let declared = post.clone();
        self.runtime
            .update_staffing(version, |staffing| staffing.declare(declared));
        let absences = self.runtime.store().absences().await.map_err(Error::from)?;
        ok(convert::post_to_wire(&post, &absences))
    }

    async fn list_posts(
        &self,
        request: Request<pb::ListPostsRequest>,
    ) -> Reply<pb::ListPostsResponse> {
        let (caller, request) = inbound_as(request)?;
        let sent = caller.reading_department("department_code", &request.department_code)?;
        let department = optional_department(self.runtime.catalogue(), &sent)?;
        let page = convert::post_page(request.page_size, &request.page_token)?;
        let staffing = self.runtime.staffing();
        let mut posts: Vec<_> = staffing
            .posts()
            .iter()
            .filter(|p| department.as_ref().is_none_or(|d| *d == p.department))
            .collect();
        posts.sort_by(|x, y| (&x.department, &x.code).cmp(&(&y.department, &y.code)));
        let key = |p: &&Post| (p.department.clone(), p.code.clone());
        let found = page_of_sorted(posts, key, page.after.as_ref(), page.size);
        let absences = self.runtime.store().absences().await.map_err(Error::from)?;
        ok(pb::ListPostsResponse {
            posts: found
                .items
                .into_iter()
                .map(|post| convert::post_to_wire(post, &absences))
                .collect(),
            next_page_token: convert::post_token(found.next_after.as_ref()),
        })
    }

    async fn set_clerk_availability(
        &self,
        request: Request<pb::SetClerkAvailabilityRequest>,
    ) -> Reply<pb::SetClerkAvailabilityResponse> {
        let (caller, request) = inbound_as(request)?;
        let sent = caller.acting_department("department_code", &request.department_code)?;
        let department = known_department(self.runtime.catalogue(), &sent)?;
        let clerk = required_text("clerk_id", &request.clerk_id)?;
        let reason = required_text("reason", &request.reason)?;
        let moved =
            staff::set_availability(&self.runtime, &department, &clerk, request.away, &reason)
                .await?;
        ok(pb::SetClerkAvailabilityResponse {
            branches_moved: moved,
        })
    }
}
