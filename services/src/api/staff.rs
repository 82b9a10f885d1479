//! `StaffService`: posts (AB岗) and who is away. Both are stored first and then changed in the
//! runtime's staffing, so that a restart finds what the server assigned with.

use lianban_proto::v1 as pb;
use lianban_proto::v1::staff_service_server::StaffService;
use tonic::Request;

use super::answers::{Reply, inbound, ok};
use super::checks::known_department;
use crate::convert::{self, optional_text, required_text};
use crate::error::Error;
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
        self.runtime
            .store()
            .save_post(&post)
            .await
            .map_err(Error::from)?;
        let declared = post.clone();
        self.runtime
            .update_staffing(|staffing| staffing.declare(declared));
        let absences = self.runtime.store().absences().await.map_err(Error::from)?;
        ok(convert::post_to_wire(&post, &absences))
    }

    async fn list_posts(
        &self,
        request: Request<pb::ListPostsRequest>,
    ) -> Reply<pb::ListPostsResponse> {
        let department = optional_text(&inbound(request)?.department_code);
        let absences = self.runtime.store().absences().await.map_err(Error::from)?;
        let staffing = self.runtime.staffing();
        let mut posts: Vec<pb::Post> = staffing
            .posts()
            .iter()
            .filter(|p| department.as_ref().is_none_or(|d| *d == p.department))
            .map(|post| convert::post_to_wire(post, &absences))
            .collect();
        posts.sort_by(|x, y| (&x.department_code, &x.code).cmp(&(&y.department_code, &y.code)));
        ok(pb::ListPostsResponse { posts })
    }

    async fn set_clerk_availability(
        &self,
        request: Request<pb::SetClerkAvailabilityRequest>,
    ) -> Reply<pb::SetClerkAvailabilityResponse> {
        let request = inbound(request)?;
        let department = known_department(self.runtime.catalogue(), &request.department_code)?;
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
