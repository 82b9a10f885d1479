//! The two workloads and their measurements: 开办企业 end to end, and the five-department joint
//! review where one department stays silent and is deemed to consent.

use std::sync::Arc;
use std::time::{Duration, Instant};

use lianban_proto::v1 as pb;
use tokio::sync::Mutex;
use tonic::transport::Channel;

/// Latencies of one kind, in microseconds.
#[derive(Default, Clone)]
pub(crate) struct Samples(pub(crate) Vec<u64>);

impl Samples {
    pub(crate) fn push(&mut self, since: Instant) {
        self.0.push(since.elapsed().as_micros() as u64);
    }

    pub(crate) fn percentile(&self, p: f64) -> f64 {
        if self.0.is_empty() {
            return 0.0;
        }
        let mut sorted = self.0.clone();
        sorted.sort_unstable();
        let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[rank - 1] as f64 / 1000.0
    }
}

#[derive(Default)]
pub(crate) struct Result_ {
    pub(crate) completed: usize,
    pub(crate) seconds: f64,
    pub(crate) submit: Samples,
    pub(crate) decide: Samples,
    pub(crate) dispatch: Samples,
    pub(crate) end_to_end: Samples,
    pub(crate) timer_lag: Samples,
}

#[derive(Default)]
pub(crate) struct Shared {
    pub(crate) submit: Samples,
    pub(crate) decide: Samples,
    pub(crate) dispatch: Samples,
    pub(crate) end_to_end: Samples,
}

