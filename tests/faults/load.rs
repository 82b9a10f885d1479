//! The load: client tasks, each bound to one replica (round-robin), submitting joint acceptance
//! applications and deciding their branches. A call that fails for a reason a retry can cure
//! (UNAVAILABLE, a timeout, a conflict) is sent again with the same idempotency key to the next
//! replica; it counts as acknowledged only once an answer came back OK. The ledger keeps what was
//! acknowledged, for the checks afterwards.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lianban_proto::v1 as pb;
use tonic::transport::Channel;
use tonic::{Code, Status};

use crate::replicas::Replicas;

/// The bundle every application is for: four joint reviews in parallel, then an approval.
pub const BUNDLE: &str = "gongye-lianhe-yanshou";
/// The department that stays silent on a silent application, so that its deadline passes.
pub const SILENT_DEPARTMENT: &str = "daj";
/// The approval branch that follows the four joint reviews.
pub const APPROVAL_MATTER: &str = "zjj-jungong-beian";
/// The form field that carries the submission's idempotency key, so that the applications made
/// by one key can be counted afterwards.
pub const KEY_FIELD: &str = "project_name";

/// How long one attempt may take before it is abandoned and sent again.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a call is retried before it counts as never acknowledged.
const CALL_BUDGET: Duration = Duration::from_secs(120);

/// What the clients sent and what was acknowledged.
#[derive(Default)]
pub struct Ledger {
    /// Every submission key tried, with the application id once acknowledged.
    pub submissions: Mutex<HashMap<String, Option<String>>>,
    /// Acknowledged decisions: the branch and the state it was decided into.
    pub decisions: Mutex<Vec<(String, i32)>>,
    /// Branches left silent on purpose: (application, branch).
    pub silent: Mutex<Vec<(String, String)>>,
    /// When each acknowledged write was answered.
    pub writes: Mutex<Vec<Instant>>,
    /// Calls answered OK.
    pub acknowledged: AtomicU64,
    /// Attempts sent again (to the next replica).
    pub retries: AtomicU64,
    /// Calls still unanswered when their budget ran out.
    pub given_up: AtomicU64,
    /// Calls refused for a reason no retry cures (none is expected).
    pub refused: AtomicU64,
    /// INTERNAL answers seen (retried; an unreachable store should answer UNAVAILABLE).
    pub internal: AtomicU64,
    /// Refusals and internal errors, a few of each, for the report.
    pub samples: Mutex<Vec<String>>,
}

impl Ledger {
    fn note(&self, what: String) {
        let mut samples = self.samples.lock().expect("samples");
        if samples.len() < 20 {
            samples.push(what);
        }
    }
}

/// Whether a call that ended with `code` may be sent again.
fn retryable(code: Code) -> bool {
    matches!(
        code,
        Code::Unavailable
            | Code::DeadlineExceeded
            | Code::Aborted
            | Code::Cancelled
            | Code::Unknown
            | Code::Internal
            | Code::ResourceExhausted
    )
}

