//! What the front desk takes in and the window hands out: channels, the applicant, materials,
//! one-time notices and hand-over methods. Inbound, a refusal names the field.

use lianban_orchestrator::Catalogue;
use lianban_orchestrator::application::{
    Applicant, ApplicantKind, Channel, HandOverMethod, MaterialSubmission, OneTimeNotice,
    ReceivedMaterial,
};
use lianban_proto::v1 as pb;

use super::fields::timestamp;
use crate::error::Error;

/// A channel from the wire; unspecified is refused.
pub fn channel(field: &str, value: i32) -> Result<Channel, Error> {
    match pb::Channel::try_from(value) {
        Ok(pb::Channel::OnSite) => Ok(Channel::OnSite),
        Ok(pb::Channel::Online) => Ok(Channel::Online),
        Ok(pb::Channel::Post) => Ok(Channel::Post),
        _ => Err(Error::invalid(field, "required: on-site, online or post")),
    }
}

/// A channel on the wire.
pub fn channel_to_wire(channel: Channel) -> i32 {
    match channel {
        Channel::OnSite => pb::Channel::OnSite as i32,
        Channel::Online => pb::Channel::Online as i32,
        Channel::Post => pb::Channel::Post as i32,
    }
}

/// The applicant from the wire.
pub fn applicant(value: Option<pb::Applicant>) -> Result<Applicant, Error> {
    let value = value.ok_or_else(|| Error::invalid("applicant", "required"))?;
    let kind = match pb::ApplicantKind::try_from(value.kind) {
        Ok(pb::ApplicantKind::Organisation) => ApplicantKind::Organisation,
        Ok(pb::ApplicantKind::NaturalPerson) => ApplicantKind::NaturalPerson,
        _ => {
            return Err(Error::invalid(
                "applicant.kind",
                "required: organisation or natural person",
            ));
        }
    };
    Ok(Applicant {
        kind,
        name: value.name.trim().to_owned(),
        id_number: value.id_number.trim().to_uppercase(),
        phone: value.phone.trim().to_owned(),
    })
}

/// The applicant on the wire.
pub fn applicant_to_wire(applicant: &Applicant) -> pb::Applicant {
    let kind = match applicant.kind {
        ApplicantKind::Organisation => pb::ApplicantKind::Organisation,
        ApplicantKind::NaturalPerson => pb::ApplicantKind::NaturalPerson,
    };
    pb::Applicant {
        kind: kind as i32,
        name: applicant.name.clone(),
        id_number: applicant.id_number.clone(),
        phone: applicant.phone.clone(),
    }
}

/// Materials from the wire, unchanged in order (the engine checks them and names the index).
pub fn materials(values: Vec<pb::MaterialSubmission>) -> Vec<MaterialSubmission> {
    values
        .into_iter()
        .map(|m| MaterialSubmission {
            material_code: m.material_code.trim().to_owned(),
            document_ref: m.document_ref,
        })
        .collect()
}

/// A received material on the wire, under its code.
pub fn received_to_wire(code: &str, material: &ReceivedMaterial) -> pb::ReceivedMaterial {
    pb::ReceivedMaterial {
        material_code: code.to_owned(),
        document_ref: material.document_ref.clone(),
        received_at: Some(timestamp(material.received_at)),
        channel: channel_to_wire(material.channel),
    }
}

/// A one-time notice on the wire, with material names and descriptions.
pub fn notice_to_wire(notice: &OneTimeNotice, catalogue: &Catalogue) -> pb::OneTimeNotice {
    pb::OneTimeNotice {
        number: notice.number,
        issued_at: Some(timestamp(notice.issued_at)),
        missing: notice
            .missing
            .iter()
            .map(|item| {
                let material = catalogue.material(&item.material_code);
                pb::MissingMaterial {
                    material_code: item.material_code.clone(),
                    material_name: material.map(|m| m.name.clone()).unwrap_or_default(),
                    description: material.map(|m| m.description.clone()).unwrap_or_default(),
                    matter_codes: item.matter_codes.clone(),
                    department_codes: item.department_codes.clone(),
                }
            })
            .collect(),
    }
}

/// A hand-over method from the wire; unspecified is refused.
pub fn hand_over_method(value: i32) -> Result<HandOverMethod, Error> {
    match pb::HandOverMethod::try_from(value) {
        Ok(pb::HandOverMethod::OnSite) => Ok(HandOverMethod::OnSite),
        Ok(pb::HandOverMethod::Post) => Ok(HandOverMethod::Post),
        Ok(pb::HandOverMethod::Electronic) => Ok(HandOverMethod::Electronic),
        _ => Err(Error::invalid(
            "method",
            "required: on-site, post or electronic",
        )),
    }
}

/// A hand-over method on the wire.
pub fn hand_over_method_to_wire(method: HandOverMethod) -> i32 {
    match method {
        HandOverMethod::OnSite => pb::HandOverMethod::OnSite as i32,
        HandOverMethod::Post => pb::HandOverMethod::Post as i32,
        HandOverMethod::Electronic => pb::HandOverMethod::Electronic as i32,
    }
}
