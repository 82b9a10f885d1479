//! The engine: commands in, a new application and the events that happened out.
//!
//! Every function here takes the current application (or nothing, for a submission), the
//! catalogue, the command and the time, and returns either an error value — in which case nothing
//! changed — or a [`Decision`]: the whole new application and the list of events, in order. The
//! engine never reads a clock, a database or the network; the services crate does that around it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::application::{
    Applicant, ApplicantKind, Application, Branch, Channel, DeadlineMove, Decider, Extension,
    ExtensionDecision, HandOver, HandOverMethod, HandedResult, Handover, MaterialSubmission,
    MissingMaterial, OneTimeNotice, Outcome, Pause, PauseKind, Rating, RatingStage,
    ReceivedMaterial,
};
use crate::calendar::Calendar;
use crate::catalogue::{Bundle, Catalogue, DeadlineAction, Role};
use crate::error::EngineError;
use crate::identity::{is_plausible_phone, is_valid_credit_code, is_valid_resident_id};
use crate::machine::{ApplicationState, ApplicationTrigger, BranchState, BranchTrigger};
use crate::session::SessionVerdict;
use crate::staffing::{Assignment, Staffing};

/// What the engine decides with: the catalogue and the centre's calendar.
#[derive(Debug, Clone, Copy)]
pub struct Rules<'a> {
    /// The catalogue.
    pub catalogue: &'a Catalogue,
    /// The working calendar.
    pub calendar: &'a Calendar,
    /// Posts and who is away.
    pub staffing: &'a Staffing,
}

/// Longest free-text field the engine accepts, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;

/// What happened, in the order it happened. The store keeps these as the application's history,
/// and the server tells watchers about the branches they name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// The application was submitted.
    Submitted,
    /// Materials were handed in after submission.
    MaterialsSupplemented {
        /// The codes handed in.
        material_codes: Vec<String>,
    },
    /// A one-time notice listed everything missing.
    NoticeIssued {
        /// Its number.
        number: u32,
    },
    /// The application was accepted with a receipt number.
    Accepted {
        /// The receipt number.
        receipt_number: String,
    },
    /// A branch became actionable.
    BranchStarted {
        /// The branch.
        branch_id: Uuid,
    },
    /// A branch waits for its predecessors.
    BranchWaiting {
        /// The branch.
        branch_id: Uuid,
    },
    /// A clerk claimed a branch.
    BranchClaimed {
        /// The branch.
        branch_id: Uuid,
        /// The clerk.
        clerk_id: String,
    },
    /// A department decided a branch.
    BranchDecided {
        /// The branch.
        branch_id: Uuid,
        /// approved, rejected, consented or objected.
        state: BranchState,
    },
    /// A silent joint-review department was deemed to consent at its deadline.
    BranchDeemedConsent {
        /// The branch.
        branch_id: Uuid,
        /// The deadline that passed.
        deadline: DateTime<Utc>,
        /// The rule applied.
        rule: String,
    },
    /// A branch passed its deadline and was escalated to supervision.
    BranchEscalated {
        /// The branch.
        branch_id: Uuid,
        /// The deadline that passed.
        deadline: DateTime<Utc>,
    },
    /// A department stopped a branch's clock.
    BranchPaused {
        /// The branch.
        branch_id: Uuid,
        /// Supplement request or special procedure.
        pause: PauseKind,
    },
    /// A branch's clock runs again.
    BranchResumed {
        /// The branch.
        branch_id: Uuid,
        /// Working days the pause took, added to the deadline.
        counted_days: u32,
    },
    /// A department asked for more working days.
    ExtensionRequested {
        /// The branch.
        branch_id: Uuid,
        /// The request's number.
        number: u32,
        /// Working days asked for.
        days: u32,
    },
    /// A supervisor approved or refused an extension.
    ExtensionDecided {
        /// The branch.
        branch_id: Uuid,
        /// The request's number.
        number: u32,
        /// Approved or refused.
        approved: bool,
    },
    /// A branch's deadline moved.
    DeadlineMoved {
        /// The branch.
        branch_id: Uuid,
        /// Why.
        reason: String,
    },
    /// A branch was assigned to a clerk (or passed to another one).
    BranchAssigned {
        /// The branch.
        branch_id: Uuid,
        /// The clerk who held it, if anyone.
        from: Option<String>,
        /// The clerk who holds it now.
        to: String,
        /// Why.
        reason: String,
    },
    /// Nobody of the branch's post is available: escalated to supervision.
    BranchUnstaffed {
        /// The branch.
        branch_id: Uuid,
        /// The post.
        post: String,
    },
    /// The applicant rated the service.
    Rated {
        /// At acceptance or at dispatch.
        stage: RatingStage,
        /// 1 to 5.
        score: u8,
    },
    /// A branch was cancelled.
    BranchCancelled {
        /// The branch.
        branch_id: Uuid,
        /// Why.
        reason: String,
    },
    /// The closing of a joint review session was applied to this application.
    SessionApplied {
        /// The session.
        session_id: Uuid,
    },
    /// A department absent from a joint review session was deemed to consent (缺席默认).
    BranchDeemedConsentByAbsence {
        /// The branch.
        branch_id: Uuid,
        /// The session.
        session_id: Uuid,
        /// The rule applied: "absent from session <id>".
        rule: String,
    },
    /// A department absent from a session was not deemed to consent: it was notified too late,
    /// or its branch could not be decided then. Its deadline rule still applies.
    BranchAbsenceNotDeemed {
        /// The branch.
        branch_id: Uuid,
        /// The session.
        session_id: Uuid,
        /// Why.
        reason: String,
    },
    /// Every branch has ended.
    ReadyForDispatch,
    /// Every result was handed over.
    Dispatched,
    /// The applicant withdrew.
    Withdrawn {
        /// Why.
        reason: String,
    },
}

impl Event {
    /// The branch the event is about, if any.
    pub fn branch_id(&self) -> Option<Uuid> {
        match self {
            Event::BranchStarted { branch_id }
            | Event::BranchWaiting { branch_id }
            | Event::BranchClaimed { branch_id, .. }
            | Event::BranchDecided { branch_id, .. }
            | Event::BranchDeemedConsent { branch_id, .. }
            | Event::BranchEscalated { branch_id, .. }
            | Event::BranchPaused { branch_id, .. }
            | Event::BranchResumed { branch_id, .. }
            | Event::ExtensionRequested { branch_id, .. }
            | Event::ExtensionDecided { branch_id, .. }
            | Event::DeadlineMoved { branch_id, .. }
            | Event::BranchAssigned { branch_id, .. }
            | Event::BranchUnstaffed { branch_id, .. }
            | Event::BranchDeemedConsentByAbsence { branch_id, .. }
            | Event::BranchAbsenceNotDeemed { branch_id, .. }
            | Event::BranchCancelled { branch_id, .. } => Some(*branch_id),
            _ => None,
        }
    }

