//! The dispatch window's commands: `ready` and `dispatch`, the one hand-over of every result.

use lianban_proto::v1 as pb;

use crate::args::MethodArg;
use crate::connection::{CliResult, PAGE_SIZE, Transport, every_page, resolve_id, status_text};
use crate::render::{render_application, render_applications};
use crate::wire::method_to_wire;

type IntakeClient = pb::intake_service_client::IntakeServiceClient<Transport>;
type DispatchClient = pb::dispatch_service_client::DispatchServiceClient<Transport>;

/// How the results were handed over, and to whom.
pub struct HandOver {
    /// On site, by post or electronically.
    pub method: MethodArg,
    /// The dispatch-window clerk.
    pub by: String,
    /// Who received it; may be empty.
    pub recipient: String,
    /// Post tracking number or e-delivery reference; may be empty.
    pub tracking: String,
}

/// Prints the applications whose every branch has ended, following page tokens to the end.
pub async fn ready(dispatch: &mut DispatchClient) -> CliResult {
    let applications = every_page(async |page_token| {
        let request = pb::ListReadyForDispatchRequest {
            page_size: PAGE_SIZE,
            page_token,
            ..Default::default()
        };
        let page = dispatch
            .list_ready_for_dispatch(request)
            .await?
            .into_inner();
        Ok((page.applications, page.next_page_token))
    })
    .await?;
    print!("{}", render_applications(&applications));
    Ok(())
}

/// Records the hand-over of an application's results and prints the application.
pub async fn hand_over(
    intake: &mut IntakeClient,
    dispatch: &mut DispatchClient,
    application: &str,
    hand_over: HandOver,
) -> CliResult {
    let id = resolve_id(intake, application).await?;
    let request = pb::RecordHandOverRequest {
        idempotency_key: String::new(),
        application_id: id,
        method: method_to_wire(hand_over.method),
        handed_by: hand_over.by,
        recipient: hand_over.recipient,
        tracking_reference: hand_over.tracking,
    };
    let dispatched = dispatch
        .record_hand_over(request)
        .await
        .map_err(status_text)?
        .into_inner();
    print!("{}", render_application(&dispatched));
    Ok(())
}
