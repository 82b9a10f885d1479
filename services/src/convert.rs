//! Conversions between the wire contract (`lianban.v1`) and the engine's values.
//!
//! Inbound, every conversion that can fail names the request field; outbound, names from the
//! catalogue are filled in so that clients need no second call to display a result.

use chrono::{DateTime, Utc};
use lianban_orchestrator::application::{
    Applicant, ApplicantKind, Application, Branch, Channel, HandOverMethod, MaterialSubmission,
    OneTimeNotice, Outcome, ReceivedMaterial,
};
use lianban_orchestrator::catalogue::{Bundle, DeadlineAction, Department, Material, Matter, Role};
use lianban_orchestrator::warning::{self, Colour, WarningPolicy};
use lianban_orchestrator::{ApplicationState, BranchState, Calendar, Catalogue, Deadline};
use lianban_proto::v1 as pb;
use uuid::Uuid;

use crate::error::Error;

/// What a wire view of an application needs besides the application: names from the catalogue,
/// the calendar and policy for warnings, and the time the view is taken.
#[derive(Clone)]
pub struct View<'a> {
    /// The catalogue.
    pub catalogue: &'a Catalogue,
    /// The working calendar.
    pub calendar: std::sync::Arc<Calendar>,
    /// When branches turn yellow.
    pub policy: &'a WarningPolicy,
    /// Now.
    pub now: DateTime<Utc>,
}

impl View<'_> {
    /// A deadline with its remaining working days, and its colour while `open`.
    fn deadline(&self, deadline: &Deadline, limit_days: u32, open: bool) -> pb::DeadlineView {
        self.deadline_as_of(deadline, limit_days, open, self.now)
    }

    /// The same, assessed at `as_of` (a paused branch's warning stays as it was when it paused).
    fn deadline_as_of(
        &self,
        deadline: &Deadline,
        limit_days: u32,
        open: bool,
        as_of: DateTime<Utc>,
    ) -> pb::DeadlineView {
        let assessment = warning::assess(&self.calendar, self.policy, deadline, limit_days, as_of);
        let colour = match assessment.colour {
            _ if !open => pb::WarningColour::Unspecified,
            Colour::Green => pb::WarningColour::Green,
            Colour::Yellow => pb::WarningColour::Yellow,
            Colour::Red => pb::WarningColour::Red,
        };
        pb::DeadlineView {
            at: Some(timestamp(deadline.at)),
            provisional: deadline.provisional,
            remaining_working_days: assessment.remaining_days,
            colour: colour as i32,
            limit_days,
        }
    }
}

/// Default page size when a request leaves it at 0.
pub const DEFAULT_PAGE_SIZE: u64 = 50;
/// Largest page size a request may ask for.
pub const MAX_PAGE_SIZE: u64 = 500;

/// A timestamp on the wire.
pub fn timestamp(at: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: at.timestamp_subsec_nanos() as i32,
    }
}

/// An optional timestamp on the wire.
pub fn optional_timestamp(at: Option<DateTime<Utc>>) -> Option<prost_types::Timestamp> {
    at.map(timestamp)
}

/// Parses a required timestamp field.
pub fn instant(field: &str, value: Option<prost_types::Timestamp>) -> Result<DateTime<Utc>, Error> {
    let value = value.ok_or_else(|| Error::invalid(field, "required"))?;
    DateTime::from_timestamp(
        value.seconds,
        u32::try_from(value.nanos).unwrap_or(u32::MAX),
    )
    .ok_or_else(|| Error::invalid(field, "out of range"))
}

/// Parses a required UUID field.
pub fn uuid_field(field: &str, value: &str) -> Result<Uuid, Error> {
    if value.trim().is_empty() {
        return Err(Error::invalid(field, "required"));
    }
    Uuid::parse_str(value.trim())
        .map_err(|_| Error::invalid(field, format!("{value:?} is not a UUID")))
}

/// A required, non-blank text field.
pub fn required_text(field: &str, value: &str) -> Result<String, Error> {
    if value.trim().is_empty() {
        Err(Error::invalid(field, "required"))
    } else {
        Ok(value.trim().to_owned())
    }
}

