//! [`Engine`]: a policy ready to check documents with, and its derived indexes. The data the
//! rules read (`&Engine` in every rule's context); running the rules is in `check`, above them.

use std::sync::OnceLock;

use crate::formulary::FormularyIndex;
use crate::lookup::Lookup;
use crate::parse::InputError;
use crate::policy::{self, Policy, PolicyError};

/// The catalog's version. The ruleset string adds the policy's hash: `1.0.0+policy.3f9a2c`.
pub const CATALOG_VERSION: &str = "1.0.0";

/// A policy ready to check documents with: the policy and its derived indexes.
#[derive(Debug, Clone)]
pub struct Engine {
    pub policy: Policy,
    pub formulary: FormularyIndex,
    pub lookup: Lookup,
    ruleset: String,
}

/// A policy's hash: FNV-1a of its JSON value's text, which is canonical (serde_json's map is
/// ordered). build.rs computes the default policy's the same way.
pub(crate) fn policy_hash(canonical_text: &str) -> String {
    use std::hash::Hasher;
    let mut h = fnv::FnvHasher::default();
    h.write(canonical_text.as_bytes());
    format!("{:06x}", h.finish() & 0xff_ffff)
}

impl Engine {
    /// The engine with the embedded default policy, built once.
    pub fn default_engine() -> &'static Engine {
        static DEFAULT: OnceLock<Engine> = OnceLock::new();
        DEFAULT.get_or_init(Engine::embedded)
    }

    /// A new engine with the embedded default policy: what [`Engine::default_engine`] builds
    /// once (and what a page's start-up pays for; `benches/engine.rs` times it).
    pub fn embedded() -> Engine {
        Engine::build(Policy::embedded(), policy::DEFAULT_POLICY_HASH)
            .expect("the embedded default policy is valid")
    }

    pub(crate) fn build(policy: Policy, hash: &str) -> Result<Engine, PolicyError> {
        let formulary = FormularyIndex::build(&policy.formulary, &policy.vocab)
            .map_err(|m| PolicyError(InputError::new("formulary", m)))?;
        let lookup = Lookup::new(&policy);
        let ruleset = format!("{CATALOG_VERSION}+policy.{hash}");
        Ok(Engine {
            policy,
            formulary,
            lookup,
            ruleset,
        })
    }

    /// `1.0.0+policy.3f9a2c`: stamped in every report.
    pub fn ruleset(&self) -> &str {
        &self.ruleset
    }
}
