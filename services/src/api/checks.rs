//! Checks of request fields against the catalogue: a department code must name a department and
//! a bundle code a bundle, in a filter as in a command, so that a typo is an error, not an empty
//! list.

use lianban_orchestrator::Catalogue;

use crate::convert::{optional_text, required_text};
use crate::error::Error;

/// A required department code that the catalogue knows.
pub(crate) fn known_department(catalogue: &Catalogue, code: &str) -> Result<String, Error> {
    let code = required_text("department_code", code)?;
    check_department(catalogue, &code)?;
    Ok(code)
}

/// An optional department code (`None` when blank) that the catalogue knows.
pub(crate) fn optional_department(
    catalogue: &Catalogue,
    code: &str,
) -> Result<Option<String>, Error> {
    let code = optional_text(code);
    if let Some(code) = &code {
        check_department(catalogue, code)?;
    }
    Ok(code)
}

fn check_department(catalogue: &Catalogue, code: &str) -> Result<(), Error> {
    if catalogue.department(code).is_none() {
        return Err(Error::invalid(
            "department_code",
            format!("no department with code {}", crate::convert::echo(code)),
        ));
    }
    Ok(())
}

/// An optional bundle code (`None` when blank) that the catalogue knows.
pub(crate) fn optional_bundle(catalogue: &Catalogue, code: &str) -> Result<Option<String>, Error> {
    let code = optional_text(code);
    if let Some(code) = &code
        && catalogue.bundle(code).is_none()
    {
        return Err(Error::invalid(
            "bundle_code",
            format!("no bundle with code {}", crate::convert::echo(code)),
        ));
    }
    Ok(code)
}