/// An idempotency key: at most 128 characters; `None` when empty and not required.
pub fn idempotency_key(value: &str, required: bool) -> Result<Option<String>, Error> {
    match value.trim() {
        "" if required => Err(Error::invalid(
            "idempotency_key",
            "required: retries are only safe with a key",
        )),
        "" => Ok(None),
        key if key.chars().count() > 128 => Err(Error::invalid(
            "idempotency_key",
            "longer than 128 characters",
        )),
        key => Ok(Some(key.to_owned())),
    }
}

/// Page size and position from a request.
pub fn page_request(page_size: u32, page_token: &str) -> Result<crate::store::PageRequest, Error> {
    let size = match u64::from(page_size) {
        0 => DEFAULT_PAGE_SIZE,
        size if size > MAX_PAGE_SIZE => {
            return Err(Error::invalid(
                "page_size",
                format!("at most {MAX_PAGE_SIZE}"),
            ));
        }
        size => size,
    };
    let after = match page_token.trim() {
        "" => None,
        token => Some(
            Uuid::parse_str(token)
                .map_err(|_| Error::invalid("page_token", "not a token this server issued"))?,
        ),
    };
    Ok(crate::store::PageRequest { size, after })
}

/// The token for the page after `last`.
pub fn page_token(last: Option<Uuid>) -> String {
    last.map(|id| id.to_string()).unwrap_or_default()
}

/// A channel from the wire; unspecified is refused.
pub fn channel(field: &str, value: i32) -> Result<Channel, Error> {
    match pb::Channel::try_from(value) {
        Ok(pb::Channel::OnSite) => Ok(Channel::OnSite),
        Ok(pb::Channel::Online) => Ok(Channel::Online),
        Ok(pb::Channel::Post) => Ok(Channel::Post),
        _ => Err(Error::invalid(field, "required: on-site, online or post")),
    }
}

fn channel_to_wire(channel: Channel) -> i32 {
    match channel {
        Channel::OnSite => pb::Channel::OnSite as i32,
        Channel::Online => pb::Channel::Online as i32,
        Channel::Post => pb::Channel::Post as i32,
    }
}

/// The applicant from the wire.
pub fn applicant(value: Option<pb::Applicant>) -> Result<Applicant, Error> {
    let value = value.ok_or_else(|| Error::invalid("applicant", "required"))?;
    let kind = match pb::ApplicantKind::try_from(value.kind) {
        Ok(pb::ApplicantKind::Organisation) => ApplicantKind::Organisation,
        Ok(pb::ApplicantKind::NaturalPerson) => ApplicantKind::NaturalPerson,
        _ => {
            return Err(Error::invalid(
                "applicant.kind",
                "required: organisation or natural person",
            ));
        }
    };
    Ok(Applicant {
        kind,
        name: value.name.trim().to_owned(),
        id_number: value.id_number.trim().to_uppercase(),
        phone: value.phone.trim().to_owned(),
    })
}

fn applicant_to_wire(applicant: &Applicant) -> pb::Applicant {
    let kind = match applicant.kind {
        ApplicantKind::Organisation => pb::ApplicantKind::Organisation,
        ApplicantKind::NaturalPerson => pb::ApplicantKind::NaturalPerson,
    };
    pb::Applicant {
        kind: kind as i32,
        name: applicant.name.clone(),
        id_number: applicant.id_number.clone(),
        phone: applicant.phone.clone(),
    }
}

/// Materials from the wire, unchanged in order (the engine checks them and names the index).
pub fn materials(values: Vec<pb::MaterialSubmission>) -> Vec<MaterialSubmission> {
    values
        .into_iter()
        .map(|m| MaterialSubmission {
            material_code: m.material_code.trim().to_owned(),
            document_ref: m.document_ref,
        })
        .collect()
}

/// A hand-over method from the wire; unspecified is refused.
pub fn hand_over_method(value: i32) -> Result<HandOverMethod, Error> {
    match pb::HandOverMethod::try_from(value) {
        Ok(pb::HandOverMethod::OnSite) => Ok(HandOverMethod::OnSite),
        Ok(pb::HandOverMethod::Post) => Ok(HandOverMethod::Post),
        Ok(pb::HandOverMethod::Electronic) => Ok(HandOverMethod::Electronic),
        _ => Err(Error::invalid(
            "method",
            "required: on-site, post or electronic",
        )),
    }
}

fn hand_over_method_to_wire(method: HandOverMethod) -> i32 {
    match method {
        HandOverMethod::OnSite => pb::HandOverMethod::OnSite as i32,
        HandOverMethod::Post => pb::HandOverMethod::Post as i32,
        HandOverMethod::Electronic => pb::HandOverMethod::Electronic as i32,
    }
}