    /// A short name, for the store's event table.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Submitted => "submitted",
            Event::MaterialsSupplemented { .. } => "materials_supplemented",
            Event::NoticeIssued { .. } => "notice_issued",
            Event::Accepted { .. } => "accepted",
            Event::BranchStarted { .. } => "branch_started",
            Event::BranchWaiting { .. } => "branch_waiting",
            Event::BranchClaimed { .. } => "branch_claimed",
            Event::BranchDecided { .. } => "branch_decided",
            Event::BranchDeemedConsent { .. } => "branch_deemed_consent",
            Event::BranchEscalated { .. } => "branch_escalated",
            Event::BranchPaused { .. } => "branch_paused",
            Event::BranchResumed { .. } => "branch_resumed",
            Event::ExtensionRequested { .. } => "extension_requested",
            Event::ExtensionDecided { .. } => "extension_decided",
            Event::DeadlineMoved { .. } => "deadline_moved",
            Event::Rated { .. } => "rated",
            Event::BranchAssigned { .. } => "branch_assigned",
            Event::BranchUnstaffed { .. } => "branch_unstaffed",
            Event::BranchCancelled { .. } => "branch_cancelled",
            Event::SessionApplied { .. } => "session_applied",
            Event::BranchDeemedConsentByAbsence { .. } => "branch_deemed_consent_by_absence",
            Event::BranchAbsenceNotDeemed { .. } => "branch_absence_not_deemed",
            Event::ReadyForDispatch => "ready_for_dispatch",
            Event::Dispatched => "dispatched",
            Event::Withdrawn { .. } => "withdrawn",
        }
    }
}

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

