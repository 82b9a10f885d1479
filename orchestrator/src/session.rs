//! Joint review sessions (联审会, 联合踏勘): the lead department convenes the departments of
//! joint-review branches, each acknowledges its invitation (签收), gives its opinion or sends a
//! delegate, and the lead closes the session with its minutes. A department that neither attended
//! nor gave an opinion by the closing is deemed to consent on its branches (缺席默认) — unless it
//! was invited too late to be bound by its absence.
//!
//! A session is its own aggregate with its own transition table, because one session may review
//! branches of several applications of one key project. Closing decides what each department's
//! branches get ([`Session::verdicts`]); each application applies that once through
//! [`crate::engine::Command::ApplySession`], so a crash between the two never loses or repeats it.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::application::{Application, Decider};
use crate::calendar::Calendar;
use crate::catalogue::{Catalogue, Role};
use crate::error::EngineError;
use crate::machine::ApplicationState;
use crate::notify::{Audience, Notice};
use crate::vocabulary::{Rules, limit_text as limit, require_text as require};

pub use crate::vocabulary::SessionVerdict;

/// How the centre runs its sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// A department notified fewer working days than this before the session starts is not
    /// deemed to consent by its absence.
    pub notice_working_days: u32,
    /// How long after its scheduled end the system closes a session the lead left open.
    pub grace: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            notice_working_days: 1,
            grace: Duration::hours(2),
        }
    }
}

/// A meeting or an on-site survey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionKind {
    /// A joint review meeting (联审会).
    Meeting,
    /// A joint on-site survey (联合踏勘).
    SiteSurvey,
}

impl SessionKind {
    /// The name used on the wire and in the CLI.
    pub fn name(self) -> &'static str {
        match self {
            SessionKind::Meeting => "meeting",
            SessionKind::SiteSurvey => "site_survey",
        }
    }

    fn label(self) -> &'static str {
        match self {
            SessionKind::Meeting => "联审会",
            SessionKind::SiteSurvey => "联合踏勘",
        }
    }
}

/// The lifecycle of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    /// Invitations are out; departments acknowledge and give opinions.
    Scheduled,
    /// Closed with minutes, by the lead or by the system. Final.
    Closed,
    /// Called off by the lead. Final.
    Cancelled,
}

impl SessionState {
    /// Every state.
    pub const ALL: [SessionState; 3] = [
        SessionState::Scheduled,
        SessionState::Closed,
        SessionState::Cancelled,
    ];

    /// The name used in errors, the store and the CLI.
    pub fn name(self) -> &'static str {
        match self {
            SessionState::Scheduled => "scheduled",
            SessionState::Closed => "closed",
            SessionState::Cancelled => "cancelled",
        }
    }

    /// The state with this name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.name() == name)
    }

    /// The state after `trigger`, or `None` when the table has no such transition.
    pub fn next(self, trigger: SessionTrigger) -> Option<SessionState> {
        SESSION_TRANSITIONS
            .iter()
            .find(|(from, on, _)| *from == self && *on == trigger)
            .map(|(_, _, to)| *to)
    }
}

/// What moves a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionTrigger {
    /// An invited department signs for its invitation.
    Acknowledge,
    /// An invited department gives an opinion or names its delegate.
    RecordOpinion,
    /// The lead moves the session.
    Reschedule,
    /// The lead calls it off.
    Cancel,
    /// The lead closes it with minutes.
    Close,
    /// The system closes it after its end and the grace period.
    CloseOverdue,
}

impl SessionTrigger {
    /// Every trigger, for tests.
    pub const ALL: [SessionTrigger; 6] = [
        SessionTrigger::Acknowledge,
        SessionTrigger::RecordOpinion,
        SessionTrigger::Reschedule,
        SessionTrigger::Cancel,
        SessionTrigger::Close,
        SessionTrigger::CloseOverdue,
    ];

    /// The name used in errors.
    pub fn name(self) -> &'static str {
        match self {
            SessionTrigger::Acknowledge => "acknowledge the invitation",
            SessionTrigger::RecordOpinion => "record an opinion",
            SessionTrigger::Reschedule => "reschedule",
            SessionTrigger::Cancel => "cancel",
            SessionTrigger::Close => "close",
            SessionTrigger::CloseOverdue => "close as overdue",
        }
    }
}

