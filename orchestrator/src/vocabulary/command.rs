//! The commands: submitting an application ([`Submit`]), every command on an existing one
//! ([`Command`]), and what a command yields ([`Decision`]).

use std::collections::BTreeMap;

use uuid::Uuid;

use super::event::Event;
use super::verdict::{SessionVerdict, Verdict};
use crate::application::{
    Applicant, Application, Channel, HandOverMethod, MaterialSubmission, PauseKind, RatingStage,
};
use crate::rating::{IndicatorRating, Rater, RatingChannel, Satisfaction};

/// A command's result: the new application and what happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The application after the command.
    pub application: Application,
    /// What happened, in order. Empty when the command changed nothing (a repeated claim).
    pub events: Vec<Event>,
}

/// Submit one application.
#[derive(Debug, Clone)]
pub struct Submit {
    /// The new application's id (UUID v7); branch ids are drawn from `new_id`.
    pub application_id: Uuid,
    /// Bundle code.
    pub bundle_code: String,
    /// The applicant.
    pub applicant: Applicant,
    /// The one form.
    pub form: BTreeMap<String, String>,
    /// Materials handed in.
    pub materials: Vec<MaterialSubmission>,
    /// How the applicant came.
    pub channel: Channel,
    /// Key project code, if any.
    pub key_project_code: Option<String>,
    /// Front-desk clerk.
    pub front_desk_clerk: String,
}

/// Who may hand a branch to a named clerk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssignerRole {
    /// The head of a department: only for the department's own branches.
    DepartmentHead {
        /// The department the head leads.
        department_code: String,
    },
    /// A supervisor of the centre: any department's branches.
    Supervisor,
}

/// Every command on an existing application.
#[derive(Debug, Clone)]
pub enum Command {
    /// Hand in missing materials.
    Supplement {
        /// The materials.
        materials: Vec<MaterialSubmission>,
        /// How the applicant came.
        channel: Channel,
    },
    /// Withdraw before dispatch.
    Withdraw {
        /// Why.
        reason: String,
    },
    /// A clerk claims a branch.
    Claim {
        /// The branch.
        branch_id: Uuid,
        /// Department of the caller.
        department_code: String,
        /// The clerk.
        clerk_id: String,
    },
    /// The clerk holding a branch's claim gives it back: the branch is open to the department.
    Release {
        /// The branch.
        branch_id: Uuid,
        /// Department of the caller.
        department_code: String,
        /// The clerk; must hold the claim.
        clerk_id: String,
        /// Why, recorded on the trail.
        reason: String,
    },
    /// A department head or a supervisor hands a branch to a named clerk of its post.
    Assign {
        /// The branch.
        branch_id: Uuid,
        /// The clerk who gets it: the post's A clerk or one of its B clerks.
        to_clerk: String,
        /// Who hands it over, as stated by the caller.
        by: String,
        /// The caller's role: head of a department, or a supervisor.
        role: AssignerRole,
        /// Why, recorded on the hand-over and in the notice.
        reason: String,
    },
    /// A department decides a branch.
    Decide {
        /// The branch.
        branch_id: Uuid,
        /// Department of the caller.
        department_code: String,
        /// The clerk.
        clerk_id: String,
        /// The decision.
        verdict: Verdict,
    },
    /// The system acts on a branch whose deadline has passed: deemed consent or escalation, as
    /// the catalogue says. Acting twice, or on a branch that is not due, changes nothing.
    DeadlinePassed {
        /// The branch.
        branch_id: Uuid,
    },
    /// A department stops a branch's clock: a supplement request or a special procedure.
    Pause {
        /// The branch.
        branch_id: Uuid,
        /// Department of the caller.
        department_code: String,
        /// The clerk.
        clerk_id: String,
        /// Supplement request or special procedure.
        kind: PauseKind,
        /// Why, as told to the applicant.
        reason: String,
        /// A special procedure's expected duration in working days.
        expected_days: u32,
        /// A supplement request's materials.
        material_codes: Vec<String>,
    },
    /// A department restarts a paused branch's clock.
    Resume {
        /// The branch.
        branch_id: Uuid,
        /// Department of the caller.
        department_code: String,
        /// The clerk.
        clerk_id: String,
    },
    /// A department asks for more working days.
    RequestExtension {
        /// The branch.
        branch_id: Uuid,
        /// Department of the caller.
        department_code: String,
        /// The clerk.
        clerk_id: String,
        /// Working days asked for.
        days: u32,
        /// Why, as told to the applicant.
        reason: String,
        /// The authenticated identity asking (empty when authentication is off): the one
        /// identity that may not decide the request.
        identity: String,
    },
    /// A supervisor approves or refuses an extension request.
    DecideExtension {
        /// The branch.
        branch_id: Uuid,
        /// The request's number.
        number: u32,
        /// The supervisor; must not be the clerk who asked.
        supervisor_id: String,
        /// Approve or refuse.
        approve: bool,
        /// The supervisor's note.
        note: String,
        /// The authenticated identity deciding (empty when authentication is off); refused when
        /// it is the identity that asked.
        identity: String,
    },
    /// The system recounts a provisional deadline after the calendar changed.
    RecountDeadline {
        /// The branch.
        branch_id: Uuid,
    },
    /// The system assigns a running branch again after a clerk went away or came back.
    Reassign {
        /// The branch.
        branch_id: Uuid,
        /// Why, recorded on the hand-over.
        reason: String,
    },
    /// The applicant rates the service (好差评). The clerk rated is not named: the application
    /// records who accepted and who handed out.
    Rate {
        /// At acceptance or at dispatch.
        stage: RatingStage,
        /// The overall level.
        satisfaction: Satisfaction,
        /// Where the rating was given; `None` from a client written before channels, placed by
        /// [`crate::application::assumed_rating_channel`].
        channel: Option<RatingChannel>,
        /// The fixed indicators rated, of the set the intake channel decides; optional.
        indicators: Vec<IndicatorRating>,
        /// Optional comment.
        comment: String,
        /// The rater, unless anonymous.
        rater: Option<Rater>,
    },
    /// The system applies a closed joint review session's verdicts to this application's
    /// branches. Applying the same session twice changes nothing.
    ApplySession {
        /// The session.
        session_id: Uuid,
        /// (branch, verdict) for every branch of this application the session reviewed.
        verdicts: Vec<(Uuid, SessionVerdict)>,
    },
    /// The dispatch window hands every result over.
    Dispatch {
        /// How.
        method: HandOverMethod,
        /// Dispatch clerk.
        handed_by: String,
        /// Who receives it.
        recipient: String,
        /// Post tracking number or e-delivery reference.
        tracking_reference: String,
    },
}
