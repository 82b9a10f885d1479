//! What supervisors see: open branches with a warning, and the daily overdue digest.
//!
//! Warnings are computed when asked, from each running branch's deadline and the time (a paused
//! branch keeps the warning it had when it paused). The digest is the same picture taken once a
//! working day at the configured time and kept, so that a supervisor reads what the day began with.

use chrono::{DateTime, Utc};
use lianban_orchestrator::warning::{self, Colour};
use lianban_orchestrator::{Application, BranchState};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::Error;
use crate::listing::{Listed, Smallest};
use crate::runtime::Runtime;
use crate::store::BranchFilter;

/// One running branch with a warning.
#[derive(Debug, Clone)]
pub struct Warned {
    /// Its application.
    pub application: Application,
    /// The branch.
    pub branch_id: Uuid,
    /// Yellow or red.
    pub colour: Colour,
    /// Working days left.
    pub remaining_days: u32,
}

/// Where a warning stands in the list: red before yellow, then the earliest deadline, then the
/// branch id, so that every warning has one place.
pub type WarningKey = (std::cmp::Reverse<Colour>, Option<DateTime<Utc>>, Uuid);

/// One page of the running branches (open, claimed or paused) whose warning is one of `colours`,
/// red first, then by deadline and branch, after the warning `after`. Only that page (and as many
/// again while they are sorted) is kept in memory: the rest are looked at a page at a time.
pub async fn warnings(
    runtime: &Runtime,
    department_code: Option<String>,
    bundle_code: Option<String>,
    colours: &[Colour],
    size: u64,
    after: Option<WarningKey>,
) -> Result<Listed<Warned, WarningKey>, Error> {
    let mut page = Smallest::new(size, after);
    let now = runtime.now();
    assess_running(runtime, department_code, bundle_code, now, |assessed| {
        if assessed.is_warned(colours) {
            page.offer(assessed.key(), assessed);
        }
    })
    .await?;
    Ok(page.finish())
}

impl Warned {
    /// Whether a supervisor asking for `colours` sees it: its colour is one of them, or nobody of
    /// its post can take it (such a branch is escalated whatever its colour).
    fn is_warned(&self, colours: &[Colour]) -> bool {
        colours.contains(&self.colour)
            || self
                .application
                .branch(self.branch_id)
                .is_some_and(|b| b.unstaffed_since.is_some())
    }

    /// Its place in the list of warnings.
    pub fn key(&self) -> WarningKey {
        (
            std::cmp::Reverse(self.colour),
            self.deadline(),
            self.branch_id,
        )
    }

    fn deadline(&self) -> Option<DateTime<Utc>> {
        self.application
            .branch(self.branch_id)
            .and_then(|b| b.deadline)
            .map(|d| d.at)
    }
}

/// Hands every running branch (open, claimed or paused) that has a deadline to `visit`, with its
/// warning at `now` (a paused branch: as of its pause). The store is read a page at a time, so memory
/// does not grow with the number of open applications.
pub async fn assess_running(
    runtime: &Runtime,
    department_code: Option<String>,
    bundle_code: Option<String>,
    now: DateTime<Utc>,
    mut visit: impl FnMut(Warned),
) -> Result<(), Error> {
    let filter = BranchFilter {
        department_code,
        states: vec![BranchState::Open, BranchState::Claimed, BranchState::Paused],
        bundle_code,
        ..Default::default()
    };
    let calendar = runtime.calendar();
    runtime
        .store()
        .scan_branches(&filter, |application, branch_id| {
            let Some(branch) = application.branch(branch_id) else {
                return;
            };
            let Some(deadline) = branch.deadline else {
                return;
            };
            let as_of = branch
                .pauses
                .last()
                .filter(|p| p.ended_at.is_none())
                .map_or(now, |p| p.started_at);
            let limit = branch.limit_days + branch.extension_days;
            let assessment = warning::assess(&calendar, runtime.policy(), &deadline, limit, as_of);
            visit(Warned {
                application,
                branch_id,
                colour: assessment.colour,
                remaining_days: assessment.remaining_days,
            });
        })
        .await?;
    Ok(())
}

/// One branch in a stored digest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DigestItem {
    /// The branch.
    pub branch_id: Uuid,
    /// Its application.
    pub application_id: Uuid,
    /// The receipt number.
    pub receipt_number: String,
    /// The matter.
    pub matter_code: String,
    /// The deadline.
    pub deadline: DateTime<Utc>,
    /// Working days left.
    pub remaining_days: u32,
    /// Yellow or red.
    pub colour: Colour,
    /// When escalated.
    pub escalated_at: Option<DateTime<Utc>>,
}

