//! The forms a department's clerk acts through on one of the department's branches: claim or
//! release, decide (准予/不予 on an approval, 同意/不同意 on a joint review), ask for a supplement,
//! start or end a special procedure, ask for an extension. Which forms a branch gets follows its
//! state, so a clerk is not offered what the engine would refuse anyway; the engine still decides.
//! Every form carries the session's CSRF token, an idempotency key made now, and where to go back.

use lianban_proto::v1 as pb;
use maud::{Markup, html};
use uuid::Uuid;

use super::calls::may;
use super::person::Person;

/// The special procedures a clerk may start, as (form value, Chinese name).
pub const SPECIAL_PROCEDURES: [(&str, &str); 5] = [
    ("hearing", "听证"),
    ("expert_review", "专家评审"),
    ("on_site_inspection", "现场勘验"),
    ("testing", "检验检测"),
    ("public_notice", "公示"),
];

/// Every action form `person` may use on `branch`, or nothing when none fits its state or the
/// person may not act for departments. `back` is the page to return to after success.
pub fn actions(person: &Person, branch: &pb::Branch, back: &str) -> Markup {
    if !may(&person.principal, "/lianban.v1.TaskService/DecideTask")
        || person.principal.department.as_deref() != Some(branch.department_code.as_str())
    {
        return html! {};
    }
    let state = pb::BranchState::try_from(branch.state).unwrap_or(pb::BranchState::Unspecified);
    let running = matches!(state, pb::BranchState::Open | pb::BranchState::Claimed);
    let holder = branch.claimed_by == person.principal.name;
    let form = Forms {
        person,
        branch: &branch.id,
        back,
    };
    html! {
        div.actions {
            @if state == pb::BranchState::Open { (form.claim()) }
            @if state == pb::BranchState::Claimed && holder { (form.release()) }
            @if running {
                (form.decide(branch.role))
                (form.supplement(&branch.materials))
                (form.special())
            }
            @if state == pb::BranchState::Paused { (form.resume()) }
            @if running || state == pb::BranchState::Paused { (form.extend()) }
        }
    }
}

/// The forms of one branch.
struct Forms<'a> {
    person: &'a Person,
    branch: &'a str,
    back: &'a str,
}

