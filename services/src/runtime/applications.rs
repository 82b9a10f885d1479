//! Commands on applications: submitting a new one, and carrying out a command of a person or of
//! the system itself on an existing one through [`carry_out`], reading the document this process
//! holds when it can.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use lianban_orchestrator::engine::{self, Command, Submit};
use lianban_orchestrator::{Application, Decision, EngineError};
use prost::Message;
use uuid::Uuid;

use super::carry_out::{Aggregate, KeyLookUp, carry_out};
use super::idempotency::Idempotency;
use super::shared::Runtime;
use crate::error::Error;

/// A command on an existing application, by `actor`.
struct ApplicationCommand<'a> {
    application_id: Uuid,
    what: What<'a>,
    actor: &'a str,
}

/// What the command asks of the engine.
enum What<'a> {
    /// One command.
    One(Command),
    /// The system acting on several passed deadlines of the application in one change
    /// ([`engine::deadlines_passed`]).
    PassedDeadlines(&'a [Uuid]),
}

impl Aggregate for ApplicationCommand<'_> {
    type Document = Arc<Application>;
    type Subject = Application;
    /// The decision, and how many branches it changed (for one command: 1 when it changed
    /// anything).
    type Decision = (Decision, usize);
    /// How many branches the decision changed.
    type Summary = usize;
    // The key is not looked up first: a repeated request is recognised when its key is found
    // taken in the change's transaction (see `commit_application`), or when the engine refuses it
    // or finds nothing to do — the state the first request left behind.
    const KEY_LOOK_UP: KeyLookUp = KeyLookUp::OnRefusalOrNoChange;

    fn id(&self) -> Uuid {
        self.application_id
    }

    async fn read(
        &self,
        runtime: &Runtime,
        use_held: bool,
    ) -> Result<(Arc<Application>, bool), Error> {
        let held = if use_held {
            runtime.documents.get(self.application_id)
        } else {
            None
        };
        let from_held = held.is_some();
        let current = match held {
            Some(held) => held,
            None => Arc::new(runtime.load(self.application_id).await?),
        };
        Ok((current, from_held))
    }

    fn decide(
        &self,
        runtime: &Runtime,
        current: &Arc<Application>,
        now: DateTime<Utc>,
    ) -> Result<(Decision, usize), EngineError> {
        runtime.with_rules(|rules| match &self.what {
            What::One(command) => {
                engine::execute(rules, current, command.clone(), now).map(|decision| {
                    let changed = usize::from(!decision.events.is_empty());
                    (decision, changed)
                })
            }
            What::PassedDeadlines(branch_ids) => {
                engine::deadlines_passed(rules, current, branch_ids, now)
            }
        })
    }

    fn changes_nothing((decision, _): &(Decision, usize)) -> bool {
        decision.events.is_empty()
    }

    fn summarise((_, changed): &(Decision, usize)) -> usize {
        *changed
    }

    async fn commit<R: Message + Default>(
        &self,
        runtime: &Runtime,
        (decision, _): (Decision, usize),
        current: &Arc<Application>,
        now: DateTime<Utc>,
        idempotency: Option<Idempotency>,
        respond: &impl Fn(&Application) -> R,
    ) -> Result<R, Error> {
        let previous = Some(current.as_ref());
        runtime
            .commit_application(decision, previous, self.actor, now, idempotency, respond)
            .await
    }
}

impl Runtime {
    /// Submits a new application; `respond` builds the response that a retry with the same key gets.
    pub async fn submit<R: Message + Default>(
        &self,
        command: Submit,
        actor: &str,
        idempotency: Option<Idempotency>,
        respond: impl Fn(&Application) -> R,
    ) -> Result<R, Error> {
        // No look-up of the key first: the key is recorded in the transaction of the change, so a
        // repeated request finds it taken there and is answered from the record (see
        // `commit_application`).
        let now = self.now();
        let decided =
            self.with_rules(|rules| engine::submit(rules, command, &mut Uuid::now_v7, now));
        let decision = match decided {
            Ok(decision) => decision,
            Err(refusal) => return self.replay_or(idempotency.as_ref(), refusal).await,
        };
        self.commit_application(decision, None, actor, now, idempotency, &respond)
            .await
    }

    /// Carries out a command on an existing application, retrying on concurrent changes.
    pub async fn execute<R: Message + Default>(
        &self,
        application_id: Uuid,
        command: Command,
        actor: &str,
        idempotency: Option<Idempotency>,
        respond: impl Fn(&Application) -> R,
    ) -> Result<R, Error> {
        let command = ApplicationCommand {
            application_id,
            what: What::One(command),
            actor,
        };
        let carried = carry_out(self, &command, idempotency, &respond).await?;
        Ok(carried.into_response())
    }

    /// Carries out a command of the system itself (no key, no response); true when it changed
    /// anything. A command that finds nothing to do is not an error.
    pub async fn execute_system(
        &self,
        application_id: Uuid,
        command: Command,
    ) -> Result<bool, Error> {
        let changed = self.as_system(application_id, What::One(command)).await?;
        Ok(changed > 0)
    }

    /// Acts in one change on the passed deadlines of `branch_ids`, all of one application, and on
    /// every other deadline of it due by now; how many branches changed.
    pub async fn execute_deadlines(
        &self,
        application_id: Uuid,
        branch_ids: &[Uuid],
    ) -> Result<usize, Error> {
        self.as_system(application_id, What::PassedDeadlines(branch_ids))
            .await
    }

    /// Carries out `what` as the system (no key, no response); how many branches it changed.
    async fn as_system(&self, application_id: Uuid, what: What<'_>) -> Result<usize, Error> {
        let command = ApplicationCommand {
            application_id,
            what,
            actor: "system",
        };
        let carried = carry_out(self, &command, None, &|_: &Application| ()).await?;
        // Without a key nothing is replayed: the answer is always the decision's.
        Ok(carried.summary().copied().unwrap_or(0))
    }

    /// The application a branch belongs to.
    pub async fn application_of_branch(&self, branch_id: Uuid) -> Result<Uuid, Error> {
        if let Some(application_id) = self.documents.application_of_branch(branch_id) {
            return Ok(application_id);
        }
        self.store()
            .application_of_branch(branch_id)
            .await?
            .ok_or_else(|| Error::NotFound {
                entity: "branch",
                id: branch_id.to_string(),
            })
    }

    /// The stored application.
    async fn load(&self, application_id: Uuid) -> Result<Application, Error> {
        self.store()
            .application(application_id)
            .await?
            .ok_or_else(|| Error::NotFound {
                entity: "application",
                id: application_id.to_string(),
            })
    }
}
