//! The application aggregate: one applicant's request for one bundle, with every branch.
//!
//! The aggregate is a plain value. The engine produces a new one for every accepted command; the
//! store keeps it whole (as a document) beside the projections it needs for queries.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::calendar::Deadline;
use crate::catalogue::{DeadlineAction, Role};
use crate::machine::{ApplicationState, BranchState};
use crate::rating::{IndicatorSet, RatingChannel};
pub use crate::rating::{Rating, RatingStage};

/// How the applicant reached the centre for one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// At a window (a visit).
    OnSite,
    /// Through the portal.
    Online,
    /// By post.
    Post,
}

/// The channel a rating given without one is placed in: ratings were recorded by the front desk
/// before the channel was asked, so one of an application taken at a window or by post came from
/// the hall (政务大厅其他终端), one of an application submitted online from the portal (PC端).
pub fn assumed_rating_channel(intake: Channel) -> RatingChannel {
    match intake {
        Channel::Online => RatingChannel::Pc,
        Channel::OnSite | Channel::Post => RatingChannel::HallOtherTerminal,
    }
}

/// Organisation or natural person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantKind {
    /// Identified by a unified social credit code.
    Organisation,
    /// Identified by an ID card number; personal data.
    NaturalPerson,
}

/// The applicant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicant {
    /// Organisation or natural person.
    pub kind: ApplicantKind,
    /// Name.
    pub name: String,
    /// Credit code or ID card number.
    pub id_number: String,
    /// Contact phone, may be empty.
    pub phone: String,
}

/// A material as the applicant hands it in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialSubmission {
    /// Catalogue code.
    pub material_code: String,
    /// Reference to the document.
    pub document_ref: String,
}

/// A material the application holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedMaterial {
    /// Reference to the document.
    pub document_ref: String,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// How it arrived.
    pub channel: Channel,
}

/// One missing material in a one-time notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingMaterial {
    /// Catalogue code.
    pub material_code: String,
    /// Matters that need it.
    pub matter_codes: Vec<String>,
    /// Departments that need it.
    pub department_codes: Vec<String>,
}

/// A one-time notice (一次性告知书).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OneTimeNotice {
    /// 1, 2, 3…
    pub number: u32,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// Everything missing, by material code.
    pub missing: Vec<MissingMaterial>,
}

/// Who decided a branch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decider {
    /// Department.
    pub department_code: String,
    /// Clerk.
    pub clerk_id: String,
}

impl Decider {
    /// The department and clerk a command names.
    pub(crate) fn new(department_code: String, clerk_id: String) -> Self {
        Decider {
            department_code,
            clerk_id,
        }
    }
}

/// How a branch ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The final state.
    pub state: BranchState,
    /// Result document or licence number, for an approval.
    pub result_reference: String,
    /// Reason of a rejection, objection or cancellation, or a consent's comment.
    pub reason: String,
    /// Who decided; `None` when the system did (a cancellation or a deemed consent).
    pub decided_by: Option<Decider>,
    /// The rule the system applied, for a deemed consent; empty otherwise.
    #[serde(default)]
    pub rule: String,
    /// The joint review session whose closing decided it: an opinion given there, or deemed
    /// consent for absence.
    #[serde(default)]
    pub session_id: Option<Uuid>,
    /// When.
    pub decided_at: DateTime<Utc>,
}

/// One matter inside one application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branch {
    /// Branch id.
    pub id: Uuid,
    /// Matter code.
    pub matter_code: String,
    /// Department code.
    pub department_code: String,
    /// Approval or joint review.
    pub role: Role,
    /// Current state.
    pub state: BranchState,
    /// Matter codes it waits for.
    pub depends_on: Vec<String>,
    /// Material codes it needs (the application holds each once).
    pub material_codes: Vec<String>,
    /// Its limit in working days (the matter's promised limit).
    pub limit_days: u32,
    /// The matter's statutory limit: no extension may take the limit beyond it.
    pub legal_limit_days: u32,
    /// Working days spent paused (supplements, special procedures): they move the deadline.
    pub paused_days: u32,
    /// Working days added by approved extensions.
    pub extension_days: u32,
    /// What happens at the deadline.
    pub on_deadline: DeadlineAction,
    /// When it became actionable.
    pub started_at: Option<DateTime<Utc>>,
    /// Its deadline, set when it starts: `limit + paused + extension` working days from the start.
    pub deadline: Option<Deadline>,
    /// Every move of the deadline after the start, oldest first.
    pub deadline_moves: Vec<DeadlineMove>,
    /// Every pause, oldest first; the last one is open while the branch is paused.
    pub pauses: Vec<Pause>,
    /// Every extension request, oldest first.
    pub extensions: Vec<Extension>,
    /// When it was escalated for passing its deadline.
    pub escalated_at: Option<DateTime<Utc>>,
    /// The post that handles it (AB岗), when the department declared one.
    pub post: Option<String>,
    /// The clerk it is assigned to.
    pub assignee: Option<String>,
    /// Since when nobody of its post has been available (escalated to supervision).
    pub unstaffed_since: Option<DateTime<Utc>>,
    /// Every hand-over between clerks, oldest first.
    pub handovers: Vec<Handover>,
    /// Clerk who claimed it.
    pub claimed_by: Option<String>,
    /// Set once it has ended.
    pub outcome: Option<Outcome>,
    /// Incremented on every change.
    pub version: u64,
}

