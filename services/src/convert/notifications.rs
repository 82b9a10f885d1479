//! Notifications from the outbox on the wire, and the audience a subscriber asks for.

use lianban_proto::v1 as pb;

use super::fields::timestamp;
use crate::error::Error;
use crate::store::StoredNotification;

/// The audience a subscriber asks for, as the outbox names it; unspecified means every audience.
pub fn audience(value: i32) -> Result<Option<&'static str>, Error> {
    match pb::Audience::try_from(value) {
        Ok(pb::Audience::Unspecified) => Ok(None),
        Ok(pb::Audience::Applicant) => Ok(Some("applicant")),
        Ok(pb::Audience::Department) => Ok(Some("department")),
        Ok(pb::Audience::Supervision) => Ok(Some("supervision")),
        Err(_) => Err(Error::invalid("audience", "not an audience")),
    }
}

/// A stored notification on the wire.
pub fn notification_to_wire(stored: StoredNotification) -> pb::Notification {
    let audience = match stored.audience.as_str() {
        "applicant" => pb::Audience::Applicant,
        "department" => pb::Audience::Department,
        _ => pb::Audience::Supervision,
    };
    pb::Notification {
        position: stored.position,
        application_id: stored.application_id,
        audience: audience as i32,
        department_code: stored.department_code.unwrap_or_default(),
        kind: stored.kind,
        branch_id: stored.branch_id.unwrap_or_default(),
        message: stored.message,
        created_at: Some(timestamp(stored.created_at)),
        session_id: stored.session_id.unwrap_or_default(),
    }
}
