//! What supervisors read on the wire: warning colours, the daily digest and an application's
//! audit trail with the result of checking its hash chain.

use chrono::{DateTime, Utc};
use lianban_orchestrator::warning::Colour;
use lianban_proto::v1 as pb;
use uuid::Uuid;

use super::fields::timestamp;
use crate::audit::Verification;
use crate::error::Error;
use crate::store::AuditRow;
use crate::supervision::{DigestItem, StoredDigest};

/// The warning colours a query asks for; none means yellow and red.
pub fn colours(values: &[i32]) -> Result<Vec<Colour>, Error> {
    if values.is_empty() {
        return Ok(vec![Colour::Yellow, Colour::Red]);
    }
    values
        .iter()
        .enumerate()
        .map(|(index, value)| match pb::WarningColour::try_from(*value) {
            Ok(pb::WarningColour::Green) => Ok(Colour::Green),
            Ok(pb::WarningColour::Yellow) => Ok(Colour::Yellow),
            Ok(pb::WarningColour::Red) => Ok(Colour::Red),
            _ => Err(Error::invalid(
                format!("colours[{index}]"),
                "green, yellow or red",
            )),
        })
        .collect()
}

/// A warning colour on the wire.
pub fn colour_to_wire(colour: Colour) -> pb::WarningColour {
    match colour {
        Colour::Green => pb::WarningColour::Green,
        Colour::Yellow => pb::WarningColour::Yellow,
        Colour::Red => pb::WarningColour::Red,
    }
}

fn digest_item_to_wire(item: &DigestItem) -> pb::DigestItem {
    pb::DigestItem {
        branch_id: item.branch_id.to_string(),
        application_id: item.application_id.to_string(),
        receipt_number: item.receipt_number.clone(),
        matter_code: item.matter_code.clone(),
        deadline: Some(timestamp(item.deadline)),
        remaining_working_days: item.remaining_days,
        colour: colour_to_wire(item.colour) as i32,
        escalated_at: item.escalated_at.map(timestamp),
    }
}

/// A stored digest on the wire, with its totals.
pub fn digest_to_wire(
    day: String,
    generated_at: DateTime<Utc>,
    stored: &StoredDigest,
) -> pb::Digest {
    let departments: Vec<pb::DepartmentDigest> = stored
        .departments
        .iter()
        .map(|d| pb::DepartmentDigest {
            department_code: d.department_code.clone(),
            red: d.red.iter().map(digest_item_to_wire).collect(),
            yellow: d.yellow.iter().map(digest_item_to_wire).collect(),
        })
        .collect();
    pb::Digest {
        red_total: departments.iter().map(|d| d.red.len() as u32).sum(),
        yellow_total: departments.iter().map(|d| d.yellow.len() as u32).sum(),
        day,
        generated_at: Some(timestamp(generated_at)),
        departments,
    }
}

/// Audit events on the wire, with what checking the whole chain found (the caller sets the
/// token of the next page).
pub fn audit_trail_to_wire(
    application_id: Uuid,
    rows: Vec<AuditRow>,
    verification: Verification,
) -> pb::AuditTrail {
    pb::AuditTrail {
        application_id: application_id.to_string(),
        verified: verification.is_intact(),
        first_bad_seq: verification.first_bad_seq.unwrap_or(0),
        problem: verification.problem,
        next_page_token: String::new(),
        events: rows
            .into_iter()
            .map(|row| pb::AuditEvent {
                seq: row.link.seq,
                at: Some(timestamp(row.link.at)),
                actor: row.link.actor,
                kind: row.link.kind,
                detail_json: row.link.detail,
                version: row.link.version,
                prev_hash: row.link.prev_hash,
                hash: row.hash,
            })
            .collect(),
    }
}
