//! The hospital's policy as a browser page holds it: the last `GET /api/v1/policy` answer and
//! its ETag kept in local storage (so a page opened offline checks with the policy it last
//! saw), refreshed with a conditional GET (a 304 keeps the cached one), and the engine built
//! from it. The logic is plain and tested natively; [`load`], [`store`] and [`fetch`] are the
//! thin browser parts.
//!
//! The server answers a signed-in caller with the whole policy, and anyone else with the public
//! one, whose prescriber registry has no names and no signature ids. The cache says which of the
//! two it holds ([`Variant`]): a signed-in page sends its token and checks with the whole
//! registry; signing out (or a session the server ended) drops a whole copy, and a signed-out
//! page never keeps or uses one.

use std::ops::Deref;
use std::sync::Arc;

use gloo_net::http::Request;
use opdcheck_engine::{Engine, Lang, PolicyError};
use serde::{Deserialize, Serialize};

use crate::api::{CallError, error_of, json_of};
use opdcheck_api::policy::PolicyResponse;

/// Where the cached policy is kept. Signing out leaves the public variant (it is the
/// hospital's, not the user's, and an offline page needs it) and deletes a whole one. `v2`: a
/// `v1` copy does not say which variant it is (it may name every doctor), so it is not read,
/// and [`load`] deletes it.
pub const POLICY_KEY: &str = "opdcheck.policy.v2";

/// The key of the earlier cache shape, deleted when found.
const OLD_POLICY_KEY: &str = "opdcheck.policy.v1";

/// Which answer a cached policy is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Variant {
    /// A signed-in caller's: the prescriber registry with names and signature ids.
    Whole,
    /// Anyone's: the registry without names and signature ids.
    Public,
}

impl Variant {
    /// The variant of an answer to a request that sent a token or not, by its ETag (the public
    /// one's ends `-public"`). Only an answer to a signed-in request can be whole; one without
    /// an ETag (a proxy dropped it) to a signed-in request counts as whole, so that it is never
    /// kept after sign-out.
    pub fn of_answer(sent_token: bool, etag: Option<&str>) -> Variant {
        let public = etag.is_some_and(|t| t.trim_end_matches('"').ends_with("-public"));
        if sent_token && !public {
            Variant::Whole
        } else {
            Variant::Public
        }
    }
}

/// The policy this browser last received, with the ETag it came with and which variant it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyCache {
    pub policy: PolicyResponse,
    pub etag: Option<String>,
    pub variant: Variant,
}

/// What a refresh brought.
#[derive(Debug, Clone, PartialEq)]
pub enum Fetched {
    /// 304: the cached policy is still the one in force.
    NotModified,
    Fresh {
        policy: PolicyResponse,
        etag: Option<String>,
        variant: Variant,
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

    /// The cache a page may use: a whole one only while signed in (a signed-out page drops it).
    pub fn usable(cache: Option<PolicyCache>, signed_in: bool) -> Option<PolicyCache> {
        cache.filter(|c| signed_in || c.variant == Variant::Public)
    }

    /// The `If-None-Match` a refresh sends.
    pub fn if_none_match(cache: Option<&PolicyCache>) -> Option<&str> {
        cache.and_then(|c| c.etag.as_deref())
    }

    /// The cache after a refresh, when the policy in force changed (`None`: keep what is
    /// cached, and keep the engine built from it). A 200 for the same version, ruleset and
    /// variant (a proxy that dropped the ETag) is no change either: rebuilding would re-check
    /// every open draft for nothing. The other variant of the same version is a change (signed
    /// in: the names and signatures arrive; signed out: they go).
    pub fn after(cache: Option<&PolicyCache>, fetched: Fetched) -> Option<PolicyCache> {
        match fetched {
            Fetched::NotModified => None,
            Fetched::Fresh {
                policy,
                etag,
                variant,
            } => {
                let same = cache.is_some_and(|c| {
                    c.policy.version == policy.version
                        && c.policy.ruleset == policy.ruleset
                        && c.variant == variant
                });
                (!same).then_some(PolicyCache {
                    policy,
                    etag,
                    variant,
                })
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

impl EngineRef {
    /// The same engine (the embedded one, or the same built one), not merely an equal policy.
    pub fn same(&self, other: &EngineRef) -> bool {
        std::ptr::eq::<Engine>(&**self, &**other)
    }
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
            let value = p.policy_value().map_err(|e| {
                PolicyError(opdcheck_engine::InputError::new("policy", e.to_string()))
            })?;
            EngineRef::Built(Arc::new(Engine::from_value(&value)?))
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

/// The cached policy this page may use, if this browser holds one: the public one, or the whole
/// one while `signed_in`. A whole copy on a signed-out page, and one of the old shape, are
/// deleted.
pub fn load(signed_in: bool) -> Option<PolicyCache> {
    let storage = web_sys::window()?.local_storage().ok()??;
    let _ = storage.remove_item(OLD_POLICY_KEY);
    let stored = PolicyCache::from_json(&storage.get_item(POLICY_KEY).ok()??);
    let usable = PolicyCache::usable(stored.clone(), signed_in);
    if stored.is_some() && usable.is_none() {
        let _ = storage.remove_item(POLICY_KEY);
    }
    usable
}

/// Signed out (or the session ended): delete the cached policy if it is the whole one, and an
/// old-shape copy. The public one stays for the next page.
pub fn forget_whole() {
    let _ = load(false);
}

/// Keep the policy for the next start.
pub fn store(cache: &PolicyCache) {
    if let Some(Ok(Some(s))) = web_sys::window().map(|w| w.local_storage()) {
        let _ = s.set_item(POLICY_KEY, &cache.to_json());
    }
}

/// `GET {base}/api/v1/policy` as the session of `token` (the whole policy) or anonymously (the
/// public one), conditional on the cached ETag. `base` is "" on the server's own pages and the
/// server's URL for the widget on a portal's page.
pub async fn fetch(
    base: &str,
    token: Option<&str>,
    etag: Option<&str>,
) -> Result<Fetched, CallError> {
    let url = format!("{}/api/v1/policy", base.trim_end_matches('/'));
    let req = Request::get(&url);
    let req = match token {
        Some(t) => req.header("Authorization", &format!("Bearer {t}")),
        None => req,
    };
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
    // The ~200 KB body is read when the page is idle: the answer comes as the first form is
    // shown, and reading it then held up the doctor's first key by 15–20 ms.
    crate::idle::idle(1000).await;
    let etag = resp.headers().get("ETag");
    let variant = Variant::of_answer(token.is_some(), etag.as_deref());
    Ok(Fetched::Fresh {
        policy: json_of(resp).await?,
        etag,
        variant,
    })
}

/// The policy in force as the session of `token` sees it, unconditionally (the admin's page
/// shows it whatever is cached): the answer and the cache entry for it.
pub async fn in_force(base: &str, token: Option<&str>) -> Result<PolicyCache, CallError> {
    match fetch(base, token, None).await? {
        Fetched::Fresh {
            policy,
            etag,
            variant,
        } => Ok(PolicyCache {
            policy,
            etag,
            variant,
        }),
        Fetched::NotModified => Err(CallError::Unreachable("304 without a condition".into())),
    }
}

#[cfg(test)]
mod tests;