/// Every session transition: (from, trigger, to).
pub const SESSION_TRANSITIONS: &[(SessionState, SessionTrigger, SessionState)] = {
    use SessionState::*;
    use SessionTrigger::*;
    &[
        (Scheduled, Acknowledge, Scheduled),
        (Scheduled, RecordOpinion, Scheduled),
        (Scheduled, Reschedule, Scheduled),
        (Scheduled, Cancel, Cancelled),
        (Scheduled, Close, Closed),
        (Scheduled, CloseOverdue, Closed),
    ]
};

/// One branch the session reviews.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionItem {
    /// Its application.
    pub application_id: Uuid,
    /// The application's receipt number.
    pub receipt_number: String,
    /// The branch.
    pub branch_id: Uuid,
    /// Its matter.
    pub matter_code: String,
    /// Its department.
    pub department_code: String,
}

/// A department's signature for the current notice of the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledgement {
    /// Who signed.
    pub clerk_id: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// One invited department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    /// The department.
    pub department_code: String,
    /// When it was first invited.
    pub invited_at: DateTime<Utc>,
    /// When it was last told the session's time and place (the invitation or a reschedule).
    pub notified_at: DateTime<Utc>,
    /// Whether that notice came less than the notice period before the start: then its absence
    /// is not deemed consent.
    pub late: bool,
    /// Its acknowledgement of the current notice; a reschedule clears it.
    pub acknowledgement: Option<Acknowledgement>,
}

/// What a department put on record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpinionKind {
    /// It sends a delegate (recorded as attended); the text names the delegate.
    Delegate,
    /// It consents on its branches; the text is an optional comment.
    Consent,
    /// It objects on its branches; the text gives the reasons.
    Object,
}

impl OpinionKind {
    /// The name used on the wire and in the CLI.
    pub fn name(self) -> &'static str {
        match self {
            OpinionKind::Delegate => "delegate",
            OpinionKind::Consent => "consent",
            OpinionKind::Object => "object",
        }
    }
}

/// One opinion or delegate, in the order given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opinion {
    /// The department.
    pub department_code: String,
    /// Its clerk.
    pub clerk_id: String,
    /// Delegate, consent or objection.
    pub kind: OpinionKind,
    /// The delegate's name, the comment or the reasons.
    pub text: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// One move of the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reschedule {
    /// The start before.
    pub from_starts_at: DateTime<Utc>,
    /// The start after.
    pub to_starts_at: DateTime<Utc>,
    /// Why.
    pub reason: String,
    /// Who moved it.
    pub by: Decider,
    /// When.
    pub at: DateTime<Utc>,
}

/// How a department took part, as the minutes record it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attendance {
    /// Sent a delegate, or gave its opinion once the session had started.
    Attended,
    /// Gave its opinion in writing before the session, without attending.
    WrittenOpinion,
    /// Neither attended nor gave an opinion: deemed to consent on its branches.
    Absent,
    /// Neither attended nor gave an opinion, but was notified too late to be bound by it: its
    /// branches fall back to their deadline rule.
    AbsentExcused,
}

impl Attendance {
    /// The name used on the wire and in the CLI.
    pub fn name(self) -> &'static str {
        match self {
            Attendance::Attended => "attended",
            Attendance::WrittenOpinion => "written_opinion",
            Attendance::Absent => "absent",
            Attendance::AbsentExcused => "absent_excused",
        }
    }
}

/// One invited department at the closing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepartmentOutcome {
    /// The department.
    pub department_code: String,
    /// How it took part.
    pub attendance: Attendance,
    /// Its standing opinion on its branches (the last consent or objection), if it gave one.
    pub opinion: Option<Opinion>,
    /// Why the outcome is what it is: invitation, acknowledgement (or its absence), opinions.
    pub evidence: String,
}

/// The closing of a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closing {
    /// The lead's clerk, or `None` when the system closed it after the grace period.
    pub closed_by: Option<Decider>,
    /// The minutes (会议纪要).
    pub minutes: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Every invited department, in invitation order.
    pub outcomes: Vec<DepartmentOutcome>,
}

