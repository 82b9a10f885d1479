//! What was recorded about an application besides its own state: the notices sent about it, the
//! joint review sessions that review it, and its audit trail (全过程留痕) as a time line with the
//! chain's verification. Each is read separately; one that could not be read says why instead of
//! taking the whole page down.

use chrono_tz::Tz;
use lianban_proto::v1 as pb;
use maud::{Markup, html};

use super::refusal::Refused;
use super::words;

/// One part of the page, or why it could not be read.
pub type Part<T> = Result<T, Refused>;

/// The notices sent about the application, in outbox order.
pub fn notices(part: &Part<Vec<pb::Notification>>, zone: Tz) -> Markup {
    html! {
        section #notices aria-labelledby="notices-h" {
            h2 #notices-h { "通知记录" }
            @match part {
                Err(refused) => { (unread(refused)) }
                Ok(notices) if notices.is_empty() => { p { "没有通知。" } }
                Ok(notices) => { table {
                    caption.visually-hidden { "通知记录" }
                    thead { tr { th scope="col" { "时间" } th scope="col" { "对象" } th scope="col" { "类型" } th scope="col" { "内容" } } }
                    tbody {
                        @for notice in notices {
                            tr data-notification=(notice.kind) {
                                th scope="row" { (words::moment(notice.created_at.as_ref(), zone)) }
                                td { (audience(notice)) }
                                td { code { (notice.kind) } }
                                td { (notice.message) }
                            }
                        }
                    }
                } }
            }
        }
    }
}

fn audience(notice: &pb::Notification) -> String {
    match pb::Audience::try_from(notice.audience).unwrap_or(pb::Audience::Unspecified) {
        pb::Audience::Applicant => "申请人".to_owned(),
        pb::Audience::Department => format!("部门 {}", notice.department_code),
        pb::Audience::Supervision => "督查".to_owned(),
        pb::Audience::Unspecified => "—".to_owned(),
    }
}

/// The joint review sessions that review the application.
pub fn sessions(part: &Part<Vec<pb::Session>>, zone: Tz) -> Markup {
    html! {
        section #sessions aria-labelledby="sessions-h" {
            h2 #sessions-h { "联审会与联合踏勘" }
            @match part {
                Err(refused) => { (unread(refused)) }
                Ok(sessions) if sessions.is_empty() => { p { "没有联审会或联合踏勘。" } }
                Ok(sessions) => { ul {
                    @for session in sessions {
                        li data-session=(session.id) {
                            (session_kind(session.kind)) " · " (session_state(session.state))
                            " · " (words::moment(session.starts_at.as_ref(), zone)) " · " (session.place)
                            " · 牵头部门 " (session.lead_department_code)
                            small { " 受邀：" (session.invitations.iter().map(|i| i.department_code.as_str()).collect::<Vec<_>>().join("、")) }
                            @if !session.minutes.is_empty() { p { "纪要：" (session.minutes) } }
                            @if !session.cancellation_reason.is_empty() { p { "取消原因：" (session.cancellation_reason) } }
                        }
                    }
                } }
            }
        }
    }
}

fn session_kind(kind: i32) -> &'static str {
    match pb::SessionKind::try_from(kind).unwrap_or(pb::SessionKind::Unspecified) {
        pb::SessionKind::Meeting => "联审会",
        pb::SessionKind::SiteSurvey => "联合踏勘",
        pb::SessionKind::Unspecified => "会议",
    }
}

fn session_state(state: i32) -> &'static str {
    match pb::SessionState::try_from(state).unwrap_or(pb::SessionState::Unspecified) {
        pb::SessionState::Scheduled => "已安排",
        pb::SessionState::Closed => "已结束",
        pb::SessionState::Cancelled => "已取消",
        pb::SessionState::Unspecified => "—",
    }
}

/// The audit trail as a time line, with whether its whole chain verifies.
pub fn trail(part: &Part<pb::AuditTrail>, zone: Tz) -> Markup {
    html! {
        section #trail aria-labelledby="trail-h" {
            h2 #trail-h { "全程留痕" }
            @match part {
                Err(refused) => { (unread(refused)) }
                Ok(trail) => {
                    @if trail.verified {
                        p #trail-verified data-verified="true" { "留痕链校验通过：无篡改、无缺失。" }
                    } @else {
                        p.notice #trail-verified data-verified="false" {
                            "留痕链校验未通过：自第 " (trail.first_bad_seq) " 条起不符（" (trail.problem) "）。"
                        }
                    }
                    @if !trail.next_page_token.is_empty() { p { "留痕较长，此处只列出前一部分。" } }
                    ol.trail {
                        @for event in &trail.events {
                            li data-trail-actor=(event.actor) data-trail-kind=(event.kind) {
                                time { (words::moment(event.at.as_ref(), zone)) }
                                " " strong { (event.actor) } " " code { (event.kind) }
                                small { " #" (event.seq) " · 版本 " (event.version) }
                                @if !event.detail_json.is_empty() && event.detail_json != "{}" {
                                    pre.detail { (event.detail_json) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A part that could not be read: why, never what it would have shown.
fn unread(refused: &Refused) -> Markup {
    html! {
        p.unread data-unread=(refused.reason) { "无法读取（" code { (refused.reason) } "）：" (refused.message) }
    }
}
