//! `AssessmentService`: supervision's monthly assessment of departments and window clerks,
//! computed when asked from what is stored, as figures or as CSV.

use lianban_orchestrator::assessment::AssessmentWeights;
use lianban_proto::v1 as pb;
use lianban_proto::v1::assessment_service_server::AssessmentService;
use tonic::Request;

use super::answers::{Reply, inbound, ok};
use crate::assessment::{assess, to_csv};
use crate::convert;
use crate::runtime::Runtime;

/// The monthly assessment.
pub struct AssessmentApi {
    runtime: Runtime,
    weights: AssessmentWeights,
}

impl AssessmentApi {
    /// Over a runtime, scoring with `weights`.
    pub fn new(runtime: Runtime, weights: AssessmentWeights) -> Self {
        AssessmentApi { runtime, weights }
    }
}

#[tonic::async_trait]
impl AssessmentService for AssessmentApi {
    async fn assess_month(
        &self,
        request: Request<pb::AssessMonthRequest>,
    ) -> Reply<pb::Assessment> {
        let request = inbound(request)?;
        let month = convert::month("month", &request.month)?;
        ok(assess(&self.runtime, month, &self.weights).await?)
    }

    async fn export_assessment_csv(
        &self,
        request: Request<pb::AssessMonthRequest>,
    ) -> Reply<pb::AssessmentCsv> {
        let request = inbound(request)?;
        let month = convert::month("month", &request.month)?;
        let assessment = assess(&self.runtime, month, &self.weights).await?;
        ok(pb::AssessmentCsv {
            file_name: format!("lianban-assessment-{month}.csv"),
            csv: to_csv(&assessment),
        })
    }
}
