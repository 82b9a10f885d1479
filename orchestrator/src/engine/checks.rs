//! The checks of a submission at the front desk: the applicant's identity, the form and the
//! materials handed in. Each refusal names the field, so the clerk sees what to correct.

use std::collections::{BTreeMap, BTreeSet};

use crate::application::{Applicant, ApplicantKind, MaterialSubmission};
use crate::catalogue::{Bundle, Catalogue};
use crate::error::EngineError;
use crate::identity::{is_plausible_phone, is_valid_credit_code, is_valid_resident_id};
use crate::vocabulary::{Submit, limit_text, require_text};

/// Everything a submission states, checked field by field: the first fault is refused.
pub(super) fn check_submission(
    catalogue: &Catalogue,
    bundle: &Bundle,
    command: &Submit,
) -> Result<(), EngineError> {
    check_applicant(&command.applicant)?;
    check_form(bundle, &command.form)?;
    check_materials(catalogue, bundle, &command.materials, "materials")?;
    require_text("front_desk_clerk", &command.front_desk_clerk)?;
    if let Some(code) = &command.key_project_code {
        require_text("key_project_code", code)?;
    }
    Ok(())
}

/// A name, a valid resident ID or credit code for the kind of applicant, and a plausible phone.
fn check_applicant(applicant: &Applicant) -> Result<(), EngineError> {
    require_text("applicant.name", &applicant.name)?;
    let id = applicant.id_number.trim();
    match applicant.kind {
        ApplicantKind::NaturalPerson if !is_valid_resident_id(id) => Err(EngineError::invalid(
            "applicant.id_number",
            "not a valid 18-character resident ID number (check character mismatch or wrong length)",
        )),
        ApplicantKind::Organisation if !is_valid_credit_code(id) => Err(EngineError::invalid(
            "applicant.id_number",
            "not a valid 18-character unified social credit code (check character mismatch or wrong length)",
        )),
        _ if !applicant.phone.is_empty() && !is_plausible_phone(&applicant.phone) => Err(
            EngineError::invalid("applicant.phone", "not a phone number"),
        ),
        _ => Ok(()),
    }
}

/// Only the bundle's fields, every required one present and not blank, none too long.
fn check_form(bundle: &Bundle, form: &BTreeMap<String, String>) -> Result<(), EngineError> {
    for key in form.keys() {
        if !bundle.form.iter().any(|field| field.key == *key) {
            return Err(EngineError::invalid(
                format!("form.{key}"),
                format!("not a field of bundle {}", bundle.code),
            ));
        }
    }
    for field in &bundle.form {
        let field_path = format!("form.{}", field.key);
        match form.get(&field.key) {
            Some(value) => limit_text(&field_path, value)?,
            None if field.required => {
                return Err(EngineError::invalid(
                    field_path,
                    format!("required field ({}) is missing", field.label),
                ));
            }
            None => {}
        }
        if field.required
            && form
                .get(&field.key)
                .is_some_and(|value| value.trim().is_empty())
        {
            return Err(EngineError::invalid(
                field_path,
                format!("required field ({}) is empty", field.label),
            ));
        }
    }
    Ok(())
}

/// Materials the catalogue knows and the bundle needs, each once, each with a document.
pub(super) fn check_materials(
    catalogue: &Catalogue,
    bundle: &Bundle,
    materials: &[MaterialSubmission],
    path: &str,
) -> Result<(), EngineError> {
    let needed: BTreeSet<&str> = catalogue
        .bundle_materials(bundle)
        .iter()
        .map(|m| m.code.as_str())
        .collect();
    let mut seen = BTreeSet::new();
    for (index, material) in materials.iter().enumerate() {
        let code_path = format!("{path}[{index}].material_code");
        if catalogue.material(&material.material_code).is_none() {
            return Err(EngineError::invalid(
                code_path,
                format!("no material with code {:?}", material.material_code),
            ));
        }
        if !needed.contains(material.material_code.as_str()) {
            return Err(EngineError::invalid(
                code_path,
                format!(
                    "material {} is not needed by bundle {}",
                    material.material_code, bundle.code
                ),
            ));
        }
        if !seen.insert(material.material_code.as_str()) {
            return Err(EngineError::invalid(
                code_path,
                format!(
                    "material {} is handed in twice; each material is handed in once",
                    material.material_code
                ),
            ));
        }
        require_text(
            &format!("{path}[{index}].document_ref"),
            &material.document_ref,
        )?;
    }
    Ok(())
}
