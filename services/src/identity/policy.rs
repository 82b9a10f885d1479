//! The one access policy, default deny: for every RPC of the contract, which roles may call it.
//! What a role may touch inside an allowed call (its own department, its own projects, the
//! applications it took) is the handlers' part, through `scope`; this table only says who may
//! knock. A test enumerates the contract's methods and fails when one has no entry.

use super::principal::{Principal, Role};
use crate::error::Error;

/// Who may call a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, authenticated or not (health checks, for probes).
    Public,
    /// Any authenticated principal, whatever its roles (the catalogue, the time, reflection).
    Authenticated,
    /// Principals holding one of these roles.
    Roles(&'static [Role]),
}

use Role::{Admin, Auditor, Department, Dispatch, Exchange, Facilitator, FrontDesk, Supervisor};

const READERS: &[Role] = &[Supervisor, Auditor];

/// Every method of the contract, of health and of reflection, and who may call it.
pub const POLICY: &[(&str, Access)] = &[
    ("/grpc.health.v1.Health/Check", Access::Public),
    ("/grpc.health.v1.Health/Watch", Access::Public),
    ("/grpc.health.v1.Health/List", Access::Public),
    (
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        Access::Authenticated,
    ),
    (
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
        Access::Authenticated,
    ),
    // The national data exchange: only its uploader, which receives the applicant's identity the
    // standard requires.
    (
        "/lianban.v1.ExchangeService/ExportRecords",
        Access::Roles(&[Exchange]),
    ),
    // Intake: the front desk takes and changes applications; readers look them up.
    (
        "/lianban.v1.IntakeService/SubmitApplication",
        Access::Roles(&[FrontDesk]),
    ),
    (
        "/lianban.v1.IntakeService/SupplementMaterials",
        Access::Roles(&[FrontDesk]),
    ),
    (
        "/lianban.v1.IntakeService/WithdrawApplication",
        Access::Roles(&[FrontDesk]),
    ),
    (
        "/lianban.v1.IntakeService/RateService",
        Access::Roles(&[FrontDesk]),
    ),
    (
        "/lianban.v1.IntakeService/GetApplication",
        Access::Roles(&[
            FrontDesk,
            Dispatch,
            Department,
            Supervisor,
            Facilitator,
            Auditor,
        ]),
    ),
    (
        "/lianban.v1.IntakeService/ListApplications",
        Access::Roles(&[FrontDesk, Dispatch, Supervisor, Auditor]),
    ),
    // Tasks: a department on its own branches; supervisors also assign; readers list.
    (
        "/lianban.v1.TaskService/ListTasks",
        Access::Roles(&[Department, Supervisor, Auditor]),
    ),
    (
        "/lianban.v1.TaskService/WatchTasks",
        Access::Roles(&[Department, Supervisor, Auditor]),
    ),
    (
        "/lianban.v1.TaskService/ClaimTask",
        Access::Roles(&[Department]),
    ),
    (
        "/lianban.v1.TaskService/ReleaseTask",
        Access::Roles(&[Department]),
    ),
    (
        "/lianban.v1.TaskService/AssignTask",
        Access::Roles(&[Department, Supervisor]),
    ),
    (
        "/lianban.v1.TaskService/DecideTask",
        Access::Roles(&[Department]),
    ),
    (
        "/lianban.v1.TaskService/RequestSupplement",
        Access::Roles(&[Department]),
    ),
    (
        "/lianban.v1.TaskService/StartSpecialProcedure",
        Access::Roles(&[Department]),
    ),
    (
        "/lianban.v1.TaskService/ResumeTask",
        Access::Roles(&[Department]),
    ),
    (
        "/lianban.v1.TaskService/RequestExtension",
        Access::Roles(&[Department]),
    ),
    // Dispatch: the single window hands results out.
    (
        "/lianban.v1.DispatchService/ListReadyForDispatch",
        Access::Roles(&[Dispatch, Supervisor, Auditor]),
    ),
    (
        "/lianban.v1.DispatchService/RecordHandOver",
        Access::Roles(&[Dispatch]),
    ),
    // The catalogue is public knowledge among callers.
    (
        "/lianban.v1.CatalogService/ListBundles",
        Access::Authenticated,
    ),
    (
        "/lianban.v1.CatalogService/GetBundle",
        Access::Authenticated,
    ),
    (
        "/lianban.v1.CatalogService/ListMatters",
        Access::Authenticated,
    ),
    (
        "/lianban.v1.CatalogService/GetMatter",
        Access::Authenticated,
    ),
    (
        "/lianban.v1.CatalogService/ListDepartments",
        Access::Authenticated,
    ),
    // Admin: the time is everyone's to read; moving it and the calendar are the admin's.
    ("/lianban.v1.AdminService/GetTime", Access::Authenticated),
    ("/lianban.v1.AdminService/SetTime", Access::Roles(&[Admin])),
    (
        "/lianban.v1.AdminService/AdvanceTime",
        Access::Roles(&[Admin]),
    ),
    (
        "/lianban.v1.AdminService/ReloadCalendar",
        Access::Roles(&[Admin]),
    ),
    // Supervision: supervisors decide extensions; auditors read along.
    (
        "/lianban.v1.SupervisionService/ListWarnings",
        Access::Roles(READERS),
    ),
    (
        "/lianban.v1.SupervisionService/ListExtensionRequests",
        Access::Roles(READERS),
    ),
    (
        "/lianban.v1.SupervisionService/DecideExtension",
        Access::Roles(&[Supervisor]),
    ),
    (
        "/lianban.v1.SupervisionService/GetDigest",
        Access::Roles(READERS),
    ),
    (
        "/lianban.v1.SupervisionService/GetAuditTrail",
        Access::Roles(READERS),
    ),
    (
        "/lianban.v1.StatisticsService/GetStatistics",
        Access::Roles(READERS),
    ),
    // The monthly assessment: supervision's, and the auditors' to read.
    (
        "/lianban.v1.AssessmentService/AssessMonth",
        Access::Roles(READERS),
    ),
    (
        "/lianban.v1.AssessmentService/ExportAssessmentCsv",
        Access::Roles(READERS),
    ),
    // Notifications: each to its audience (scoped in the handler).
    (
        "/lianban.v1.NotificationService/Subscribe",
        Access::Roles(&[FrontDesk, Department, Supervisor, Auditor]),
    ),
    (
        "/lianban.v1.NotificationService/ListNotifications",
        Access::Roles(&[FrontDesk, Department, Supervisor, Auditor]),
    ),
    // Key projects: facilitators follow their own; supervisors and auditors read all.
    (
        "/lianban.v1.ProjectService/RegisterProject",
        Access::Roles(&[Facilitator, Supervisor]),
    ),
    (
        "/lianban.v1.ProjectService/ListProjects",
        Access::Roles(&[Facilitator, Supervisor, Auditor]),
    ),
    (
        "/lianban.v1.ProjectService/GetProjectBoard",
        Access::Roles(&[Facilitator, Supervisor, Auditor]),
    ),
    (
        "/lianban.v1.ProjectService/WatchProject",
        Access::Roles(&[Facilitator, Supervisor, Auditor]),
    ),
    // Staff: posts are the admin's; a department says who of its own is away.
    (
        "/lianban.v1.StaffService/DeclarePost",
        Access::Roles(&[Admin]),
    ),
    (
        "/lianban.v1.StaffService/ListPosts",
        Access::Roles(&[Admin, Department, Supervisor, Auditor]),
    ),
    (
        "/lianban.v1.StaffService/SetClerkAvailability",
        Access::Roles(&[Department, Admin]),
    ),
    // Joint review sessions: departments act (the lead schedules and closes); readers read.
    (
        "/lianban.v1.SessionService/ScheduleSession",
        Access::Roles(&[Department]),
    ),
    (
        "/lianban.v1.SessionService/GetSession",
        Access::Roles(&[Department, Supervisor, Auditor]),
    ),
    (
        "/lianban.v1.SessionService/ListSessions",
        Access::Roles(&[Department, Supervisor, Auditor]),
    ),
    (
        "/lianban.v1.SessionService/AcknowledgeInvitation",
        Access::Roles(&[Department]),
    ),
    (
        "/lianban.v1.SessionService/RecordOpinion",
        Access::Roles(&[Department]),
    ),
    (
        "/lianban.v1.SessionService/RescheduleSession",
        Access::Roles(&[Department]),
    ),
    (
        "/lianban.v1.SessionService/CancelSession",
        Access::Roles(&[Department]),
    ),
    (
        "/lianban.v1.SessionService/CloseSession",
        Access::Roles(&[Department]),
    ),
    // Complaints and rectifications: the front desk and supervisors lodge; a department replies
    // and appeals on its own cases; supervisors rule, decide appeals and close; the front desk or
    // a supervisor records the call-back; readers and each department (its own) read.
    (
        "/lianban.v1.CaseService/LodgeComplaint",
        Access::Roles(&[FrontDesk, Supervisor]),
    ),
    (
        "/lianban.v1.CaseService/GetCase",
        Access::Roles(&[Department, Supervisor, Auditor]),
    ),
    (
        "/lianban.v1.CaseService/ListCases",
        Access::Roles(&[Department, Supervisor, Auditor]),
    ),
    (
        "/lianban.v1.CaseService/ReplyToCase",
        Access::Roles(&[Department]),
    ),
    (
        "/lianban.v1.CaseService/RuleOnComplaint",
        Access::Roles(&[Supervisor]),
    ),
    (
        "/lianban.v1.CaseService/AppealRectification",
        Access::Roles(&[Department]),
    ),
    (
        "/lianban.v1.CaseService/DecideAppeal",
        Access::Roles(&[Supervisor]),
    ),
    (
        "/lianban.v1.CaseService/RecordCallBack",
        Access::Roles(&[FrontDesk, Supervisor]),
    ),
    (
        "/lianban.v1.CaseService/CloseCase",
        Access::Roles(&[Supervisor]),
    ),
    (
        "/lianban.v1.CaseService/GetCaseTrail",
        Access::Roles(&[Department, Supervisor, Auditor]),
    ),
];

