//! 督查台, for supervisors (auditors read it too): the branches with a yellow or red card and
//! those nobody can take, the extension requests waiting for a decision, the deemed consents of
//! a day and of its month by department, and the day's overdue digest. The filters live in the
//! URL (`?department=&bundle=&colour=&day=`), so a filtered desk can be bookmarked and shared.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike as _, NaiveDate};
use lianban_proto::v1 as pb;
use lianban_proto::v1::statistics_service_server::StatisticsService as _;
use lianban_proto::v1::supervision_service_server::SupervisionService as _;
use maud::html;
use tonic::Code;

use super::calls::{call, every_page};
use super::desk::Desk;
use super::filters::Filters;
use super::person::Person;
use super::refusal::Refused;
use super::state::Console;
use super::{catalog, extensions, page};

/// The most pages of warnings or requests read for one view (at 500 a page).
const MOST_PAGES: usize = 10;

/// GET /supervision.
pub async fn desk(
    State(console): State<Arc<Console>>,
    person: Person,
    Query(filters): Query<Filters>,
) -> Result<Response, Refused> {
    let calendar = console.runtime.calendar();
    let today = calendar.local_date(console.runtime.now());
    let day = filters.day_or(today)?;
    let warnings = warnings(&console, &person, &filters).await?;
    let mut requests = extension_requests(&console, &person, filters.department.trim()).await?;
    if !filters.bundle.trim().is_empty() {
        requests.retain(|r| {
            r.task
                .as_ref()
                .is_some_and(|t| t.bundle_code == filters.bundle.trim())
        });
    }
    let month = day.with_day(1).unwrap_or(day);
    let of_day = statistics(&console, &person, day, day).await?;
    let of_month = statistics(&console, &person, month, day).await?;
    let digest = digest(&console, &person, day).await?;
    let desk = Desk {
        filters: &filters,
        departments: catalog::departments(&console, &person).await?,
        bundles: catalog::bundles(&console, &person).await?,
        zone: calendar.zone(),
        day,
    };
    let main = html! {
        main id="main" {
            h1 { "督查台" }
            (desk.filter_form())
            (desk.warnings(&warnings))
            (extensions::section(&desk, &person, &requests))
            (desk.deemed_consents(&of_day, &of_month))
            (desk.digest(digest.as_ref()))
        }
    };
    Ok(page::shell("督查台", &person, "/supervision", main).into_response())
}

/// Every warned branch the filters ask for, most urgent first.
async fn warnings(
    console: &Console,
    person: &Person,
    filters: &Filters,
) -> Result<Vec<pb::Task>, Refused> {
    let colours = filters.colours()?;
    let colours = &colours;
    let tasks = every_page(MOST_PAGES, |token| async move {
        let page = call(
            &person.principal,
            "/lianban.v1.SupervisionService/ListWarnings",
            pb::ListWarningsRequest {
                department_code: filters.department.trim().to_owned(),
                bundle_code: filters.bundle.trim().to_owned(),
                colours: colours.clone(),
                page_size: 500,
                page_token: token,
            },
            |r| console.handlers.supervision.list_warnings(r),
        )
        .await?;
        Ok((page.tasks, page.next_page_token))
    })
    .await?;
    Ok(tasks)
}

/// Every pending extension request of a department (or of all), oldest first.
async fn extension_requests(
    console: &Console,
    person: &Person,
    department: &str,
) -> Result<Vec<pb::PendingExtension>, Refused> {
    let requests = every_page(MOST_PAGES, |token| async move {
        let page = call(
            &person.principal,
            "/lianban.v1.SupervisionService/ListExtensionRequests",
            pb::ListExtensionRequestsRequest {
                department_code: department.to_owned(),
                page_size: 500,
                page_token: token,
            },
            |r| console.handlers.supervision.list_extension_requests(r),
        )
        .await?;
        Ok((page.requests, page.next_page_token))
    })
    .await?;
    Ok(requests)
}

/// The centre's figures from `from` to `to`, both included.
pub async fn statistics(
    console: &Console,
    person: &Person,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<pb::Statistics, Refused> {
    call(
        &person.principal,
        "/lianban.v1.StatisticsService/GetStatistics",
        pb::GetStatisticsRequest {
            from: from.to_string(),
            to: to.to_string(),
        },
        |r| console.handlers.statistics.get_statistics(r),
    )
    .await
}

/// The digest of `day`, or none when none was written that day (a weekend, a holiday, a day
/// still to come, or before the digest's time).
async fn digest(
    console: &Console,
    person: &Person,
    day: NaiveDate,
) -> Result<Option<pb::Digest>, Refused> {
    let found = call(
        &person.principal,
        "/lianban.v1.SupervisionService/GetDigest",
        pb::GetDigestRequest {
            day: day.to_string(),
        },
        |r| console.handlers.supervision.get_digest(r),
    )
    .await;
    match found {
        Ok(digest) => Ok(Some(digest)),
        Err(refused) if refused.code == Code::NotFound => Ok(None),
        Err(refused) => Err(refused),
    }
}
