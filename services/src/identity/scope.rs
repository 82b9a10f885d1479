//! What a caller may touch inside a call the policy allows: the handlers ask here which department
//! a request acts for, which clerk or person it names, whether a read is narrowed to a department
//! or to the caller's projects, and whether personal data is shown. A value the request names that
//! is not the caller's is refused (PERMISSION_DENIED, `OUT_OF_SCOPE`), never silently replaced;
//! an empty one is filled in from the caller.

use std::sync::Arc;

use super::principal::{Principal, Role};
use crate::error::Error;

/// The principal of a call, as handlers see it.
#[derive(Debug, Clone)]
pub struct Caller(Arc<Principal>);

impl Caller {
    /// The caller of `request`, as the identity layer found it.
    pub fn of<T>(request: &tonic::Request<T>) -> Result<Caller, Error> {
        request
            .extensions()
            .get::<Arc<Principal>>()
            .cloned()
            .map(Caller)
            .ok_or_else(|| Error::Unauthenticated("the call carries no identity".to_owned()))
    }

    /// A caller for `principal` (tests and internal callers).
    pub fn new(principal: Principal) -> Self {
        Caller(Arc::new(principal))
    }

    /// The principal.
    pub fn principal(&self) -> &Principal {
        &self.0
    }

    /// The identity compared when two acts must not be the same identity's; empty when
    /// authentication is off.
    pub fn identity(&self) -> &str {
        &self.0.id
    }

    /// The department a department's act is for: a caller bound to a department acts for its
    /// own (the request may name it or leave it empty); otherwise as the request says.
    pub fn acting_department(&self, field: &str, sent: &str) -> Result<String, Error> {
        let sent = sent.trim();
        match self.own_department() {
            Some(own) if sent.is_empty() || sent == own => Ok(own.to_owned()),
            Some(own) => {
                Err(self.out_of_scope(field, format!("this caller acts for department {own} only")))
            }
            None => Ok(sent.to_owned()),
        }
    }

    /// The department a read is narrowed to: a department's own when the caller reads as a
    /// department only (no supervisor or auditor role); otherwise what the request asks (maybe
    /// empty: every department).
    pub fn reading_department(&self, field: &str, sent: &str) -> Result<String, Error> {
        if self.reads_everything() {
            return Ok(sent.trim().to_owned());
        }
        self.acting_department(field, sent)
    }

    /// The department a caller that reads as a department only is confined to.
    pub fn confined_department(&self) -> Option<&str> {
        (!self.reads_everything())
            .then(|| self.own_department())
            .flatten()
    }

    /// The clerk a department's act is recorded for: a person acts as themself (the request may
    /// name them or leave it empty); a department system names the clerk it acts for.
    pub fn clerk(&self, field: &str, sent: &str) -> Result<String, Error> {
        self.person(field, sent)
    }

    /// The name a person acts under (a supervisor, facilitator, front-desk or dispatch clerk):
    /// their own for a person; as the request says for a system, which vouches for its clerks.
    pub fn person(&self, field: &str, sent: &str) -> Result<String, Error> {
        let sent = sent.trim();
        if !self.0.is_person() {
            return Ok(sent.to_owned());
        }
        let own = self.0.name.as_str();
        if sent.is_empty() || sent == own {
            Ok(own.to_owned())
        } else {
            Err(self.out_of_scope(field, format!("a person acts as themself ({own}) only")))
        }
    }

    /// Whether the caller reads key projects as a facilitator only: then only those it follows.
    pub fn confined_to_projects(&self) -> bool {
        !self.0.is_open()
            && self.0.has(Role::Facilitator)
            && !self.0.has_any(&[Role::Supervisor, Role::Auditor])
    }

    /// Whether the caller follows a project (by its code, or as the facilitator it names).
    pub fn follows(&self, project_code: &str, facilitator: &str) -> bool {
        !self.confined_to_projects()
            || self.0.projects.contains(project_code)
            || (!facilitator.is_empty() && facilitator == self.0.name && self.0.is_person())
    }

