//! The policy in force, and how every server of a cluster follows the stored one.
//!
//! The database is the one source of the policy: the highest stored version is in force. Each
//! server keeps `(version, engine)` in [`AppState`] and a [`PolicyWatch`] task asks the database
//! for its newest version every [`POLL_INTERVAL`] (`SELECT MAX(version)`, one index lookup); when
//! it is newer than the one in force, the server reads that version, builds its engine and swaps
//! it in. So a policy stored through one server is in force on every server within about a
//! second (the contract promises 5 s), with no restart and no server-to-server traffic.
//!
//! The prescriber registry (`policy.prescribers`, which RX-17 and RX-18 check) is the doctor
//! accounts (see [`crate::auth::prescribers`]), merged over the stored override's own registry
//! (an account wins for the same id). The same poll reads the registry's revision (a count and
//! the newest change of the doctor accounts), so an admin's change of a doctor's facts is in
//! force on every server within a poll too; the server where it was made rebuilds at once.

use std::sync::Arc;
use std::time::Duration;

use opdcheck_engine::Engine;
use opdcheck_engine::policy::Prescriber;
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::auth::prescribers;
use crate::error::Error;
use crate::http::AppState;
use crate::store::{Store, StoredPolicy};

/// How often each server asks the database for the newest policy version.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// A policy version and the engine that checks with it. Swapped in whole, never edited.
#[derive(Debug, Clone)]
pub struct InForce {
    /// 0: the embedded default (no override stored).
    pub version: i64,
    pub engine: Arc<Engine>,
    /// The override as stored (`{}` for version 0).
    pub override_: Value,
    pub set_by: Option<String>,
    pub set_at: Option<String>,
    /// The revision of the doctor accounts the engine's registry was made from (`""`: not read
    /// yet, so the first poll reads it).
    pub registry: String,
}

impl InForce {
    /// Version 0: the embedded default policy.
    pub fn default_policy() -> InForce {
        InForce {
            version: 0,
            engine: Arc::new(Engine::default_engine().clone()),
            override_: Value::Object(Default::default()),
            set_by: None,
            set_at: None,
            registry: String::new(),
        }
    }

    /// A stored version with its engine already built (the server that stored it).
    pub fn stored(stored: &StoredPolicy, engine: Engine) -> Result<InForce, Error> {
        let override_ = serde_json::from_str(&stored.override_json).map_err(|e| {
            Error::Internal(format!(
                "stored policy version {} is not JSON: {e}",
                stored.version
            ))
        })?;
        Ok(InForce {
            version: stored.version,
            engine: Arc::new(engine),
            override_,
            set_by: Some(stored.created_by.clone()),
            set_at: Some(stored.created_at.clone()),
            registry: String::new(),
        })
    }

    /// A stored version read back (another server stored it, or this one before a restart),
    /// with `registry` (of revision `revision`) as its prescriber registry.
    pub fn read(
        stored: &StoredPolicy,
        registry: &[Prescriber],
        revision: String,
    ) -> Result<InForce, Error> {
        let override_: Value = serde_json::from_str(&stored.override_json).map_err(|e| {
            Error::Internal(format!(
                "stored policy version {} is not JSON: {e}",
                stored.version
            ))
        })?;
        let engine = compose(stored.version, &override_, registry)?;
        let mut in_force = InForce::stored(stored, engine)?;
        in_force.registry = revision;
        Ok(in_force)
    }

    /// The same version with another registry (a doctor account changed).
    pub fn with_registry(
        &self,
        registry: &[Prescriber],
        revision: String,
    ) -> Result<InForce, Error> {
        Ok(InForce {
            engine: Arc::new(compose(self.version, &self.override_, registry)?),
            registry: revision,
            ..self.clone()
        })
    }

    /// The `ETag` of `GET /api/v1/policy`: content and version, quoted.
    pub fn etag(&self) -> String {
        format!("\"{}-v{}\"", self.engine.ruleset(), self.version)
    }
}