/// Why a branch's clock stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PauseKind {
    /// The department asked the applicant for materials (补正).
    Supplement,
    /// Special procedure: a hearing (听证).
    Hearing,
    /// Special procedure: expert review (专家评审).
    ExpertReview,
    /// Special procedure: on-site inspection (现场踏勘).
    OnSiteInspection,
    /// Special procedure: inspection or testing (检验检测).
    Testing,
    /// Special procedure: public notice (公示).
    PublicNotice,
}

impl PauseKind {
    /// The name used in errors and notices.
    pub fn name(self) -> &'static str {
        match self {
            PauseKind::Supplement => "supplement request",
            PauseKind::Hearing => "hearing",
            PauseKind::ExpertReview => "expert review",
            PauseKind::OnSiteInspection => "on-site inspection",
            PauseKind::Testing => "testing",
            PauseKind::PublicNotice => "public notice",
        }
    }
}

/// One pause of a branch's clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    /// Supplement request or special procedure.
    pub kind: PauseKind,
    /// Why, as told to the applicant.
    pub reason: String,
    /// For a special procedure: its expected duration in working days, as told to the applicant.
    pub expected_days: u32,
    /// For a supplement request: the materials the applicant must hand in.
    pub material_codes: Vec<String>,
    /// Who paused it.
    pub requested_by: Decider,
    /// When the clock stopped.
    pub started_at: DateTime<Utc>,
    /// When it ran again.
    pub ended_at: Option<DateTime<Utc>>,
    /// Working days whose closing time fell inside the pause (set when it ends).
    pub counted_days: u32,
}

/// A supervisor's answer to an extension request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionDecision {
    /// Approved or refused.
    pub approved: bool,
    /// The supervisor: never the clerk who asked.
    pub supervisor_id: String,
    /// The supervisor's note.
    pub note: String,
    /// When.
    pub decided_at: DateTime<Utc>,
}

/// A department's request for more working days (延期).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    /// 1, 2, 3… within the branch.
    pub number: u32,
    /// Who asked.
    pub requested_by: Decider,
    /// The authenticated identity that asked (empty when authentication was off): never the
    /// identity that decides.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub requester_identity: String,
    /// Why, as told to the applicant.
    pub reason: String,
    /// How many working days.
    pub days: u32,
    /// When.
    pub requested_at: DateTime<Utc>,
    /// The supervisor's answer, once given.
    pub decision: Option<ExtensionDecision>,
}

/// A hand-over of a branch from one clerk to another (or to nobody).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handover {
    /// When.
    pub at: DateTime<Utc>,
    /// The clerk who held it.
    pub from: Option<String>,
    /// The clerk who holds it now; `None` when nobody is available.
    pub to: Option<String>,
    /// Why.
    pub reason: String,
}

/// A move of a deadline after the branch started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineMove {
    /// When it moved.
    pub at: DateTime<Utc>,
    /// The deadline before.
    pub from: Deadline,
    /// The deadline after.
    pub to: Deadline,
    /// Why: a pause, an extension, or a calendar update.
    pub reason: String,
}

/// How results were handed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandOverMethod {
    /// At the window.
    OnSite,
    /// By post.
    Post,
    /// Electronically.
    Electronic,
}

/// One result handed over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandedResult {
    /// The branch.
    pub branch_id: Uuid,
    /// The matter.
    pub matter_code: String,
    /// Its outcome.
    pub outcome: Outcome,
}

/// The single hand-over of every result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandOver {
    /// How.
    pub method: HandOverMethod,
    /// Dispatch clerk.
    pub handed_by: String,
    /// Who received it.
    pub recipient: String,
    /// Post tracking number or e-delivery reference.
    pub tracking_reference: String,
    /// When.
    pub handed_at: DateTime<Utc>,
    /// Every result, one per branch.
    pub results: Vec<HandedResult>,
}