/// A department's decision on a branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Approve with a result reference.
    Approve {
        /// Licence number or result document.
        result_reference: String,
    },
    /// Reject with the reason.
    Reject {
        /// Legal reason.
        reason: String,
    },
    /// Consent, with an optional comment.
    Consent {
        /// Comment.
        comment: String,
    },
    /// Object with reasons.
    Object {
        /// Reasons.
        reasons: String,
    },
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
    /// The applicant rates the service (好差评).
    Rate {
        /// At acceptance or at dispatch.
        stage: RatingStage,
        /// 1 to 5.
        score: u8,
        /// Optional comment.
        comment: String,
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

/// Submits an application: accepted at once when nothing is missing, otherwise a one-time notice.
pub fn submit(
    rules: Rules<'_>,
    command: Submit,
    new_id: &mut dyn FnMut() -> Uuid,
    now: DateTime<Utc>,
) -> Result<Decision, EngineError> {
    let catalogue = rules.catalogue;
    let bundle = catalogue.bundle(&command.bundle_code).ok_or_else(|| {
        EngineError::invalid(
            "bundle_code",
            format!("no bundle with code {:?}", command.bundle_code),
        )
    })?;
    check_applicant(&command.applicant)?;
    check_form(bundle, &command.form)?;
    check_materials(catalogue, bundle, &command.materials, "materials")?;
    require_text("front_desk_clerk", &command.front_desk_clerk)?;
    if let Some(code) = &command.key_project_code {
        require_text("key_project_code", code)?;
    }
    let branches = bundle
        .branches
        .iter()
        .map(|entry| {
            let matter = catalogue
                .matter(&entry.matter)
                .expect("catalogue checked at load");
            Branch {
                id: new_id(),
                matter_code: matter.code.clone(),
                department_code: matter.department.clone(),
                role: entry.role,
                state: BranchState::Pending,
                depends_on: entry.depends_on.clone(),
                material_codes: matter.materials.clone(),
                limit_days: matter.promised_limit_days,
                legal_limit_days: matter.legal_limit_days,
                paused_days: 0,
                extension_days: 0,
                on_deadline: catalogue.deadline_action(entry),
                started_at: None,
                deadline: None,
                deadline_moves: Vec::new(),
                pauses: Vec::new(),
                extensions: Vec::new(),
                post: None,
                assignee: None,
                unstaffed_since: None,
                handovers: Vec::new(),
                escalated_at: None,
                claimed_by: None,
                outcome: None,
                version: 0,
            }
        })
        .collect();
    let mut application = Application {
        id: command.application_id,
        bundle_code: bundle.code.clone(),
        receipt_number: None,
        state: ApplicationState::AwaitingMaterials,
        applicant: command.applicant,
        form: command.form,
        materials: BTreeMap::new(),
        channel: command.channel,
        key_project_code: command.key_project_code,
        front_desk_clerk: command.front_desk_clerk,
        notices: Vec::new(),
        branches,
        submitted_at: now,
        accepted_at: None,
        due: None,
        ready_at: None,
        hand_over: None,
        withdrawn_at: None,
        withdrawal_reason: None,
        visits: u32::from(command.channel == Channel::OnSite),
        ratings: Vec::new(),
        settled_sessions: Vec::new(),
        version: 1,
    };
    receive_materials(&mut application, command.materials, command.channel, now);
    let mut events = vec![Event::Submitted];
    let missing = missing_materials(catalogue, bundle, &application);
    if missing.is_empty() {
        accept(rules, &mut application, now, &mut events);
    } else {
        issue_notice(&mut application, missing, now, &mut events);
    }
    Ok(Decision {
        application,
        events,
    })
}

/// Carries out a command on an existing application.
pub fn execute(
    rules: Rules<'_>,
    current: &Application,
    command: Command,
    now: DateTime<Utc>,
) -> Result<Decision, EngineError> {
    let mut application = current.clone();
    let mut events = Vec::new();
    match command {
        Command::DeadlinePassed { branch_id } => {
            deadline_passed(rules, &mut application, branch_id, now, &mut events)?
        }
        Command::Pause {
            branch_id,
            department_code,
            clerk_id,
            kind,
            reason,
            expected_days,
            material_codes,
        } => {
            let decider = Decider {
                department_code,
                clerk_id,
            };
            let pause = Pause {
                kind,
                reason,
                expected_days,
                material_codes,
                requested_by: decider,
                started_at: now,
                ended_at: None,
                counted_days: 0,
            };
            pause_branch(rules, &mut application, branch_id, pause, &mut events)?
        }
        Command::Resume {
            branch_id,
            department_code,
            clerk_id,
        } => {
            require_text("clerk_id", &clerk_id)?;
            let index = owned_branch(&application, branch_id, &department_code)?;
            resume_branch(
                rules.calendar,
                &mut application.branches[index],
                now,
                &mut events,
            )?
        }
        Command::RequestExtension {
            branch_id,
            department_code,
            clerk_id,
            days,
            reason,
        } => {
            let decider = Decider {
                department_code,
                clerk_id,
            };
            request_extension(
                &mut application,
                branch_id,
                decider,
                days,
                reason,
                now,
                &mut events,
            )?
        }
        Command::DecideExtension {
            branch_id,
            number,
            supervisor_id,
            approve,
            note,
        } => {
            let decision = ExtensionDecision {
                approved: approve,
                supervisor_id,
                note,
                decided_at: now,
            };
            decide_extension(
                rules.calendar,
                &mut application,
                branch_id,
                number,
                decision,
                &mut events,
            )?
        }
        Command::Reassign { branch_id, reason } => {
            let index = branch_index(&application, branch_id)?;
            let branch = &mut application.branches[index];
            if branch.state.is_running() {
                assign_branch(rules.staffing, branch, now, &reason, &mut events);
            }
        }
        Command::Rate {
            stage,
            score,
            comment,
        } => rate(
            &mut application,
            Rating {
                stage,
                score,
                comment,
                at: now,
            },
            &mut events,
        )?,
        Command::RecountDeadline { branch_id } => {
            let index = branch_index(&application, branch_id)?;
            let branch = &mut application.branches[index];
            if branch.state.is_running() && branch.deadline.is_some_and(|d| d.provisional) {
                move_deadline(
                    rules.calendar,
                    branch,
                    now,
                    "the calendar was updated",
                    &mut events,
                );
            }
        }
        Command::Supplement { materials, channel } => supplement(
            rules,
            &mut application,
            materials,
            channel,
            now,
            &mut events,
        )?,
        Command::ApplySession {
            session_id,
            verdicts,
        } => apply_session(
            rules,
            &mut application,
            session_id,
            verdicts,
            now,
            &mut events,
        )?,
        Command::Withdraw { reason } => withdraw(&mut application, reason, now, &mut events)?,
        Command::Claim {
            branch_id,
            department_code,
            clerk_id,
        } => claim(
            &mut application,
            branch_id,
            &department_code,
            clerk_id,
            &mut events,
        )?,
        Command::Decide {
            branch_id,
            department_code,
            clerk_id,
            verdict,
        } => {
            let decider = Decider {
                department_code,
                clerk_id,
            };
            decide(
                rules,
                &mut application,
                branch_id,
                decider,
                verdict,
                now,
                &mut events,
            )?
        }
        Command::Dispatch {
            method,
            handed_by,
            recipient,
            tracking_reference,
        } => {
            let hand_over = HandOver {
                method,
                handed_by,
                recipient,
                tracking_reference,
                handed_at: now,
                results: Vec::new(),
            };
            dispatch(&mut application, hand_over, &mut events)?
        }
    }
    if !events.is_empty() {
        application.version += 1;
    }
    Ok(Decision {
        application,
        events,
    })
}

fn supplement(
    rules: Rules<'_>,
    application: &mut Application,
    materials: Vec<MaterialSubmission>,
    channel: Channel,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) -> Result<(), EngineError> {
    let catalogue = rules.catalogue;
    let bundle =
        catalogue
            .bundle(&application.bundle_code)
            .ok_or_else(|| EngineError::NotFound {
                entity: "bundle",
                id: application.bundle_code.clone(),
            })?;
    if materials.is_empty() {
        return Err(EngineError::invalid(
            "materials",
            "at least one material is required",
        ));
    }
    if application.state == ApplicationState::InProgress {
        return supplement_requested(rules, application, materials, channel, now, events);
    }
    check_materials(catalogue, bundle, &materials, "materials")?;
    let codes = materials.iter().map(|m| m.material_code.clone()).collect();
    receive_materials(application, materials, channel, now);
    count_visit(application, channel);
    let missing = missing_materials(catalogue, bundle, application);
    let trigger = if missing.is_empty() {
        ApplicationTrigger::SupplementComplete
    } else {
        ApplicationTrigger::SupplementIncomplete
    };
    move_application(application, trigger)?;
    events.push(Event::MaterialsSupplemented {
        material_codes: codes,
    });
    if missing.is_empty() {
        accept(rules, application, now, events);
    } else {
        issue_notice(application, missing, now, events);
    }
    Ok(())
}

fn withdraw(
    application: &mut Application,
    reason: String,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) -> Result<(), EngineError> {
    require_text("reason", &reason)?;
    move_application(application, ApplicationTrigger::Withdraw)?;
    let why = format!("application withdrawn: {reason}");
    for index in 0..application.branches.len() {
        if !application.branches[index].state.is_final() {
            cancel_branch(application, index, &why, now, events);
        }
    }
    application.withdrawn_at = Some(now);
    application.withdrawal_reason = Some(reason.clone());
    events.push(Event::Withdrawn { reason });
    Ok(())
}

fn claim(
    application: &mut Application,
    branch_id: Uuid,
    department_code: &str,
    clerk_id: String,
    events: &mut Vec<Event>,
) -> Result<(), EngineError> {
    require_text("clerk_id", &clerk_id)?;
    let index = owned_branch(application, branch_id, department_code)?;
    let branch = &mut application.branches[index];
    let next = move_branch(branch, BranchTrigger::Claim)?;
    match &branch.claimed_by {
        Some(holder) if *holder == clerk_id => return Ok(()),
        Some(holder) => {
            return Err(EngineError::ClaimedByOther {
                branch_id: branch_id.to_string(),
                holder: holder.clone(),
            });
        }
        None => {}
    }
    branch.state = next;
    branch.claimed_by = Some(clerk_id.clone());
    branch.version += 1;
    events.push(Event::BranchClaimed {
        branch_id,
        clerk_id,
    });
    Ok(())
}

fn decide(
    rules: Rules<'_>,
    application: &mut Application,
    branch_id: Uuid,
    decider: Decider,
    verdict: Verdict,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) -> Result<(), EngineError> {
    require_text("clerk_id", &decider.clerk_id)?;
    let index = owned_branch(application, branch_id, &decider.department_code)?;
    let branch = &mut application.branches[index];
    let (trigger, result_reference, reason) = verdict_parts(branch, verdict)?;
    let next = move_branch(branch, trigger)?;
    if let Some(holder) = branch
        .claimed_by
        .as_ref()
        .filter(|holder| **holder != decider.clerk_id)
    {
        return Err(EngineError::ClaimedByOther {
            branch_id: branch_id.to_string(),
            holder: holder.clone(),
        });
    }
    branch.state = next;
    branch.outcome = Some(Outcome {
        state: next,
        result_reference,
        reason: reason.clone(),
        decided_by: Some(decider),
        rule: String::new(),
        session_id: None,
        decided_at: now,
    });
    branch.version += 1;
    events.push(Event::BranchDecided {
        branch_id,
        state: next,
    });
    after_decision(rules, application, index, now, events);
    finish_if_all_ended(application, now, events)
}

/// Starts the dependants a decided branch lets start, or cancels those it blocks.
fn after_decision(
    rules: Rules<'_>,
    application: &mut Application,
    index: usize,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) {
    let branch = &application.branches[index];
    if branch.state.lets_dependants_start() {
        start_ready_dependants(rules, application, now, events);
    } else {
        let matter = branch.matter_code.clone();
        let reason = branch
            .outcome
            .as_ref()
            .map(|o| o.reason.clone())
            .unwrap_or_default();
        let why = format!("predecessor {matter} was {}: {reason}", branch.state.name());
        cancel_dependants(application, &matter, &why, now, events);
    }
}

/// Applies a closed session's verdicts: standing opinions decide their branches, absent
/// departments are deemed to consent, excused ones keep their deadline rule. A branch its
/// department decided before the closing keeps that decision.
fn apply_session(
    rules: Rules<'_>,
    application: &mut Application,
    session_id: Uuid,
    verdicts: Vec<(Uuid, SessionVerdict)>,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) -> Result<(), EngineError> {
    if application.settled_sessions.contains(&session_id) {
        return Ok(());
    }
    application.settled_sessions.push(session_id);
    events.push(Event::SessionApplied { session_id });
    for (branch_id, verdict) in verdicts {
        let Some(index) = application.branches.iter().position(|b| b.id == branch_id) else {
            continue;
        };
        let branch = &mut application.branches[index];
        if !branch.state.is_actionable() {
            let absent = matches!(
                verdict,
                SessionVerdict::Absent { .. } | SessionVerdict::Excused { .. }
            );
            if absent && !branch.state.is_final() {
                events.push(Event::BranchAbsenceNotDeemed {
                    branch_id,
                    session_id,
                    reason: format!(
                        "the branch was {} when the session closed: its deadline rule applies",
                        branch.state.name()
                    ),
                });
            }
            continue;
        }
        let (trigger, decided_by, reason, rule) = match verdict {
            SessionVerdict::Consent { decider, comment } => (
                BranchTrigger::Consent,
                Some(decider),
                comment,
                String::new(),
            ),
            SessionVerdict::Object { decider, reasons } => {
                (BranchTrigger::Object, Some(decider), reasons, String::new())
            }
            SessionVerdict::Absent { rule, evidence } => {
                (BranchTrigger::DeemConsent, None, evidence, rule)
            }
            SessionVerdict::Excused { reason } => {
                events.push(Event::BranchAbsenceNotDeemed {
                    branch_id,
                    session_id,
                    reason,
                });
                continue;
            }
        };
        let next = move_branch(branch, trigger)?;
        branch.state = next;
        branch.version += 1;
        branch.outcome = Some(Outcome {
            state: next,
            result_reference: String::new(),
            reason,
            decided_by,
            rule: rule.clone(),
            session_id: Some(session_id),
            decided_at: now,
        });
        if next == BranchState::DeemedConsent {
            events.push(Event::BranchDeemedConsentByAbsence {
                branch_id,
                session_id,
                rule,
            });
        } else {
            events.push(Event::BranchDecided {
                branch_id,
                state: next,
            });
        }
        after_decision(rules, application, index, now, events);
    }
    finish_if_all_ended(application, now, events)
}

fn deadline_passed(
    rules: Rules<'_>,
    application: &mut Application,
    branch_id: Uuid,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) -> Result<(), EngineError> {
    let index = application
        .branches
        .iter()
        .position(|branch| branch.id == branch_id)
        .ok_or_else(|| EngineError::NotFound {
            entity: "branch",
            id: branch_id.to_string(),
        })?;
    let branch = &mut application.branches[index];
    let Some(deadline) = branch
        .deadline
        .filter(|d| d.at <= now && branch.state.is_actionable())
    else {
        return Ok(());
    };
    match branch.on_deadline {
        DeadlineAction::DeemedConsent => {
            let rule = rules
                .catalogue
                .bundle(&application.bundle_code)
                .map(|bundle| bundle.deemed_consent_rule.clone())
                .unwrap_or_default();
            let branch = &mut application.branches[index];
            let next = move_branch(branch, BranchTrigger::DeemConsent)?;
            let local = deadline
                .at
                .with_timezone(&rules.calendar.zone())
                .format("%Y-%m-%d %H:%M");
            branch.state = next;
            branch.version += 1;
            branch.outcome = Some(Outcome {
                state: next,
                result_reference: String::new(),
                reason: format!("no opinion by the deadline {local}: deemed to consent"),
                decided_by: None,
                rule: rule.clone(),
                session_id: None,
                decided_at: now,
            });
            events.push(Event::BranchDeemedConsent {
                branch_id,
                deadline: deadline.at,
                rule,
            });
            start_ready_dependants(rules, application, now, events);
            finish_if_all_ended(application, now, events)
        }
        DeadlineAction::Escalate if branch.escalated_at.is_none() => {
            let next = move_branch(branch, BranchTrigger::Escalate)?;
            branch.state = next;
            branch.escalated_at = Some(now);
            branch.version += 1;
            events.push(Event::BranchEscalated {
                branch_id,
                deadline: deadline.at,
            });
            Ok(())
        }
        DeadlineAction::Escalate => Ok(()),
    }
}

fn branch_index(application: &Application, branch_id: Uuid) -> Result<usize, EngineError> {
    application
        .branches
        .iter()
        .position(|branch| branch.id == branch_id)
        .ok_or_else(|| EngineError::NotFound {
            entity: "branch",
            id: branch_id.to_string(),
        })
}

/// The deadline a running branch has now: its limit plus paused and extension days, from its start.
fn current_deadline(calendar: &Calendar, branch: &Branch) -> Option<crate::calendar::Deadline> {
    let start = branch.started_at?;
    Some(calendar.deadline(
        start,
        branch.limit_days + branch.paused_days + branch.extension_days,
    ))
}

/// Recomputes the deadline and records the move when it changed.
fn move_deadline(
    calendar: &Calendar,
    branch: &mut Branch,
    now: DateTime<Utc>,
    reason: &str,
    events: &mut Vec<Event>,
) {
    let (Some(from), Some(to)) = (branch.deadline, current_deadline(calendar, branch)) else {
        return;
    };
    if from == to {
        return;
    }
    branch.deadline = Some(to);
    branch.deadline_moves.push(DeadlineMove {
        at: now,
        from,
        to,
        reason: reason.to_owned(),
    });
    // A deadline that moved into the future may pass again: escalate again then.
    if branch.escalated_at.is_some() && to.at > now {
        branch.escalated_at = None;
    }
    branch.version += 1;
    events.push(Event::DeadlineMoved {
        branch_id: branch.id,
        reason: reason.to_owned(),
    });
}

fn pause_branch(
    rules: Rules<'_>,
    application: &mut Application,
    branch_id: Uuid,
    pause: Pause,
    events: &mut Vec<Event>,
) -> Result<(), EngineError> {
    require_text("clerk_id", &pause.requested_by.clerk_id)?;
    require_text("reason", &pause.reason)?;
    let index = owned_branch(application, branch_id, &pause.requested_by.department_code)?;
    match pause.kind {
        PauseKind::Supplement => {
            if pause.material_codes.is_empty() {
                return Err(EngineError::invalid(
                    "material_codes",
                    "a supplement request names at least one material",
                ));
            }
            for (i, code) in pause.material_codes.iter().enumerate() {
                if rules.catalogue.material(code).is_none() {
                    return Err(EngineError::invalid(
                        format!("material_codes[{i}]"),
                        format!("no material with code {code:?}"),
                    ));
                }
            }
        }
        _ if pause.expected_days == 0 => {
            return Err(EngineError::invalid(
                "expected_days",
                "a special procedure states its expected duration in working days",
            ));
        }
        _ => {}
    }
    let branch = &mut application.branches[index];
    branch.state = move_branch(branch, BranchTrigger::Pause)?;
    branch.version += 1;
    events.push(Event::BranchPaused {
        branch_id,
        pause: pause.kind,
    });
    branch.pauses.push(pause);
    Ok(())
}

/// Ends the open pause: the working days whose closing fell inside it move the deadline.
fn resume_branch(
    calendar: &Calendar,
    branch: &mut Branch,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) -> Result<(), EngineError> {
    let trigger = if branch.claimed_by.is_some() {
        BranchTrigger::ResumeClaimed
    } else {
        BranchTrigger::Resume
    };
    let next = move_branch(branch, trigger)?;
    let Some(pause) = branch
        .pauses
        .last_mut()
        .filter(|pause| pause.ended_at.is_none())
    else {
        return Err(EngineError::invalid(
            "branch_id",
            "the branch has no open pause",
        ));
    };
    pause.ended_at = Some(now);
    pause.counted_days = calendar.closings_between(pause.started_at, now);
    let counted_days = pause.counted_days;
    let reason = format!("{} took {counted_days} working days", pause.kind.name());
    branch.state = next;
    branch.paused_days += counted_days;
    branch.version += 1;
    events.push(Event::BranchResumed {
        branch_id: branch.id,
        counted_days,
    });
    move_deadline(calendar, branch, now, &reason, events);
    Ok(())
}

fn supplement_requested(
    rules: Rules<'_>,
    application: &mut Application,
    materials: Vec<MaterialSubmission>,
    channel: Channel,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) -> Result<(), EngineError> {
    let requested: BTreeSet<String> = application
        .branches
        .iter()
        .filter(|branch| branch.state == BranchState::Paused)
        .filter_map(|branch| branch.pauses.last())
        .filter(|pause| pause.kind == PauseKind::Supplement && pause.ended_at.is_none())
        .flat_map(|pause| pause.material_codes.iter().cloned())
        .collect();
    if requested.is_empty() {
        return Err(EngineError::InvalidTransition {
            entity: "application",
            id: application.id.to_string(),
            state: application.state.name(),
            command: "supplement materials (no department asked for any)",
        });
    }
    let mut seen = BTreeSet::new();
    for (index, material) in materials.iter().enumerate() {
        let code_path = format!("materials[{index}].material_code");
        if !requested.contains(&material.material_code) {
            return Err(EngineError::invalid(
                code_path,
                format!(
                    "material {} was not requested by any branch",
                    material.material_code
                ),
            ));
        }
        if !seen.insert(material.material_code.clone()) {
            return Err(EngineError::invalid(
                code_path,
                format!("material {} is handed in twice", material.material_code),
            ));
        }
        require_text(
            &format!("materials[{index}].document_ref"),
            &material.document_ref,
        )?;
    }
    move_application(application, ApplicationTrigger::SupplementRequested)?;
    let codes: Vec<String> = materials.iter().map(|m| m.material_code.clone()).collect();
    receive_materials(application, materials, channel, now);
    count_visit(application, channel);
    events.push(Event::MaterialsSupplemented {
        material_codes: codes,
    });
    for branch in &mut application.branches {
        let complete = branch.state == BranchState::Paused
            && branch.pauses.last().is_some_and(|pause| {
                pause.kind == PauseKind::Supplement
                    && pause.ended_at.is_none()
                    && pause.material_codes.iter().all(|code| {
                        application
                            .materials
                            .get(code)
                            .is_some_and(|m| m.received_at >= pause.started_at)
                    })
            });
        if complete {
            resume_branch(rules.calendar, branch, now, events)?;
        }
    }
    Ok(())
}

fn request_extension(
    application: &mut Application,
    branch_id: Uuid,
    decider: Decider,
    days: u32,
    reason: String,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) -> Result<(), EngineError> {
    require_text("clerk_id", &decider.clerk_id)?;
    require_text("reason", &reason)?;
    if days == 0 {
        return Err(EngineError::invalid("days", "at least one working day"));
    }
    let index = owned_branch(application, branch_id, &decider.department_code)?;
    let branch = &mut application.branches[index];
    let next = move_branch(branch, BranchTrigger::RequestExtension)?;
    if branch.extensions.iter().any(|e| e.decision.is_none()) {
        return Err(EngineError::InvalidTransition {
            entity: "branch",
            id: branch_id.to_string(),
            state: "awaiting a supervisor's decision on its extension request",
            command: "request another extension",
        });
    }
    let total = branch.limit_days + branch.extension_days + days;
    if total > branch.legal_limit_days {
        return Err(EngineError::invalid(
            "days",
            format!(
                "{days} more working days would make the limit {total}, beyond the legal limit of {} working days",
                branch.legal_limit_days
            ),
        ));
    }
    let number = branch.extensions.len() as u32 + 1;
    branch.state = next;
    branch.extensions.push(Extension {
        number,
        requested_by: decider,
        reason,
        days,
        requested_at: now,
        decision: None,
    });
    branch.version += 1;
    events.push(Event::ExtensionRequested {
        branch_id,
        number,
        days,
    });
    Ok(())
}

fn decide_extension(
    calendar: &Calendar,
    application: &mut Application,
    branch_id: Uuid,
    number: u32,
    decision: ExtensionDecision,
    events: &mut Vec<Event>,
) -> Result<(), EngineError> {
    require_text("supervisor_id", &decision.supervisor_id)?;
    let index = branch_index(application, branch_id)?;
    let branch = &mut application.branches[index];
    let Some(position) = branch.extensions.iter().position(|e| e.number == number) else {
        return Err(EngineError::NotFound {
            entity: "extension request",
            id: format!("{branch_id}/{number}"),
        });
    };
    if branch.extensions[position].decision.is_some() {
        return Err(EngineError::InvalidTransition {
            entity: "extension request",
            id: format!("{branch_id}/{number}"),
            state: "decided",
            command: "decide it again",
        });
    }
    if !branch.state.is_running() {
        return Err(EngineError::InvalidTransition {
            entity: "branch",
            id: branch_id.to_string(),
            state: branch.state.name(),
            command: "extend its deadline",
        });
    }
    if branch.extensions[position].requested_by.clerk_id == decision.supervisor_id {
        return Err(EngineError::SamePerson {
            who: decision.supervisor_id.clone(),
        });
    }
    let approved = decision.approved;
    let now = decision.decided_at;
    let days = branch.extensions[position].days;
    branch.extensions[position].decision = Some(decision);
    branch.version += 1;
    events.push(Event::ExtensionDecided {
        branch_id,
        number,
        approved,
    });
    if approved {
        branch.extension_days += days;
        let reason = format!("extension {number} of {days} working days approved");
        move_deadline(calendar, branch, now, &reason, events);
    }
    Ok(())
}

fn dispatch(
    application: &mut Application,
    mut hand_over: HandOver,
    events: &mut Vec<Event>,
) -> Result<(), EngineError> {
    require_text("handed_by", &hand_over.handed_by)?;
    if matches!(
        hand_over.method,
        HandOverMethod::OnSite | HandOverMethod::Post
    ) {
        require_text("recipient", &hand_over.recipient)?;
    }
    if hand_over.method == HandOverMethod::Post {
        require_text("tracking_reference", &hand_over.tracking_reference)?;
    }
    move_application(application, ApplicationTrigger::Dispatch)?;
    if hand_over.method == HandOverMethod::OnSite {
        application.visits += 1;
    }
    hand_over.results = application
        .branches
        .iter()
        .filter_map(|branch| {
            branch.outcome.clone().map(|outcome| HandedResult {
                branch_id: branch.id,
                matter_code: branch.matter_code.clone(),
                outcome,
            })
        })
        .collect();
    application.hand_over = Some(hand_over);
    events.push(Event::Dispatched);
    Ok(())
}

fn count_visit(application: &mut Application, channel: Channel) {
    if channel == Channel::OnSite {
        application.visits += 1;
    }
}

fn rate(
    application: &mut Application,
    rating: Rating,
    events: &mut Vec<Event>,
) -> Result<(), EngineError> {
    if !(1..=5).contains(&rating.score) {
        return Err(EngineError::invalid(
            "score",
            "1 (very poor) to 5 (very good)",
        ));
    }
    limit_text("comment", &rating.comment)?;
    move_application(application, ApplicationTrigger::Rate)?;
    if rating.stage == RatingStage::Dispatch && application.state != ApplicationState::Dispatched {
        return Err(EngineError::InvalidTransition {
            entity: "application",
            id: application.id.to_string(),
            state: application.state.name(),
            command: "rate the dispatch before it happened",
        });
    }
    if application.ratings.iter().any(|r| r.stage == rating.stage) {
        return Err(EngineError::InvalidTransition {
            entity: "application",
            id: application.id.to_string(),
            state: "already rated at this stage",
            command: "rate it again",
        });
    }
    events.push(Event::Rated {
        stage: rating.stage,
        score: rating.score,
    });
    application.ratings.push(rating);
    Ok(())
}

/// Splits a verdict into its trigger and texts, refusing a verdict that does not fit the role.
fn verdict_parts(
    branch: &Branch,
    verdict: Verdict,
) -> Result<(BranchTrigger, String, String), EngineError> {
    let wrong_role = |given: &str| {
        let allowed = match branch.role {
            Role::Approval => "approve or reject",
            Role::JointReview => "consent or object",
        };
        EngineError::invalid(
            "decision",
            format!(
                "{given} does not fit branch {} ({}): {allowed}",
                branch.id,
                role_name(branch.role)
            ),
        )
    };
    match (branch.role, verdict) {
        (Role::Approval, Verdict::Approve { result_reference }) => {
            require_text("approve.result_reference", &result_reference)?;
            Ok((BranchTrigger::Approve, result_reference, String::new()))
        }
        (Role::Approval, Verdict::Reject { reason }) => {
            require_text("reject.reason", &reason)?;
            Ok((BranchTrigger::Reject, String::new(), reason))
        }
        (Role::JointReview, Verdict::Consent { comment }) => {
            limit_text("consent.comment", &comment)?;
            Ok((BranchTrigger::Consent, String::new(), comment))
        }
        (Role::JointReview, Verdict::Object { reasons }) => {
            require_text("object.reasons", &reasons)?;
            Ok((BranchTrigger::Object, String::new(), reasons))
        }
        (_, Verdict::Approve { .. }) => Err(wrong_role("approve")),
        (_, Verdict::Reject { .. }) => Err(wrong_role("reject")),
        (_, Verdict::Consent { .. }) => Err(wrong_role("consent")),
        (_, Verdict::Object { .. }) => Err(wrong_role("object")),
    }
}

/// The display name of a role.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Approval => "approval",
        Role::JointReview => "joint review",
    }
}

