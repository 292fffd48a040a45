//! # opdcheck-engine
//!
//! Checks Chinese outpatient documents (处方, 门诊病历, 检查/检验申请单, 传染病报告卡, and a whole
//! visit) against the hospital's quality assessment table. One engine for every entry point: the
//! web app and widget (wasm32), the CLI and the API server call [`Engine::check`].
//!
//! The engine does no I/O: documents, policy and history come in as values, reports go out.

pub mod alert_policy;
pub mod alerts;
pub mod catalog;
mod check;
pub mod checklist;
pub mod concern;
pub mod datetime;
pub mod engine;
pub mod facts;
pub mod formulary;
mod json_path;
pub mod lookup;
pub mod model;
pub mod parse;
pub mod policy;
pub mod report;
pub mod rules;
pub mod samples;
#[cfg(feature = "schema")]
pub mod schema;
pub mod score;
pub mod sheet;
pub mod suggest;
#[cfg(feature = "ts")]
pub mod ts;
pub mod units;
pub mod vocab;

#[cfg(test)]
pub(crate) mod testing;

pub use concern::Concern;
pub use model::{DocKind, Document};
pub use parse::{InputError, parse_document};
pub use policy::{Policy, PolicyError};
pub use report::{Finding, Lang, Report, Score, Severity, Text};

pub use engine::{CATALOG_VERSION, Engine};
