//! The checks after the faults, over gRPC: every acknowledged write is there, nothing exists
//! twice, every passed deadline was acted on exactly once, every audit chain verifies, and every
//! subscriber received every notification exactly once.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use lianban_proto::v1 as pb;

use crate::load::{APPROVAL_MATTER, BUNDLE, KEY_FIELD, Ledger, with_retry};
use crate::replicas::Replicas;
use crate::subscribers::Received;

/// What the store holds, read back once the faults are over.
pub struct Stored {
    /// Every application of the bundle.
    pub applications: Vec<pb::Application>,
    /// Per application id: its trail (whether it verifies, and per branch how many events of
    /// each kind).
    pub trails: HashMap<String, Trail>,
    /// Every notification position of every application.
    pub notifications: BTreeSet<i64>,
}

/// One application's audit trail, summarised.
#[derive(Default)]
pub struct Trail {
    /// The whole chain verified.
    pub verified: bool,
    /// What is wrong, when it does not.
    pub problem: String,
    /// Per branch id, per event kind: how many.
    pub events: HashMap<String, HashMap<String, u32>>,
}

impl Trail {
    fn count(&self, branch: &str, kind: &str) -> u32 {
        self.events
            .get(branch)
            .and_then(|kinds| kinds.get(kind))
            .copied()
            .unwrap_or(0)
    }
}

/// Every application of the bundle, as replica `home` lists them.
pub async fn list_applications(
    replicas: &Replicas,
    ledger: &Ledger,
    home: usize,
) -> Vec<pb::Application> {
    let mut applications = Vec::new();
    let mut page_token = String::new();
    loop {
        let request = pb::ListApplicationsRequest {
            bundle_code: BUNDLE.into(),
            page_size: 500,
            page_token,
            ..Default::default()
        };
        let page = with_retry(replicas, ledger, home, false, "list", |channel| {
            let request = request.clone();
            async move {
                pb::intake_service_client::IntakeServiceClient::new(channel)
                    .list_applications(request)
                    .await
            }
        })
        .await
        .expect("list applications");
        applications.extend(page.applications);
        if page.next_page_token.is_empty() {
            return applications;
        }
        page_token = page.next_page_token;
    }
}

/// Joint reviews still running past their deadline at `now`.
pub fn running_past_deadline(applications: &[pb::Application], now: i64) -> usize {
    applications
        .iter()
        .flat_map(|a| &a.branches)
        .filter(|b| b.matter_code != APPROVAL_MATTER && running(b) && past(b, now))
        .count()
}

fn running(branch: &pb::Branch) -> bool {
    [
        pb::BranchState::Open as i32,
        pb::BranchState::Claimed as i32,
    ]
    .contains(&branch.state)
}

fn past(branch: &pb::Branch, now: i64) -> bool {
    branch
        .deadline
        .as_ref()
        .and_then(|d| d.at)
        .is_some_and(|at| at.seconds <= now)
}

/// Reads every application, its trail and its notifications.
pub async fn read_back(replicas: &Arc<Replicas>, ledger: &Arc<Ledger>) -> Stored {
    let applications = list_applications(replicas, ledger, 0).await;
    let ids: Vec<String> = applications.iter().map(|a| a.id.clone()).collect();
    let readers: Vec<_> = ids
        .chunks(ids.len().div_ceil(8).max(1))
        .enumerate()
        .map(|(n, chunk)| {
            let (chunk, replicas, ledger) =
                (chunk.to_vec(), Arc::clone(replicas), Arc::clone(ledger));
            tokio::spawn(async move {
                let mut out = Vec::new();
                for id in chunk {
                    let trail = trail(&replicas, &ledger, n, &id).await;
                    let positions = notifications(&replicas, &ledger, n, &id).await;
                    out.push((id, trail, positions));
                }
                out
            })
        })
        .collect();
    let mut trails = HashMap::new();
    let mut notifications = BTreeSet::new();
    for reader in readers {
        for (id, trail, positions) in reader.await.expect("reader") {
            trails.insert(id, trail);
            notifications.extend(positions);
        }
    }
    Stored {
        applications,
        trails,
        notifications,
    }
}

