//! The hospital's policy as a browser page holds it: the last `GET /api/v1/policy` answer and
//! its ETag kept in local storage (so a page opened offline checks with the policy it last
//! saw), refreshed with a conditional GET (a 304 keeps the cached one), and the engine built
//! from it. The logic is plain and tested natively; [`load`], [`store`] and [`fetch`] are the
//! thin browser parts.

use std::ops::Deref;
use std::sync::Arc;

use gloo_net::http::Request;
use opdcheck_engine::{Engine, Lang, PolicyError};
use serde::{Deserialize, Serialize};

use crate::api::{CallError, error_of, json_of};
use opdcheck_api::policy::PolicyResponse;

/// Where the cached policy is kept. Signing out leaves it: it is the hospital's, not the
/// user's, and an offline page needs it.
pub const POLICY_KEY: &str = "opdcheck.policy.v1";

/// The policy this browser last received, with the ETag it came with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyCache {
    pub policy: PolicyResponse,
    pub etag: Option<String>,
}

/// What a refresh brought.
#[derive(Debug, Clone, PartialEq)]
pub enum Fetched {
    /// 304: the cached policy is still the one in force.
    NotModified,
    Fresh {
        policy: PolicyResponse,
        etag: Option<String>,
    },
}

impl PolicyCache {
    /// A stored cache; anything unreadable (an older shape) is no cache.
    pub fn from_json(text: &str) -> Option<PolicyCache> {
        serde_json::from_str(text).ok()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The `If-None-Match` a refresh sends.
    pub fn if_none_match(cache: Option<&PolicyCache>) -> Option<&str> {
        cache.and_then(|c| c.etag.as_deref())
    }

    /// The cache after a refresh, when the policy in force changed (`None`: keep what is
    /// cached, and keep the engine built from it). A 200 for the same version and ruleset
    /// (a proxy that dropped the ETag) is no change either: rebuilding would re-check every
    /// open draft for nothing.
    pub fn after(cache: Option<&PolicyCache>, fetched: Fetched) -> Option<PolicyCache> {
        match fetched {
            Fetched::NotModified => None,
            Fetched::Fresh { policy, etag } => {
                let same = cache.is_some_and(|c| {
                    c.policy.version == policy.version && c.policy.ruleset == policy.ruleset
                });
                (!same).then_some(PolicyCache { policy, etag })
            }
        }
    }
}

/// Which policy a page checks with, and where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// No policy received yet (first start offline, or no server): the embedded default.
    Builtin,
    /// The one cached from an earlier visit (not confirmed by the server yet).
    Cached,
    /// As the server answered in this session.
    Server,
}

/// An engine: the embedded default one, or one built from a received policy.
#[derive(Clone)]
pub enum EngineRef {
    Builtin(&'static Engine),
    Built(Arc<Engine>),
}

impl Deref for EngineRef {
    type Target = Engine;
    fn deref(&self) -> &Engine {
        match self {
            EngineRef::Builtin(e) => e,
            EngineRef::Built(e) => e,
        }
    }
}

/// The policy in force on this page: its version and ruleset as the server names them, and
/// the engine that checks with it.
#[derive(Clone)]
pub struct Active {
    pub version: i64,
    pub ruleset: String,
    pub source: Source,
    pub engine: EngineRef,
}

impl Active {
    /// The embedded default policy (version 0).
    pub fn builtin() -> Active {
        let e = Engine::default_engine();
        Active {
            version: 0,
            ruleset: e.ruleset().to_string(),
            source: Source::Builtin,
            engine: EngineRef::Builtin(e),
        }
    }

    /// The policy of a server's answer. The engine is built from the effective policy the
    /// server sends (not from the override over this build's default), so it checks with
    /// exactly the server's limits even when the two builds' defaults differ; only a version-0
    /// answer naming this build's own default ruleset reuses the embedded engine.
    pub fn of(p: &PolicyResponse, source: Source) -> Result<Active, PolicyError> {
        let builtin = Engine::default_engine();
        let engine = if p.version == 0 && p.ruleset == builtin.ruleset() {
            EngineRef::Builtin(builtin)
        } else {
            EngineRef::Built(Arc::new(Engine::from_value(&p.policy)?))
        };
        Ok(Active {
            version: p.version,
            ruleset: p.ruleset.clone(),
            source,
            engine,
        })
    }

    /// "医院规则 第N版" / "hospital policy vN"; version 0 is the default policy.
    pub fn label(&self, lang: Lang) -> String {
        label(self.version, lang)
    }
}

/// The name of a policy version as a report shows it.
pub fn label(version: i64, lang: Lang) -> String {
    match (version, lang) {
        (0, Lang::Zh) => "默认规则".into(),
        (0, Lang::En) => "default policy".into(),
        (v, Lang::Zh) => format!("医院规则 第{v}版"),
        (v, Lang::En) => format!("hospital policy v{v}"),
    }
}

/// The cached policy, if this browser holds one.
pub fn load() -> Option<PolicyCache> {
    let storage = web_sys::window()?.local_storage().ok()??;
    PolicyCache::from_json(&storage.get_item(POLICY_KEY).ok()??)
}

/// Keep the policy for the next start.
pub fn store(cache: &PolicyCache) {
    if let Some(Ok(Some(s))) = web_sys::window().map(|w| w.local_storage()) {
        let _ = s.set_item(POLICY_KEY, &cache.to_json());
    }
}

/// `GET {base}/api/v1/policy`, conditional on the cached ETag. `base` is "" on the server's own
/// pages and the server's URL for the widget on a portal's page.
pub async fn fetch(base: &str, etag: Option<&str>) -> Result<Fetched, CallError> {
    let url = format!("{}/api/v1/policy", base.trim_end_matches('/'));
    let req = Request::get(&url);
    let req = match etag {
        Some(t) => req.header("If-None-Match", t),
        None => req,
    };
    let resp = req
        .send()
        .await
        .map_err(|e| CallError::Unreachable(e.to_string()))?;
    if resp.status() == 304 {
        return Ok(Fetched::NotModified);
    }
    if !resp.ok() {
        return Err(error_of(resp).await);
    }
    let etag = resp.headers().get("ETag");
    Ok(Fetched::Fresh {
        policy: json_of(resp).await?,
        etag,
    })
}

/// The policy in force, unconditionally (the admin's page shows it whatever is cached).
pub async fn in_force(base: &str) -> Result<PolicyResponse, CallError> {
    match fetch(base, None).await? {
        Fetched::Fresh { policy, .. } => Ok(policy),
        Fetched::NotModified => Err(CallError::Unreachable("304 without a condition".into())),
    }
}

#[cfg(test)]
mod tests;
