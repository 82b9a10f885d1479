//! `CaseService`: complaints lodged at the front desk and the rectifications negative ratings
//! open — look them up and list them, and the steps of departments and supervisors on one, each
//! on the case's verified trail.

use lianban_orchestrator::case::{Case, CaseCommand, CaseKind, OpenCase, Subject};
use lianban_proto::v1 as pb;
use lianban_proto::v1::case_service_server::CaseService;
use tonic::Request;
use uuid::Uuid;

use super::answers::{Reply, inbound_as, ok};
use super::checks::{known_department, optional_department};
use super::keys::optional_key;
use crate::cases;
use crate::convert::{self, SubjectNamed, uuid_field};
use crate::error::Error;
use crate::identity::{Caller, Role};
use crate::listing::page_of_sorted;
use crate::runtime::Runtime;
use crate::store::{AuditRow, CaseFilter};

/// Complaints and rectifications.
pub struct CaseApi {
    runtime: Runtime,
}

impl CaseApi {
    /// Over a runtime.
    pub fn new(runtime: Runtime) -> Self {
        CaseApi { runtime }
    }

    /// The case as `caller` may read it: a department reads its own cases only.
    async fn readable(&self, caller: &Caller, case_id: &str) -> Result<Case, Error> {
        let id = uuid_field("case_id", case_id)?;
        let case = self
            .runtime
            .store()
            .case(id)
            .await?
            .ok_or_else(|| Error::NotFound {
                entity: "case",
                id: id.to_string(),
            })?;
        if let Some(department) = caller.confined_department()
            && department != case.department_code
        {
            return Err(caller.out_of_scope(
                "case_id",
                format!("the case is routed to another department than {department}"),
            ));
        }
        Ok(case)
    }

    /// Where a complaint goes: the subject as the engine keeps it, and its department — the
    /// subject's own (a department; a clerk's in the staffing), else the one the lodger names.
    async fn route(
        &self,
        named: SubjectNamed,
        department_code: &str,
    ) -> Result<(Subject, String), Error> {
        let named_department = department_code.trim();
        let runtime = &self.runtime;
        let (subject, own) = match named {
            SubjectNamed::Application(application_id) => {
                if runtime.store().application(application_id).await?.is_none() {
                    return Err(Error::invalid(
                        "subject.application_id",
                        "no such application",
                    ));
                }
                (Subject::Application { application_id }, None)
            }
            SubjectNamed::Department(code) => {
                if runtime.catalogue().department(&code).is_none() {
                    return Err(Error::invalid(
                        "subject.department_code",
                        format!("no department with code {}", convert::echo(&code)),
                    ));
                }
                let subject = Subject::Department {
                    department_code: code.clone(),
                };
                (subject, Some(code))
            }
            SubjectNamed::Window(window) => (Subject::Window { window }, None),
            SubjectNamed::Clerk(clerk_id) => {
                let staffing = runtime.staffing();
                let post = staffing.posts().iter().find(|p| p.has_clerk(&clerk_id));
                let Some(post) = post else {
                    return Err(Error::invalid(
                        "subject.clerk_id",
                        "no post of any department names this clerk",
                    ));
                };
                let department_code = post.department.clone();
                let subject = Subject::Clerk {
                    department_code: department_code.clone(),
                    clerk_id,
                };
                (subject, Some(department_code))
            }
        };
        let department = match own {
            Some(own) if named_department.is_empty() || named_department == own => own,
            Some(own) => {
                return Err(Error::invalid(
                    "department_code",
                    format!("the subject's department is {own}: leave it empty or name it"),
                ));
            }
            None => known_department(runtime.catalogue(), named_department)?,
        };
        Ok((subject, department))
    }

    /// Carries out `command` on the case as `actor` and answers with it as the caller sees it.
    async fn act(
        &self,
        caller: &Caller,
        case_id: Uuid,
        command: CaseCommand,
        actor: String,
        idempotency: Option<crate::runtime::Idempotency>,
    ) -> Result<pb::Case, Error> {
        let now = self.runtime.now();
        let clear = caller.sees_personal_data();
        cases::execute(&self.runtime, case_id, command, actor, idempotency, |c| {
            convert::case_to_wire(c, now, clear)
        })
        .await
    }

    /// Refuses a department's act on a case routed elsewhere before anything is decided.
    async fn own_case(&self, caller: &Caller, case_id: &str) -> Result<Uuid, Error> {
        Ok(self.readable(caller, case_id).await?.id)
    }
}