fn owned_branch(
    application: &Application,
    branch_id: Uuid,
    department: &str,
) -> Result<usize, EngineError> {
    require_text("department_code", department)?;
    let index = application
        .branches
        .iter()
        .position(|branch| branch.id == branch_id)
        .ok_or_else(|| EngineError::NotFound {
            entity: "branch",
            id: branch_id.to_string(),
        })?;
    let owner = &application.branches[index].department_code;
    if owner != department {
        return Err(EngineError::WrongDepartment {
            branch_id: branch_id.to_string(),
            owner: owner.clone(),
            caller: department.to_owned(),
        });
    }
    Ok(index)
}

fn move_application(
    application: &mut Application,
    trigger: ApplicationTrigger,
) -> Result<(), EngineError> {
    let next = application
        .state
        .next(trigger)
        .ok_or_else(|| EngineError::InvalidTransition {
            entity: "application",
            id: application.id.to_string(),
            state: application.state.name(),
            command: trigger.name(),
        })?;
    application.state = next;
    Ok(())
}

fn move_branch(branch: &Branch, trigger: BranchTrigger) -> Result<BranchState, EngineError> {
    branch
        .state
        .next(trigger)
        .ok_or_else(|| EngineError::InvalidTransition {
            entity: "branch",
            id: branch.id.to_string(),
            state: branch.state.name(),
            command: trigger.name(),
        })
}

