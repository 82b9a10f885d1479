//! The two state machines, as explicit transition tables.
//!
//! A transition that is not in a table does not exist: asking for it yields `None`, which the
//! engine turns into an error value naming the state and the refused command. The tables are the
//! single source of truth; `ARCHITECTURE.md` draws them and the tests walk every pair.

use serde::{Deserialize, Serialize};

/// The lifecycle of an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationState {
    /// A one-time notice was issued; nothing runs until the materials are complete.
    AwaitingMaterials,
    /// Accepted (受理): branches are being handled.
    InProgress,
    /// Every branch has ended; the results wait at the dispatch window.
    ReadyForDispatch,
    /// Every result was handed over. Final.
    Dispatched,
    /// Withdrawn by the applicant before dispatch. Final.
    Withdrawn,
}

/// What moves an application from one state to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApplicationTrigger {
    /// Materials handed in, some still missing: a new one-time notice.
    SupplementIncomplete,
    /// Materials handed in, nothing missing any more: accepted.
    SupplementComplete,
    /// Materials handed in after acceptance, answering a department's supplement request.
    SupplementRequested,
    /// The last open branch ended.
    AllBranchesEnded,
    /// The dispatch window handed every result over.
    Dispatch,
    /// The applicant withdrew.
    Withdraw,
    /// The applicant rates the service.
    Rate,
}

/// Every application transition: (from, trigger, to).
pub const APPLICATION_TRANSITIONS: &[(ApplicationState, ApplicationTrigger, ApplicationState)] = {
    use ApplicationState::*;
    use ApplicationTrigger::*;
    &[
        (AwaitingMaterials, SupplementIncomplete, AwaitingMaterials),
        (AwaitingMaterials, SupplementComplete, InProgress),
        (AwaitingMaterials, Withdraw, Withdrawn),
        (InProgress, SupplementRequested, InProgress),
        (InProgress, AllBranchesEnded, ReadyForDispatch),
        (InProgress, Withdraw, Withdrawn),
        (ReadyForDispatch, Dispatch, Dispatched),
        (ReadyForDispatch, Withdraw, Withdrawn),
        (InProgress, Rate, InProgress),
        (ReadyForDispatch, Rate, ReadyForDispatch),
        (Dispatched, Rate, Dispatched),
    ]
};

impl ApplicationState {
    /// Every state, for tests and documentation.
    pub const ALL: [ApplicationState; 5] = [
        ApplicationState::AwaitingMaterials,
        ApplicationState::InProgress,
        ApplicationState::ReadyForDispatch,
        ApplicationState::Dispatched,
        ApplicationState::Withdrawn,
    ];

    /// The state after `trigger`, or `None` when the table has no such transition.
    pub fn next(self, trigger: ApplicationTrigger) -> Option<ApplicationState> {
        APPLICATION_TRANSITIONS
            .iter()
            .find(|(from, on, _)| *from == self && *on == trigger)
            .map(|(_, _, to)| *to)
    }

    /// The name used in errors, the store and the CLI.
    pub fn name(self) -> &'static str {
        match self {
            ApplicationState::AwaitingMaterials => "awaiting_materials",
            ApplicationState::InProgress => "in_progress",
            ApplicationState::ReadyForDispatch => "ready_for_dispatch",
            ApplicationState::Dispatched => "dispatched",
            ApplicationState::Withdrawn => "withdrawn",
        }
    }

    /// The state with this name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.name() == name)
    }
}

impl ApplicationTrigger {
    /// The name used in errors.
    pub fn name(self) -> &'static str {
        match self {
            ApplicationTrigger::SupplementIncomplete
            | ApplicationTrigger::SupplementComplete
            | ApplicationTrigger::SupplementRequested => "supplement materials",
            ApplicationTrigger::AllBranchesEnded => "become ready for dispatch",
            ApplicationTrigger::Dispatch => "record a hand-over",
            ApplicationTrigger::Withdraw => "withdraw",
            ApplicationTrigger::Rate => "rate the service",
        }
    }
}

