//! A refused call or form: the gRPC code, the stable reason and the handler's explanation, with
//! the HTTP status and the Chinese headline they become (`page` draws the refusal page, never
//! with the data the refused call would have returned).

use axum::http::StatusCode;
use tonic::{Code, Status};
use tonic_types::StatusExt as _;

/// Why a call or a form was refused.
#[derive(Debug, Clone)]
pub struct Refused {
    /// The gRPC code.
    pub code: Code,
    /// The `lianban.v1` reason (`OUT_OF_SCOPE`, …), or the console's own for its checks.
    pub reason: String,
    /// The explanation.
    pub message: String,
    /// The field a bad value was sent in, when one was.
    pub field: Option<String>,
}

impl Refused {
    /// A refusal of the console's own (a form from another page, a sign-in that failed).
    pub fn new(code: Code, reason: &str, message: impl Into<String>) -> Refused {
        Refused {
            code,
            reason: reason.to_owned(),
            message: message.into(),
            field: None,
        }
    }

    /// The HTTP status that fits the gRPC code.
    pub fn http_status(&self) -> StatusCode {
        match self.code {
            Code::Unauthenticated => StatusCode::UNAUTHORIZED,
            Code::PermissionDenied => StatusCode::FORBIDDEN,
            Code::NotFound => StatusCode::NOT_FOUND,
            Code::InvalidArgument | Code::OutOfRange => StatusCode::BAD_REQUEST,
            Code::FailedPrecondition | Code::AlreadyExists | Code::Aborted => StatusCode::CONFLICT,
            Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
            Code::Unavailable | Code::DeadlineExceeded => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The page's headline, in the centre's words.
    pub fn headline(&self) -> &'static str {
        match self.code {
            Code::Unauthenticated => "未能确认您的身份",
            Code::PermissionDenied => "无权查看或办理",
            Code::NotFound => "未找到",
            Code::InvalidArgument | Code::OutOfRange => "填写的内容有误",
            Code::FailedPrecondition | Code::AlreadyExists | Code::Aborted => "当前状态下不能办理",
            Code::ResourceExhausted => "请求过于频繁，请稍后再试",
            Code::Unavailable | Code::DeadlineExceeded => "系统暂时不可用，请稍后再试",
            _ => "系统出错",
        }
    }
}

impl From<Status> for Refused {
    fn from(status: Status) -> Refused {
        let details = status.get_error_details();
        let reason = details
            .error_info()
            .map(|info| info.reason.clone())
            .unwrap_or_else(|| format!("{:?}", status.code()).to_uppercase());
        let field = details
            .bad_request()
            .and_then(|bad| bad.field_violations.first())
            .map(|violation| violation.field.clone());
        Refused {
            code: status.code(),
            reason,
            message: status.message().to_owned(),
            field,
        }
    }
}
