//! Conversions between the wire contract (`lianban.v1`) and the engine's values: the one place
//! where the two meet, so that neither the engine nor the runtime knows the wire.
//!
//! Inbound, every conversion that can fail names the request field; outbound, names from the
//! catalogue are filled in so that clients need no second call to display a result. The files go
//! by subject, each below the ones that use it: request fields and paging (UUID keysets in
//! `fields`, other keys in `pages`), the bounds every request is held to, the view of the time,
//! the catalogue, what the front desk takes in, the applicant's ratings, branches, applications,
//! sessions, cases, and what supervisors, subscribers, facilitators, staff, statistics and the
//! monthly assessment read.

mod applications;
mod assessment;
mod bounds;
mod branches;
mod cases;
mod catalogue;
mod fields;
mod intake;
mod masking;
mod notifications;
mod pages;
mod projects;
mod ratings;
mod sessions;
mod staff;
mod statistics;
mod supervision;
mod view;

pub use applications::{
    application_state_to_wire, application_states, application_to_wire, task_of_branch,
    task_to_wire,
};
pub use assessment::{assessment_to_wire, month};
pub use bounds::{
    Class, ECHO_CHARS, MAX_ENTRIES, MAX_IDENTIFIER_CHARS, MAX_KEY_CHARS, MAX_NAME_CHARS,
    MAX_REFERENCE_CHARS, MAX_TEXT_CHARS, check as check_bounds, echo,
};
pub use branches::{branch_states, branch_to_wire, special_procedure, verdict};
pub use cases::{
    SubjectNamed, case_kind_filter, case_states, case_to_wire, complainant, complaint_channel,
    subject_named,
};
pub use catalogue::{bundle_to_wire, department_to_wire, material_to_wire, matter_to_wire};
pub use fields::{
    DEFAULT_PAGE_SIZE, MAX_DAYS_FROM_CLOCK, MAX_PAGE_SIZE, day, idempotency_key, instant,
    instant_near, optional_text, optional_timestamp, optional_uuid, page_request, page_token,
    required_text, timestamp, uuid_field, uuids,
};
pub use intake::{applicant, channel, hand_over_method, materials, notice_to_wire};
pub use masking::{department_view, mask_applicant, mask_number, mask_raters};
pub use notifications::{audience, notification_kind, notification_to_wire};
pub use pages::{
    AuditKey, ExtensionKey, KeyedPage, audit_page, audit_token, code_page, code_token,
    extension_page, extension_token, position_page, position_token, post_page, post_token,
    warning_page, warning_token,
};
pub use projects::{project_application, project_record, project_to_wire};
pub use ratings::{rating_command, rating_stage, rating_to_wire, satisfaction_to_wire};
pub use sessions::{opinion_kind, session_kind, session_states, session_to_wire};
pub use staff::{assigner_role, post_from_wire, post_to_wire};
pub use statistics::{period, statistics_to_wire};
pub use supervision::{audit_trail_to_wire, colour_to_wire, colours, digest_to_wire};
pub use view::View;