async fn trail(replicas: &Replicas, ledger: &Ledger, home: usize, id: &str) -> Trail {
    let mut trail = Trail {
        verified: true,
        ..Default::default()
    };
    let mut page_token = String::new();
    loop {
        let request = pb::GetAuditTrailRequest {
            application_id: id.to_owned(),
            page_size: 500,
            page_token,
        };
        let page = with_retry(replicas, ledger, home, false, "trail", |channel| {
            let request = request.clone();
            async move {
                pb::supervision_service_client::SupervisionServiceClient::new(channel)
                    .get_audit_trail(request)
                    .await
            }
        })
        .await
        .expect("read an audit trail");
        if !page.verified {
            trail.verified = false;
            trail.problem = format!("seq {}: {}", page.first_bad_seq, page.problem);
        }
        for event in &page.events {
            let detail: serde_json::Value =
                serde_json::from_str(&event.detail_json).unwrap_or_default();
            if let Some(branch) = detail.get("branch_id").and_then(|b| b.as_str()) {
                *trail
                    .events
                    .entry(branch.to_owned())
                    .or_default()
                    .entry(event.kind.clone())
                    .or_default() += 1;
            }
        }
        if page.next_page_token.is_empty() {
            return trail;
        }
        page_token = page.next_page_token;
    }
}

async fn notifications(replicas: &Replicas, ledger: &Ledger, home: usize, id: &str) -> Vec<i64> {
    let mut positions = Vec::new();
    let mut page_token = String::new();
    loop {
        let request = pb::ListNotificationsRequest {
            application_id: id.to_owned(),
            page_size: 500,
            page_token,
            ..Default::default()
        };
        let page = with_retry(replicas, ledger, home, false, "notifications", |channel| {
            let request = request.clone();
            async move {
                pb::notification_service_client::NotificationServiceClient::new(channel)
                    .list_notifications(request)
                    .await
            }
        })
        .await
        .expect("list notifications");
        positions.extend(page.notifications.iter().map(|n| n.position));
        if page.next_page_token.is_empty() {
            return positions;
        }
        page_token = page.next_page_token;
    }
}

/// The outcome of the checks, as counts.
#[derive(Default, Debug)]
pub struct Checks {
    /// Applications in the store.
    pub applications: usize,
    /// Acknowledged submissions whose application is missing (or another one answered).
    pub lost_applications: usize,
    /// Applications beyond the first for one idempotency key.
    pub duplicate_applications: usize,
    /// Applications whose key no client sent.
    pub unknown_applications: usize,
    /// Receipt numbers or ids given to more than one application.
    pub duplicate_receipts: usize,
    /// Acknowledged decisions not in the branch's state or without their event.
    pub lost_decisions: usize,
    /// Branches with more than one decision recorded.
    pub decisions_twice: usize,
    /// Branches whose deadline passed (silent ones and any other left open past it).
    pub deadlines_passed: usize,
    /// Of those, acted on (deemed consent or escalation recorded).
    pub deadlines_acted_on: usize,
    /// Branches with the same deadline action recorded more than once.
    pub deadlines_twice: usize,
    /// Passed deadlines with no action.
    pub deadlines_missed: usize,
    /// Audit chains that do not verify.
    pub broken_chains: usize,
    /// A few descriptions of what failed.
    pub problems: Vec<String>,
}

impl Checks {
    fn problem(&mut self, what: String) {
        if self.problems.len() < 20 {
            self.problems.push(what);
        }
    }

    /// Whether every invariant held.
    pub fn passed(&self) -> bool {
        self.lost_applications
            + self.duplicate_applications
            + self.unknown_applications
            + self.duplicate_receipts
            + self.lost_decisions
            + self.decisions_twice
            + self.deadlines_twice
            + self.deadlines_missed
            + self.broken_chains
            == 0
    }
}

