//! # opdcheck-engine
//!
//! Checks Chinese outpatient documents (处方, 门诊病历, 检查/检验申请单, 传染病报告卡, and a whole
//! visit) against the hospital's quality assessment table. One engine for every entry point: the
//! web app and widget (wasm32), the CLI and the API server call [`Engine::check`].
//!
//! The engine does no I/O: documents, policy and history come in as values, reports go out.

pub mod catalog;
pub mod checklist;
pub mod datetime;
pub mod formulary;
pub mod lookup;
pub mod model;
pub mod parse;
pub mod policy;
pub mod report;
pub mod rules;
#[cfg(feature = "schema")]
pub mod schema;
pub mod score;
pub mod sheet;
pub mod suggest;
#[cfg(feature = "ts")]
pub mod ts;
pub mod units;

#[cfg(test)]
pub(crate) mod testing;

use std::sync::OnceLock;

pub use model::{DocKind, Document};
pub use parse::{InputError, parse_document};
pub use policy::{Policy, PolicyError};
pub use report::{Finding, Lang, Report, Score, Severity, Text};

use formulary::FormularyIndex;
use lookup::Lookup;
use model::*;
use report::DocumentRef;
use rules::{Check, RULES, Sink};

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
fn policy_hash(canonical_text: &str) -> String {
    use std::hash::Hasher;
    let mut h = fnv::FnvHasher::default();
    h.write(canonical_text.as_bytes());
    format!("{:06x}", h.finish() & 0xff_ffff)
}

