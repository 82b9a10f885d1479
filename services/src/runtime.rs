//! The runtime carries the engine's decisions out: it reads the application, asks the engine,
//! commits the result with its events and idempotency record in one transaction, retries when a
//! concurrent writer got there first, and tells watchers which branches changed.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use lianban_orchestrator::engine::{self, Command, Submit};
use lianban_orchestrator::{Application, Catalogue, Decision};
use prost::Message;
use sha2::{Digest, Sha256};
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::error::Error;
use crate::store::{Change, IdempotencyRecord, Store, StoreError};

/// How many times a command is retried when another writer changed the application first.
const CONFLICT_RETRIES: usize = 16;

/// Where the server reads the time. One clock for the whole server, so that tests can drive it.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> DateTime<Utc>;
}

/// The operating system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// One branch that changed, for watchers.
#[derive(Debug, Clone)]
pub struct BranchChange {
    /// The application after the change.
    pub application: Arc<Application>,
    /// The branch.
    pub branch_id: Uuid,
    /// Its department.
    pub department_code: String,
}

/// An idempotency key with the scope it lives in and the hash of the request it came with.
#[derive(Debug, Clone)]
pub struct Idempotency {
    /// RPC and caller.
    pub scope: String,
    /// The client's key.
    pub key: String,
    /// SHA-256 of the request without its key.
    pub request_hash: String,
}

impl Idempotency {
    /// The key of `request`, hashed with `strip` applied (which clears the key field itself).
    pub fn of<M: Message + Clone>(
        scope: String,
        key: String,
        request: &M,
        strip: impl FnOnce(&mut M),
    ) -> Self {
        let mut copy = request.clone();
        strip(&mut copy);
        let request_hash = format!("{:x}", Sha256::digest(copy.encode_to_vec()));
        Idempotency {
            scope,
            key,
            request_hash,
        }
    }
}

/// The engine, the store, the catalogue and the clock, shared by every RPC.
#[derive(Clone)]
pub struct Runtime {
    store: Store,
    catalogue: Arc<Catalogue>,
    clock: Arc<dyn Clock>,
    changes: broadcast::Sender<BranchChange>,
}

impl Runtime {
    /// A runtime over a connected store.
    pub fn new(store: Store, catalogue: Arc<Catalogue>, clock: Arc<dyn Clock>) -> Self {
        let (changes, _) = broadcast::channel(4096);
        Runtime {
            store,
            catalogue,
            clock,
            changes,
        }
    }

    /// The catalogue.
    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Subscribes to branch changes.
    pub fn subscribe(&self) -> broadcast::Receiver<BranchChange> {
        self.changes.subscribe()
    }

    /// Submits a new application; `respond` builds the response that a retry with the same key gets.
    pub async fn submit<R: Message + Default>(
        &self,
        command: Submit,
        actor: &str,
        idempotency: Option<Idempotency>,
        respond: impl Fn(&Application) -> R,
    ) -> Result<R, Error> {
        if let Some(response) = self.replay(idempotency.as_ref()).await? {
            return Ok(response);
        }
        let now = self.clock.now();
        let decision = engine::submit(&self.catalogue, command, &mut Uuid::now_v7, now)?;
        self.commit(decision, None, actor, now, idempotency, &respond)
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
        for _ in 0..CONFLICT_RETRIES {
            // Checked on every attempt: after a conflict, the winner may have been this very
            // request's retry, whose answer must be returned rather than decided again.
            if let Some(response) = self.replay(idempotency.as_ref()).await? {
                return Ok(response);
            }
            let current = self
                .store
                .application(application_id)
                .await?
                .ok_or_else(|| Error::NotFound {
                    entity: "application",
                    id: application_id.to_string(),
                })?;
            let now = self.clock.now();
            let decision = match engine::execute(&self.catalogue, &current, command.clone(), now) {
                Ok(decision) => decision,
                // A concurrent retry of this request may have committed between the key check and
                // the read: then its answer stands, not the refusal of a second attempt.
                Err(refusal) => {
                    return self
                        .replay(idempotency.as_ref())
                        .await?
                        .ok_or(refusal.into());
                }
            };
            match self
                .commit(
                    decision,
                    Some(&current),
                    actor,
                    now,
                    idempotency.clone(),
                    &respond,
                )
                .await
            {
                Err(Error::Store(StoreError::Conflict(_))) => continue,
                other => return other,
            }
        }
        Err(Error::Store(StoreError::Conflict(application_id)))
    }

    /// The application a branch belongs to.
    pub async fn application_of_branch(&self, branch_id: Uuid) -> Result<Uuid, Error> {
        self.store
            .application_of_branch(branch_id)
            .await?
            .ok_or_else(|| Error::NotFound {
                entity: "branch",
                id: branch_id.to_string(),
            })
    }

    async fn commit<R: Message + Default>(
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
        let record = idempotency.as_ref().map(|i| IdempotencyRecord {
            scope: i.scope.clone(),
            key: i.key.clone(),
            request_hash: i.request_hash.clone(),
            response: response.encode_to_vec(),
        });
        let change = Change {
            application: &decision.application,
            previous,
            events: &decision.events,
            actor,
            at: now,
            idempotency: record,
        };
        match self.store.commit(change).await {
            Ok(()) => {}
            Err(StoreError::KeyTaken { .. }) => {
                // A concurrent retry of the same request committed first: answer as it did.
                return self.replay(idempotency.as_ref()).await?.ok_or_else(|| {
                    Error::Server("idempotency key vanished after a conflict".to_owned())
                });
            }
            Err(error) => return Err(error.into()),
        }
        self.announce(decision);
        Ok(response)
    }

    /// The remembered response for a repeated key, or `KeyReused` when the request differs.
    async fn replay<R: Message + Default>(
        &self,
        idempotency: Option<&Idempotency>,
    ) -> Result<Option<R>, Error> {
        let Some(idempotency) = idempotency else {
            return Ok(None);
        };
        let Some(remembered) = self
            .store
            .remembered(&idempotency.scope, &idempotency.key)
            .await?
        else {
            return Ok(None);
        };
        if remembered.request_hash != idempotency.request_hash {
            return Err(Error::KeyReused {
                key: idempotency.key.clone(),
            });
        }
        R::decode(remembered.response.as_slice())
            .map(Some)
            .map_err(|error| Error::Server(format!("remembered response is unreadable: {error}")))
    }

    fn announce(&self, decision: Decision) {
        let application = Arc::new(decision.application);
        let mut announced = Vec::new();
        for branch_id in decision.events.iter().filter_map(|event| event.branch_id()) {
            if announced.contains(&branch_id) {
                continue;
            }
            announced.push(branch_id);
            if let Some(branch) = application.branch(branch_id) {
                // No receiver is fine: nobody is watching.
                let _ = self.changes.send(BranchChange {
                    application: Arc::clone(&application),
                    branch_id,
                    department_code: branch.department_code.clone(),
                });
            }
        }
    }
}