impl Forms<'_> {
    /// The hidden fields every action form carries.
    fn hidden(&self) -> Markup {
        html! {
            input type="hidden" name="csrf" value=(self.person.csrf);
            input type="hidden" name="request_key" value=(Uuid::new_v4().to_string());
            input type="hidden" name="branch_id" value=(self.branch);
            input type="hidden" name="back" value=(self.back);
        }
    }

    /// A field id unique on the page: the field's name and the branch.
    fn id(&self, field: &str) -> String {
        format!("{field}-{}", self.branch)
    }

    fn claim(&self) -> Markup {
        html! {
            form.action method="post" action="/queue/claim" data-claim=(self.branch) {
                (self.hidden())
                button type="submit" { "认领" }
            }
        }
    }

    fn release(&self) -> Markup {
        let reason = self.id("release-reason");
        html! {
            form.action method="post" action="/queue/release" data-release=(self.branch) {
                (self.hidden())
                label for=(reason) { "退回原因" }
                input id=(reason) name="reason" required;
                button.secondary type="submit" { "退回部门队列" }
            }
        }
    }

    fn decide(&self, role: i32) -> Markup {
        let joint = role == pb::Role::JointReview as i32;
        let (decision, result, reason) = (
            self.id("decision"),
            self.id("result-reference"),
            self.id("decide-reason"),
        );
        html! {
            form.action method="post" action="/queue/decide" data-decide=(self.branch) {
                (self.hidden())
                label for=(decision) { "办理结果" }
                select id=(decision) name="decision" {
                    @if joint {
                        option value="consent" { "同意" }
                        option value="object" { "不同意" }
                    } @else {
                        option value="approve" { "准予" }
                        option value="reject" { "不予" }
                    }
                }
                @if !joint {
                    label for=(result) { "批文或证照编号（准予时必填）" }
                    input id=(result) name="result_reference";
                }
                label for=(reason) {
                    @if joint { "意见（不同意时必填理由）" } @else { "不予许可的理由（不予时必填）" }
                }
                textarea id=(reason) name="reason" rows="2" {}
                button type="submit" { "提交办理结果" }
            }
        }
    }

    fn supplement(&self, materials: &[pb::ReceivedMaterial]) -> Markup {
        let (codes, reason) = (self.id("material-codes"), self.id("supplement-reason"));
        let known: Vec<&str> = materials.iter().map(|m| m.material_code.as_str()).collect();
        html! {
            form.action method="post" action="/queue/supplement" data-supplement=(self.branch) {
                (self.hidden())
                label for=(codes) { "需补正的材料编码（多个用逗号分隔）" }
                input id=(codes) name="material_codes" required;
                @if !known.is_empty() { small { " 本事项材料：" (known.join("、")) } }
                label for=(reason) { "补正原因（告知申请人）" }
                textarea id=(reason) name="reason" rows="2" required {}
                button type="submit" { "要求补正" }
            }
        }
    }

    fn special(&self) -> Markup {
        let (kind, reason, days) = (
            self.id("special-kind"),
            self.id("special-reason"),
            self.id("expected-days"),
        );
        html! {
            form.action method="post" action="/queue/special" data-special=(self.branch) {
                (self.hidden())
                label for=(kind) { "特别程序" }
                select id=(kind) name="kind" {
                    @for (value, name) in SPECIAL_PROCEDURES { option value=(value) { (name) } }
                }
                label for=(reason) { "原因（告知申请人）" }
                textarea id=(reason) name="reason" rows="2" required {}
                label for=(days) { "预计工作日" }
                input id=(days) name="expected_days" type="number" min="1" max="365" required;
                button type="submit" { "启动特别程序" }
            }
        }
    }

    fn resume(&self) -> Markup {
        html! {
            form.action method="post" action="/queue/resume" data-resume=(self.branch) {
                (self.hidden())
                button type="submit" { "恢复计时" }
            }
        }
    }

    fn extend(&self) -> Markup {
        let (days, reason) = (self.id("extend-days"), self.id("extend-reason"));
        html! {
            form.action method="post" action="/queue/extend" data-extend=(self.branch) {
                (self.hidden())
                label for=(days) { "延期工作日" }
                input id=(days) name="days" type="number" min="1" max="365" required;
                label for=(reason) { "延期理由（告知申请人）" }
                textarea id=(reason) name="reason" rows="2" required {}
                button type="submit" { "提交延期申请" }
            }
        }
    }
}

/// A special procedure's kind from its form value.
pub fn special_procedure(value: &str) -> Option<pb::PauseKind> {
    Some(match value {
        "hearing" => pb::PauseKind::Hearing,
        "expert_review" => pb::PauseKind::ExpertReview,
        "on_site_inspection" => pb::PauseKind::OnSiteInspection,
        "testing" => pb::PauseKind::Testing,
        "public_notice" => pb::PauseKind::PublicNotice,
        _ => return None,
    })
}

/// Where a form may send the clerk back to: one of the console's own queue or application pages,
/// else the queue (never another site).
pub fn back_to(sent: &str) -> &str {
    let own_page =
        (sent == "/queue" || sent.starts_with("/queue?") || sent.starts_with("/applications/"))
            && !sent.contains("//")
            && !sent.contains('\\')
            && sent.chars().all(|c| c.is_ascii_graphic());
    if own_page { sent } else { "/queue" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_own_pages_are_gone_back_to() {
        assert_eq!(
            back_to("/applications/LB2026-0001"),
            "/applications/LB2026-0001"
        );
        assert_eq!(back_to("/queue?all=1"), "/queue?all=1");
        assert_eq!(back_to("https://elsewhere.example/"), "/queue");
        assert_eq!(back_to("//elsewhere.example/"), "/queue");
        assert_eq!(back_to("/applications//elsewhere"), "/queue");
        assert_eq!(back_to("/signout"), "/queue");
    }

    #[test]
    fn every_offered_procedure_is_known() {
        for (value, _) in SPECIAL_PROCEDURES {
            assert!(special_procedure(value).is_some(), "{value}");
        }
        assert_eq!(special_procedure("supplement"), None);
    }
}