/// The calling-off of a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cancellation {
    /// Who.
    pub by: Decider,
    /// Why.
    pub reason: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A joint review session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Session id (UUID v7).
    pub id: Uuid,
    /// Meeting or on-site survey.
    pub kind: SessionKind,
    /// Current state.
    pub state: SessionState,
    /// The convening department: only it reschedules, cancels and closes.
    pub lead_department_code: String,
    /// The clerk who scheduled it.
    pub scheduled_by: String,
    /// The key project, when the session reviews several of its applications.
    pub key_project_code: Option<String>,
    /// Scheduled start.
    pub starts_at: DateTime<Utc>,
    /// Scheduled end.
    pub ends_at: DateTime<Utc>,
    /// Place, or the link of an online meeting.
    pub place: String,
    /// The branches it reviews.
    pub items: Vec<SessionItem>,
    /// The invited departments.
    pub invitations: Vec<Invitation>,
    /// Every opinion and delegate, oldest first.
    pub opinions: Vec<Opinion>,
    /// Every move, oldest first.
    pub reschedules: Vec<Reschedule>,
    /// Set when closed.
    pub closing: Option<Closing>,
    /// Set when cancelled.
    pub cancellation: Option<Cancellation>,
    /// When scheduled.
    pub created_at: DateTime<Utc>,
    /// Incremented on every change.
    pub version: u64,
}

/// Schedule a session.
#[derive(Debug, Clone)]
pub struct ScheduleSession {
    /// The new session's id.
    pub session_id: Uuid,
    /// Meeting or on-site survey.
    pub kind: SessionKind,
    /// The convening department.
    pub lead_department_code: String,
    /// Its clerk.
    pub clerk_id: String,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Place or link.
    pub place: String,
    /// The branches to review; empty: every joint-review branch still to decide.
    pub branch_ids: Vec<Uuid>,
    /// The departments to invite; empty: the departments of the branches.
    pub invited_department_codes: Vec<String>,
}

/// Every command on an existing session.
#[derive(Debug, Clone)]
pub enum SessionCommand {
    /// An invited department signs for its invitation.
    Acknowledge {
        /// The department.
        department_code: String,
        /// Its clerk.
        clerk_id: String,
    },
    /// An invited department gives an opinion or names its delegate.
    RecordOpinion {
        /// The department.
        department_code: String,
        /// Its clerk.
        clerk_id: String,
        /// Delegate, consent or objection.
        kind: OpinionKind,
        /// Delegate's name, comment or reasons.
        text: String,
    },
    /// The lead moves the session.
    Reschedule {
        /// The lead department.
        department_code: String,
        /// Its clerk.
        clerk_id: String,
        /// New start.
        starts_at: DateTime<Utc>,
        /// New end.
        ends_at: DateTime<Utc>,
        /// New place; empty keeps the old one.
        place: String,
        /// Why.
        reason: String,
    },
    /// The lead calls the session off.
    Cancel {
        /// The lead department.
        department_code: String,
        /// Its clerk.
        clerk_id: String,
        /// Why.
        reason: String,
    },
    /// The lead closes the session with its minutes.
    Close {
        /// The lead department.
        department_code: String,
        /// Its clerk.
        clerk_id: String,
        /// The minutes.
        minutes: String,
    },
    /// The system closes a session left open past its end and the grace period. Acting on a
    /// session that is not overdue, or no longer scheduled, changes nothing.
    CloseOverdue,
}

/// What happened to a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SessionEvent {
    /// Scheduled; invitations went out.
    Scheduled,
    /// A department signed for its invitation.
    Acknowledged {
        /// The department.
        department_code: String,
    },
    /// A department gave an opinion or named its delegate.
    OpinionRecorded {
        /// The department.
        department_code: String,
        /// What kind.
        opinion: OpinionKind,
    },
    /// The lead moved the session.
    Rescheduled,
    /// The lead called it off.
    Cancelled,
    /// Closed with minutes.
    Closed {
        /// Whether the system closed it.
        by_system: bool,
    },
}

/// A session command's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDecision {
    /// The session after the command.
    pub session: Session,
    /// What happened; empty when nothing changed.
    pub events: Vec<SessionEvent>,
}

