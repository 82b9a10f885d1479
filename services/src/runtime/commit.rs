//! Committing an application's decision: the document, its events, its notices and the key's
//! record in one transaction; then the log line, telemetry, the held document and the news for
//! watchers, subscribers and the timer.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use lianban_orchestrator::{Application, Decision, Event};
use prost::Message;

use super::idempotency::Idempotency;
use super::shared::Runtime;
use crate::error::Error;
use crate::store::{Change, StoreError};

impl Runtime {
    /// Commits `decision` (taken on `previous` at `now`, by `actor`) and answers with `respond`;
    /// a decision that changes nothing is answered without a commit.
    pub(super) async fn commit_application<R: Message + Default>(
        &self,
        decision: Decision,
        previous: Option<&Application>,
        actor: &str,
        now: DateTime<Utc>,
        idempotency: Option<Idempotency>,
        respond: &impl Fn(&Application) -> R,
    ) -> Result<R, Error> {
        let response = respond(&decision.application);
        if decision.events.is_empty() {
            return Ok(response);
        }
        let record = idempotency.as_ref().map(|i| i.record(&response));
        let calendar = self.calendar();
        let notices = lianban_orchestrator::notify::notices(
            &decision.application,
            &decision.events,
            self.catalogue(),
            &calendar,
        );
        let change = Change {
            application: &decision.application,
            previous,
            events: &decision.events,
            actor,
            at: now,
            idempotency: record,
            notices: &notices,
        };
        let committed = self.store().commit(change).await;
        if committed.is_err() {
            // Whatever went wrong, the held document may no longer be the stored one.
            self.documents.forget(decision.application.id);
        }
        match committed {
            Ok(()) => {}
            Err(StoreError::KeyTaken { .. }) => {
                // A concurrent retry of the same request committed first: answer as it did.
                return self.replay_after_key_taken(idempotency.as_ref()).await;
            }
            Err(error) => return Err(error.into()),
        }
        if !notices.is_empty() {
            self.notifications_were_committed();
        }
        tracing::info!(
            trace_id = %decision.application.id.simple(),
            application_id = %decision.application.id,
            version = decision.application.version,
            changes = %decision.events.iter().map(Event::kind).collect::<Vec<_>>().join(","),
            "application changed"
        );
        self.telemetry().record_change(
            &decision.application,
            &decision.events,
            actor,
            now,
            &calendar,
            self.policy(),
        );
        self.announce(decision);
        Ok(response)
    }

    /// Holds the committed document for the next command and has watchers told what changed.
    fn announce(&self, decision: Decision) {
        if decision
            .events
            .iter()
            .any(|event| matches!(event, Event::BranchStarted { .. }))
        {
            self.wake_timer();
        }
        let application = Arc::new(decision.application);
        self.documents.put(application);
        // Watchers hear of it through the change log, like a change another replica committed,
        // so that each change reaches each watcher once whichever replica committed it.
        self.follow_now();
    }
}