/// Application states from the wire; unspecified is refused.
pub fn application_states(values: &[i32]) -> Result<Vec<ApplicationState>, Error> {
    values
        .iter()
        .enumerate()
        .map(
            |(index, value)| match pb::ApplicationState::try_from(*value) {
                Ok(pb::ApplicationState::AwaitingMaterials) => {
                    Ok(ApplicationState::AwaitingMaterials)
                }
                Ok(pb::ApplicationState::InProgress) => Ok(ApplicationState::InProgress),
                Ok(pb::ApplicationState::ReadyForDispatch) => {
                    Ok(ApplicationState::ReadyForDispatch)
                }
                Ok(pb::ApplicationState::Dispatched) => Ok(ApplicationState::Dispatched),
                Ok(pb::ApplicationState::Withdrawn) => Ok(ApplicationState::Withdrawn),
                _ => Err(Error::invalid(
                    format!("states[{index}]"),
                    "not an application state",
                )),
            },
        )
        .collect()
}

/// Branch states from the wire; unspecified is refused.
pub fn branch_states(values: &[i32]) -> Result<Vec<BranchState>, Error> {
    values
        .iter()
        .enumerate()
        .map(|(index, value)| {
            pb::BranchState::try_from(*value)
                .ok()
                .and_then(branch_state_from_wire)
                .ok_or_else(|| Error::invalid(format!("states[{index}]"), "not a branch state"))
        })
        .collect()
}

fn branch_state_from_wire(state: pb::BranchState) -> Option<BranchState> {
    BranchState::ALL
        .into_iter()
        .find(|candidate| branch_state_to_wire(*candidate) == state as i32)
}

fn application_state_to_wire(state: ApplicationState) -> i32 {
    let wire = match state {
        ApplicationState::AwaitingMaterials => pb::ApplicationState::AwaitingMaterials,
        ApplicationState::InProgress => pb::ApplicationState::InProgress,
        ApplicationState::ReadyForDispatch => pb::ApplicationState::ReadyForDispatch,
        ApplicationState::Dispatched => pb::ApplicationState::Dispatched,
        ApplicationState::Withdrawn => pb::ApplicationState::Withdrawn,
    };
    wire as i32
}

fn branch_state_to_wire(state: BranchState) -> i32 {
    let wire = match state {
        BranchState::Pending => pb::BranchState::Pending,
        BranchState::Waiting => pb::BranchState::Waiting,
        BranchState::Open => pb::BranchState::Open,
        BranchState::Claimed => pb::BranchState::Claimed,
        BranchState::Paused => pb::BranchState::Paused,
        BranchState::Approved => pb::BranchState::Approved,
        BranchState::Rejected => pb::BranchState::Rejected,
        BranchState::Consented => pb::BranchState::Consented,
        BranchState::Objected => pb::BranchState::Objected,
        BranchState::DeemedConsent => pb::BranchState::DeemedConsent,
        BranchState::Cancelled => pb::BranchState::Cancelled,
    };
    wire as i32
}

fn role_to_wire(role: Role) -> i32 {
    match role {
        Role::Approval => pb::Role::Approval as i32,
        Role::JointReview => pb::Role::JointReview as i32,
    }
}

fn received_to_wire(code: &str, material: &ReceivedMaterial) -> pb::ReceivedMaterial {
    pb::ReceivedMaterial {
        material_code: code.to_owned(),
        document_ref: material.document_ref.clone(),
        received_at: Some(timestamp(material.received_at)),
        channel: channel_to_wire(material.channel),
    }
}

fn outcome_to_wire(outcome: &Outcome) -> pb::Outcome {
    pb::Outcome {
        state: branch_state_to_wire(outcome.state),
        result_reference: outcome.result_reference.clone(),
        reason: outcome.reason.clone(),
        decided_by: outcome.decided_by.as_ref().map(|d| pb::Decider {
            department_code: d.department_code.clone(),
            clerk_id: d.clerk_id.clone(),
        }),
        decided_at: Some(timestamp(outcome.decided_at)),
        decided_by_system: outcome.decided_by.is_none(),
        rule: outcome.rule.clone(),
        session_id: outcome
            .session_id
            .map(|id| id.to_string())
            .unwrap_or_default(),
    }
}