/// Schedules a session over `applications` (every application one of its branches belongs to).
pub fn schedule(
    rules: Rules<'_>,
    policy: SessionPolicy,
    applications: &[Application],
    command: ScheduleSession,
    now: DateTime<Utc>,
) -> Result<SessionDecision, EngineError> {
    require("clerk_id", &command.clerk_id)?;
    require("place", &command.place)?;
    known_department(
        rules.catalogue,
        "lead_department_code",
        &command.lead_department_code,
    )?;
    check_times(now, command.starts_at, command.ends_at)?;
    let key_project_code = common_project(applications)?;
    for application in applications {
        if application.state != ApplicationState::InProgress {
            return Err(EngineError::InvalidTransition {
                entity: "application",
                id: application.id.to_string(),
                state: application.state.name(),
                command: "schedule a joint review session",
            });
        }
    }
    let items = session_items(applications, &command.branch_ids)?;
    let invited = invited_departments(rules.catalogue, &items, &command.invited_department_codes)?;
    let invitations = invited
        .into_iter()
        .map(|department_code| Invitation {
            department_code,
            invited_at: now,
            notified_at: now,
            late: is_late(rules.calendar, policy, now, command.starts_at),
            acknowledgement: None,
        })
        .collect();
    let session = Session {
        id: command.session_id,
        kind: command.kind,
        state: SessionState::Scheduled,
        lead_department_code: command.lead_department_code,
        scheduled_by: command.clerk_id,
        key_project_code,
        starts_at: command.starts_at,
        ends_at: command.ends_at,
        place: command.place,
        items,
        invitations,
        opinions: Vec::new(),
        reschedules: Vec::new(),
        closing: None,
        cancellation: None,
        created_at: now,
        version: 1,
    };
    Ok(SessionDecision {
        session,
        events: vec![SessionEvent::Scheduled],
    })
}

/// Carries out a command on a session.
pub fn execute(
    rules: Rules<'_>,
    policy: SessionPolicy,
    current: &Session,
    command: SessionCommand,
    now: DateTime<Utc>,
) -> Result<SessionDecision, EngineError> {
    let mut session = current.clone();
    let mut events = Vec::new();
    match command {
        SessionCommand::Acknowledge {
            department_code,
            clerk_id,
        } => {
            require("clerk_id", &clerk_id)?;
            move_session(&mut session, SessionTrigger::Acknowledge)?;
            let invitation = invitation_mut(&mut session, &department_code)?;
            if invitation.acknowledgement.is_none() {
                invitation.acknowledgement = Some(Acknowledgement { clerk_id, at: now });
                events.push(SessionEvent::Acknowledged { department_code });
            }
        }
        SessionCommand::RecordOpinion {
            department_code,
            clerk_id,
            kind,
            text,
        } => {
            require("clerk_id", &clerk_id)?;
            limit("text", &text)?;
            if kind != OpinionKind::Consent {
                require("text", &text)?;
            }
            move_session(&mut session, SessionTrigger::RecordOpinion)?;
            invitation_mut(&mut session, &department_code)?;
            if kind != OpinionKind::Delegate
                && !session
                    .items
                    .iter()
                    .any(|item| item.department_code == department_code)
            {
                return Err(EngineError::invalid(
                    "kind",
                    format!(
                        "department {department_code} has no branch in this session: it can send a delegate, not an opinion"
                    ),
                ));
            }
            session.opinions.push(Opinion {
                department_code: department_code.clone(),
                clerk_id,
                kind,
                text,
                at: now,
            });
            events.push(SessionEvent::OpinionRecorded {
                department_code,
                opinion: kind,
            });
        }
        SessionCommand::Reschedule {
            department_code,
            clerk_id,
            starts_at,
            ends_at,
            place,
            reason,
        } => {
            let by = lead(&session, department_code, clerk_id)?;
            require("reason", &reason)?;
            limit("place", &place)?;
            check_times(now, starts_at, ends_at)?;
            move_session(&mut session, SessionTrigger::Reschedule)?;
            session.reschedules.push(Reschedule {
                from_starts_at: session.starts_at,
                to_starts_at: starts_at,
                reason,
                by,
                at: now,
            });
            session.starts_at = starts_at;
            session.ends_at = ends_at;
            if !place.trim().is_empty() {
                session.place = place;
            }
            let late = is_late(rules.calendar, policy, now, starts_at);
            for invitation in &mut session.invitations {
                invitation.notified_at = now;
                invitation.late = late;
                invitation.acknowledgement = None;
            }
            events.push(SessionEvent::Rescheduled);
        }
        SessionCommand::Cancel {
            department_code,
            clerk_id,
            reason,
        } => {
            let by = lead(&session, department_code, clerk_id)?;
            require("reason", &reason)?;
            move_session(&mut session, SessionTrigger::Cancel)?;
            session.cancellation = Some(Cancellation {
                by,
                reason,
                at: now,
            });
            events.push(SessionEvent::Cancelled);
        }
        SessionCommand::Close {
            department_code,
            clerk_id,
            minutes,
        } => {
            let by = lead(&session, department_code, clerk_id)?;
            require("minutes", &minutes)?;
            if now < session.starts_at {
                return Err(EngineError::NotYet {
                    entity: "session",
                    id: session.id.to_string(),
                    message: format!(
                        "it starts at {}; absence can only be recorded once it has begun",
                        local(rules.calendar, session.starts_at)
                    ),
                });
            }
            move_session(&mut session, SessionTrigger::Close)?;
            close(rules.calendar, &mut session, Some(by), minutes, now);
            events.push(SessionEvent::Closed { by_system: false });
        }
        SessionCommand::CloseOverdue => {
            let overdue =
                session.state == SessionState::Scheduled && now >= session.ends_at + policy.grace;
            if overdue {
                move_session(&mut session, SessionTrigger::CloseOverdue)?;
                let minutes = format!(
                    "系统关闭：会议至 {} 未由牵头部门关闭",
                    local(rules.calendar, session.ends_at + policy.grace)
                );
                close(rules.calendar, &mut session, None, minutes, now);
                events.push(SessionEvent::Closed { by_system: true });
            }
        }
    }
    if !events.is_empty() {
        session.version += 1;
    }
    Ok(SessionDecision { session, events })
}