    /// Refuses a project the caller does not follow.
    pub fn require_project(&self, project_code: &str, facilitator: &str) -> Result<(), Error> {
        if self.follows(project_code, facilitator) {
            Ok(())
        } else {
            Err(self.out_of_scope(
                "project_code",
                "this facilitator does not follow the project".to_owned(),
            ))
        }
    }

    /// Whether ID numbers and phones are shown in clear: to the front desk, which took them,
    /// and when authentication is off; a department sees them on its own applications (the
    /// handler decides that). Everyone else sees them masked.
    pub fn sees_personal_data(&self) -> bool {
        self.0.is_open() || self.0.has(Role::FrontDesk)
    }

    /// Whether the caller is bound to a department (and so sees personal data of what it decides).
    pub fn own_department(&self) -> Option<&str> {
        self.0.department.as_deref().filter(|_| !self.0.is_open())
    }

    /// A refusal naming the field and the caller.
    pub fn out_of_scope(&self, field: &str, message: String) -> Error {
        Error::OutOfScope {
            field: field.to_owned(),
            message,
            principal: self.0.label().to_owned(),
        }
    }

    fn reads_everything(&self) -> bool {
        self.0.is_open() || self.0.has_any(&[Role::Supervisor, Role::Auditor])
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::super::principal::Proof;
    use super::*;

    fn department_system(code: &str) -> Caller {
        Caller::new(Principal {
            id: format!("system:department:{code}"),
            name: code.to_owned(),
            roles: [Role::Department].into_iter().collect(),
            department: Some(code.to_owned()),
            projects: BTreeSet::new(),
            proof: Proof::Certificate {
                name: format!("lianban:department:{code}"),
                serial: "01".into(),
            },
        })
    }

    fn person(name: &str, roles: &[Role]) -> Caller {
        Caller::new(Principal {
            id: format!("person:{name}"),
            name: name.to_owned(),
            roles: roles.iter().copied().collect(),
            department: None,
            projects: ["P1".to_owned()].into_iter().collect(),
            proof: Proof::Token {
                issuer: "idp".into(),
            },
        })
    }

    #[test]
    fn a_department_acts_for_itself_and_is_refused_another() {
        let scjg = department_system("scjg");
        assert_eq!(scjg.acting_department("d", "").unwrap(), "scjg");
        assert_eq!(scjg.acting_department("d", "scjg").unwrap(), "scjg");
        let refused = scjg
            .acting_department("department_code", "swj")
            .unwrap_err();
        assert!(
            matches!(refused, Error::OutOfScope { ref field, .. } if field == "department_code")
        );
        assert_eq!(
            scjg.clerk("clerk_id", "c-7").unwrap(),
            "c-7",
            "a system names its clerk"
        );
        assert_eq!(scjg.confined_department(), Some("scjg"));
    }

    #[test]
    fn a_person_acts_as_themself_only() {
        let zhang = person("zhang", &[Role::Supervisor]);
        assert_eq!(zhang.person("supervisor_id", "").unwrap(), "zhang");
        assert_eq!(zhang.person("supervisor_id", "zhang").unwrap(), "zhang");
        assert!(zhang.person("supervisor_id", "li").is_err());
        assert_eq!(zhang.reading_department("d", "swj").unwrap(), "swj");
    }

    #[test]
    fn a_facilitator_sees_only_the_projects_it_follows() {
        let wang = person("wang", &[Role::Facilitator]);
        assert!(wang.follows("P1", ""));
        assert!(
            wang.follows("P2", "wang"),
            "the facilitator a project names"
        );
        assert!(!wang.follows("P2", "li"));
        assert!(wang.require_project("P3", "li").is_err());
        let supervisor = person("zhao", &[Role::Facilitator, Role::Supervisor]);
        assert!(supervisor.follows("P3", "li"));
    }

    #[test]
    fn the_open_principal_is_confined_to_nothing() {
        let open = Caller::new(Principal::open());
        assert_eq!(open.acting_department("d", "swj").unwrap(), "swj");
        assert_eq!(open.person("by", "anyone").unwrap(), "anyone");
        assert!(open.sees_personal_data());
        assert!(open.follows("P9", "x"));
        assert_eq!(open.identity(), "");
    }
}