pub(crate) fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub(crate) fn company() -> pb::SubmitApplicationRequest {
    pb::SubmitApplicationRequest {
        idempotency_key: key(),
        bundle_code: "kaiban-qiye".into(),
        applicant: Some(pb::Applicant {
            kind: pb::ApplicantKind::NaturalPerson as i32,
            name: "王小明".into(),
            id_number: "11010519491231002X".into(),
            phone: "13800138000".into(),
        }),
        form: [
            ("company_name", "福州榕城茶业有限公司"),
            ("registered_capital", "100"),
            ("business_scope", "茶叶销售"),
            ("address", "福州市鼓楼区五四路88号"),
            ("legal_representative", "王小明"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect(),
        materials: [
            "fading-daibiaoren-shenfen",
            "gongsi-zhangcheng",
            "jingbanren-shenfen",
            "sheli-shenqingshu",
            "zhusuo-shiyong-zhengming",
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

pub(crate) fn joint() -> pb::SubmitApplicationRequest {
    pb::SubmitApplicationRequest {
        bundle_code: "bench-lianshen".into(),
        form: [("project_name".to_owned(), "3号厂房".to_owned())]
            .into_iter()
            .collect(),
        materials: [
            "jungong-celiang-baogao",
            "guihua-xukezheng",
            "jungong-tuzhi",
            "xiaofang-jiance-baogao",
            "renfang-ziliao",
            "dangan-ziliao",
        ]
        .iter()
        .map(|c| pb::MaterialSubmission {
            material_code: (*c).into(),
            document_ref: format!("dms://{c}"),
        })
        .collect(),
        ..company()
    }
}

pub(crate) fn decision(
    branch: &pb::Branch,
    decision: pb::decide_task_request::Decision,
) -> pb::DecideTaskRequest {
    pb::DecideTaskRequest {
        idempotency_key: key(),
        branch_id: branch.id.clone(),
        department_code: branch.department_code.clone(),
        clerk_id: "bench".into(),
        decision: Some(decision),
    }
}

pub(crate) fn approve() -> pb::decide_task_request::Decision {
    pb::decide_task_request::Decision::Approve(pb::Approve {
        result_reference: "R-1".into(),
    })
}

pub(crate) async fn decide(
    channel: &Channel,
    shared: &Mutex<Shared>,
    request: pb::DecideTaskRequest,
) -> pb::DecideTaskResponse {
    let mut tasks = pb::task_service_client::TaskServiceClient::new(channel.clone());
    let started = Instant::now();
    let response = tasks
        .decide_task(request)
        .await
        .expect("decide")
        .into_inner();
    shared.lock().await.decide.push(started);
    response
}

pub(crate) async fn dispatch(channel: &Channel, shared: &Mutex<Shared>, id: &str) {
    let mut client = pb::dispatch_service_client::DispatchServiceClient::new(channel.clone());
    let request = pb::RecordHandOverRequest {
        application_id: id.to_owned(),
        method: pb::HandOverMethod::Electronic as i32,
        handed_by: "window".into(),
        ..Default::default()
    };
    let started = Instant::now();
    client.record_hand_over(request).await.expect("dispatch");
    shared.lock().await.dispatch.push(started);
}

pub(crate) async fn submit(
    channel: &Channel,
    shared: &Mutex<Shared>,
    request: pb::SubmitApplicationRequest,
) -> pb::Application {
    let mut intake = pb::intake_service_client::IntakeServiceClient::new(channel.clone());
    let started = Instant::now();
    let response = intake
        .submit_application(request)
        .await
        .expect("submit")
        .into_inner();
    shared.lock().await.submit.push(started);
    response.application.expect("application")
}

/// One 开办企业 application, start to dispatch.
pub(crate) async fn one_company(channel: Channel, shared: Arc<Mutex<Shared>>) {
    let started = Instant::now();
    let application = submit(&channel, &shared, company()).await;
    let registration = application
        .branches
        .iter()
        .find(|b| b.matter_code == "scjg-qiye-sheli")
        .unwrap();
    let after = decide(&channel, &shared, decision(registration, approve())).await;
    // The branches registration's approval started.
    let parallel: Vec<_> = after
        .dependants
        .iter()
        .filter(|b| b.state == pb::BranchState::Open as i32)
        .map(|b| {
            let (channel, shared, request) =
                (channel.clone(), Arc::clone(&shared), decision(b, approve()));
            tokio::spawn(async move { decide(&channel, &shared, request).await })
        })
        .collect();
    for task in parallel {
        task.await.unwrap();
    }
    dispatch(&channel, &shared, &application.id).await;
    shared.lock().await.end_to_end.push(started);
}

pub(crate) async fn company_workload(
    channels: &[Channel],
    concurrency: usize,
    count: usize,
) -> Result_ {
    let shared = Arc::new(Mutex::new(Shared::default()));
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|task| {
            let channel = channel_of(channels, task);
            let (shared, next) = (Arc::clone(&shared), Arc::clone(&next));
            tokio::spawn(async move {
                while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < count {
                    one_company(channel.clone(), Arc::clone(&shared)).await;
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    let seconds = started.elapsed().as_secs_f64();
    let shared = Arc::try_unwrap(shared).ok().unwrap().into_inner();
    Result_ {
        completed: count,
        seconds,
        submit: shared.submit,
        decide: shared.decide,
        dispatch: shared.dispatch,
        end_to_end: shared.end_to_end,
        timer_lag: Samples::default(),
    }
}

/// Joint reviews: submit and four consents for every application, then the clock passes the
/// deadline and the silent department is deemed to consent; then every application is dispatched.
/// The connection client task `task` uses: the tasks are spread evenly over the connections.
pub(crate) fn channel_of(channels: &[Channel], task: usize) -> Channel {
    channels[task % channels.len()].clone()
}

pub(crate) async fn joint_workload(
    channels: &[Channel],
    concurrency: usize,
    count: usize,
) -> Result_ {
    let channel = &channels[0];
    let shared = Arc::new(Mutex::new(Shared::default()));
    let started = Instant::now();
    let applications = Arc::new(Mutex::new(Vec::new()));
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let workers: Vec<_> = (0..concurrency)
        .map(|task| {
            let (channel, shared, next, applications) = (
                channel_of(channels, task),
                Arc::clone(&shared),
                Arc::clone(&next),
                Arc::clone(&applications),
            );
            tokio::spawn(async move {
                while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < count {
                    let begun = Instant::now();
                    let application = submit(&channel, &shared, joint()).await;
                    let consent = pb::decide_task_request::Decision::Consent(pb::Consent {
                        comment: String::new(),
                    });
                    for branch in application
                        .branches
                        .iter()
                        .filter(|b| b.department_code != "daj")
                    {
                        decide(&channel, &shared, decision(branch, consent.clone())).await;
                    }
                    applications.lock().await.push((application.id, begun));
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    // Watch supervision notifications, then move the clock one day on: every silent archive
    // department is deemed to consent; the lag is from the clock passing to each notification.
    let mut notifications =
        pb::notification_service_client::NotificationServiceClient::new(channel.clone());
    let mut admin = pb::admin_service_client::AdminServiceClient::new(channel.clone());
    let first = applications.lock().await[0].0.clone();
    let mut latest = 0;
    let mut page_token = String::new();
    loop {
        let page = notifications
            .list_notifications(pb::ListNotificationsRequest {
                application_id: first.clone(),
                page_size: 500,
                page_token,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        latest = page
            .notifications
            .iter()
            .map(|n| n.position)
            .fold(latest, i64::max);
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    let subscribe = pb::SubscribeRequest {
        after_position: latest,
        audience: pb::Audience::Supervision as i32,
        ..Default::default()
    };
    let mut stream = notifications
        .subscribe(subscribe)
        .await
        .unwrap()
        .into_inner();
    let passed = Instant::now();
    let moved = pb::AdvanceTimeRequest {
        seconds: 14 * 86_400,
    }; // past every 5-working-day limit
    let advance = tokio::spawn(async move { admin.advance_time(moved).await.unwrap() });
    let mut lag = Samples::default();
    let wanted = applications.lock().await.len();
    while lag.0.len() < wanted {
        match tokio::time::timeout(Duration::from_secs(120), stream.message()).await {
            Ok(Ok(Some(notification))) if notification.kind == "deemed_consent" => lag.push(passed),
            Ok(Ok(Some(_))) => {}
            _ => break,
        }
    }
    advance.await.expect("advance the clock");
    let ids: Vec<(String, Instant)> = applications.lock().await.clone();
    let chunks: Vec<Vec<(String, Instant)>> = ids
        .chunks(ids.len().div_ceil(concurrency))
        .map(|c| c.to_vec())
        .collect();
    let dispatchers: Vec<_> = chunks
        .into_iter()
        .enumerate()
        .map(|(task, chunk)| {
            let (channel, shared) = (channel_of(channels, task), Arc::clone(&shared));
            tokio::spawn(async move {
                for (id, begun) in chunk {
                    dispatch(&channel, &shared, &id).await;
                    shared.lock().await.end_to_end.push(begun);
                }
            })
        })
        .collect();
    for task in dispatchers {
        task.await.unwrap();
    }
    let seconds = started.elapsed().as_secs_f64();
    let shared = Arc::try_unwrap(shared).ok().unwrap().into_inner();
    Result_ {
        completed: wanted,
        seconds,
        submit: shared.submit,
        decide: shared.decide,
        dispatch: shared.dispatch,
        end_to_end: shared.end_to_end,
        timer_lag: lag,
    }
}