/// Checks what was acknowledged against what is stored; `now` is the clock's final time.
pub fn check(ledger: &Ledger, stored: &Stored, now: i64) -> Checks {
    let mut checks = Checks {
        applications: stored.applications.len(),
        ..Default::default()
    };
    let submissions = ledger.submissions.lock().expect("submissions");
    let mut by_key: HashMap<&str, Vec<&pb::Application>> = HashMap::new();
    let mut receipts: HashMap<&str, usize> = HashMap::new();
    let mut ids: HashMap<&str, usize> = HashMap::new();
    for application in &stored.applications {
        let key = application.form.get(KEY_FIELD).map_or("", String::as_str);
        by_key.entry(key).or_default().push(application);
        if !application.receipt_number.is_empty() {
            *receipts.entry(&application.receipt_number).or_default() += 1;
        }
        *ids.entry(&application.id).or_default() += 1;
    }
    checks.duplicate_receipts = receipts.values().chain(ids.values()).map(|n| n - 1).sum();
    for (key, found) in &by_key {
        if found.len() > 1 {
            checks.duplicate_applications += found.len() - 1;
            checks.problem(format!("key {key}: {} applications", found.len()));
        }
        if !submissions.contains_key(*key) {
            checks.unknown_applications += found.len();
            checks.problem(format!("key {key}: sent by no client"));
        }
    }
    for (key, acknowledged) in submissions.iter() {
        let Some(id) = acknowledged else { continue };
        let present = by_key
            .get(key.as_str())
            .is_some_and(|found| found.iter().any(|a| &a.id == id));
        if !present {
            checks.lost_applications += 1;
            checks.problem(format!("acknowledged application {id} (key {key}) missing"));
        }
    }
    let branches: HashMap<&str, (&pb::Application, &pb::Branch)> = stored
        .applications
        .iter()
        .flat_map(|a| a.branches.iter().map(move |b| (b.id.as_str(), (a, b))))
        .collect();
    let trail_of = |application: &pb::Application| stored.trails.get(&application.id);
    for (branch_id, state) in ledger.decisions.lock().expect("decisions").iter() {
        let kept = branches.get(branch_id.as_str()).is_some_and(|(a, b)| {
            b.state == *state
                && trail_of(a).is_some_and(|t| t.count(branch_id, "branch_decided") >= 1)
        });
        if !kept {
            checks.lost_decisions += 1;
            checks.problem(format!(
                "acknowledged decision on branch {branch_id} missing"
            ));
        }
    }
    for (application, trail) in stored
        .applications
        .iter()
        .filter_map(|a| trail_of(a).map(|t| (a, t)))
    {
        if !trail.verified {
            checks.broken_chains += 1;
            checks.problem(format!(
                "application {}: chain broken at {}",
                application.id, trail.problem
            ));
        }
        for branch in &application.branches {
            check_branch(&mut checks, application, branch, trail, now);
        }
    }
    for (application, branch) in ledger.silent.lock().expect("silent").iter() {
        let deemed = branches
            .get(branch.as_str())
            .is_some_and(|(_, b)| b.state == pb::BranchState::DeemedConsent as i32);
        if !deemed {
            checks.deadlines_missed += 1;
            checks.problem(format!(
                "silent branch {branch} of {application} not deemed to consent"
            ));
        }
    }
    checks
}

fn check_branch(
    checks: &mut Checks,
    application: &pb::Application,
    branch: &pb::Branch,
    trail: &Trail,
    now: i64,
) {
    let decided = trail.count(&branch.id, "branch_decided");
    if decided > 1 {
        checks.decisions_twice += 1;
        checks.problem(format!("branch {}: decided {decided} times", branch.id));
    }
    let deemed = trail.count(&branch.id, "branch_deemed_consent");
    let escalated = trail.count(&branch.id, "branch_escalated");
    if deemed > 1 || escalated > 1 {
        checks.deadlines_twice += 1;
        checks.problem(format!(
            "application {}: branch {} deemed {deemed}, escalated {escalated} times",
            application.id, branch.id
        ));
    }
    let running = [
        pb::BranchState::Open as i32,
        pb::BranchState::Claimed as i32,
    ]
    .contains(&branch.state);
    let past = branch
        .deadline
        .as_ref()
        .and_then(|d| d.at)
        .is_some_and(|at| at.seconds <= now);
    let acted = deemed + escalated > 0;
    if acted || (running && past) {
        checks.deadlines_passed += 1;
        if acted {
            checks.deadlines_acted_on += 1;
        }
        let joint = branch.matter_code != APPROVAL_MATTER;
        if running && past && (joint || escalated == 0) {
            checks.deadlines_missed += 1;
            checks.problem(format!(
                "branch {} past its deadline and not acted on",
                branch.id
            ));
        }
    }
}

/// One subscriber's outcome against the stored notifications.
pub struct Delivery {
    /// Distinct notifications it received (of those stored).
    pub received: usize,
    /// Stored notifications it did not receive.
    pub missing: usize,
    /// Notifications it received more than once.
    pub repeats: u64,
    /// Times it subscribed again.
    pub resubscribed: u64,
}

/// Compares what a subscriber received with what is stored.
pub fn delivery(received: &Received, stored: &BTreeSet<i64>) -> Delivery {
    let distinct: BTreeSet<i64> = received.positions.iter().copied().collect();
    Delivery {
        received: stored.intersection(&distinct).count(),
        missing: stored.difference(&distinct).count(),
        repeats: received.repeats,
        resubscribed: received.resubscribed,
    }
}
