//! The application file `lianban submit` reads (TOML, or JSON when it ends in `.json`) and its
//! translation into a `SubmitApplicationRequest` with a default idempotency key.

use std::collections::BTreeMap;
use std::path::Path;

use lianban_proto::v1 as pb;
use serde::Deserialize;

use crate::keys::hash_key;

/// An application as written in a file for `lianban submit`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationFile {
    /// Bundle code.
    pub bundle: String,
    /// on_site, online or post.
    pub channel: String,
    /// Front-desk clerk.
    pub front_desk_clerk: String,
    /// Key project code.
    #[serde(default)]
    pub key_project: String,
    /// The applicant.
    pub applicant: ApplicantFile,
    /// The form.
    #[serde(default)]
    pub form: BTreeMap<String, String>,
    /// Materials handed in.
    #[serde(default)]
    pub materials: Vec<MaterialFile>,
}

/// The applicant in a file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicantFile {
    /// organisation or natural_person.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Credit code or ID number.
    pub id_number: String,
    /// Phone.
    #[serde(default)]
    pub phone: String,
}

/// A material in a file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaterialFile {
    /// Material code.
    pub code: String,
    /// Document reference.
    pub document: String,
}

/// Reads a submission file (TOML, or JSON when it ends in `.json`) into a request and a default key.
pub fn submission_from_file(path: &Path) -> Result<(pb::SubmitApplicationRequest, String), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let file: ApplicationFile = if path.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?
    } else {
        toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?
    };
    let channel = channel_from_file(&file.channel)
        .map_err(|problem| format!("{}: {problem}", path.display()))?;
    let kind = applicant_kind_from_file(&file.applicant.kind)
        .map_err(|problem| format!("{}: {problem}", path.display()))?;
    let request = pb::SubmitApplicationRequest {
        idempotency_key: String::new(),
        bundle_code: file.bundle,
        applicant: Some(pb::Applicant {
            kind: kind as i32,
            name: file.applicant.name,
            id_number: file.applicant.id_number,
            phone: file.applicant.phone,
        }),
        form: file.form,
        materials: file
            .materials
            .into_iter()
            .map(|m| pb::MaterialSubmission {
                material_code: m.code,
                document_ref: m.document,
            })
            .collect(),
        channel: channel as i32,
        key_project_code: file.key_project,
        front_desk_clerk: file.front_desk_clerk,
    };
    Ok((request, hash_key(&text)))
}

fn channel_from_file(channel: &str) -> Result<pb::Channel, String> {
    match channel {
        "on_site" | "on-site" => Ok(pb::Channel::OnSite),
        "online" => Ok(pb::Channel::Online),
        "post" => Ok(pb::Channel::Post),
        other => Err(format!("channel {other:?} is not on_site, online or post")),
    }
}

fn applicant_kind_from_file(kind: &str) -> Result<pb::ApplicantKind, String> {
    match kind {
        "organisation" => Ok(pb::ApplicantKind::Organisation),
        "natural_person" => Ok(pb::ApplicantKind::NaturalPerson),
        other => Err(format!(
            "applicant.kind {other:?} is not organisation or natural_person"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_walkthrough_file_parses() {
        // The walk-through file belongs to the services folder, next to the server it is sent to.
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../walkthrough/kaiban-qiye.toml");
        let (request, key) = submission_from_file(&path).unwrap();
        assert_eq!(request.bundle_code, "kaiban-qiye");
        assert!(key.starts_with("cli-"));
    }
}
