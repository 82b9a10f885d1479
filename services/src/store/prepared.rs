//! A change turned into the rows the group-commit writer writes, computed in the caller's task
//! before the change joins a batch: the compact document, the events' JSON, and — for an
//! application or a branch that was there before — only the columns that changed. SQLite rewrites
//! the entry of every index on a column an `UPDATE` names, changed or not, so naming unchanged
//! columns cost pages in every commit for nothing.

use chrono::{DateTime, Utc};
use lianban_orchestrator::Application;
use lianban_orchestrator::application::Branch;
use lianban_orchestrator::notify::Notice;
use sea_orm::ActiveValue::{self, NotSet, Set};
use uuid::Uuid;

use super::codec::{encode, version};
use super::entities::{application, branch};
use super::records::{Change, IdempotencyRecord};

/// A change with everything a caller can compute outside the transaction already computed.
pub(super) struct Prepared {
    pub(super) application_id: Uuid,
    pub(super) row: application::ActiveModel,
    /// The version read, `None` for a new application.
    pub(super) expected_version: Option<i64>,
    pub(super) version: i64,
    pub(super) branches: Vec<BranchRow>,
    /// Each event's kind and JSON detail.
    pub(super) events: Vec<(&'static str, String)>,
    pub(super) actor: String,
    pub(super) at: DateTime<Utc>,
    pub(super) notices: Vec<Notice>,
    pub(super) idempotency: Option<IdempotencyRecord>,
}

/// Turns a borrowed change into the rows to write.
pub(super) fn prepare(change: &Change<'_>) -> Prepared {
    let app = change.application;
    let row = application_row(change);
    Prepared {
        application_id: app.id,
        row,
        expected_version: change.previous.map(|previous| version(previous.version)),
        version: version(app.version),
        branches: changed_branch_rows(change),
        events: change
            .events
            .iter()
            .map(|e| {
                let detail = serde_json::to_string(e).expect("an event always serialises");
                (e.kind(), detail)
            })
            .collect(),
        actor: change.actor.to_owned(),
        at: change.at,
        notices: change.notices.to_vec(),
        idempotency: change.idempotency.clone(),
    }
}

/// The application's row. A new application sets every column; a change of one sets only the
/// columns that can differ and those of them that did (the receipt number's unique index puts
/// each application on a page of its own: naming it unchanged cost a page in every commit).
fn application_row(change: &Change<'_>) -> application::ActiveModel {
    let app = change.application;
    // Set when new, or when it differs from what the previous version had.
    fn unless_same<T: Into<sea_orm::Value> + PartialEq>(
        value: T,
        previous: Option<T>,
    ) -> ActiveValue<T> {
        match previous {
            Some(previous) if previous == value => NotSet,
            _ => Set(value),
        }
    }
    let previous = change.previous;
    let is_new = previous.is_none();
    let when_new = |value| if is_new { Set(value) } else { NotSet };
    application::ActiveModel {
        id: when_new(app.id.to_string()),
        bundle_code: when_new(app.bundle_code.clone()),
        state: unless_same(
            app.state.name().to_owned(),
            previous.map(|p| p.state.name().to_owned()),
        ),
        receipt_number: unless_same(
            app.receipt_number.clone(),
            previous.map(|p| p.receipt_number.clone()),
        ),
        key_project_code: unless_same(
            app.key_project_code.clone(),
            previous.map(|p| p.key_project_code.clone()),
        ),
        submitted_at: unless_same(app.submitted_at, previous.map(|p| p.submitted_at)),
        updated_at: Set(change.at),
        version: Set(version(app.version)),
        // Kept compact in `body`; the JSON column is only for documents written before it.
        document: Set(String::new()),
        body: Set(Some(encode(app))),
        // Both set by the writer, which knows where the chain ends.
        audit_head: NotSet,
        audit_seq: NotSet,
    }
}

/// A branch's projection row to write: the whole row, and for a branch that was there before
/// the change, only the columns that changed (the writer's `write_branches` says which it uses).
pub(super) struct BranchRow {
    pub(super) row: branch::ActiveModel,
    pub(super) changed: Option<branch::ActiveModel>,
}

/// The projection rows of the branches the change touched.
fn changed_branch_rows(change: &Change<'_>) -> Vec<BranchRow> {
    let app = change.application;
    app.branches
        .iter()
        .filter_map(|branch| {
            let before = change
                .previous
                .and_then(|previous| previous.branch(branch.id));
            if before.is_some_and(|before| before.version == branch.version) {
                return None;
            }
            let row = branch_row(app, branch, change.at);
            let changed =
                before.map(|before| only_changed(&row, &branch_row(app, before, change.at)));
            Some(BranchRow { row, changed })
        })
        .collect()
}

/// The projection row of one branch.
fn branch_row(app: &Application, b: &Branch, at: DateTime<Utc>) -> branch::ActiveModel {
    branch::ActiveModel {
        id: Set(b.id.to_string()),
        application_id: Set(app.id.to_string()),
        department_code: Set(b.department_code.clone()),
        matter_code: Set(b.matter_code.clone()),
        bundle_code: Set(app.bundle_code.clone()),
        state: Set(b.state.name().to_owned()),
        updated_at: Set(at),
        deadline_at: Set(b.deadline.map(|d| d.at)),
        deadline_pending: Set(deadline_pending(b)),
        deadline_provisional: Set(b.state.is_running() && b.deadline.is_some_and(|d| d.provisional)),
        assignee: Set(b.assignee.clone()),
        unstaffed: Set(b.unstaffed_since.is_some() && b.state.is_running()),
        // A commit of the branch ends any claim on its deadline: acted on, or changed.
        lease_owner: Set(None),
        lease_until: Set(None),
    }
}

/// The columns of `row` that differ from `before`, with the time and the cleared claim always
/// (a claim is taken outside the document, so `before` cannot tell it).
fn only_changed(row: &branch::ActiveModel, before: &branch::ActiveModel) -> branch::ActiveModel {
    fn unless_same<T: Into<sea_orm::Value> + Clone + PartialEq>(
        now: &ActiveValue<T>,
        before: &ActiveValue<T>,
    ) -> ActiveValue<T> {
        if now == before { NotSet } else { now.clone() }
    }
    branch::ActiveModel {
        id: NotSet,
        application_id: NotSet,
        department_code: NotSet,
        matter_code: NotSet,
        bundle_code: NotSet,
        state: unless_same(&row.state, &before.state),
        updated_at: row.updated_at.clone(),
        deadline_at: unless_same(&row.deadline_at, &before.deadline_at),
        deadline_pending: unless_same(&row.deadline_pending, &before.deadline_pending),
        deadline_provisional: unless_same(&row.deadline_provisional, &before.deadline_provisional),
        assignee: unless_same(&row.assignee, &before.assignee),
        unstaffed: unless_same(&row.unstaffed, &before.unstaffed),
        lease_owner: row.lease_owner.clone(),
        lease_until: row.lease_until.clone(),
    }
}

/// Whether the timer still has to act on the branch's deadline: it is open, and it is either
/// deemed to consent at the deadline or not yet escalated.
fn deadline_pending(branch: &Branch) -> bool {
    use lianban_orchestrator::catalogue::DeadlineAction;
    branch.deadline.is_some()
        && branch.state.is_actionable()
        && (branch.on_deadline == DeadlineAction::DeemedConsent || branch.escalated_at.is_none())
}

#[cfg(test)]
pub(super) mod tests {
    use lianban_orchestrator::application::{
        Applicant, ApplicantKind, Channel, MaterialSubmission,
    };
    use lianban_orchestrator::catalogue::CatalogueSource;
    use lianban_orchestrator::engine::{self, Submit};
    use lianban_orchestrator::machine::{ApplicationState, BranchState};
    use lianban_orchestrator::{Calendar, Catalogue, Rules};

