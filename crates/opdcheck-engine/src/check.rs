//! Running the rules: [`Engine::check`] and its kin, and the constructors that validate a
//! policy against the rule registry (an item's `confirmed_warnings` must be its own rules).

use crate::alerts::{self, facts::DocFacts};
use crate::engine::{Engine, policy_hash};
use crate::model::*;
use crate::parse::{InputError, parse_document};
use crate::policy::{Policy, PolicyError};
use crate::report::{DocumentRef, Finding, Report};
use crate::rules::{self, Check, RULES, Sink};
use crate::score;

impl Engine {
    /// An engine from a merged policy value.
    pub fn from_value(value: &serde_json::Value) -> Result<Engine, PolicyError> {
        let text = value.to_string();
        let policy = Policy::from_text(&text)?;
        validate_confirmed_warnings(&policy)?;
        let engine = Engine::build(policy, &policy_hash(&text))?;
        alerts::validate(&engine)?;
        Ok(engine)
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
        let nested = match doc {
            Document::Prescription(d) => Nested::Prescription(d),
            Document::OutpatientRecord(d) => Nested::Record(d),
            Document::ExamRequest(d) => Nested::ExamRequest(d),
            Document::InfectiousReport(d) => Nested::InfectiousReport(d),
            Document::Visit(v) => return self.check_visit(v, history),
        };
        let findings = self.nested_findings(nested, history);
        self.finish(nested, doc.id(), findings)
    }

    fn nested_findings(&self, doc: Nested, history: &[OutpatientRecord]) -> Vec<Finding> {
        match doc {
            Nested::Record(r) => self.record_findings(r, history),
            Nested::Prescription(p) => self.rx_findings(p),
            Nested::ExamRequest(q) => self.request_findings(q),
            Nested::InfectiousReport(c) => self.infectious_findings(c),
        }
    }