/// Who may call `path`; `None` for a method the policy does not know (refused).
pub fn access(path: &str) -> Option<Access> {
    POLICY
        .iter()
        .find(|(method, _)| *method == path)
        .map(|(_, access)| *access)
}

/// Whether `principal` may call `path`: its refusal names the method and the roles that may.
pub fn authorize(principal: &Principal, path: &str) -> Result<(), Error> {
    match access(path) {
        Some(Access::Public | Access::Authenticated) => Ok(()),
        Some(Access::Roles(roles)) if principal.has_any(roles) => Ok(()),
        Some(Access::Roles(roles)) => Err(Error::RoleNotAllowed {
            method: path.to_owned(),
            allowed: roles
                .iter()
                .map(|r| r.name())
                .collect::<Vec<_>>()
                .join(", "),
            principal: principal.label().to_owned(),
        }),
        None => Err(Error::RoleNotAllowed {
            method: path.to_owned(),
            allowed: "nobody: the method has no entry in the policy".to_owned(),
            principal: principal.label().to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use prost::Message as _;
    use prost_types::FileDescriptorSet;

    use super::*;

    /// Every method of every service of the contract, as `/package.Service/Method`.
    fn contract_methods() -> BTreeSet<String> {
        let set = FileDescriptorSet::decode(lianban_proto::FILE_DESCRIPTOR_SET).unwrap();
        let mut methods = BTreeSet::new();
        for file in set.file {
            for service in &file.service {
                for method in &service.method {
                    methods.insert(format!(
                        "/{}.{}/{}",
                        file.package(),
                        service.name(),
                        method.name()
                    ));
                }
            }
        }
        methods
    }

    #[test]
    fn every_method_of_the_contract_has_an_entry_and_every_entry_a_method() {
        let methods = contract_methods();
        assert!(
            methods.contains("/lianban.v1.TaskService/DecideTask"),
            "the contract's methods were found: {methods:?}"
        );
        let missing: Vec<_> = methods.iter().filter(|m| access(m).is_none()).collect();
        assert!(
            missing.is_empty(),
            "methods without a policy entry: {missing:?}"
        );
        let stale: Vec<_> = POLICY
            .iter()
            .map(|(m, _)| *m)
            .filter(|m| m.starts_with("/lianban.") && !methods.contains(*m))
            .collect();
        assert!(stale.is_empty(), "entries for no method: {stale:?}");
        let mut seen = BTreeSet::new();
        for (method, _) in POLICY {
            assert!(seen.insert(method), "{method} has two entries");
        }
    }

    #[test]
    fn no_contract_method_is_public() {
        for method in contract_methods() {
            assert_ne!(access(&method), Some(Access::Public), "{method}");
        }
    }

    fn holding(roles: &[Role]) -> Principal {
        Principal {
            id: "person:test".into(),
            name: "test".into(),
            roles: roles.iter().copied().collect(),
            department: None,
            projects: BTreeSet::new(),
            proof: super::super::principal::Proof::Token {
                issuer: "test".into(),
            },
        }
    }

    /// The methods that change something: everything but reads.
    fn writes() -> Vec<String> {
        let reads = ["Get", "List", "Watch", "Subscribe", "Assess", "Export"];
        contract_methods()
            .into_iter()
            .filter(|m| {
                let name = m.rsplit('/').next().unwrap();
                !reads.iter().any(|r| name.starts_with(r))
            })
            .collect()
    }

    #[test]
    fn an_auditor_changes_nothing() {
        let auditor = holding(&[Auditor]);
        for method in writes() {
            assert!(authorize(&auditor, &method).is_err(), "{method}");
        }
        assert!(authorize(&auditor, "/lianban.v1.SupervisionService/GetAuditTrail").is_ok());
    }

    #[test]
    fn only_a_department_decides_and_an_admin_never_does() {
        for method in contract_methods() {
            let decides = method.ends_with("/DecideTask") || method.ends_with("/RecordOpinion");
            for role in Role::ALL {
                let allowed = authorize(&holding(&[role]), &method).is_ok();
                if decides {
                    assert_eq!(allowed, role == Department, "{role} on {method}");
                }
            }
        }
        let admin = holding(&[Admin]);
        assert!(authorize(&admin, "/lianban.v1.TaskService/DecideTask").is_err());
        assert!(authorize(&admin, "/lianban.v1.SupervisionService/GetAuditTrail").is_err());
        assert!(authorize(&admin, "/lianban.v1.AdminService/ReloadCalendar").is_ok());
    }

    #[test]
    fn an_unknown_method_is_refused_even_to_every_role() {
        let everyone = holding(&Role::ALL);
        assert!(authorize(&everyone, "/lianban.v1.TaskService/DeleteEverything").is_err());
    }
}