/// Sends `call` to replica `home`, then to the next ones while it fails for a reason a retry can
/// cure, for at most the call budget. The request (and so its idempotency key) is the same on
/// every attempt. `write` says whether an answer counts as an acknowledged write.
pub async fn with_retry<T, F, Fut>(
    replicas: &Replicas,
    ledger: &Ledger,
    home: usize,
    write: bool,
    what: &str,
    mut call: F,
) -> Option<T>
where
    F: FnMut(Channel) -> Fut,
    Fut: Future<Output = Result<tonic::Response<T>, Status>>,
{
    let started = Instant::now();
    for attempt in 0usize.. {
        let channel = replicas.channel(home + attempt);
        let status = match tokio::time::timeout(ATTEMPT_TIMEOUT, call(channel)).await {
            Ok(Ok(answer)) => {
                if write {
                    ledger.acknowledged.fetch_add(1, Ordering::Relaxed);
                    ledger.writes.lock().expect("writes").push(Instant::now());
                }
                return Some(answer.into_inner());
            }
            Ok(Err(status)) => status,
            Err(_) => Status::deadline_exceeded("attempt timed out"),
        };
        if status.code() == Code::Internal {
            ledger.internal.fetch_add(1, Ordering::Relaxed);
            ledger.note(format!("{what}: INTERNAL {}", status.message()));
        }
        if !retryable(status.code()) {
            ledger.refused.fetch_add(1, Ordering::Relaxed);
            ledger.note(format!(
                "{what}: refused {:?} {}",
                status.code(),
                status.message()
            ));
            return None;
        }
        if started.elapsed() > CALL_BUDGET {
            ledger.given_up.fetch_add(1, Ordering::Relaxed);
            ledger.note(format!(
                "{what}: gave up after {:?}: {:?} {}",
                CALL_BUDGET,
                status.code(),
                status.message()
            ));
            return None;
        }
        ledger.retries.fetch_add(1, Ordering::Relaxed);
        let pause = 20 * (attempt as u64 + 1).min(10);
        tokio::time::sleep(Duration::from_millis(pause)).await;
    }
    unreachable!("the loop returns")
}

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn application(key: &str) -> pb::SubmitApplicationRequest {
    pb::SubmitApplicationRequest {
        idempotency_key: key.to_owned(),
        bundle_code: BUNDLE.into(),
        applicant: Some(pb::Applicant {
            kind: pb::ApplicantKind::NaturalPerson as i32,
            name: "王小明".into(),
            id_number: "11010519491231002X".into(),
            phone: "13800138000".into(),
        }),
        form: [
            (KEY_FIELD, key),
            ("project_address", "福州市仓山区建新镇"),
            ("floor_area_m2", "12000"),
            ("builder", "福州榕城建设有限公司"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect(),
        materials: [
            "jungong-celiang-baogao",
            "guihua-xukezheng",
            "jungong-tuzhi",
            "xiaofang-jiance-baogao",
            "renfang-ziliao",
            "dangan-ziliao",
            "jungong-yanshou-baogao",
        ]
        .iter()
        .map(|c| pb::MaterialSubmission {
            material_code: (*c).into(),
            document_ref: format!("dms://{c}"),
        })
        .collect(),
        channel: pb::Channel::OnSite as i32,
        key_project_code: String::new(),
        front_desk_clerk: "desk-01".into(),
    }
}

/// One client task: applications one after the other until `stop`, each finished before it
/// looks at `stop` again. Every second application leaves its archive review silent.
pub async fn client(
    replicas: Arc<Replicas>,
    ledger: Arc<Ledger>,
    home: usize,
    stop: Arc<AtomicBool>,
) {
    let mut count = 0u64;
    while !stop.load(Ordering::Relaxed) {
        count += 1;
        one_application(&replicas, &ledger, home, count.is_multiple_of(2)).await;
    }
}

async fn one_application(replicas: &Replicas, ledger: &Ledger, home: usize, silent: bool) {
    let key = key();
    ledger
        .submissions
        .lock()
        .expect("submissions")
        .insert(key.clone(), None);
    let request = application(&key);
    let submitted = with_retry(replicas, ledger, home, true, "submit", |channel| {
        let request = request.clone();
        async move {
            pb::intake_service_client::IntakeServiceClient::new(channel)
                .submit_application(request)
                .await
        }
    })
    .await;
    let Some(application) = submitted.and_then(|answer| answer.application) else {
        return;
    };
    ledger
        .submissions
        .lock()
        .expect("submissions")
        .insert(key, Some(application.id.clone()));
    // The branches as the last answer showed them: those waiting on the decided one.
    let mut waiting = application.branches.clone();
    for branch in application
        .branches
        .iter()
        .filter(|b| b.matter_code != APPROVAL_MATTER)
    {
        if silent && branch.department_code == SILENT_DEPARTMENT {
            ledger
                .silent
                .lock()
                .expect("silent")
                .push((application.id.clone(), branch.id.clone()));
            continue;
        }
        let consent = pb::decide_task_request::Decision::Consent(pb::Consent {
            comment: String::new(),
        });
        match decide(replicas, ledger, home, branch, consent).await {
            Some(dependants) => waiting = dependants,
            None => return,
        }
    }
    if silent {
        return;
    }
    let approval = waiting
        .iter()
        .find(|b| b.matter_code == APPROVAL_MATTER && b.state == pb::BranchState::Open as i32);
    if let Some(approval) = approval {
        let approve = pb::decide_task_request::Decision::Approve(pb::Approve {
            result_reference: "备案-1".into(),
        });
        decide(replicas, ledger, home, approval, approve).await;
    }
}

/// Decides `branch`; once acknowledged, the branches waiting on it as the answer shows them.
async fn decide(
    replicas: &Replicas,
    ledger: &Ledger,
    home: usize,
    branch: &pb::Branch,
    decision: pb::decide_task_request::Decision,
) -> Option<Vec<pb::Branch>> {
    let state = match decision {
        pb::decide_task_request::Decision::Approve(_) => pb::BranchState::Approved,
        _ => pb::BranchState::Consented,
    };
    let request = pb::DecideTaskRequest {
        idempotency_key: key(),
        branch_id: branch.id.clone(),
        department_code: branch.department_code.clone(),
        clerk_id: "clerk-1".into(),
        decision: Some(decision),
    };
    let answer = with_retry(replicas, ledger, home, true, "decide", |channel| {
        let request = request.clone();
        async move {
            pb::task_service_client::TaskServiceClient::new(channel)
                .decide_task(request)
                .await
        }
    })
    .await?;
    ledger
        .decisions
        .lock()
        .expect("decisions")
        .push((branch.id.clone(), state as i32));
    Some(answer.dependants)
}