impl Session {
    /// When the system closes the session if the lead has not: its end plus the grace period.
    pub fn close_due_at(&self, policy: SessionPolicy) -> DateTime<Utc> {
        self.ends_at + policy.grace
    }

    /// The applications the session reviews, in the order of its items.
    pub fn application_ids(&self) -> Vec<Uuid> {
        let mut ids: Vec<Uuid> = Vec::new();
        for item in &self.items {
            if !ids.contains(&item.application_id) {
                ids.push(item.application_id);
            }
        }
        ids
    }

    /// The invitation of `department_code`.
    pub fn invitation(&self, department_code: &str) -> Option<&Invitation> {
        self.invitations
            .iter()
            .find(|i| i.department_code == department_code)
    }

    /// What the closing means for each branch, by application; empty unless closed. Branches of
    /// a department that attended without a standing opinion get nothing: their department still
    /// decides them.
    pub fn verdicts(&self) -> BTreeMap<Uuid, Vec<(Uuid, SessionVerdict)>> {
        let mut out: BTreeMap<Uuid, Vec<(Uuid, SessionVerdict)>> = BTreeMap::new();
        let Some(closing) = &self.closing else {
            return out;
        };
        for item in &self.items {
            let Some(outcome) = closing
                .outcomes
                .iter()
                .find(|o| o.department_code == item.department_code)
            else {
                continue;
            };
            let verdict = match (&outcome.opinion, outcome.attendance) {
                (Some(opinion), _) => {
                    let decider = Decider {
                        department_code: opinion.department_code.clone(),
                        clerk_id: opinion.clerk_id.clone(),
                    };
                    if opinion.kind == OpinionKind::Object {
                        SessionVerdict::Object {
                            decider,
                            reasons: opinion.text.clone(),
                        }
                    } else {
                        SessionVerdict::Consent {
                            decider,
                            comment: opinion.text.clone(),
                        }
                    }
                }
                (None, Attendance::Absent) => SessionVerdict::Absent {
                    rule: format!("absent from session {}", self.id),
                    evidence: outcome.evidence.clone(),
                },
                (None, Attendance::AbsentExcused) => SessionVerdict::Excused {
                    reason: outcome.evidence.clone(),
                },
                (None, _) => continue,
            };
            out.entry(item.application_id)
                .or_default()
                .push((item.branch_id, verdict));
        }
        out
    }
}

