//! `AdminService`, for tests and training servers: read or move the manual clock (acting on what
//! the move made due) and reload the working calendar.

use chrono::{DateTime, Utc};
use lianban_proto::v1 as pb;
use lianban_proto::v1::admin_service_server::AdminService;
use tonic::Request;

use super::answers::{Reply, inbound, ok};
use crate::config::CalendarConfig;
use crate::convert;
use crate::deadlines;
use crate::error::Error;
use crate::runtime::Runtime;

/// The clock, for tests and training servers.
pub struct AdminApi {
    runtime: Runtime,
    calendar_config: CalendarConfig,
    digest_schedule: cron::Schedule,
}

impl AdminApi {
    /// Over a runtime, reloading the calendar from `calendar_config`; moving the manual clock also
    /// writes a digest that falls due.
    pub fn new(
        runtime: Runtime,
        calendar_config: CalendarConfig,
        digest_schedule: cron::Schedule,
    ) -> Self {
        AdminApi {
            runtime,
            calendar_config,
            digest_schedule,
        }
    }

    async fn move_clock(
        &self,
        to: impl FnOnce(DateTime<Utc>) -> Result<DateTime<Utc>, Error>,
    ) -> Reply<pb::TimeResponse> {
        let clock = self.runtime.manual_clock().ok_or(Error::ClockNotManual)?;
        let acted = deadlines::move_clock_and_sweep(&self.runtime, clock, to).await?;
        deadlines::digest_if_due(&self.runtime, &self.digest_schedule).await?;
        ok(pb::TimeResponse {
            now: Some(convert::timestamp(self.runtime.now())),
            manual: true,
            deadlines_acted_on: acted,
        })
    }
}

#[tonic::async_trait]
impl AdminService for AdminApi {
    async fn get_time(&self, _: Request<pb::GetTimeRequest>) -> Reply<pb::TimeResponse> {
        // The manual clock is shared: read where it stands, whichever replica moved it last.
        if let Some(clock) = self.runtime.manual_clock()
            && let Some(shared) = self
                .runtime
                .store()
                .shared_versions()
                .await
                .map_err(Error::from)?
                .manual_clock
        {
            clock.catch_up(shared);
        }
        ok(pb::TimeResponse {
            now: Some(convert::timestamp(self.runtime.now())),
            manual: self.runtime.manual_clock().is_some(),
            deadlines_acted_on: 0,
        })
    }

    async fn set_time(&self, request: Request<pb::SetTimeRequest>) -> Reply<pb::TimeResponse> {
        let to = convert::instant("time", inbound(request)?.time)?;
        self.move_clock(|_| Ok(to)).await
    }

    async fn reload_calendar(
        &self,
        _: Request<pb::ReloadCalendarRequest>,
    ) -> Reply<pb::ReloadCalendarResponse> {
        let moved = deadlines::reload_calendar(&self.runtime, &self.calendar_config).await?;
        ok(pb::ReloadCalendarResponse {
            covered_years: self.runtime.calendar().covered_years().collect(),
            deadlines_moved: moved,
        })
    }

    async fn advance_time(
        &self,
        request: Request<pb::AdvanceTimeRequest>,
    ) -> Reply<pb::TimeResponse> {
        let seconds = inbound(request)?.seconds;
        let horizon = self
            .runtime
            .manual_clock()
            .ok_or(Error::ClockNotManual)?
            .horizon_days();
        let most = u64::from(horizon) * 86_400;
        if seconds == 0 || seconds > most {
            return Err(Error::invalid(
                "seconds",
                format!("between 1 and {most} (the clock's horizon of {horizon} days)"),
            )
            .into());
        }
        let by = chrono::Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX));
        self.move_clock(|now| {
            now.checked_add_signed(by)
                .ok_or_else(|| Error::invalid("seconds", "beyond the end of time"))
        })
        .await
    }
}
