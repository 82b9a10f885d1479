//! A branch deadline in one cell, shared by the application page and the project board.

use lianban_proto::v1 as pb;

use crate::time::local_time;

/// A deadline as `2026-02-24 17:30 (2 WD, yellow)`, with `provisional` when it may still move.
pub fn deadline_text(deadline: Option<&pb::DeadlineView>) -> String {
    let Some(deadline) = deadline else {
        return "-".to_owned();
    };
    let colour = match pb::WarningColour::try_from(deadline.colour) {
        Ok(pb::WarningColour::Green) => ", green",
        Ok(pb::WarningColour::Yellow) => ", yellow",
        Ok(pb::WarningColour::Red) => ", RED",
        _ => "",
    };
    let provisional = if deadline.provisional {
        ", provisional"
    } else {
        ""
    };
    format!(
        "{} ({} WD{colour}{provisional})",
        local_time(deadline.at.as_ref()),
        deadline.remaining_working_days
    )
}
