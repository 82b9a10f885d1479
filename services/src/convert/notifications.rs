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

/// The kind a reader asks for, as the outbox names it (`NOTIFICATION_KIND_SESSION_MINUTES` is
/// `session_minutes`); unspecified means every kind, an unknown value is refused naming `kind`.
pub fn notification_kind(value: i32) -> Result<Option<String>, Error> {
    match pb::NotificationKind::try_from(value) {
        Ok(pb::NotificationKind::Unspecified) => Ok(None),
        Ok(kind) => Ok(kind
            .as_str_name()
            .strip_prefix("NOTIFICATION_KIND_")
            .map(str::to_ascii_lowercase)),
        Err(_) => Err(Error::invalid(
            "kind",
            format!("{value} is not a notification kind"),
        )),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_named_as_the_outbox_names_them() {
        assert_eq!(notification_kind(0).unwrap(), None);
        let minutes = pb::NotificationKind::SessionMinutes as i32;
        assert_eq!(
            notification_kind(minutes).unwrap().as_deref(),
            Some("session_minutes")
        );
        let by_absence = pb::NotificationKind::DeemedConsentByAbsence as i32;
        assert_eq!(
            notification_kind(by_absence).unwrap().as_deref(),
            Some("deemed_consent_by_absence")
        );
        assert!(matches!(
            notification_kind(999),
            Err(Error::InvalidArgument { field, .. }) if field == "kind"
        ));
    }
}