/// A branch on the wire, with its matter's name and the materials it uses.
pub fn branch_to_wire(application: &Application, branch: &Branch, view: &View<'_>) -> pb::Branch {
    let matter = view.catalogue.matter(&branch.matter_code);
    let on_deadline = match branch.on_deadline {
        DeadlineAction::DeemedConsent => pb::DeadlineAction::DeemedConsent,
        DeadlineAction::Escalate => pb::DeadlineAction::Escalate,
    };
    pb::Branch {
        id: branch.id.to_string(),
        application_id: application.id.to_string(),
        matter_code: branch.matter_code.clone(),
        matter_name: matter.map(|m| m.name.clone()).unwrap_or_default(),
        department_code: branch.department_code.clone(),
        role: role_to_wire(branch.role),
        state: branch_state_to_wire(branch.state),
        depends_on: branch.depends_on.clone(),
        materials: branch
            .material_codes
            .iter()
            .filter_map(|code| {
                application
                    .materials
                    .get(code)
                    .map(|m| received_to_wire(code, m))
            })
            .collect(),
        started_at: optional_timestamp(branch.started_at),
        claimed_by: branch.claimed_by.clone().unwrap_or_default(),
        outcome: branch.outcome.as_ref().map(outcome_to_wire),
        version: branch.version,
        promised_limit_days: branch.limit_days,
        deadline: branch.deadline.as_ref().map(|d| {
            let paused_at = branch
                .pauses
                .last()
                .filter(|p| p.ended_at.is_none())
                .map(|p| p.started_at);
            let limit = branch.limit_days + branch.extension_days;
            view.deadline_as_of(
                d,
                limit,
                branch.state.is_running(),
                paused_at.unwrap_or(view.now),
            )
        }),
        pauses: branch.pauses.iter().map(pause_to_wire).collect(),
        post: branch.post.clone().unwrap_or_default(),
        assignee: branch.assignee.clone().unwrap_or_default(),
        unstaffed_since: optional_timestamp(branch.unstaffed_since),
        handovers: branch
            .handovers
            .iter()
            .map(|h| pb::HandoverView {
                at: Some(timestamp(h.at)),
                from: h.from.clone().unwrap_or_default(),
                to: h.to.clone().unwrap_or_default(),
                reason: h.reason.clone(),
            })
            .collect(),
        extensions: branch.extensions.iter().map(extension_to_wire).collect(),
        deadline_moves: branch
            .deadline_moves
            .iter()
            .map(|m| pb::DeadlineMoveView {
                at: Some(timestamp(m.at)),
                from: Some(timestamp(m.from.at)),
                to: Some(timestamp(m.to.at)),
                provisional: m.to.provisional,
                reason: m.reason.clone(),
            })
            .collect(),
        on_deadline: on_deadline as i32,
        escalated_at: optional_timestamp(branch.escalated_at),
    }
}

fn decider_to_wire(decider: &lianban_orchestrator::application::Decider) -> pb::Decider {
    pb::Decider {
        department_code: decider.department_code.clone(),
        clerk_id: decider.clerk_id.clone(),
    }
}

fn pause_to_wire(pause: &lianban_orchestrator::application::Pause) -> pb::PauseView {
    use lianban_orchestrator::application::PauseKind;
    let kind = match pause.kind {
        PauseKind::Supplement => pb::PauseKind::Supplement,
        PauseKind::Hearing => pb::PauseKind::Hearing,
        PauseKind::ExpertReview => pb::PauseKind::ExpertReview,
        PauseKind::OnSiteInspection => pb::PauseKind::OnSiteInspection,
        PauseKind::Testing => pb::PauseKind::Testing,
        PauseKind::PublicNotice => pb::PauseKind::PublicNotice,
    };
    pb::PauseView {
        kind: kind as i32,
        reason: pause.reason.clone(),
        expected_days: pause.expected_days,
        material_codes: pause.material_codes.clone(),
        requested_by: Some(decider_to_wire(&pause.requested_by)),
        started_at: Some(timestamp(pause.started_at)),
        ended_at: optional_timestamp(pause.ended_at),
        counted_days: pause.counted_days,
    }
}

