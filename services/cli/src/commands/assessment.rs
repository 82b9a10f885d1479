//! `assessment`: a month's assessment of departments and window clerks, as a table or as the CSV a
//! centre files.

use std::path::PathBuf;

use lianban_proto::v1 as pb;

use crate::connection::{CliResult, Transport, status_text};
use crate::render::render_assessment;

type AssessmentClient = pb::assessment_service_client::AssessmentServiceClient<Transport>;

/// Prints the month's assessment, or writes it as CSV to `out` (standard output for `-`).
pub async fn assess(
    client: &mut AssessmentClient,
    month: String,
    csv: bool,
    out: Option<PathBuf>,
) -> CliResult {
    let request = pb::AssessMonthRequest { month };
    if !csv {
        let assessment = client
            .assess_month(request)
            .await
            .map_err(status_text)?
            .into_inner();
        print!("{}", render_assessment(&assessment));
        return Ok(());
    }
    let sheet = client
        .export_assessment_csv(request)
        .await
        .map_err(status_text)?
        .into_inner();
    match out {
        Some(path) if path.as_os_str() != "-" => {
            std::fs::write(&path, sheet.csv)
                .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        _ => print!("{}", sheet.csv),
    }
    Ok(())
}