/// The lifecycle of a branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BranchState {
    /// The application is not accepted yet.
    Pending,
    /// Accepted; waiting for predecessors to be approved or consented.
    Waiting,
    /// Actionable by its department.
    Open,
    /// Actionable, claimed by one clerk.
    Claimed,
    /// Its clock is stopped: waiting for the applicant's supplement or a special procedure.
    Paused,
    /// Approval branch approved. Final.
    Approved,
    /// Approval branch rejected. Final.
    Rejected,
    /// Joint-review branch consented. Final.
    Consented,
    /// Joint-review branch objected. Final.
    Objected,
    /// Joint-review branch whose department stayed silent past its deadline: consent recorded by
    /// the system under the bundle's rule (缺席默认). Never shown as approved. Final.
    DeemedConsent,
    /// Cancelled by a failed predecessor or a withdrawal. Final.
    Cancelled,
}

/// What moves a branch from one state to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BranchTrigger {
    /// Accepted, or the last predecessor succeeded: the branch starts.
    Start,
    /// Accepted, but predecessors are unfinished.
    Defer,
    /// A clerk claims it.
    Claim,
    /// The department approves.
    Approve,
    /// The department rejects.
    Reject,
    /// The department consents.
    Consent,
    /// The department objects.
    Object,
    /// A predecessor failed or the application was withdrawn.
    Cancel,
    /// The deadline passed on a joint review that is deemed to consent.
    DeemConsent,
    /// The deadline passed on a branch that is escalated: it stays open.
    Escalate,
    /// The department stops the clock (supplement request or special procedure).
    Pause,
    /// The clock runs again; the branch was not claimed.
    Resume,
    /// The clock runs again; the branch was claimed and stays so.
    ResumeClaimed,
    /// The department asks for more working days.
    RequestExtension,
    /// The claiming clerk is away: the claim is released.
    Release,
}

/// Every branch transition: (from, trigger, to).
pub const BRANCH_TRANSITIONS: &[(BranchState, BranchTrigger, BranchState)] = {
    use BranchState::*;
    use BranchTrigger::*;
    &[
        (Pending, Start, Open),
        (Pending, Defer, Waiting),
        (Pending, Cancel, Cancelled),
        (Waiting, Start, Open),
        (Waiting, Cancel, Cancelled),
        (Open, Claim, Claimed),
        (Open, Approve, Approved),
        (Open, Reject, Rejected),
        (Open, Consent, Consented),
        (Open, Object, Objected),
        (Open, Cancel, Cancelled),
        (Open, DeemConsent, DeemedConsent),
        (Open, Escalate, Open),
        (Open, Pause, Paused),
        (Open, RequestExtension, Open),
        (Claimed, Claim, Claimed),
        (Claimed, Approve, Approved),
        (Claimed, Reject, Rejected),
        (Claimed, Consent, Consented),
        (Claimed, Object, Objected),
        (Claimed, Cancel, Cancelled),
        (Claimed, DeemConsent, DeemedConsent),
        (Claimed, Escalate, Claimed),
        (Claimed, Pause, Paused),
        (Claimed, RequestExtension, Claimed),
        (Claimed, Release, Open),
        (Paused, Resume, Open),
        (Paused, ResumeClaimed, Claimed),
        (Paused, RequestExtension, Paused),
        (Paused, Cancel, Cancelled),
    ]
};

impl BranchState {
    /// Every state, for tests and documentation.
    pub const ALL: [BranchState; 11] = [
        BranchState::Pending,
        BranchState::Waiting,
        BranchState::Open,
        BranchState::Claimed,
        BranchState::Paused,
        BranchState::Approved,
        BranchState::Rejected,
        BranchState::Consented,
        BranchState::Objected,
        BranchState::DeemedConsent,
        BranchState::Cancelled,
    ];

    /// The state after `trigger`, or `None` when the table has no such transition.
    pub fn next(self, trigger: BranchTrigger) -> Option<BranchState> {
        BRANCH_TRANSITIONS
            .iter()
            .find(|(from, on, _)| *from == self && *on == trigger)
            .map(|(_, _, to)| *to)
    }

    /// Whether the branch has ended (no transition leaves it).
    pub fn is_final(self) -> bool {
        !BRANCH_TRANSITIONS.iter().any(|(from, _, _)| *from == self)
    }

    /// Whether it has started and not ended: open, claimed or paused.
    pub fn is_running(self) -> bool {
        matches!(
            self,
            BranchState::Open | BranchState::Claimed | BranchState::Paused
        )
    }

    /// Whether its department can act on it now.
    pub fn is_actionable(self) -> bool {
        matches!(self, BranchState::Open | BranchState::Claimed)
    }