/// The notices that `events` call for: invitations, moves and cancellations to every invited
/// department, the minutes to every invited department (the absent ones included) and to
/// supervision.
pub fn notices(
    session: &Session,
    events: &[SessionEvent],
    catalogue: &Catalogue,
    calendar: &Calendar,
) -> Vec<Notice> {
    let mut out = Vec::new();
    let to_every_invited = |out: &mut Vec<Notice>, kind: &'static str, message: &str| {
        for invitation in &session.invitations {
            out.push(Notice {
                audience: Audience::Department(invitation.department_code.clone()),
                kind,
                branch_id: None,
                message: message.to_owned(),
            });
        }
    };
    let what = format!(
        "{}（{}）{} 至 {}，地点：{}；审查事项：{}",
        session.kind.label(),
        session.id,
        local(calendar, session.starts_at),
        local(calendar, session.ends_at),
        session.place,
        reviewed_matters(session, catalogue)
    );
    for event in events {
        match event {
            SessionEvent::Scheduled => {
                for invitation in &session.invitations {
                    out.push(Notice {
                        audience: Audience::Department(invitation.department_code.clone()),
                        kind: "session_invitation",
                        branch_id: None,
                        message: invitation_message(&what, invitation),
                    });
                }
            }
            SessionEvent::Rescheduled => {
                let reason = session
                    .reschedules
                    .last()
                    .map(|r| r.reason.clone())
                    .unwrap_or_default();
                for invitation in &session.invitations {
                    out.push(Notice {
                        audience: Audience::Department(invitation.department_code.clone()),
                        kind: "session_rescheduled",
                        branch_id: None,
                        message: format!(
                            "改期（{reason}）：{}",
                            invitation_message(&what, invitation)
                        ),
                    });
                }
            }
            SessionEvent::Cancelled => {
                let reason = session
                    .cancellation
                    .as_ref()
                    .map(|c| c.reason.clone())
                    .unwrap_or_default();
                to_every_invited(
                    &mut out,
                    "session_cancelled",
                    &format!("已取消：{what}。原因：{reason}"),
                );
            }
            SessionEvent::Closed { .. } => {
                let message = minutes_message(session, calendar);
                to_every_invited(&mut out, "session_minutes", &message);
                out.push(Notice {
                    audience: Audience::Supervision,
                    kind: "session_minutes",
                    branch_id: None,
                    message,
                });
            }
            SessionEvent::Acknowledged { .. } | SessionEvent::OpinionRecorded { .. } => {}
        }
    }
    out
}

fn invitation_message(what: &str, invitation: &Invitation) -> String {
    let late = if invitation.late {
        "（通知时间不足规定的提前期，缺席不视为同意）"
    } else {
        "。无正当理由缺席且未提交书面意见的，视为同意（缺席默认）"
    };
    format!("邀请参加{what}，请签收{late}")
}

fn minutes_message(session: &Session, calendar: &Calendar) -> String {
    let Some(closing) = &session.closing else {
        return String::new();
    };
    let attendance = closing
        .outcomes
        .iter()
        .map(|o| {
            let stance = match &o.opinion {
                Some(opinion) if opinion.kind == OpinionKind::Object => {
                    format!("，不同意：{}", opinion.text)
                }
                Some(_) => "，同意".to_owned(),
                None => String::new(),
            };
            let label = match o.attendance {
                Attendance::Attended => "出席",
                Attendance::WrittenOpinion => "书面意见",
                Attendance::Absent => "缺席，视为同意",
                Attendance::AbsentExcused => "缺席（通知不足提前期，不视为同意，按期限规则办理）",
            };
            format!("{} {label}{stance}", o.department_code)
        })
        .collect::<Vec<_>>()
        .join("；");
    let by = match &closing.closed_by {
        Some(decider) => format!("{} {}", decider.department_code, decider.clerk_id),
        None => "系统".to_owned(),
    };
    format!(
        "{}（{}）纪要，{} 由{by}关闭：{}。参会情况：{attendance}",
        session.kind.label(),
        session.id,
        local(calendar, closing.at),
        closing.minutes
    )
}

fn reviewed_matters(session: &Session, catalogue: &Catalogue) -> String {
    session
        .items
        .iter()
        .map(|item| {
            let name = catalogue
                .matter(&item.matter_code)
                .map_or_else(|| item.matter_code.clone(), |m| m.name.clone());
            format!("{} {name}", item.receipt_number)
        })
        .collect::<Vec<_>>()
        .join("、")
}

