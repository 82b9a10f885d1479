//! Personal data as a caller who does not need it sees it (个人信息保护): a natural person's ID
//! number and every applicant's phone masked, keeping the first three and last four characters so
//! that a supervisor can still tell two applicants apart on the phone with them, a rater's name
//! and phone, and a department's view of an application cut to what its matters use.

use lianban_proto::v1 as pb;

/// Characters kept at the start and at the end of a masked number.
const KEPT_HEAD: usize = 3;
const KEPT_TAIL: usize = 4;

/// `value` with all but its first three and last four characters replaced by `*`; a value too
/// short to keep anything is masked whole.
pub fn mask_number(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.is_empty() {
        return String::new();
    }
    if chars.len() <= KEPT_HEAD + KEPT_TAIL {
        return "*".repeat(chars.len());
    }
    let hidden = chars.len() - KEPT_HEAD - KEPT_TAIL;
    let mut out: String = chars[..KEPT_HEAD].iter().collect();
    out.push_str(&"*".repeat(hidden));
    out.extend(&chars[chars.len() - KEPT_TAIL..]);
    out
}

/// An applicant with a natural person's ID number and any phone masked; an organisation's unified
/// social credit code is public and stays.
pub fn mask_applicant(applicant: &mut Option<pb::Applicant>) {
    let Some(applicant) = applicant else {
        return;
    };
    if applicant.kind == pb::ApplicantKind::NaturalPerson as i32 {
        applicant.id_number = mask_number(&applicant.id_number);
    }
    applicant.phone = mask_number(&applicant.phone);
}

/// Raters as a caller who does not need them sees them: the phone masked like every phone, the
/// name cut to its first character (王**), so a real-name rating still shows as one.
pub fn mask_raters(ratings: &mut [pb::RatingView]) {
    for rater in ratings.iter_mut().filter_map(|r| r.rater.as_mut()) {
        rater.phone = mask_number(&rater.phone);
        rater.name = mask_name(&rater.name);
    }
}

/// A name kept to its first character, the rest `*`.
fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
        None => String::new(),
    }
}

/// An application as a department sees it: its own branches only (not the other departments'
/// decisions), and the materials its matters use.
pub fn department_view(application: &mut pb::Application, department: &str, materials: &[String]) {
    application
        .branches
        .retain(|branch| branch.department_code == department);
    application
        .materials
        .retain(|m| materials.contains(&m.material_code));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_keeps_its_first_three_and_last_four_characters() {
        assert_eq!(mask_number("110101199003071234"), "110***********1234");
        assert_eq!(mask_number("13800138000"), "138****8000");
        assert_eq!(mask_number("1234567"), "*******");
        assert_eq!(mask_number(""), "");
        assert_eq!(mask_number("电话号码一二三四五"), "电话号**二三四五");
    }

    #[test]
    fn a_rater_keeps_the_first_character_of_the_name_and_a_masked_phone() {
        let mut ratings = vec![
            pb::RatingView {
                rater: Some(pb::Rater {
                    name: "王小明".into(),
                    phone: "13800138000".into(),
                }),
                ..Default::default()
            },
            pb::RatingView::default(),
        ];
        mask_raters(&mut ratings);
        let rater = ratings[0].rater.as_ref().unwrap();
        assert_eq!(
            (rater.name.as_str(), rater.phone.as_str()),
            ("王**", "138****8000")
        );
        assert_eq!(ratings[1].rater, None);
    }

    #[test]
    fn a_persons_id_and_phone_are_masked_an_organisations_code_is_not() {
        let mut person = Some(pb::Applicant {
            kind: pb::ApplicantKind::NaturalPerson as i32,
            name: "王小明".into(),
            id_number: "110101199003071234".into(),
            phone: "13800138000".into(),
        });
        mask_applicant(&mut person);
        let person = person.unwrap();
        assert_eq!(person.id_number, "110***********1234");
        assert_eq!(person.phone, "138****8000");
        let mut company = Some(pb::Applicant {
            kind: pb::ApplicantKind::Organisation as i32,
            name: "某某有限公司".into(),
            id_number: "91110000600037341L".into(),
            phone: "01012345678".into(),
        });
        mask_applicant(&mut company);
        let company = company.unwrap();
        assert_eq!(company.id_number, "91110000600037341L");
        assert_eq!(company.phone, "010****5678");
    }
}