impl Engine {
    /// The engine with the embedded default policy, built once.
    pub fn default_engine() -> &'static Engine {
        static DEFAULT: OnceLock<Engine> = OnceLock::new();
        DEFAULT.get_or_init(|| {
            Engine::build(Policy::embedded(), policy::DEFAULT_POLICY_HASH)
                .expect("the embedded default policy is valid")
        })
    }

    /// An engine from a merged policy value.
    pub fn from_value(value: &serde_json::Value) -> Result<Engine, PolicyError> {
        let text = value.to_string();
        Engine::build(Policy::from_text(&text)?, &policy_hash(&text))
    }

    fn build(policy: Policy, hash: &str) -> Result<Engine, PolicyError> {
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

    /// The default policy overridden by a policy file's text (see [`policy`]).
    pub fn with_policy_override(text: &str) -> Result<Engine, PolicyError> {
        Ok(Engine::with_policy_override_and_value(text)?.0)
    }

    /// The same, with the merged policy value it was built from (what the widget's `policy()`
    /// shows).
    pub fn with_policy_override_and_value(
        text: &str,
    ) -> Result<(Engine, serde_json::Value), PolicyError> {
        let value = Policy::merged_override(text)?;
        Ok((Engine::from_value(&value)?, value))
    }

    /// `1.0.0+policy.3f9a2c`: stamped in every report.
    pub fn ruleset(&self) -> &str {
        &self.ruleset
    }

    /// Parse and check one document.
    pub fn check_json(&self, json: &str) -> Result<Report, InputError> {
        Ok(self.check(&parse_document(json)?))
    }

    /// Check one document.
    pub fn check(&self, doc: &Document) -> Report {
        self.check_with_history(doc, &[])
    }

    /// Check one document; an outpatient record (or a visit's record) is also checked against
    /// the patient's earlier records (HX rules). Without history the HX rules do not run.
    pub fn check_with_history(&self, doc: &Document, history: &[OutpatientRecord]) -> Report {
        match doc {
            Document::Prescription(d) => {
                self.finish(DocKind::Prescription, &d.id, self.rx_findings(d))
            }
            Document::OutpatientRecord(d) => self.finish(
                DocKind::OutpatientRecord,
                &d.id,
                self.record_findings(d, history),
            ),
            Document::ExamRequest(d) => {
                self.finish(DocKind::ExamRequest, &d.id, self.request_findings(d))
            }
            Document::InfectiousReport(d) => self.finish(
                DocKind::InfectiousReport,
                &d.id,
                self.infectious_findings(d),
            ),
            Document::Visit(v) => self.check_visit(v, history),
        }
    }

    fn finish(&self, kind: DocKind, id: &str, findings: Vec<Finding>) -> Report {
        let score = score::score(&findings, &self.policy);
        Report {
            ruleset: self.ruleset.clone(),
            document: DocumentRef {
                kind,
                id: id.to_string(),
            },
            findings,
            score,
            documents: None,
        }
    }

    pub(crate) fn rx_findings(&self, d: &Prescription) -> Vec<Finding> {
        let ctx = rules::RxCtx::new(self, d);
        let mut sink = Sink::default();
        for r in RULES {
            if let Check::Prescription(f) = r.check {
                f(&ctx, &mut sink);
            }
        }
        sink.findings
    }

    pub(crate) fn record_findings(
        &self,
        d: &OutpatientRecord,
        history: &[OutpatientRecord],
    ) -> Vec<Finding> {
        let ctx = rules::RecordCtx::new(self, d);
        let mut sink = Sink::default();
        for r in RULES {
            if let Check::Record(f) = r.check {
                f(&ctx, &mut sink);
            }
        }
        if !history.is_empty() {
            let hctx = rules::HistoryCtx::new(self, d, history);
            for r in RULES {
                if let Check::History(f) = r.check {
                    f(&hctx, &mut sink);
                }
            }
        }
        sink.findings
    }

    pub(crate) fn request_findings(&self, d: &ExamRequest) -> Vec<Finding> {
        let ctx = rules::RequestCtx::new(self, d);
        let mut sink = Sink::default();
        for r in RULES {
            if let Check::Request(f) = r.check {
                f(&ctx, &mut sink);
            }
        }
        sink.findings
    }

    pub(crate) fn infectious_findings(&self, d: &InfectiousReport) -> Vec<Finding> {
        let ctx = rules::InfectiousCtx::new(self, d);
        let mut sink = Sink::default();
        for r in RULES {
            if let Check::Infectious(f) = r.check {
                f(&ctx, &mut sink);
            }
        }
        sink.findings
    }

    /// A visit: each document's own report (with the cross-document findings that concern it,
    /// paths relative to it), the cross-document findings (paths relative to the visit), and a
    /// score over the whole visit.
    fn check_visit(&self, v: &Visit, history: &[OutpatientRecord]) -> Report {
        let ctx = rules::VisitCtx::new(self, v);
        let mut sink = Sink::default();
        for r in RULES {
            if let Check::Visit(f) = r.check {
                f(&ctx, &mut sink);
            }
        }
        let cross = sink.findings;

        // Nested documents in report order; `prefix` is each one's path in the visit.
        let mut nested: Vec<(String, DocKind, String, Vec<Finding>)> = v
            .nested()
            .into_iter()
            .map(|(prefix, doc)| {
                let findings = match doc {
                    Nested::Record(r) => self.record_findings(r, history),
                    Nested::Prescription(p) => self.rx_findings(p),
                    Nested::ExamRequest(q) => self.request_findings(q),
                    Nested::InfectiousReport(c) => self.infectious_findings(c),
                };
                (prefix, doc.kind(), doc.id().to_string(), findings)
            })
            .collect();

        // A cross-document finding about one document counts against that document too; a
        // missed report (per case) and a missing record stay with the visit.
        let mut visit_level = Vec::new();
        for f in &cross {
            let per_visit = rules::rule(&f.rule).is_some_and(|r| r.case == Some("missed"));
            let owner = nested.iter_mut().find(|(prefix, ..)| {
                f.path
                    .strip_prefix(prefix.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
            });
            match owner {
                Some((prefix, _, _, findings)) if !per_visit => {
                    let mut g = f.clone();
                    g.path = g.path[prefix.len()..].trim_start_matches('.').to_string();
                    findings.push(g);
                }
                _ => visit_level.push(f.clone()),
            }
        }

        let documents: Vec<Report> = nested
            .into_iter()
            .enumerate()
            .map(|(i, (_, kind, id, findings))| {
                let id = if id.is_empty() {
                    format!("{}#{i}", v.visit_id.as_deref().unwrap_or("visit"))
                } else {
                    id
                };
                self.finish(kind, &id, findings)
            })
            .collect();
        let mut score = score::score(&visit_level, &self.policy);
        score::add_scores(&mut score, documents.iter().map(|d| &d.score));
        let id =
            v.id.as_deref()
                .or(v.visit_id.as_deref())
                .unwrap_or_default();
        Report {
            ruleset: self.ruleset.clone(),
            document: DocumentRef {
                kind: DocKind::Visit,
                id: id.to_string(),
            },
            findings: cross,
            score,
            documents: Some(documents),
        }
    }
}
