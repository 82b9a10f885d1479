//! The catalogue as `bundles` and `bundle` print it: limits, critical path and serial sum.

use lianban_proto::v1 as pb;

use super::names::role_name;
use super::table::table;

/// Bundles as a table, one row each.
pub fn render_bundles(bundles: &[pb::Bundle]) -> String {
    let rows = bundles
        .iter()
        .map(|b| {
            vec![
                b.code.clone(),
                b.name.clone(),
                b.lead_department_code.clone(),
                b.branches.len().to_string(),
                b.promised_limit_days.to_string(),
                b.critical_path_days.to_string(),
                b.serial_sum_days.to_string(),
            ]
        })
        .collect();
    table(
        &[
            "BUNDLE",
            "NAME",
            "LEAD",
            "BRANCHES",
            "PROMISED WD",
            "CRITICAL PATH WD",
            "SERIAL SUM WD",
        ],
        rows,
    )
}

/// One bundle: its summary line, then its matters and its materials.
pub fn render_bundle(bundle: &pb::Bundle) -> String {
    let mut out = format!(
        "{} ({}) — lead {}, promised {} working days; critical path {} WD, serial sum {} WD\n\n",
        bundle.name,
        bundle.code,
        bundle.lead_department_code,
        bundle.promised_limit_days,
        bundle.critical_path_days,
        bundle.serial_sum_days
    );
    let rows = bundle
        .branches
        .iter()
        .filter_map(|b| {
            let m = b.matter.as_ref()?;
            Some(vec![
                m.code.clone(),
                m.name.clone(),
                m.department_code.clone(),
                role_name(b.role).to_owned(),
                m.promised_limit_days.to_string(),
                b.depends_on.join(", "),
            ])
        })
        .collect();
    out.push_str(&table(
        &["MATTER", "NAME", "DEPT", "ROLE", "PROMISED WD", "AFTER"],
        rows,
    ));
    out.push('\n');
    let rows = bundle
        .materials
        .iter()
        .map(|m| vec![m.code.clone(), m.name.clone()])
        .collect();
    out.push_str(&table(&["MATERIAL", "NAME"], rows));
    out
}