    /// Whether dependants may start: approved, consented or deemed to consent.
    pub fn lets_dependants_start(self) -> bool {
        matches!(
            self,
            BranchState::Approved | BranchState::Consented | BranchState::DeemedConsent
        )
    }

    /// The name used in errors, the store and the CLI.
    pub fn name(self) -> &'static str {
        match self {
            BranchState::Pending => "pending",
            BranchState::Waiting => "waiting",
            BranchState::Open => "open",
            BranchState::Claimed => "claimed",
            BranchState::Paused => "paused",
            BranchState::Approved => "approved",
            BranchState::Rejected => "rejected",
            BranchState::Consented => "consented",
            BranchState::Objected => "objected",
            BranchState::DeemedConsent => "deemed_consent",
            BranchState::Cancelled => "cancelled",
        }
    }

    /// The state with this name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.name() == name)
    }
}

impl BranchTrigger {
    /// Every trigger, for tests.
    pub const ALL: [BranchTrigger; 15] = [
        BranchTrigger::Start,
        BranchTrigger::Defer,
        BranchTrigger::Claim,
        BranchTrigger::Approve,
        BranchTrigger::Reject,
        BranchTrigger::Consent,
        BranchTrigger::Object,
        BranchTrigger::Cancel,
        BranchTrigger::DeemConsent,
        BranchTrigger::Escalate,
        BranchTrigger::Pause,
        BranchTrigger::Resume,
        BranchTrigger::ResumeClaimed,
        BranchTrigger::RequestExtension,
        BranchTrigger::Release,
    ];

    /// The name used in errors.
    pub fn name(self) -> &'static str {
        match self {
            BranchTrigger::Start => "start",
            BranchTrigger::Defer => "wait for predecessors",
            BranchTrigger::Claim => "claim",
            BranchTrigger::Approve => "approve",
            BranchTrigger::Reject => "reject",
            BranchTrigger::Consent => "consent",
            BranchTrigger::Object => "object",
            BranchTrigger::Cancel => "cancel",
            BranchTrigger::DeemConsent => "deem consent",
            BranchTrigger::Escalate => "escalate",
            BranchTrigger::Pause => "pause",
            BranchTrigger::Resume | BranchTrigger::ResumeClaimed => "resume",
            BranchTrigger::RequestExtension => "request an extension",
            BranchTrigger::Release => "release the claim",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn tables_have_no_two_rows_for_one_pair() {
        let pairs: HashSet<_> = BRANCH_TRANSITIONS
            .iter()
            .map(|(s, t, _)| (*s, *t))
            .collect();
        assert_eq!(pairs.len(), BRANCH_TRANSITIONS.len());
        let pairs: HashSet<_> = APPLICATION_TRANSITIONS
            .iter()
            .map(|(s, t, _)| (*s, *t))
            .collect();
        assert_eq!(pairs.len(), APPLICATION_TRANSITIONS.len());
    }

    #[test]
    fn final_branch_states_are_exactly_the_outcomes() {
        let finals: Vec<_> = BranchState::ALL
            .into_iter()
            .filter(|s| s.is_final())
            .collect();
        use BranchState::*;
        assert_eq!(
            finals,
            vec![
                Approved,
                Rejected,
                Consented,
                Objected,
                DeemedConsent,
                Cancelled
            ]
        );
    }

    #[test]
    fn every_undefined_branch_pair_is_refused() {
        for state in BranchState::ALL {
            for trigger in BranchTrigger::ALL {
                let listed = BRANCH_TRANSITIONS
                    .iter()
                    .any(|(s, t, _)| *s == state && *t == trigger);
                assert_eq!(
                    state.next(trigger).is_some(),
                    listed,
                    "{state:?} {trigger:?}"
                );
            }
        }
    }

    #[test]
    fn nothing_leaves_a_final_application_state() {
        use ApplicationTrigger::*;
        for trigger in [
            SupplementIncomplete,
            SupplementComplete,
            AllBranchesEnded,
            Dispatch,
            Withdraw,
        ] {
            assert_eq!(ApplicationState::Dispatched.next(trigger), None);
            assert_eq!(ApplicationState::Withdrawn.next(trigger), None);
        }
    }

    #[test]
    fn names_round_trip() {
        for state in BranchState::ALL {
            assert_eq!(BranchState::from_name(state.name()), Some(state));
        }
        for state in ApplicationState::ALL {
            assert_eq!(ApplicationState::from_name(state.name()), Some(state));
        }
    }
}