    use super::*;

    fn source(file: &str, text: &str) -> CatalogueSource {
        CatalogueSource {
            file: file.to_owned(),
            text: text.to_owned(),
        }
    }

    /// A 开办企业 application as submitted, materials complete: accepted, its first branch open.
    pub(in crate::store) fn accepted() -> Application {
        let catalogue = Catalogue::from_sources(&[
            source(
                "departments.toml",
                include_str!("../../catalogue/departments.toml"),
            ),
            source(
                "materials.toml",
                include_str!("../../catalogue/materials.toml"),
            ),
            source(
                "kaiban-qiye.toml",
                include_str!("../../catalogue/kaiban-qiye.toml"),
            ),
        ])
        .expect("sample catalogue");
        let closing = chrono::NaiveTime::from_hms_opt(17, 30, 0).expect("a time");
        let calendar = Calendar::new(chrono_tz::Asia::Shanghai, closing);
        let staffing = Default::default();
        let rules = Rules {
            catalogue: &catalogue,
            calendar: &calendar,
            staffing: &staffing,
        };
        let bundle = catalogue.bundle("kaiban-qiye").expect("sample bundle");
        let submit = Submit {
            application_id: Uuid::now_v7(),
            bundle_code: bundle.code.clone(),
            applicant: Applicant {
                kind: ApplicantKind::NaturalPerson,
                name: "王小明".into(),
                id_number: "11010519491231002X".into(),
                phone: String::new(),
            },
            form: bundle
                .form
                .iter()
                .map(|field| (field.key.clone(), "值".to_owned()))
                .collect(),
            materials: catalogue
                .bundle_materials(bundle)
                .into_iter()
                .map(|material| MaterialSubmission {
                    material_code: material.code.clone(),
                    document_ref: format!("doc-{}", material.code),
                })
                .collect(),
            channel: Channel::OnSite,
            key_project_code: None,
            front_desk_clerk: "desk".into(),
        };
        engine::submit(rules, submit, &mut Uuid::now_v7, Utc::now())
            .expect("submit")
            .application
    }

