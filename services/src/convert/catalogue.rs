//! The catalogue on the wire: departments, materials, matters and bundles, with the bundle's
//! critical path and serial sum computed here so that clients need not know the dependency rules.

use lianban_orchestrator::Catalogue;
use lianban_orchestrator::catalogue::{
    Bundle, Department, Material, Matter, Role, matter_type_name,
};
use lianban_proto::v1 as pb;

/// A branch's role on the wire.
pub fn role_to_wire(role: Role) -> i32 {
    match role {
        Role::Approval => pb::Role::Approval as i32,
        Role::JointReview => pb::Role::JointReview as i32,
    }
}

/// A department on the wire.
pub fn department_to_wire(department: &Department) -> pb::Department {
    pb::Department {
        code: department.code.clone(),
        name: department.name.clone(),
    }
}

/// A material on the wire.
pub fn material_to_wire(material: &Material) -> pb::Material {
    pb::Material {
        code: material.code.clone(),
        name: material.name.clone(),
        description: material.description.clone(),
    }
}

/// A matter on the wire.
pub fn matter_to_wire(matter: &Matter) -> pb::Matter {
    let codes = matter.exchange_codes();
    pb::Matter {
        matter_type_name: matter_type_name(&codes.matter_type)
            .unwrap_or_default()
            .to_owned(),
        basic_code: codes.basic_code,
        implementation_code: codes.implementation_code,
        matter_type: codes.matter_type,
        code: matter.code.clone(),
        name: matter.name.clone(),
        department_code: matter.department.clone(),
        legal_limit_days: matter.legal_limit_days,
        promised_limit_days: matter.promised_limit_days,
        material_codes: matter.materials.clone(),
        fee_fen: matter.fee_fen,
    }
}

/// A bundle on the wire, with its critical path and serial sum.
pub fn bundle_to_wire(bundle: &Bundle, catalogue: &Catalogue) -> pb::Bundle {
    pb::Bundle {
        code: bundle.code.clone(),
        name: bundle.name.clone(),
        lead_department_code: bundle.lead_department.clone(),
        promised_limit_days: bundle.promised_limit_days,
        form_fields: bundle
            .form
            .iter()
            .map(|f| pb::FormField {
                key: f.key.clone(),
                label: f.label.clone(),
                required: f.required,
            })
            .collect(),
        branches: bundle
            .branches
            .iter()
            .filter_map(|entry| {
                catalogue
                    .matter(&entry.matter)
                    .map(|matter| pb::BundleBranch {
                        matter: Some(matter_to_wire(matter)),
                        role: role_to_wire(entry.role),
                        depends_on: entry.depends_on.clone(),
                    })
            })
            .collect(),
        materials: catalogue
            .bundle_materials(bundle)
            .into_iter()
            .map(material_to_wire)
            .collect(),
        critical_path_days: catalogue.critical_path_days(bundle),
        serial_sum_days: catalogue.serial_sum_days(bundle),
    }
}
