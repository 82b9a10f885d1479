//! `StatisticsService`: the centre's figures over a period, computed when asked from every
//! application (a page at a time) and every session.

use lianban_orchestrator::statistics::{ReportBuilder, add_sessions};
use lianban_proto::v1 as pb;
use lianban_proto::v1::statistics_service_server::StatisticsService;
use tonic::Request;

use super::answers::{Reply, inbound, ok};
use crate::convert;
use crate::error::Error;
use crate::runtime::Runtime;
use crate::store::{ApplicationFilter, SessionFilter};

/// The centre's figures.
pub struct StatisticsApi {
    runtime: Runtime,
}

impl StatisticsApi {
    /// Over a runtime.
    pub fn new(runtime: Runtime) -> Self {
        StatisticsApi { runtime }
    }
}

#[tonic::async_trait]
impl StatisticsService for StatisticsApi {
    async fn get_statistics(
        &self,
        request: Request<pb::GetStatisticsRequest>,
    ) -> Reply<pb::Statistics> {
        let request = inbound(request)?;
        let period = convert::period(&request.from, &request.to)?;
        let calendar = self.runtime.calendar();
        let mut builder = ReportBuilder::new(period, &calendar, self.runtime.catalogue());
        // A page at a time: the report never needs every application in memory at once.
        self.runtime
            .store()
            .scan_applications(&ApplicationFilter::default(), |application| {
                builder.add(&application)
            })
            .await
            .map_err(Error::from)?;
        let mut report = builder.finish();
        let sessions = self
            .runtime
            .store()
            .all_sessions(&SessionFilter::default())
            .await
            .map_err(Error::from)?;
        add_sessions(&mut report, &sessions, period, &calendar);
        ok(convert::statistics_to_wire(&report))
    }
}