/// The trail's name for a person's act: a supervisor's, else the front desk's.
fn person_actor(caller: &Caller, name: &str) -> String {
    if caller.principal().has(Role::Supervisor) {
        format!("supervisor:{name}")
    } else {
        format!("front-desk:{name}")
    }
}

#[tonic::async_trait]
impl CaseService for CaseApi {
    async fn lodge_complaint(
        &self,
        request: Request<pb::LodgeComplaintRequest>,
    ) -> Reply<pb::Case> {
        let (caller, r) = inbound_as(request)?;
        let named = convert::subject_named(r.subject.clone())?;
        let complainant = convert::complainant(r.complainant.clone())?;
        let channel = convert::complaint_channel(r.channel)?;
        let facts = convert::required_text("facts", &r.facts)?;
        let registered_by = caller.person("registered_by", &r.registered_by)?;
        let (subject, department_code) = self.route(named, &r.department_code).await?;
        let idempotency = optional_key("LodgeComplaint", &department_code, &r)?;
        let command = OpenCase {
            case_id: Uuid::now_v7(),
            kind: CaseKind::Complaint,
            number: String::new(),
            department_code,
            channel,
            subject: Some(subject),
            complainant: Some(complainant),
            facts,
            rating: None,
            opened_by: person_actor(&caller, &registered_by),
        };
        let now = self.runtime.now();
        let clear = caller.sees_personal_data();
        let response = cases::lodge(&self.runtime, command, idempotency, |c| {
            convert::case_to_wire(c, now, clear)
        })
        .await?;
        ok(response)
    }

    async fn get_case(&self, request: Request<pb::GetCaseRequest>) -> Reply<pb::Case> {
        let (caller, r) = inbound_as(request)?;
        let case = self.readable(&caller, &r.case_id).await?;
        let clear = caller.sees_personal_data();
        ok(convert::case_to_wire(&case, self.runtime.now(), clear))
    }

    async fn list_cases(
        &self,
        request: Request<pb::ListCasesRequest>,
    ) -> Reply<pb::ListCasesResponse> {
        let (caller, r) = inbound_as(request)?;
        let page = convert::page_request(r.page_size, &r.page_token)?;
        let now = self.runtime.now();
        let filter = CaseFilter {
            kind: convert::case_kind_filter(r.kind)?,
            states: convert::case_states(r.state)?,
            department_code: optional_department(
                self.runtime.catalogue(),
                &caller.reading_department("department_code", &r.department_code)?,
            )?,
            overdue_at: r.overdue.then_some(now),
            ..CaseFilter::default()
        };
        let found = self
            .runtime
            .store()
            .cases(&filter, &page)
            .await
            .map_err(Error::from)?;
        let clear = caller.sees_personal_data();
        ok(pb::ListCasesResponse {
            cases: found
                .items
                .iter()
                .map(|c| convert::case_to_wire(c, now, clear))
                .collect(),
            next_page_token: convert::page_token(found.next_after),
        })
    }

    async fn reply_to_case(&self, request: Request<pb::ReplyToCaseRequest>) -> Reply<pb::Case> {
        let (caller, r) = inbound_as(request)?;
        let case_id = self.own_case(&caller, &r.case_id).await?;
        let department_code = convert::required_text(
            "department_code",
            &caller.acting_department("department_code", &r.department_code)?,
        )?;
        let clerk_id = caller.clerk("clerk_id", &r.clerk_id)?;
        let actor = format!("department:{department_code}/{clerk_id}");
        let idempotency = optional_key("ReplyToCase", &case_id, &r)?;
        let command = CaseCommand::Reply {
            department_code,
            clerk_id,
            text: r.text.trim().to_owned(),
        };
        ok(self
            .act(&caller, case_id, command, actor, idempotency)
            .await?)
    }

    async fn rule_on_complaint(
        &self,
        request: Request<pb::RuleOnComplaintRequest>,
    ) -> Reply<pb::Case> {
        let (caller, r) = inbound_as(request)?;
        let case_id = uuid_field("case_id", &r.case_id)?;
        let supervisor = caller.person("supervisor_id", &r.supervisor_id)?;
        let idempotency = optional_key("RuleOnComplaint", &case_id, &r)?;
        let actor = format!("supervisor:{supervisor}");
        let command = CaseCommand::Rule {
            supervisor,
            upheld: r.upheld,
            reason: r.reason.trim().to_owned(),
        };
        ok(self
            .act(&caller, case_id, command, actor, idempotency)
            .await?)
    }

