//! Idempotency keys: the key with its scope and request hash, the record stored with a change,
//! and the replay of the response a repeated request gets.

use lianban_orchestrator::EngineError;
use prost::Message;
use sha2::{Digest, Sha256};

use super::shared::Runtime;
use crate::error::Error;
use crate::store::IdempotencyRecord;

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
    /// The record to store with a change: this key with the response it answered.
    pub fn record(&self, response: &impl Message) -> IdempotencyRecord {
        IdempotencyRecord {
            scope: self.scope.clone(),
            key: self.key.clone(),
            request_hash: self.request_hash.clone(),
            response: response.encode_to_vec(),
        }
    }

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

impl Runtime {
    /// The remembered response when this request was already carried out, else the engine's
    /// refusal: a repeated request is refused by the state its first attempt left behind, and
    /// must get that attempt's answer instead.
    pub(super) async fn replay_or<R: Message + Default>(
        &self,
        idempotency: Option<&Idempotency>,
        refusal: EngineError,
    ) -> Result<R, Error> {
        self.replay(idempotency).await?.ok_or(refusal.into())
    }

    /// The remembered response for a repeated key, or `KeyReused` when the request differs.
    pub(crate) async fn replay<R: Message + Default>(
        &self,
        idempotency: Option<&Idempotency>,
    ) -> Result<Option<R>, Error> {
        let Some(idempotency) = idempotency else {
            return Ok(None);
        };
        let Some(remembered) = self
            .store()
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

    /// The answer to a request whose key a concurrent retry of the same request took first, in the
    /// transaction that was to record it: that retry's answer.
    pub(crate) async fn replay_after_key_taken<R: Message + Default>(
        &self,
        idempotency: Option<&Idempotency>,
    ) -> Result<R, Error> {
        self.replay(idempotency)
            .await?
            .ok_or_else(|| Error::Server("idempotency key vanished after a conflict".to_owned()))
    }
}
