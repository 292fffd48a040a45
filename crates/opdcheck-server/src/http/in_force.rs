//! The policy in force, and how every server of a cluster follows the stored one.
//!
//! The database is the one source of the policy: the highest stored version is in force. Each
//! server keeps `(version, engine)` in [`AppState`] and a [`PolicyWatch`] task asks the database
//! for its newest version every [`POLL_INTERVAL`] (`SELECT MAX(version)`, one index lookup); when
//! it is newer than the one in force, the server reads that version, builds its engine and swaps
//! it in. So a policy stored through one server is in force on every server within about a
//! second (the contract promises 5 s), with no restart and no server-to-server traffic.

use std::sync::Arc;
use std::time::Duration;

use opdcheck_engine::Engine;
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::error::Error;
use crate::http::AppState;
use crate::store::StoredPolicy;

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
        })
    }

    /// A stored version read back (another server stored it, or this one before a restart).
    pub fn read(stored: &StoredPolicy) -> Result<InForce, Error> {
        let engine = Engine::with_policy_override(&stored.override_json).map_err(|e| {
            Error::Config(format!(
                "stored policy version {} no longer reads: {e}",
                stored.version
            ))
        })?;
        InForce::stored(stored, engine)
    }

    /// The `ETag` of `GET /api/v1/policy`: content and version, quoted.
    pub fn etag(&self) -> String {
        format!("\"{}-v{}\"", self.engine.ruleset(), self.version)
    }
}

/// Bring `state` up to the newest stored version, if it is behind. Returns the version in force.
/// A stored version that does not read (an engine upgrade made it invalid) is an error; the
/// version in force stays.
pub async fn refresh(state: &AppState) -> Result<i64, Error> {
    let current = state.in_force().version;
    let Ok(store) = state.store() else {
        return Ok(current);
    };
    if store.newest_policy_version().await? <= current {
        return Ok(current);
    }
    let Some(stored) = store.latest_policy().await? else {
        return Ok(current);
    };
    state.install(InForce::read(&stored)?);
    Ok(state.in_force().version)
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