/// Records the closing and every invited department's outcome.
fn close(
    calendar: &Calendar,
    session: &mut Session,
    closed_by: Option<Decider>,
    minutes: String,
    now: DateTime<Utc>,
) {
    let outcomes = session
        .invitations
        .iter()
        .map(|invitation| department_outcome(calendar, session, invitation, now))
        .collect();
    session.closing = Some(Closing {
        closed_by,
        minutes,
        at: now,
        outcomes,
    });
}

fn department_outcome(
    calendar: &Calendar,
    session: &Session,
    invitation: &Invitation,
    now: DateTime<Utc>,
) -> DepartmentOutcome {
    let code = &invitation.department_code;
    let given: Vec<&Opinion> = session
        .opinions
        .iter()
        .filter(|o| &o.department_code == code)
        .collect();
    let opinion = given
        .iter()
        .rev()
        .find(|o| o.kind != OpinionKind::Delegate)
        .map(|o| (*o).clone());
    let attended = given
        .iter()
        .any(|o| o.kind == OpinionKind::Delegate || o.at >= session.starts_at);
    let attendance = match (attended, given.is_empty(), invitation.late) {
        (true, _, _) => Attendance::Attended,
        (false, false, _) => Attendance::WrittenOpinion,
        (false, true, false) => Attendance::Absent,
        (false, true, true) => Attendance::AbsentExcused,
    };
    let notified = local(calendar, invitation.notified_at);
    let acknowledged = match &invitation.acknowledgement {
        Some(ack) => format!(
            "signed for by {} at {}",
            ack.clerk_id,
            local(calendar, ack.at)
        ),
        None => "never signed for".to_owned(),
    };
    let mut evidence = format!(
        "notified {notified} of the session starting {}; {acknowledged}",
        local(calendar, session.starts_at)
    );
    match attendance {
        Attendance::Absent => evidence.push_str(&format!(
            "; no delegate and no opinion by the closing at {}",
            local(calendar, now)
        )),
        Attendance::AbsentExcused => evidence.push_str(
            "; notified less than the notice period before the start, so its absence is not consent: the deadline rule applies",
        ),
        Attendance::Attended | Attendance::WrittenOpinion => {
            for o in &given {
                evidence.push_str(&format!(
                    "; {} by {} at {}",
                    o.kind.name(),
                    o.clerk_id,
                    local(calendar, o.at)
                ));
            }
        }
    }
    DepartmentOutcome {
        department_code: code.clone(),
        attendance,
        opinion,
        evidence,
    }
}

fn is_late(
    calendar: &Calendar,
    policy: SessionPolicy,
    notified_at: DateTime<Utc>,
    starts_at: DateTime<Utc>,
) -> bool {
    calendar.working_days_between(
        calendar.local_date(notified_at),
        calendar.local_date(starts_at),
    ) < policy.notice_working_days
}

fn move_session(session: &mut Session, trigger: SessionTrigger) -> Result<(), EngineError> {
    let next = session
        .state
        .next(trigger)
        .ok_or_else(|| EngineError::InvalidTransition {
            entity: "session",
            id: session.id.to_string(),
            state: session.state.name(),
            command: trigger.name(),
        })?;
    session.state = next;
    Ok(())
}

fn lead(
    session: &Session,
    department_code: String,
    clerk_id: String,
) -> Result<Decider, EngineError> {
    require("clerk_id", &clerk_id)?;
    if department_code != session.lead_department_code {
        return Err(EngineError::NotLead {
            session_id: session.id.to_string(),
            lead: session.lead_department_code.clone(),
            caller: department_code,
        });
    }
    Ok(Decider {
        department_code,
        clerk_id,
    })
}

fn invitation_mut<'a>(
    session: &'a mut Session,
    department_code: &str,
) -> Result<&'a mut Invitation, EngineError> {
    let id = session.id;
    session
        .invitations
        .iter_mut()
        .find(|i| i.department_code == department_code)
        .ok_or_else(|| EngineError::NotInvited {
            session_id: id.to_string(),
            department_code: department_code.to_owned(),
        })
}

