//! The front desk's commands on one application: `submit`, `supplement`, `show`, `list` and
//! `withdraw`.

use std::path::Path;

use lianban_proto::v1 as pb;

use crate::args::{ApplicationStateArg, ChannelArg};
use crate::connection::{CliResult, PAGE_SIZE, Transport, every_page, resolve_id, status_text};
use crate::render::{render_application, render_applications};
use crate::submission::submission_from_file;
use crate::wire::{application_state_to_wire, channel_to_wire};

type IntakeClient = pb::intake_service_client::IntakeServiceClient<Transport>;

/// Submits the application in `file`; with `quiet`, prints only its id.
pub async fn submit(
    intake: &mut IntakeClient,
    file: &Path,
    idempotency_key: Option<String>,
    quiet: bool,
) -> CliResult {
    let (request, derived_key) = submission_from_file(file)?;
    let request = pb::SubmitApplicationRequest {
        idempotency_key: idempotency_key.unwrap_or(derived_key),
        ..request
    };
    let response = intake
        .submit_application(request)
        .await
        .map_err(status_text)?
        .into_inner();
    let application = response.application.unwrap_or_default();
    if quiet {
        println!("{}", application.id);
    } else {
        print!("{}", render_application(&application));
    }
    Ok(())
}

/// Hands in the `CODE=DOCUMENT_REF` materials and prints the application as it now stands.
pub async fn supplement(
    intake: &mut IntakeClient,
    application: &str,
    materials: &[String],
    channel: ChannelArg,
) -> CliResult {
    let id = resolve_id(intake, application).await?;
    let materials = materials
        .iter()
        .map(|m| material_from_flag(m))
        .collect::<Result<Vec<_>, String>>()?;
    let request = pb::SupplementMaterialsRequest {
        idempotency_key: String::new(),
        application_id: id,
        materials,
        channel: channel_to_wire(channel),
    };
    let response = intake
        .supplement_materials(request)
        .await
        .map_err(status_text)?
        .into_inner();
    print!(
        "{}",
        render_application(&response.application.unwrap_or_default())
    );
    Ok(())
}

/// Prints one application, found by id or receipt number.
pub async fn show(intake: &mut IntakeClient, application: String) -> CliResult {
    let found = intake
        .get_application(pb::GetApplicationRequest {
            application_id: application,
        })
        .await
        .map_err(status_text)?
        .into_inner();
    print!("{}", render_application(&found));
    Ok(())
}

/// Prints the applications of a bundle and state, or all of them, following page tokens to the end.
pub async fn list(
    intake: &mut IntakeClient,
    bundle: Option<String>,
    state: Option<ApplicationStateArg>,
) -> CliResult {
    let applications = every_page(async |page_token| {
        let request = pb::ListApplicationsRequest {
            bundle_code: bundle.clone().unwrap_or_default(),
            states: state.map(application_state_to_wire).into_iter().collect(),
            page_size: PAGE_SIZE,
            page_token,
            ..Default::default()
        };
        let page = intake.list_applications(request).await?.into_inner();
        Ok((page.applications, page.next_page_token))
    })
    .await?;
    print!("{}", render_applications(&applications));
    Ok(())
}

/// Withdraws an application before dispatch and prints it.
pub async fn withdraw(intake: &mut IntakeClient, application: &str, reason: String) -> CliResult {
    let id = resolve_id(intake, application).await?;
    let request = pb::WithdrawApplicationRequest {
        idempotency_key: String::new(),
        application_id: id,
        reason,
    };
    let withdrawn = intake
        .withdraw_application(request)
        .await
        .map_err(status_text)?
        .into_inner();
    print!("{}", render_application(&withdrawn));
    Ok(())
}

fn material_from_flag(flag: &str) -> Result<pb::MaterialSubmission, String> {
    let (code, document) = flag
        .split_once('=')
        .ok_or_else(|| format!("--material {flag}: expected CODE=DOCUMENT_REF"))?;
    Ok(pb::MaterialSubmission {
        material_code: code.to_owned(),
        document_ref: document.to_owned(),
    })
}