/// Moves a branch along a transition the engine itself chose; those are always in the table.
fn apply_branch_trigger(branch: &mut Branch, trigger: BranchTrigger) {
    if let Some(next) = branch.state.next(trigger) {
        branch.state = next;
        branch.version += 1;
    }
}

fn accept(
    rules: Rules<'_>,
    application: &mut Application,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) {
    application.state = ApplicationState::InProgress;
    application.accepted_at = Some(now);
    let bundle_limit = rules
        .catalogue
        .bundle(&application.bundle_code)
        .map_or(0, |b| b.promised_limit_days);
    application.due = Some(rules.calendar.deadline(now, bundle_limit));
    let receipt = receipt_number(application.id, now);
    application.receipt_number = Some(receipt.clone());
    events.push(Event::Accepted {
        receipt_number: receipt,
    });
    for branch in &mut application.branches {
        if branch.depends_on.is_empty() {
            start_branch(rules, branch, now, events);
        } else {
            apply_branch_trigger(branch, BranchTrigger::Defer);
            events.push(Event::BranchWaiting {
                branch_id: branch.id,
            });
        }
    }
}

/// Starts a branch: actionable from now, with its deadline counted in working days from now.
fn start_branch(
    rules: Rules<'_>,
    branch: &mut Branch,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) {
    apply_branch_trigger(branch, BranchTrigger::Start);
    branch.started_at = Some(now);
    branch.deadline = Some(rules.calendar.deadline(now, branch.limit_days));
    events.push(Event::BranchStarted {
        branch_id: branch.id,
    });
    assign_branch(rules.staffing, branch, now, "started", events);
}

