//! [`AppState`]: what every handler may use (the store, the engine in force, the sign-in and
//! HTTP settings). Cheap to clone.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderValue;
use opdcheck_engine::Engine;

use crate::error::Error;
use crate::store::Store;
use crate::{auth, security};

use super::app::REQUEST_TIMEOUT;
use super::in_force::{self, InForce};

/// The shortest metrics token accepted (a guessable one would open the metrics to anyone).
pub const METRICS_TOKEN_MIN: usize = 32;

/// What every handler may use. Cheap to clone (one `Arc`).
#[derive(Clone, Debug)]
pub struct AppState {
    pub(super) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(super) struct Inner {
    pub(super) dist: Option<PathBuf>,
    pub(super) store: Option<Store>,
    /// The policy version checks run with and its engine: the embedded default (version 0), or
    /// the newest stored override (set here, or by another server on the same database and
    /// picked up by [`in_force::PolicyWatch`]), swapped in whole.
    pub(super) policy: std::sync::RwLock<Arc<InForce>>,
    /// Held while the policy in force is read from the database and swapped in, so two
    /// refreshes (a poll, an admin's change) never install what they read in the wrong order.
    pub(super) refreshing: tokio::sync::Mutex<()>,
    /// Off: every API call is allowed (an API embedded behind another gate, and tests of the
    /// records API itself). `main` always turns it on.
    pub(super) auth: bool,
    pub(super) login_limiter: auth::LoginLimiter,
    pub(super) cors_origins: Vec<HeaderValue>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`--trusted-proxy`).
    pub(super) trusted_proxies: Vec<std::net::IpAddr>,
    /// A session unused this long ends (`--idle-timeout-minutes`; tests use seconds).
    pub(super) idle_timeout: Duration,
    /// `--demo`: the demo portal (`/portal/`) is served; otherwise it is a 404.
    pub(super) demo: bool,
    pub(super) http: HttpOptions,
}

/// Per-app HTTP settings the layers in [`app`] read.
#[derive(Clone, Debug)]
pub(super) struct HttpOptions {
    pub(super) request_timeout: Duration,
    /// CSP `frame-ancestors` sources: who may frame the app (a portal embedding it).
    pub(super) frame_ancestors: String,
    /// The SHA-256 of the token that may read `/metrics` (`--metrics-token`); `None`: admins only.
    pub(super) metrics_token: Option<[u8; 32]>,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            request_timeout: REQUEST_TIMEOUT,
            frame_ancestors: "'self'".to_owned(),
            metrics_token: None,
        }
    }
}

/// Sign-in counts in the database when there is one (shared by every server on it), else in
/// this process.
fn limiter_for(store: Option<&Store>) -> auth::LoginLimiter {
    store.map_or_else(Default::default, |s| auth::LoginLimiter::shared(s.clone()))
}

impl AppState {
    /// State serving the built app from `dist`; fails (instead of serving 404s later) when the
    /// directory or its index.html is missing. Add storage with [`AppState::with_store`].
    pub fn new(dist: impl Into<PathBuf>) -> Result<Self, Error> {
        let dist = dist.into();
        if !dist.is_dir() {
            return Err(Error::DistMissing(dist));
        }
        if !dist.join("index.html").is_file() {
            return Err(Error::IndexMissing(dist));
        }
        Ok(AppState {
            inner: Arc::new(Inner {
                dist: Some(dist),
                store: None,
                policy: std::sync::RwLock::new(Arc::new(InForce::default_policy())),
                refreshing: Default::default(),
                auth: false,
                login_limiter: Default::default(),
                cors_origins: Vec::new(),
                trusted_proxies: Vec::new(),
                idle_timeout: auth::DEFAULT_IDLE_TIMEOUT,
                demo: false,
                http: HttpOptions::default(),
            }),
        })
    }

    /// The API alone, without the web app (integration servers, tests).
    pub fn api_only(store: Store) -> Self {
        AppState {
            inner: Arc::new(Inner {
                dist: None,
                login_limiter: limiter_for(Some(&store)),
                store: Some(store),
                policy: std::sync::RwLock::new(Arc::new(InForce::default_policy())),
                refreshing: Default::default(),
                auth: false,
                cors_origins: Vec::new(),
                trusted_proxies: Vec::new(),
                idle_timeout: auth::DEFAULT_IDLE_TIMEOUT,
                demo: false,
                http: HttpOptions::default(),
            }),
        }
    }