/// The engine of policy `version`'s override with the accounts' `registry` merged over the
/// override's own prescribers (an account wins for the same id). Without accounts in the
/// registry it is the override's engine as stored, with the stored ruleset; with them, the
/// ruleset names the registry too (a record's ruleset says what it was checked against).
fn compose(version: i64, override_: &Value, registry: &[Prescriber]) -> Result<Engine, Error> {
    let mut value = override_.clone();
    if !registry.is_empty()
        && let Some(object) = value.as_object_mut()
    {
        let accounts: Vec<&str> = registry.iter().map(|p| p.id.as_str()).collect();
        let mut merged: Vec<Value> = object
            .get("prescribers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|p| {
                !p.get("id")
                    .and_then(Value::as_str)
                    .is_some_and(|id| accounts.contains(&id.trim()))
            })
            .cloned()
            .collect();
        for p in registry {
            merged.push(serde_json::to_value(p).map_err(|e| Error::Internal(e.to_string()))?);
        }
        object.insert("prescribers".into(), Value::Array(merged));
    }
    if value.as_object().is_some_and(|o| o.is_empty()) {
        return Ok(Engine::default_engine().clone());
    }
    Engine::with_policy_override(&value.to_string()).map_err(|e| {
        Error::Config(format!(
            "policy version {version} with the accounts' prescriber registry does not read: {e}"
        ))
    })
}

/// The registry's revision and the registry, read in that order: a change between the two
/// reads leaves a revision older than the registry, so the next poll rebuilds again rather than
/// missing it.
async fn read_registry(store: &Store) -> Result<(String, Vec<Prescriber>), Error> {
    let revision = store.registry_revision().await?;
    let registry = prescribers::registry(&store.doctors().await?);
    Ok((revision, registry))
}

/// Bring `state` up to the newest stored version and the accounts' registry, if it is behind.
/// Returns the version in force. A stored version that does not read (an engine upgrade made it
/// invalid) is an error; the version in force stays. Refreshes of one server take turns, so
/// the last one installed read the database last.
pub async fn refresh(state: &AppState) -> Result<i64, Error> {
    let Ok(store) = state.store() else {
        return Ok(state.in_force().version);
    };
    let _turn = state.refreshing().lock().await;
    let current = state.in_force();
    let newest = store.newest_policy_version().await?;
    let revision = store.registry_revision().await?;
    if newest <= current.version && revision == current.registry {
        return Ok(current.version);
    }
    let (revision, registry) = read_registry(store).await?;
    let next = if newest > current.version {
        let Some(stored) = store.latest_policy().await? else {
            return Ok(current.version);
        };
        InForce::read(&stored, &registry, revision)?
    } else {
        current.with_registry(&registry, revision)?
    };
    state.install(next);
    Ok(state.in_force().version)
}

/// Put a version this server just stored in force (its engine already built from the override
/// alone), with the accounts' registry as it is now.
pub async fn install_stored(
    state: &AppState,
    stored: &StoredPolicy,
    engine: Engine,
) -> Result<(), Error> {
    let store = state.store()?;
    let _turn = state.refreshing().lock().await;
    let (revision, registry) = read_registry(store).await?;
    let mut in_force = if registry.is_empty() {
        InForce::stored(stored, engine)?
    } else {
        InForce::read(stored, &registry, revision.clone())?
    };
    in_force.registry = revision;
    state.install(in_force);
    Ok(())
}

/// After an admin changed a doctor account: rebuild this server's engine now (the others follow
/// within a poll). The change is stored either way; a failure here is logged and the poll tries
/// again.
pub async fn follow_accounts(state: &AppState) {
    if let Err(e) = refresh(state).await {
        tracing::error!(error = %e, "the accounts' prescriber registry is not in force");
    }
}

/// The background task that keeps a server on the newest stored policy. Stop it with
/// [`PolicyWatch::stop`]; dropping it stops it too (abruptly).
#[derive(Debug)]
pub struct PolicyWatch {
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl PolicyWatch {
    /// Start polling (a no-op task without a database: nothing else can change the policy).
    pub fn spawn(state: AppState) -> PolicyWatch {
        let (stop, mut stopped) = oneshot::channel();
        let task = tokio::spawn(async move {
            if state.store().is_err() {
                return;
            }
            let mut tick = tokio::time::interval(POLL_INTERVAL);
            // After a stall (a suspended VM) one poll is enough, not a burst of them.
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            // A version that failed to read is reported once, not every second.
            let mut reported = None;
            loop {
                tokio::select! {
                    _ = &mut stopped => return,
                    _ = tick.tick() => {}
                }
                if let Err(e) = refresh(&state).await {
                    let message = e.to_string();
                    if reported.as_ref() != Some(&message) {
                        tracing::error!(error = %message, "the newest stored policy is not in force");
                        reported = Some(message);
                    }
                } else {
                    reported = None;
                }
            }
        });
        PolicyWatch {
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Stop polling and wait for the task to end (a poll in flight finishes first).
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for PolicyWatch {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