    /// One document's report: its findings tuned by the policy's `alerts` (what the doctor
    /// sees, the shadow list for QA), then scored.
    fn finish(&self, doc: Nested, id: &str, findings: Vec<Finding>) -> Report {
        let facts = DocFacts::of_nested(self, doc);
        let tuned = alerts::apply(&self.policy.alerts, &facts, findings);
        let findings = tuned.findings;
        let score = score::score(&findings, &self.policy);
        Report {
            ruleset: self.ruleset().to_owned(),
            document: DocumentRef {
                kind: doc.kind(),
                id: id.to_string(),
            },
            findings,
            score,
            documents: None,
            shadow: tuned.shadow,
            suppressed: tuned.suppressed,
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

    /// A visit's cross-document findings only (the XV rules; paths relative to the visit): the
    /// `findings` of `check`'s report on the visit, without checking each document on its own
    /// again. For a caller that has each document's report already (the server, assembling a
    /// visit from documents it checked when they were stored).
    pub fn visit_findings(&self, v: &Visit) -> Vec<Finding> {
        let ctx = rules::VisitCtx::new(self, v);
        let mut sink = Sink::default();
        for r in RULES {
            if let Check::Visit(f) = r.check {
                f(&ctx, &mut sink);
            }
        }
        sink.findings
    }

    /// A visit: each document's own report (with the cross-document findings that concern it,
    /// paths relative to it), the cross-document findings (paths relative to the visit), and a
    /// score over the whole visit.
    fn check_visit(&self, v: &Visit, history: &[OutpatientRecord]) -> Report {
        let cross = self.visit_findings(v);

        // Nested documents in report order; `prefix` is each one's path in the visit.
        let mut nested: Vec<(String, Nested, Vec<Finding>)> = v
            .nested()
            .into_iter()
            .map(|(prefix, doc)| {
                let findings = self.nested_findings(doc, history);
                (prefix, doc, findings)
            })
            .collect();

        // A cross-document finding about one document counts against that document too; a
        // missed report (per case) and a missing record stay with the visit. The visit's own
        // list is tuned as each finding's document is (by the record's facts at visit level).
        let mut visit_level = Vec::new();
        let mut visit_tuned = alerts::Applied::default();
        let record_facts = || {
            v.nested()
                .into_iter()
                .find(|(_, d)| matches!(d, Nested::Record(_)))
                .map(|(_, d)| DocFacts::of_nested(self, d))
                .unwrap_or_default()
        };
        for f in &cross {
            let per_visit = rules::rule(&f.rule).is_some_and(|r| r.case == Some("missed"));
            let owner = nested.iter_mut().find(|(prefix, ..)| {
                f.path
                    .strip_prefix(prefix.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
            });
            let tuned = match owner {
                Some((prefix, doc, findings)) => {
                    let mut g = f.clone();
                    g.path = g.path[prefix.len()..].trim_start_matches('.').to_string();
                    let facts = DocFacts::of_nested(self, *doc);
                    let mut tuned = alerts::apply(&self.policy.alerts, &facts, vec![g.clone()]);
                    if !per_visit {
                        findings.push(g);
                    } else {
                        visit_level.extend(tuned.findings.iter().cloned());
                    }
                    // Back to the visit's path for the visit's own list.
                    for h in tuned.findings.iter_mut().chain(tuned.shadow.iter_mut()) {
                        h.path = f.path.clone();
                    }
                    tuned
                }
                None => {
                    let tuned =
                        alerts::apply(&self.policy.alerts, &record_facts(), vec![f.clone()]);
                    visit_level.extend(tuned.findings.iter().cloned());
                    tuned
                }
            };
            visit_tuned.findings.extend(tuned.findings);
            visit_tuned.shadow.extend(tuned.shadow);
            visit_tuned.suppressed += tuned.suppressed;
        }

        let documents: Vec<Report> = nested
            .into_iter()
            .enumerate()
            .map(|(i, (_, doc, findings))| {
                let id = doc.id();
                let id = if id.is_empty() {
                    format!("{}#{i}", v.visit_id.as_deref().unwrap_or("visit"))
                } else {
                    id.to_string()
                };
                self.finish(doc, &id, findings)
            })
            .collect();
        let mut score = score::score(&visit_level, &self.policy);
        score::add_scores(&mut score, documents.iter().map(|d| &d.score));
        let id =
            v.id.as_deref()
                .or(v.visit_id.as_deref())
                .unwrap_or_default();
        Report {
            ruleset: self.ruleset().to_owned(),
            document: DocumentRef {
                kind: DocKind::Visit,
                id: id.to_string(),
            },
            findings: visit_tuned.findings,
            score,
            documents: Some(documents),
            shadow: visit_tuned.shadow,
            suppressed: visit_tuned.suppressed,
        }
    }
}

/// Each item's `confirmed_warnings` are rules of that item.
fn validate_confirmed_warnings(policy: &Policy) -> Result<(), PolicyError> {
    for (code, item) in &policy.items {
        for (i, r) in item.confirmed_warnings.iter().enumerate() {
            if rules::rule(r).is_none_or(|rule| rule.item != code.as_str()) {
                return Err(PolicyError(InputError::new(
                    format!("items.{code}.confirmed_warnings[{i}]"),
                    format!("`{r}` is not a rule of {code}"),
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cross-document findings alone are the visit report's `findings`.
    #[test]
    fn visit_findings_are_the_visit_reports_findings() {
        use crate::model::DocKind;
        use crate::testing::{clean, patched};
        let engine = Engine::default_engine();
        for v in [
            clean(DocKind::Visit),
            patched(
                DocKind::Visit,
                serde_json::json!({"record": {"diagnoses": ["乙肝"], "diagnosis_codes": [null]}}),
            ),
        ] {
            let Document::Visit(visit) = crate::parse_document(&v.to_string()).unwrap() else {
                panic!("not a visit")
            };
            let report = engine.check(&Document::Visit(visit.clone()));
            assert_eq!(engine.visit_findings(&visit), report.findings);
        }
        let missed = patched(
            DocKind::Visit,
            serde_json::json!({"record": {"diagnoses": ["乙肝"], "diagnosis_codes": [null]}}),
        );
        let Document::Visit(visit) = crate::parse_document(&missed.to_string()).unwrap() else {
            panic!("not a visit")
        };
        assert!(
            engine
                .visit_findings(&visit)
                .iter()
                .any(|f| f.rule == "XV-04")
        );
    }

    #[test]
    fn a_confirmed_warning_must_be_a_rule_of_its_item() {
        let ok = r#"{"items": {"CLN-7": {"confirmed_warnings": ["RX-21"]}}}"#;
        assert!(Engine::with_policy_override(ok).is_ok());
        let bad = r#"{"items": {"CLN-7": {"confirmed_warnings": ["RX-21", "RX-01"]}}}"#;
        let e = Engine::with_policy_override(bad).unwrap_err();
        assert_eq!(e.0.path, "items.CLN-7.confirmed_warnings[1]");
        assert!(e.0.message.contains("RX-01"), "{}", e.0.message);
    }
}
