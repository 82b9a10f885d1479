//! The principal a client certificate names: `lianban:<role>:<name>` in a SAN URI, with the roles
//! a certificate and a token may carry.

use std::fmt;

/// Roles a client certificate may name (the second part of its `lianban:` URI).
pub const CLIENT_ROLES: &[&str] = &[
    "department",
    "front-desk",
    "dispatch",
    "supervisor",
    "admin",
    "auditor",
    "exchange",
];

/// Roles a token's `roles` claim may hold.
pub const TOKEN_ROLES: &[&str] = &[
    "front_desk",
    "dispatch",
    "department",
    "supervisor",
    "facilitator",
    "admin",
    "auditor",
    "exchange",
];

/// A client's principal: its role and the system's id (a department code for `department`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// One of [`CLIENT_ROLES`].
    pub role: String,
    /// The system's id; for a department, its code in the catalogue.
    pub name: String,
}

impl Principal {
    /// Reads `lianban:<role>:<name>`; the role must be known and the name a non-empty run of
    /// ASCII letters, digits, `-`, `_` and `.` (it becomes a file name and a URI).
    pub fn parse(uri: &str) -> Result<Principal, String> {
        let refused = |why: &str| format!("client URI {uri:?}: {why}");
        let rest = uri
            .strip_prefix("lianban:")
            .ok_or_else(|| refused("must start with lianban:"))?;
        let (role, name) = rest
            .split_once(':')
            .ok_or_else(|| refused("must read lianban:<role>:<name>"))?;
        if !CLIENT_ROLES.contains(&role) {
            return Err(refused(&format!(
                "unknown role {role:?} (one of {})",
                CLIENT_ROLES.join(", ")
            )));
        }
        let name_ok = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !name_ok {
            return Err(refused("the name must be letters, digits, -, _ or ."));
        }
        Ok(Principal {
            role: role.to_owned(),
            name: name.to_owned(),
        })
    }

    /// The certificate's file stem, `<role>-<name>`.
    pub fn file_stem(&self) -> String {
        format!("{}-{}", self.role, self.name)
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "lianban:{}:{}", self.role, self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_principal_reads_its_role_and_name() {
        let principal = Principal::parse("lianban:department:scjg").unwrap();
        assert_eq!(principal.role, "department");
        assert_eq!(principal.name, "scjg");
        assert_eq!(principal.to_string(), "lianban:department:scjg");
        assert_eq!(principal.file_stem(), "department-scjg");
        for bad in [
            "department:scjg",
            "lianban:mayor:x",
            "lianban:department:",
            "lianban:dispatch",
            "lianban:admin:a/b",
        ] {
            assert!(Principal::parse(bad).is_err(), "{bad}");
        }
    }
}