/// One applicant's request for one bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    /// Application id (UUID v7).
    pub id: Uuid,
    /// Bundle code.
    pub bundle_code: String,
    /// Receipt number, once accepted.
    pub receipt_number: Option<String>,
    /// Current state.
    pub state: ApplicationState,
    /// The applicant.
    pub applicant: Applicant,
    /// The one form.
    pub form: BTreeMap<String, String>,
    /// Materials received, by code.
    pub materials: BTreeMap<String, ReceivedMaterial>,
    /// Channel of the submission.
    pub channel: Channel,
    /// Key project code.
    pub key_project_code: Option<String>,
    /// Front-desk clerk (首问责任人).
    pub front_desk_clerk: String,
    /// Every one-time notice, oldest first.
    pub notices: Vec<OneTimeNotice>,
    /// Every branch, in the bundle's order.
    pub branches: Vec<Branch>,
    /// When submitted.
    pub submitted_at: DateTime<Utc>,
    /// When accepted.
    pub accepted_at: Option<DateTime<Utc>>,
    /// The bundle's overall due date, from acceptance.
    pub due: Option<Deadline>,
    /// When every branch had ended.
    pub ready_at: Option<DateTime<Utc>>,
    /// The hand-over.
    pub hand_over: Option<HandOver>,
    /// When withdrawn.
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// Why withdrawn.
    pub withdrawal_reason: Option<String>,
    /// Trips of the applicant to the hall (跑一次): every on-site intake, supplement and pick-up.
    pub visits: u32,
    /// The applicant's ratings (好差评), at most one per stage.
    pub ratings: Vec<Rating>,
    /// Joint review sessions whose closing this application has applied, each exactly once.
    #[serde(default)]
    pub settled_sessions: Vec<Uuid>,
    /// Incremented on every change.
    pub version: u64,
}

/// What a branch waits for, as a facilitator sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitingFor {
    /// Nothing: it has ended.
    Nothing,
    /// The applicant: these materials.
    Applicant(Vec<String>),
    /// Its department.
    Department(String),
    /// These predecessor matters.
    Predecessors(Vec<String>),
    /// A special procedure.
    SpecialProcedure(PauseKind),
}

impl Application {
    /// What the branch waits for now.
    pub fn waiting_for(&self, branch: &Branch) -> WaitingFor {
        use crate::machine::BranchState;
        match branch.state {
            BranchState::Pending => WaitingFor::Applicant(
                self.notices
                    .last()
                    .map(|n| n.missing.iter().map(|m| m.material_code.clone()).collect())
                    .unwrap_or_default(),
            ),
            BranchState::Waiting => WaitingFor::Predecessors(
                branch
                    .depends_on
                    .iter()
                    .filter(|matter| {
                        self.branches
                            .iter()
                            .any(|b| &b.matter_code == *matter && !b.state.lets_dependants_start())
                    })
                    .cloned()
                    .collect(),
            ),
            BranchState::Open | BranchState::Claimed => {
                WaitingFor::Department(branch.department_code.clone())
            }
            BranchState::Paused => match branch.pauses.last() {
                Some(pause) if pause.kind == PauseKind::Supplement => {
                    WaitingFor::Applicant(pause.material_codes.clone())
                }
                Some(pause) => WaitingFor::SpecialProcedure(pause.kind),
                None => WaitingFor::Department(branch.department_code.clone()),
            },
            _ => WaitingFor::Nothing,
        }
    }

    /// The branch with this id.
    pub fn branch(&self, id: Uuid) -> Option<&Branch> {
        self.branches.iter().find(|branch| branch.id == id)
    }

    /// The branches that wait on branch `id`, directly or through others, in the application's
    /// order: those a decision on it starts or cancels. None for an unknown id.
    pub fn dependants(&self, id: Uuid) -> impl Iterator<Item = &Branch> {
        let mut upstream: std::collections::BTreeSet<&str> = self
            .branch(id)
            .map(|b| b.matter_code.as_str())
            .into_iter()
            .collect();
        // Each pass adds the branches that wait on one already found; a pass that adds none ends.
        loop {
            let found = upstream.len();
            for branch in &self.branches {
                if branch
                    .depends_on
                    .iter()
                    .any(|p| upstream.contains(p.as_str()))
                {
                    upstream.insert(&branch.matter_code);
                }
            }
            if upstream.len() == found {
                break;
            }
        }
        let decided = self.branch(id).map(|b| b.matter_code.as_str());
        self.branches.iter().filter(move |branch| {
            Some(branch.matter_code.as_str()) != decided
                && upstream.contains(branch.matter_code.as_str())
        })
    }

    /// The national indicators its ratings use: those of online service for an application
    /// submitted through the portal, those of service in the hall otherwise (a postal
    /// application is handled offline by the hall's clerks).
    pub fn indicator_set(&self) -> IndicatorSet {
        match self.channel {
            Channel::Online => IndicatorSet::Online,
            Channel::OnSite | Channel::Post => IndicatorSet::OnSite,
        }
    }

    /// The window clerk a rating of `stage` is about: the front-desk clerk who took and accepted
    /// it, or the clerk who handed the results out.
    pub fn clerk_rated_at(&self, stage: RatingStage) -> Option<String> {
        let clerk = match stage {
            RatingStage::Acceptance => Some(&self.front_desk_clerk),
            RatingStage::Dispatch => self.hand_over.as_ref().map(|h| &h.handed_by),
        };
        clerk.filter(|c| !c.trim().is_empty()).cloned()
    }

    /// The latest one-time notice, if the application still awaits materials.
    pub fn open_notice(&self) -> Option<&OneTimeNotice> {
        if self.state == ApplicationState::AwaitingMaterials {
            self.notices.last()
        } else {
            None
        }
    }
}