/// Gives a running branch to the first available clerk of its post, recording a hand-over when
/// it passes from one clerk to another, and escalating it when nobody is available.
fn assign_branch(
    staffing: &Staffing,
    branch: &mut Branch,
    now: DateTime<Utc>,
    reason: &str,
    events: &mut Vec<Event>,
) {
    match staffing.assign(&branch.department_code, &branch.matter_code) {
        Assignment::NoPost => {}
        Assignment::Clerk { post, clerk } => {
            if branch.assignee.as_deref() == Some(clerk.as_str()) {
                return;
            }
            let from = branch.assignee.replace(clerk.clone());
            if branch
                .claimed_by
                .as_deref()
                .is_some_and(|holder| holder != clerk)
            {
                release_claim(branch);
            }
            if from.is_some() || branch.unstaffed_since.is_some() {
                branch.handovers.push(Handover {
                    at: now,
                    from: from.clone(),
                    to: Some(clerk.clone()),
                    reason: reason.to_owned(),
                });
            }
            branch.post = Some(post);
            branch.unstaffed_since = None;
            branch.version += 1;
            events.push(Event::BranchAssigned {
                branch_id: branch.id,
                from,
                to: clerk,
                reason: reason.to_owned(),
            });
        }
        Assignment::Nobody { post } => {
            if branch.unstaffed_since.is_some() {
                return;
            }
            let from = branch.assignee.take();
            if from.is_some() {
                release_claim(branch);
                branch.handovers.push(Handover {
                    at: now,
                    from,
                    to: None,
                    reason: reason.to_owned(),
                });
            }
            branch.post = Some(post.clone());
            branch.unstaffed_since = Some(now);
            branch.version += 1;
            events.push(Event::BranchUnstaffed {
                branch_id: branch.id,
                post,
            });
        }
    }
}

