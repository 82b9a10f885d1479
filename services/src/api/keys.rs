//! Idempotency keys of requests: which requests carry one, and the scope each is remembered in
//! (the RPC and the application, branch, session, case or department it acts on).

use lianban_proto::v1 as pb;

use crate::convert;
use crate::error::Error;
use crate::runtime::Idempotency;

/// Requests that carry an idempotency key.
pub(crate) trait HasKey: prost::Message + Clone {
    /// The key as sent.
    fn key(&self) -> &str;
    /// Clears it, so that the request's hash leaves it out.
    fn clear_key(&mut self);
}

macro_rules! has_key {
    ($($request:ty),*) => {$(
        impl HasKey for $request {
            fn key(&self) -> &str {
                &self.idempotency_key
            }
            fn clear_key(&mut self) {
                self.idempotency_key.clear();
            }
        }
    )*};
}

has_key!(
    pb::SubmitApplicationRequest,
    pb::SupplementMaterialsRequest,
    pb::WithdrawApplicationRequest,
    pb::RateServiceRequest,
    pb::DecideTaskRequest,
    pb::RequestSupplementRequest,
    pb::StartSpecialProcedureRequest,
    pb::ResumeTaskRequest,
    pb::RequestExtensionRequest,
    pb::ReleaseTaskRequest,
    pb::AssignTaskRequest,
    pb::RecordHandOverRequest,
    pb::DecideExtensionRequest,
    pb::ScheduleSessionRequest,
    pb::RecordOpinionRequest,
    pb::RescheduleSessionRequest,
    pb::CancelSessionRequest,
    pb::CloseSessionRequest,
    pb::LodgeComplaintRequest,
    pb::ReplyToCaseRequest,
    pb::RuleOnComplaintRequest,
    pb::AppealRectificationRequest,
    pb::DecideAppealRequest,
    pb::RecordCallBackRequest,
    pb::CloseCaseRequest
);

/// An optional idempotency key of `rpc`, remembered per `scope` (an application, branch, session
/// or department).
pub(crate) fn optional_key<M: HasKey>(
    rpc: &str,
    scope: &impl std::fmt::Display,
    request: &M,
) -> Result<Option<Idempotency>, Error> {
    Ok(convert::idempotency_key(request.key(), false)?
        .map(|key| Idempotency::of(format!("{rpc}:{scope}"), key, request, M::clear_key)))
}

/// The key of a request that must carry one: retries of it are only safe with a key.
pub(crate) fn required_key(request: &impl HasKey) -> Result<String, Error> {
    Ok(convert::idempotency_key(request.key(), true)?.unwrap_or_default())
}

/// The checked `key` of `request`, remembered in `scope`.
pub(crate) fn keyed<M: HasKey>(scope: String, key: String, request: &M) -> Idempotency {
    Idempotency::of(scope, key, request, M::clear_key)
}