    fn rebuild(&self, f: impl FnOnce(&mut Inner)) -> Self {
        let mut inner = Inner {
            dist: self.inner.dist.clone(),
            store: self.inner.store.clone(),
            policy: std::sync::RwLock::new(self.in_force()),
            refreshing: Default::default(),
            auth: self.inner.auth,
            // Set below, once `f` has said whether there is a store.
            login_limiter: Default::default(),
            cors_origins: self.inner.cors_origins.clone(),
            trusted_proxies: self.inner.trusted_proxies.clone(),
            idle_timeout: self.inner.idle_timeout,
            demo: self.inner.demo,
            http: self.inner.http.clone(),
        };
        f(&mut inner);
        inner.login_limiter = limiter_for(inner.store.as_ref());
        AppState {
            inner: Arc::new(inner),
        }
    }

    /// The same state with `store` behind the API.
    pub fn with_store(self, store: Store) -> Self {
        self.rebuild(|i| i.store = Some(store))
    }

    /// The same state with sign-in and roles enforced (see [`auth`]).
    pub fn with_auth(self) -> Self {
        self.rebuild(|i| i.auth = true)
    }

    /// Browser origins (other than the server's own) allowed to call the API.
    pub fn with_cors_origins(self, origins: Vec<HeaderValue>) -> Self {
        self.rebuild(|i| i.cors_origins = origins)
    }

    /// The reverse proxies in front of this server: for a request from one of them, the sign-in
    /// limiter and the audit trail take the client's address from `X-Forwarded-For`.
    pub fn with_trusted_proxies(self, proxies: Vec<std::net::IpAddr>) -> Self {
        self.rebuild(|i| i.trusted_proxies = proxies)
    }

    pub fn trusted_proxies(&self) -> &[std::net::IpAddr] {
        &self.inner.trusted_proxies
    }

    /// The same state with sessions ending after `idle` without use.
    pub fn with_idle_timeout(self, idle: Duration) -> Self {
        self.rebuild(|i| i.idle_timeout = idle)
    }

    /// The same state serving the demo portal (`--demo`).
    pub fn with_demo(self, demo: bool) -> Self {
        self.rebuild(|i| i.demo = demo)
    }

    pub fn idle_timeout(&self) -> Duration {
        self.inner.idle_timeout
    }

    /// How long a request may take before its 408 (default [`REQUEST_TIMEOUT`]).
    pub fn with_request_timeout(self, timeout: Duration) -> Self {
        self.rebuild(|i| i.http.request_timeout = timeout)
    }

    /// The CSP `frame-ancestors` sources (default `'self'`): the origins of portals that frame
    /// the app, e.g. `'self' https://his.example.org`. Checked by [`security::frame_ancestors`].
    pub fn with_frame_ancestors(self, sources: &str) -> Result<Self, Error> {
        let sources = security::frame_ancestors(sources)?;
        Ok(self.rebuild(|i| i.http.frame_ancestors = sources))
    }

    /// The bearer token that may read `/metrics` besides admins (Prometheus sends it); at
    /// least [`METRICS_TOKEN_MIN`] characters.
    pub fn with_metrics_token(self, token: &str) -> Result<Self, Error> {
        let token = token.trim();
        if token.chars().count() < METRICS_TOKEN_MIN {
            return Err(Error::Config(format!(
                "the metrics token must have at least {METRICS_TOKEN_MIN} characters \
                 (make one with `openssl rand -hex 32`)"
            )));
        }
        let digest = super::ops::token_digest(token);
        Ok(self.rebuild(|i| i.http.metrics_token = Some(digest)))
    }

    pub fn auth_enabled(&self) -> bool {
        self.inner.auth
    }

    pub(crate) fn login_limiter(&self) -> &auth::LoginLimiter {
        &self.inner.login_limiter
    }

    pub fn dist(&self) -> Option<&Path> {
        self.inner.dist.as_deref()
    }

    pub fn store(&self) -> Result<&Store, Error> {
        self.inner.store.as_ref().ok_or(Error::NoStore)
    }

    /// The engine in force (a cheap handle: checks in flight keep the one they started with).
    pub fn engine(&self) -> Arc<Engine> {
        self.in_force().engine.clone()
    }

    /// The policy version in force and its engine.
    pub fn in_force(&self) -> Arc<InForce> {
        self.inner
            .policy
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Put `policy` in force unless a newer version already is (versions only grow: a poll that
    /// read version 3 must not undo the version 4 an admin just stored here). The same version
    /// is replaced: its prescriber registry changed.
    pub fn install(&self, policy: InForce) {
        let mut current = self
            .inner
            .policy
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if policy.version >= current.version {
            *current = Arc::new(policy);
        }
    }

    /// One refresh of the policy in force at a time (see [`in_force::refresh`]).
    pub(super) fn refreshing(&self) -> &tokio::sync::Mutex<()> {
        &self.inner.refreshing
    }

    /// Load the newest policy stored in the database, if an admin set one, and the doctor
    /// accounts' prescriber registry: called at start, so a (re)started server checks with the
    /// policy in force.
    pub async fn load_policy(&self) -> Result<(), Error> {
        in_force::refresh(self).await.map(drop)
    }
}
