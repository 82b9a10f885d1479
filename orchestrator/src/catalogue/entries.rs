//! The entries of the catalogue as its files declare them: departments, materials, matters, and
//! the bundles that combine matters into one application (一件事).

use serde::Deserialize;

/// A department with a back-office system (市场监管, 公安, 税务…).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Department {
    /// Stable code.
    pub code: String,
    /// Display name.
    pub name: String,
}

/// A material the applicant hands in once for the whole application.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Material {
    /// Stable code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// What the front desk checks; shown in one-time notices.
    #[serde(default)]
    pub description: String,
}

/// One approval item of one department (事项).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Matter {
    /// Stable code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Code of the department that handles it.
    pub department: String,
    /// Statutory limit in working days (法定时限).
    pub legal_limit_days: u32,
    /// Promised limit in working days (承诺时限); 0 = decided the same day (即办件).
    pub promised_limit_days: u32,
    /// Codes of the materials it needs.
    #[serde(default)]
    pub materials: Vec<String>,
    /// Fee in fen.
    #[serde(default)]
    pub fee_fen: u64,
    /// What happens at the deadline, unless the bundle says otherwise; default by role.
    #[serde(default)]
    pub on_deadline: Option<DeadlineAction>,
    /// 基本编码 of the national basic catalogue (GB/T 39554.1, up to 10 letters and digits);
    /// unset means derived from `code` (see `codes`).
    #[serde(default)]
    pub basic_code: Option<String>,
    /// 实施编码 of the implementation list (GB/T 39554.1, up to 24 letters and digits); unset
    /// means derived from `code`.
    #[serde(default)]
    pub implementation_code: Option<String>,
    /// 事项类型代码 (GB/T 39046 A.1, two digits: 00–10, 20, extensions 11–19 and 21–29); unset
    /// means 10 (其他类别事项).
    #[serde(default)]
    pub matter_type: Option<String>,
}

/// How a department takes part in a bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The department decides: approve or reject (审批).
    Approval,
    /// The department gives an opinion: consent or object (联审 / 征求意见).
    JointReview,
}

/// What happens when an open branch reaches its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineAction {
    /// The silent department is deemed to consent (缺席默认 / 逾期视为同意). Joint review only.
    DeemedConsent,
    /// The branch turns red and is escalated to supervision; it stays open for the department.
    Escalate,
}

/// One field of a bundle's single form.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormField {
    /// Key in the application's form map.
    pub key: String,
    /// Display label.
    pub label: String,
    /// Whether a submission without it is refused.
    #[serde(default)]
    pub required: bool,
}

/// One matter as it takes part in a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleBranch {
    /// Matter code.
    pub matter: String,
    /// Approval or joint review.
    pub role: Role,
    /// Matter codes of the same bundle that must be approved or consented first.
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// What happens at the deadline in this bundle; overrides the matter's.
    #[serde(default)]
    pub on_deadline: Option<DeadlineAction>,
}

/// A bundle of matters handled as one application (一件事).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// Stable code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Code of the lead department (牵头部门).
    pub lead_department: String,
    /// The bundle's promised limit in working days.
    pub promised_limit_days: u32,
    /// The one form.
    #[serde(default)]
    pub form: Vec<FormField>,
    /// The local rule that makes silence consent, cited on every deemed consent.
    #[serde(default = "default_deemed_consent_rule")]
    pub deemed_consent_rule: String,
    /// Every matter with its role and dependencies, in display order.
    #[serde(rename = "branch")]
    pub branches: Vec<BundleBranch>,
}

/// The rule cited when a bundle names none.
fn default_deemed_consent_rule() -> String {
    "并联审批逾期未反馈意见视为同意".to_owned()
}