fn extension_to_wire(
    extension: &lianban_orchestrator::application::Extension,
) -> pb::ExtensionView {
    let decision = extension.decision.as_ref();
    pb::ExtensionView {
        number: extension.number,
        requested_by: Some(decider_to_wire(&extension.requested_by)),
        reason: extension.reason.clone(),
        days: extension.days,
        requested_at: Some(timestamp(extension.requested_at)),
        decided: decision.is_some(),
        approved: decision.is_some_and(|d| d.approved),
        supervisor_id: decision
            .map(|d| d.supervisor_id.clone())
            .unwrap_or_default(),
        note: decision.map(|d| d.note.clone()).unwrap_or_default(),
        decided_at: decision.map(|d| timestamp(d.decided_at)),
    }
}

/// A special procedure's kind from the wire; unspecified and supplement are refused.
pub fn special_procedure(
    value: i32,
) -> Result<lianban_orchestrator::application::PauseKind, Error> {
    use lianban_orchestrator::application::PauseKind;
    match pb::PauseKind::try_from(value) {
        Ok(pb::PauseKind::Hearing) => Ok(PauseKind::Hearing),
        Ok(pb::PauseKind::ExpertReview) => Ok(PauseKind::ExpertReview),
        Ok(pb::PauseKind::OnSiteInspection) => Ok(PauseKind::OnSiteInspection),
        Ok(pb::PauseKind::Testing) => Ok(PauseKind::Testing),
        Ok(pb::PauseKind::PublicNotice) => Ok(PauseKind::PublicNotice),
        _ => Err(Error::invalid(
            "kind",
            "required: hearing, expert review, on-site inspection, testing or public notice",
        )),
    }
}

/// A warning colour on the wire.
pub fn colour_to_wire(colour: Colour) -> pb::WarningColour {
    match colour {
        Colour::Green => pb::WarningColour::Green,
        Colour::Yellow => pb::WarningColour::Yellow,
        Colour::Red => pb::WarningColour::Red,
    }
}

/// A one-time notice on the wire, with material names and descriptions.
pub fn notice_to_wire(notice: &OneTimeNotice, catalogue: &Catalogue) -> pb::OneTimeNotice {
    pb::OneTimeNotice {
        number: notice.number,
        issued_at: Some(timestamp(notice.issued_at)),
        missing: notice
            .missing
            .iter()
            .map(|item| {
                let material = catalogue.material(&item.material_code);
                pb::MissingMaterial {
                    material_code: item.material_code.clone(),
                    material_name: material.map(|m| m.name.clone()).unwrap_or_default(),
                    description: material.map(|m| m.description.clone()).unwrap_or_default(),
                    matter_codes: item.matter_codes.clone(),
                    department_codes: item.department_codes.clone(),
                }
            })
            .collect(),
    }
}

/// An application on the wire, with every branch.
pub fn application_to_wire(application: &Application, view: &View<'_>) -> pb::Application {
    pb::Application {
        id: application.id.to_string(),
        receipt_number: application.receipt_number.clone().unwrap_or_default(),
        bundle_code: application.bundle_code.clone(),
        bundle_name: view
            .catalogue
            .bundle(&application.bundle_code)
            .map(|b| b.name.clone())
            .unwrap_or_default(),
        state: application_state_to_wire(application.state),
        applicant: Some(applicant_to_wire(&application.applicant)),
        form: application.form.clone(),
        materials: application
            .materials
            .iter()
            .map(|(code, m)| received_to_wire(code, m))
            .collect(),
        channel: channel_to_wire(application.channel),
        key_project_code: application.key_project_code.clone().unwrap_or_default(),
        front_desk_clerk: application.front_desk_clerk.clone(),
        notices: application
            .notices
            .iter()
            .map(|n| notice_to_wire(n, view.catalogue))
            .collect(),
        branches: application
            .branches
            .iter()
            .map(|b| branch_to_wire(application, b, view))
            .collect(),
        submitted_at: Some(timestamp(application.submitted_at)),
        accepted_at: optional_timestamp(application.accepted_at),
        ready_at: optional_timestamp(application.ready_at),
        hand_over: application.hand_over.as_ref().map(|h| pb::HandOver {
            method: hand_over_method_to_wire(h.method),
            handed_by: h.handed_by.clone(),
            recipient: h.recipient.clone(),
            tracking_reference: h.tracking_reference.clone(),
            handed_at: Some(timestamp(h.handed_at)),
            results: h
                .results
                .iter()
                .map(|r| pb::HandedResult {
                    branch_id: r.branch_id.to_string(),
                    matter_code: r.matter_code.clone(),
                    outcome: Some(outcome_to_wire(&r.outcome)),
                })
                .collect(),
        }),
        withdrawn_at: optional_timestamp(application.withdrawn_at),
        withdrawal_reason: application.withdrawal_reason.clone().unwrap_or_default(),
        version: application.version,
        visits: application.visits,
        ratings: application
            .ratings
            .iter()
            .map(|r| pb::RatingView {
                stage: match r.stage {
                    lianban_orchestrator::application::RatingStage::Acceptance => {
                        pb::RatingStage::Acceptance
                    }
                    lianban_orchestrator::application::RatingStage::Dispatch => {
                        pb::RatingStage::Dispatch
                    }
                } as i32,
                score: u32::from(r.score),
                comment: r.comment.clone(),
                at: Some(timestamp(r.at)),
            })
            .collect(),
        due: application.due.as_ref().map(|d| {
            let limit = view
                .catalogue
                .bundle(&application.bundle_code)
                .map_or(0, |b| b.promised_limit_days);
            view.deadline(d, limit, application.state == ApplicationState::InProgress)
        }),
    }
}