/// Releases a branch's claim: a clerk who is away cannot keep a branch.
fn release_claim(branch: &mut Branch) {
    branch.claimed_by = None;
    if let Some(next) = branch.state.next(BranchTrigger::Release) {
        branch.state = next;
    }
}

fn start_ready_dependants(
    rules: Rules<'_>,
    application: &mut Application,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) {
    let succeeded: BTreeSet<String> = application
        .branches
        .iter()
        .filter(|branch| branch.state.lets_dependants_start())
        .map(|branch| branch.matter_code.clone())
        .collect();
    for branch in &mut application.branches {
        let ready = branch.depends_on.iter().all(|p| succeeded.contains(p));
        if branch.state == BranchState::Waiting && ready {
            start_branch(rules, branch, now, events);
        }
    }
}

/// Cancels every unfinished branch that depends, directly or through others, on `matter`.
fn cancel_dependants(
    application: &mut Application,
    matter: &str,
    why: &str,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) {
    let mut failed: BTreeSet<String> = BTreeSet::from([matter.to_owned()]);
    loop {
        let next = application.branches.iter().position(|branch| {
            !branch.state.is_final() && branch.depends_on.iter().any(|p| failed.contains(p))
        });
        let Some(index) = next else { break };
        failed.insert(application.branches[index].matter_code.clone());
        cancel_branch(application, index, why, now, events);
    }
}

fn cancel_branch(
    application: &mut Application,
    index: usize,
    why: &str,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) {
    let branch = &mut application.branches[index];
    apply_branch_trigger(branch, BranchTrigger::Cancel);
    // A cancelled branch's clock stops for good: close an open pause.
    if let Some(pause) = branch
        .pauses
        .last_mut()
        .filter(|pause| pause.ended_at.is_none())
    {
        pause.ended_at = Some(now);
    }
    branch.outcome = Some(Outcome {
        state: BranchState::Cancelled,
        result_reference: String::new(),
        reason: why.to_owned(),
        decided_by: None,
        rule: String::new(),
        session_id: None,
        decided_at: now,
    });
    events.push(Event::BranchCancelled {
        branch_id: branch.id,
        reason: why.to_owned(),
    });
}

