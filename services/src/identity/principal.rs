//! Who is calling: a principal (a department or desk system proven by its certificate, or a
//! person proven by a token) with its roles and what they are bound to (a department, projects).
//! When authentication is off (the loopback development start) every call is the open principal,
//! which holds every role and is bound to nothing, so requests name their own actors as before.

use std::collections::BTreeSet;
use std::fmt;

/// What a principal may do; admin, auditor and supervisor are separate duties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// The front desk (综合窗口): takes applications, supplements, withdrawals and ratings.
    FrontDesk,
    /// The single window that hands results out (统一出件).
    Dispatch,
    /// A department's system or clerk: its own branches, sessions and opinions only.
    Department,
    /// Supervision (督查): warnings, extensions, digests, the trail.
    Supervisor,
    /// A facilitator (帮办代办) of key projects: only the projects they follow.
    Facilitator,
    /// Posts and the calendar; never a decision, never the trail.
    Admin,
    /// Reads everything a supervisor reads; changes nothing.
    Auditor,
    /// The uploader to the provincial platform (GB/T 39046 data exchange): reads the export, with
    /// the applicant's identity the standard requires; nothing else.
    Exchange,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 8] = [
        Role::FrontDesk,
        Role::Dispatch,
        Role::Department,
        Role::Supervisor,
        Role::Facilitator,
        Role::Admin,
        Role::Auditor,
        Role::Exchange,
    ];

    /// The name in tokens and documents (`front_desk`, `department`, …).
    pub fn name(self) -> &'static str {
        match self {
            Role::FrontDesk => "front_desk",
            Role::Dispatch => "dispatch",
            Role::Department => "department",
            Role::Supervisor => "supervisor",
            Role::Facilitator => "facilitator",
            Role::Admin => "admin",
            Role::Auditor => "auditor",
            Role::Exchange => "exchange",
        }
    }

    /// The role a token or a certificate names (`front_desk` or `front-desk`).
    pub fn parse(name: &str) -> Option<Role> {
        let normal = name.trim().replace('-', "_");
        Role::ALL.into_iter().find(|r| r.name() == normal)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How the principal proved who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proof {
    /// Authentication is off: nobody proved anything.
    None,
    /// A client certificate, named by its `lianban:` SAN URI (or its subject).
    Certificate {
        /// The identity the certificate names.
        name: String,
        /// Its serial number, hex.
        serial: String,
    },
    /// A person picked at the console's development sign-in (authentication off, loopback).
    Development,
    /// A token from the identity provider.
    Token {
        /// Its `iss`.
        issuer: String,
    },
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// A stable identity, compared when two acts must not be the same identity's:
    /// `system:<certificate name>` or `person:<sub>`; empty for the open principal.
    pub id: String,
    /// The system's or the person's own id (the certificate's name part, the token's `sub`).
    pub name: String,
    /// What it may do.
    pub roles: BTreeSet<Role>,
    /// The department it belongs to, for the department role.
    pub department: Option<String>,
    /// The key projects it follows, for the facilitator role.
    pub projects: BTreeSet<String>,
    /// How it proved who it is.
    pub proof: Proof,
}

impl Principal {
    /// Everyone, when authentication is off.
    pub fn open() -> Self {
        Principal {
            id: String::new(),
            name: String::new(),
            roles: Role::ALL.into_iter().collect(),
            department: None,
            projects: BTreeSet::new(),
            proof: Proof::None,
        }
    }

    /// Whether authentication is off for this call.
    pub fn is_open(&self) -> bool {
        self.proof == Proof::None
    }

    /// Whether the principal holds `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Whether it is a person (a token), who acts as themself, not for clerks.
    pub fn is_person(&self) -> bool {
        matches!(self.proof, Proof::Token { .. } | Proof::Development)
    }

    /// What logs and refusals may say of it: its identity, never personal data from a request.
    pub fn label(&self) -> &str {
        if self.is_open() {
            "anonymous"
        } else {
            &self.id
        }
    }

    /// Whether it holds any of `roles`.
    pub fn has_any(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.has(*r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_read_in_either_spelling_and_nothing_else() {
        assert_eq!(Role::parse("front-desk"), Some(Role::FrontDesk));
        assert_eq!(Role::parse("front_desk"), Some(Role::FrontDesk));
        assert_eq!(Role::parse("auditor"), Some(Role::Auditor));
        assert_eq!(Role::parse("root"), None);
        assert_eq!(Role::parse(""), None);
        for role in Role::ALL {
            assert_eq!(Role::parse(role.name()), Some(role));
        }
    }

    #[test]
    fn the_open_principal_holds_every_role_and_no_binding() {
        let open = Principal::open();
        assert!(open.is_open());
        assert!(Role::ALL.iter().all(|r| open.has(*r)));
        assert_eq!(open.department, None);
        assert_eq!(open.label(), "anonymous");
    }
}