    fn change<'a>(now: &'a Application, before: Option<&'a Application>) -> Change<'a> {
        Change {
            application: now,
            previous: before,
            events: &[],
            actor: "test",
            at: Utc::now(),
            idempotency: None,
            notices: &[],
        }
    }

    #[test]
    fn a_new_application_writes_every_column_and_every_branch_whole() {
        let new = accepted();
        let prepared = prepare(&change(&new, None));
        assert!(prepared.row.id.is_set() && prepared.row.bundle_code.is_set());
        assert!(prepared.row.receipt_number.is_set() && prepared.row.state.is_set());
        assert_eq!(prepared.branches.len(), new.branches.len());
        assert!(prepared.branches.iter().all(|row| row.changed.is_none()));
    }

    #[test]
    fn a_change_names_only_the_columns_that_changed() {
        let before = accepted();
        let mut after = before.clone();
        after.version += 1;
        let branch = after
            .branches
            .iter_mut()
            .find(|b| b.state == BranchState::Open)
            .expect("an open branch");
        branch.state = BranchState::Approved;
        branch.version += 1;
        let decided = branch.id;

        let prepared = prepare(&change(&after, Some(&before)));
        // The application's state, receipt, bundle and id did not change: no index is rewritten.
        for unchanged in [
            &prepared.row.id,
            &prepared.row.bundle_code,
            &prepared.row.state,
        ] {
            assert!(!unchanged.is_set());
        }
        assert!(!prepared.row.receipt_number.is_set());
        assert!(prepared.row.body.is_set() && prepared.row.version.is_set());
        // Only the decided branch is written, and only what its decision changed.
        assert_eq!(prepared.branches.len(), 1);
        let row = &prepared.branches[0];
        assert_eq!(row.row.id, Set(decided.to_string()));
        let changed = row.changed.as_ref().expect("an existing branch is updated");
        assert_eq!(changed.state, Set("approved".to_owned()));
        assert_eq!(changed.deadline_pending, Set(false));
        assert!(!changed.assignee.is_set() && !changed.department_code.is_set());
        assert!(!changed.deadline_at.is_set() && !changed.id.is_set());
        // A claim on its deadline is always let go.
        assert_eq!(changed.lease_owner, Set(None));

        after.state = ApplicationState::ReadyForDispatch;
        let prepared = prepare(&change(&after, Some(&before)));
        assert!(prepared.row.state.is_set());
    }
}