fn check_times(
    now: DateTime<Utc>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
) -> Result<(), EngineError> {
    if starts_at <= now {
        return Err(EngineError::invalid(
            "starts_at",
            format!("{starts_at} is not in the future (now {now})"),
        ));
    }
    if ends_at <= starts_at {
        return Err(EngineError::invalid(
            "ends_at",
            format!("{ends_at} is not after starts_at {starts_at}"),
        ));
    }
    Ok(())
}

/// The key project shared by every application, or `None` for a session over one application.
fn common_project(applications: &[Application]) -> Result<Option<String>, EngineError> {
    let Some(first) = applications.first() else {
        return Err(EngineError::invalid(
            "application_ids",
            "name at least one application",
        ));
    };
    if applications.len() == 1 {
        return Ok(first.key_project_code.clone());
    }
    let project = first.key_project_code.clone().ok_or_else(|| {
        EngineError::invalid(
            "application_ids",
            "a session over several applications must review applications of one key project; the first has none",
        )
    })?;
    for (index, application) in applications.iter().enumerate() {
        if application.key_project_code.as_deref() != Some(project.as_str()) {
            return Err(EngineError::invalid(
                format!("application_ids[{index}]"),
                format!(
                    "application {} is not of key project {project}",
                    application.id
                ),
            ));
        }
    }
    Ok(Some(project))
}

fn session_items(
    applications: &[Application],
    branch_ids: &[Uuid],
) -> Result<Vec<SessionItem>, EngineError> {
    let item = |application: &Application, branch: &crate::application::Branch| SessionItem {
        application_id: application.id,
        receipt_number: application
            .receipt_number
            .clone()
            .unwrap_or_else(|| application.id.to_string()),
        branch_id: branch.id,
        matter_code: branch.matter_code.clone(),
        department_code: branch.department_code.clone(),
    };
    let mut items = Vec::new();
    if branch_ids.is_empty() {
        for application in applications {
            for branch in &application.branches {
                if branch.role == Role::JointReview && !branch.state.is_final() {
                    items.push(item(application, branch));
                }
            }
        }
        if items.is_empty() {
            return Err(EngineError::invalid(
                "branch_ids",
                "the applications have no joint-review branch still to decide",
            ));
        }
        return Ok(items);
    }
    for (index, branch_id) in branch_ids.iter().enumerate() {
        let field = format!("branch_ids[{index}]");
        if branch_ids[..index].contains(branch_id) {
            return Err(EngineError::invalid(field, "listed twice"));
        }
        let (application, branch) = applications
            .iter()
            .find_map(|a| a.branch(*branch_id).map(|b| (a, b)))
            .ok_or_else(|| {
                EngineError::invalid(
                    field.clone(),
                    format!("branch {branch_id} belongs to none of the applications"),
                )
            })?;
        if branch.role != Role::JointReview {
            return Err(EngineError::invalid(
                field,
                format!(
                    "branch {branch_id} ({}) is an approval: only joint-review opinions can be given at a session",
                    branch.matter_code
                ),
            ));
        }
        if branch.state.is_final() {
            return Err(EngineError::InvalidTransition {
                entity: "branch",
                id: branch_id.to_string(),
                state: branch.state.name(),
                command: "be reviewed at a session",
            });
        }
        items.push(item(application, branch));
    }
    Ok(items)
}

fn invited_departments(
    catalogue: &Catalogue,
    items: &[SessionItem],
    given: &[String],
) -> Result<Vec<String>, EngineError> {
    if given.is_empty() {
        let mut codes: Vec<String> = Vec::new();
        for item in items {
            if !codes.contains(&item.department_code) {
                codes.push(item.department_code.clone());
            }
        }
        return Ok(codes);
    }
    for (index, code) in given.iter().enumerate() {
        let field = format!("invited_department_codes[{index}]");
        known_department(catalogue, &field, code)?;
        if given[..index].contains(code) {
            return Err(EngineError::invalid(field, "listed twice"));
        }
    }
    Ok(given.to_vec())
}

fn known_department(catalogue: &Catalogue, field: &str, code: &str) -> Result<(), EngineError> {
    if catalogue.department(code).is_none() {
        return Err(EngineError::invalid(
            field,
            format!("unknown department {code:?}"),
        ));
    }
    Ok(())
}

fn local(calendar: &Calendar, at: DateTime<Utc>) -> String {
    at.with_timezone(&calendar.zone())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}