    async fn appeal_rectification(
        &self,
        request: Request<pb::AppealRectificationRequest>,
    ) -> Reply<pb::Case> {
        let (caller, r) = inbound_as(request)?;
        let case_id = self.own_case(&caller, &r.case_id).await?;
        let department_code = convert::required_text(
            "department_code",
            &caller.acting_department("department_code", &r.department_code)?,
        )?;
        let clerk_id = caller.clerk("clerk_id", &r.clerk_id)?;
        let actor = format!("department:{department_code}/{clerk_id}");
        let idempotency = optional_key("AppealRectification", &case_id, &r)?;
        let command = CaseCommand::Appeal {
            department_code,
            clerk_id,
            reason: r.reason.trim().to_owned(),
        };
        ok(self
            .act(&caller, case_id, command, actor, idempotency)
            .await?)
    }

    async fn decide_appeal(&self, request: Request<pb::DecideAppealRequest>) -> Reply<pb::Case> {
        let (caller, r) = inbound_as(request)?;
        let case_id = uuid_field("case_id", &r.case_id)?;
        let supervisor = caller.person("supervisor_id", &r.supervisor_id)?;
        let idempotency = optional_key("DecideAppeal", &case_id, &r)?;
        let actor = format!("supervisor:{supervisor}");
        let command = CaseCommand::DecideAppeal {
            supervisor,
            overturn: r.overturn,
            reason: r.reason.trim().to_owned(),
        };
        ok(self
            .act(&caller, case_id, command, actor, idempotency)
            .await?)
    }

    async fn record_call_back(
        &self,
        request: Request<pb::RecordCallBackRequest>,
    ) -> Reply<pb::Case> {
        let (caller, r) = inbound_as(request)?;
        let case_id = uuid_field("case_id", &r.case_id)?;
        let by = caller.person("by", &r.by)?;
        let called_at = match r.called_at {
            Some(at) => convert::instant("called_at", Some(at))?,
            None => self.runtime.now(),
        };
        let idempotency = optional_key("RecordCallBack", &case_id, &r)?;
        let actor = person_actor(&caller, &by);
        let command = CaseCommand::RecordCallBack {
            by,
            called_at,
            said: r.said.trim().to_owned(),
            satisfied: r.satisfied,
        };
        ok(self
            .act(&caller, case_id, command, actor, idempotency)
            .await?)
    }

    async fn close_case(&self, request: Request<pb::CloseCaseRequest>) -> Reply<pb::Case> {
        let (caller, r) = inbound_as(request)?;
        let case_id = uuid_field("case_id", &r.case_id)?;
        let supervisor = caller.person("supervisor_id", &r.supervisor_id)?;
        let idempotency = optional_key("CloseCase", &case_id, &r)?;
        let actor = format!("supervisor:{supervisor}");
        let command = CaseCommand::Close {
            supervisor,
            note: r.note.trim().to_owned(),
        };
        ok(self
            .act(&caller, case_id, command, actor, idempotency)
            .await?)
    }

    async fn get_case_trail(
        &self,
        request: Request<pb::GetCaseTrailRequest>,
    ) -> Reply<pb::CaseTrail> {
        let (caller, r) = inbound_as(request)?;
        let case = self.readable(&caller, &r.case_id).await?;
        let page = convert::audit_page(r.page_size, &r.page_token)?;
        let (rows, head) = self
            .runtime
            .store()
            .case_trail(case.id)
            .await
            .map_err(Error::from)?
            .ok_or(Error::NotFound {
                entity: "case",
                id: case.id.to_string(),
            })?;
        // The whole chain is verified on every page; only the page's entries are answered.
        let verification = crate::audit::verify(&rows, &head);
        let key = |row: &AuditRow| (row.link.seq, row.id);
        let found = page_of_sorted(rows, key, page.after.as_ref(), page.size);
        let trail = convert::audit_trail_to_wire(case.id, found.items, verification);
        ok(pb::CaseTrail {
            case_id: case.id.to_string(),
            events: trail.events,
            verified: trail.verified,
            first_bad_seq: trail.first_bad_seq,
            problem: trail.problem,
            next_page_token: convert::audit_token(found.next_after.as_ref()),
        })
    }
}