/// One department's part of a digest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DepartmentDigest {
    /// The department.
    pub department_code: String,
    /// Overdue branches.
    pub red: Vec<DigestItem>,
    /// Branches close to their deadline.
    pub yellow: Vec<DigestItem>,
}

/// A stored digest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredDigest {
    /// Departments with a warning, by code.
    pub departments: Vec<DepartmentDigest>,
}

/// The digest as JSON, in a buffer allocated once at its final length. Left to grow, the buffer
/// doubles, and while the last doubling copies, the old and the new buffer (up to three times the
/// text) are held at once: the largest moment of the server's memory on a day with many
/// warnings. Measuring the text first costs a second serialisation, once a day.
fn digest_json(digest: &StoredDigest) -> String {
    let mut length = ByteCount(0);
    serde_json::to_writer(&mut length, digest).expect("a digest always serialises");
    let mut text = Vec::with_capacity(length.0);
    serde_json::to_writer(&mut text, digest).expect("a digest always serialises");
    String::from_utf8(text).expect("JSON is UTF-8")
}

/// A writer that only counts what is written to it.
struct ByteCount(usize);

impl std::io::Write for ByteCount {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0 += bytes.len();
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Writes the digest of the day of `now`, as the picture at `now` (the time the schedule was found
/// due: the clock may have moved on since), unless that day is not a working day or its digest
/// was written already; true when written.
pub async fn write_digest(runtime: &Runtime, now: DateTime<Utc>) -> Result<bool, Error> {
    let calendar = runtime.calendar();
    let today = calendar.local_date(now);
    if !calendar.is_working_day(today) {
        return Ok(false);
    }
    let mut departments: std::collections::BTreeMap<String, DepartmentDigest> = Default::default();
    let warned_colours = [Colour::Yellow, Colour::Red];
    assess_running(runtime, None, None, now, |w| {
        if !w.is_warned(&warned_colours) {
            return;
        }
        let Some(branch) = w.application.branch(w.branch_id) else {
            return;
        };
        let entry = departments
            .entry(branch.department_code.clone())
            .or_insert_with(|| DepartmentDigest {
                department_code: branch.department_code.clone(),
                red: Vec::new(),
                yellow: Vec::new(),
            });
        let item = DigestItem {
            branch_id: branch.id,
            application_id: w.application.id,
            receipt_number: w.application.receipt_number.clone().unwrap_or_default(),
            matter_code: branch.matter_code.clone(),
            deadline: branch.deadline.map(|d| d.at).unwrap_or(now),
            remaining_days: w.remaining_days,
            colour: w.colour,
            escalated_at: branch.escalated_at,
        };
        match w.colour {
            Colour::Red => entry.red.push(item),
            _ => entry.yellow.push(item),
        }
    })
    .await?;
    for department in departments.values_mut() {
        for items in [&mut department.red, &mut department.yellow] {
            items.sort_by_key(|item| (std::cmp::Reverse(item.colour), item.deadline));
        }
    }
    // The items are let go once written out: with many branches near their deadline they and
    // the text are each tens of megabytes, and only the text is needed from here on.
    let content = digest_json(&StoredDigest {
        departments: departments.into_values().collect(),
    });
    let written = runtime
        .store()
        .write_digest(&today.to_string(), now, content)
        .await?;
    if written {
        tracing::info!(day = %today, "overdue digest written");
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(index: u32, colour: Colour) -> DigestItem {
        DigestItem {
            branch_id: Uuid::now_v7(),
            application_id: Uuid::now_v7(),
            receipt_number: format!("LB-2026-{index:06}"),
            matter_code: "scjg-qiye-sheli".into(),
            deadline: Utc::now(),
            remaining_days: index % 3,
            colour,
            escalated_at: index.is_multiple_of(2).then(Utc::now),
        }
    }

    #[test]
    fn a_digest_is_written_out_as_its_json_in_a_buffer_of_exactly_its_length() {
        let digest = StoredDigest {
            departments: vec![DepartmentDigest {
                department_code: "scjg".into(),
                red: (0..700).map(|i| item(i, Colour::Red)).collect(),
                yellow: (0..300).map(|i| item(i, Colour::Yellow)).collect(),
            }],
        };
        let text = digest_json(&digest);
        assert_eq!(text, serde_json::to_string(&digest).unwrap());
        assert_eq!(text.capacity(), text.len());
    }
}