fn finish_if_all_ended(
    application: &mut Application,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) -> Result<(), EngineError> {
    if application
        .branches
        .iter()
        .all(|branch| branch.state.is_final())
    {
        move_application(application, ApplicationTrigger::AllBranchesEnded)?;
        application.ready_at = Some(now);
        events.push(Event::ReadyForDispatch);
    }
    Ok(())
}

fn issue_notice(
    application: &mut Application,
    missing: Vec<MissingMaterial>,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) {
    let number = application.notices.len() as u32 + 1;
    application.notices.push(OneTimeNotice {
        number,
        issued_at: now,
        missing,
    });
    events.push(Event::NoticeIssued { number });
}

fn receive_materials(
    application: &mut Application,
    materials: Vec<MaterialSubmission>,
    channel: Channel,
    now: DateTime<Utc>,
) {
    for material in materials {
        let received = ReceivedMaterial {
            document_ref: material.document_ref,
            received_at: now,
            channel,
        };
        application
            .materials
            .insert(material.material_code, received);
    }
}

/// Everything the bundle needs that the application does not hold, with every matter needing it.
pub fn missing_materials(
    catalogue: &Catalogue,
    bundle: &Bundle,
    application: &Application,
) -> Vec<MissingMaterial> {
    let mut missing: BTreeMap<&str, MissingMaterial> = BTreeMap::new();
    for entry in &bundle.branches {
        let Some(matter) = catalogue.matter(&entry.matter) else {
            continue;
        };
        for code in matter
            .materials
            .iter()
            .filter(|code| !application.materials.contains_key(*code))
        {
            let item = missing.entry(code).or_insert_with(|| MissingMaterial {
                material_code: code.clone(),
                matter_codes: Vec::new(),
                department_codes: Vec::new(),
            });
            item.matter_codes.push(matter.code.clone());
            if !item.department_codes.contains(&matter.department) {
                item.department_codes.push(matter.department.clone());
            }
        }
    }
    missing.into_values().collect()
}

/// The receipt number of an application accepted at `now`: `LB`, the China Standard Time date,
/// and twelve characters drawn from the id's random bits (60 bits: collisions are negligible).
pub fn receipt_number(id: Uuid, now: DateTime<Utc>) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let china = FixedOffset::east_opt(8 * 3600).expect("valid offset");
    let date = now.with_timezone(&china).format("%Y%m%d");
    let mut bits = id.as_u128() & ((1u128 << 60) - 1);
    let mut tail = [0u8; 12];
    for slot in tail.iter_mut().rev() {
        *slot = ALPHABET[(bits & 31) as usize];
        bits >>= 5;
    }
    format!("LB{date}{}", String::from_utf8_lossy(&tail))
}

fn check_applicant(applicant: &Applicant) -> Result<(), EngineError> {
    require_text("applicant.name", &applicant.name)?;
    let id = applicant.id_number.trim();
    match applicant.kind {
        ApplicantKind::NaturalPerson if !is_valid_resident_id(id) => Err(EngineError::invalid(
            "applicant.id_number",
            "not a valid 18-character resident ID number (check character mismatch or wrong length)",
        )),
        ApplicantKind::Organisation if !is_valid_credit_code(id) => Err(EngineError::invalid(
            "applicant.id_number",
            "not a valid 18-character unified social credit code (check character mismatch or wrong length)",
        )),
        _ if !applicant.phone.is_empty() && !is_plausible_phone(&applicant.phone) => Err(
            EngineError::invalid("applicant.phone", "not a phone number"),
        ),
        _ => Ok(()),
    }
}

fn check_form(bundle: &Bundle, form: &BTreeMap<String, String>) -> Result<(), EngineError> {
    for key in form.keys() {
        if !bundle.form.iter().any(|field| field.key == *key) {
            return Err(EngineError::invalid(
                format!("form.{key}"),
                format!("not a field of bundle {}", bundle.code),
            ));
        }
    }
    for field in &bundle.form {
        let field_path = format!("form.{}", field.key);
        match form.get(&field.key) {
            Some(value) => limit_text(&field_path, value)?,
            None if field.required => {
                return Err(EngineError::invalid(
                    field_path,
                    format!("required field ({}) is missing", field.label),
                ));
            }
            None => {}
        }
        if field.required
            && form
                .get(&field.key)
                .is_some_and(|value| value.trim().is_empty())
        {
            return Err(EngineError::invalid(
                field_path,
                format!("required field ({}) is empty", field.label),
            ));
        }
    }
    Ok(())
}

fn check_materials(
    catalogue: &Catalogue,
    bundle: &Bundle,
    materials: &[MaterialSubmission],
    path: &str,
) -> Result<(), EngineError> {
    let needed: BTreeSet<&str> = catalogue
        .bundle_materials(bundle)
        .iter()
        .map(|m| m.code.as_str())
        .collect();
    let mut seen = BTreeSet::new();
    for (index, material) in materials.iter().enumerate() {
        let code_path = format!("{path}[{index}].material_code");
        if catalogue.material(&material.material_code).is_none() {
            return Err(EngineError::invalid(
                code_path,
                format!("no material with code {:?}", material.material_code),
            ));
        }
        if !needed.contains(material.material_code.as_str()) {
            return Err(EngineError::invalid(
                code_path,
                format!(
                    "material {} is not needed by bundle {}",
                    material.material_code, bundle.code
                ),
            ));
        }
        if !seen.insert(material.material_code.as_str()) {
            return Err(EngineError::invalid(
                code_path,
                format!(
                    "material {} is handed in twice; each material is handed in once",
                    material.material_code
                ),
            ));
        }
        require_text(
            &format!("{path}[{index}].document_ref"),
            &material.document_ref,
        )?;
    }
    Ok(())
}

pub(crate) fn require_text(field: &str, value: &str) -> Result<(), EngineError> {
    if value.trim().is_empty() {
        return Err(EngineError::invalid(field, "required"));
    }
    limit_text(field, value)
}

pub(crate) fn limit_text(field: &str, value: &str) -> Result<(), EngineError> {
    if value.chars().count() > MAX_TEXT_CHARS {
        return Err(EngineError::invalid(
            field,
            format!("longer than {MAX_TEXT_CHARS} characters"),
        ));
    }
    Ok(())
}