/// A branch as its department sees it.
pub fn task_to_wire(application: &Application, branch: &Branch, view: &View<'_>) -> pb::Task {
    pb::Task {
        branch: Some(branch_to_wire(application, branch, view)),
        receipt_number: application.receipt_number.clone().unwrap_or_default(),
        bundle_code: application.bundle_code.clone(),
        form: application.form.clone(),
        applicant: Some(applicant_to_wire(&application.applicant)),
    }
}

/// A department on the wire.
pub fn department_to_wire(department: &Department) -> pb::Department {
    pb::Department {
        code: department.code.clone(),
        name: department.name.clone(),
    }
}

/// A material on the wire.
pub fn material_to_wire(material: &Material) -> pb::Material {
    pb::Material {
        code: material.code.clone(),
        name: material.name.clone(),
        description: material.description.clone(),
    }
}

/// A matter on the wire.
pub fn matter_to_wire(matter: &Matter) -> pb::Matter {
    pb::Matter {
        code: matter.code.clone(),
        name: matter.name.clone(),
        department_code: matter.department.clone(),
        legal_limit_days: matter.legal_limit_days,
        promised_limit_days: matter.promised_limit_days,
        material_codes: matter.materials.clone(),
        fee_fen: matter.fee_fen,
    }
}

/// A bundle on the wire, with its critical path and serial sum.
pub fn bundle_to_wire(bundle: &Bundle, catalogue: &Catalogue) -> pb::Bundle {
    pb::Bundle {
        code: bundle.code.clone(),
        name: bundle.name.clone(),
        lead_department_code: bundle.lead_department.clone(),
        promised_limit_days: bundle.promised_limit_days,
        form_fields: bundle
            .form
            .iter()
            .map(|f| pb::FormField {
                key: f.key.clone(),
                label: f.label.clone(),
                required: f.required,
            })
            .collect(),
        branches: bundle
            .branches
            .iter()
            .filter_map(|entry| {
                catalogue
                    .matter(&entry.matter)
                    .map(|matter| pb::BundleBranch {
                        matter: Some(matter_to_wire(matter)),
                        role: role_to_wire(entry.role),
                        depends_on: entry.depends_on.clone(),
                    })
            })
            .collect(),
        materials: catalogue
            .bundle_materials(bundle)
            .into_iter()
            .map(material_to_wire)
            .collect(),
        critical_path_days: catalogue.critical_path_days(bundle),
        serial_sum_days: catalogue.serial_sum_days(bundle),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_branch_state_survives_the_wire() {
        for state in BranchState::ALL {
            let wire = pb::BranchState::try_from(branch_state_to_wire(state)).unwrap();
            assert_eq!(branch_state_from_wire(wire), Some(state));
        }
    }

    #[test]
    fn page_tokens_are_checked() {
        assert!(page_request(0, "").unwrap().size == DEFAULT_PAGE_SIZE);
        assert!(
            matches!(page_request(0, "garbage"), Err(Error::InvalidArgument { field, .. }) if field == "page_token")
        );
        assert!(
            matches!(page_request(501, ""), Err(Error::InvalidArgument { field, .. }) if field == "page_size")
        );
    }
}
