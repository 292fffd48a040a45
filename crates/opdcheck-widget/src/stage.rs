//! Where the integrator's form stands (`stage`, `signedElsewhere` of `attach()` and
//! `validate(doc, options)`): the findings that only signing settles are set aside from a
//! draft (due at signing) or from a portal that signs in its own HIS, and the score is the
//! engine's score of what remains. docs/embedding.md, "Drafts and signing elsewhere".
//!
//! Sign-time findings are told by their path, not by rule code: the engine's signer of each
//! kind (`prescriber`, `physician`, `reporting_physician`), its `signed_at` and `signature_id`,
//! and the end mark `completed`. Whatever rule reports there (RX-17, MR-01, RQ-01, IR-01 …, and
//! any later one) is about the act of signing; who the signer is (`prescriber.id`, `.title`,
//! RX-18's prescribing rights) and the second signature of an over-label dose are not.

use std::collections::BTreeMap;

use opdcheck_engine::{Engine, Finding, Report, Score, score};
use serde::{Deserialize, Serialize};

/// A draft is being written; a final document is what is signed and kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Draft,
    #[default]
    Final,
}

/// What the integrator says about the form (`{stage, signedElsewhere}`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct CheckOptions {
    pub stage: Stage,
    #[serde(rename = "signedElsewhere", alias = "signed_elsewhere")]
    pub signed_elsewhere: bool,
}

impl CheckOptions {
    /// The engine's report as it is: what the CLI and the server give.
    pub fn is_plain(&self) -> bool {
        *self == CheckOptions::default()
    }
}

/// A report with its sign-time findings set aside: the report's own fields, then `stage`,
/// `signed_elsewhere` and `at_signing` (only when options were given).
#[derive(Debug, Clone, Serialize)]
pub struct StagedReport {
    #[serde(flatten)]
    pub report: Report,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<Stage>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub signed_elsewhere: bool,
    /// The findings set aside: due at signing (a draft), or signed in the portal's own HIS.
    /// For a visit, each document's, with the document's path in the visit.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub at_signing: Vec<Finding>,
}

const SIGNERS: &[&str] = &["prescriber", "physician", "reporting_physician"];

/// Whether a finding's path (relative to its document) is about signing or the end mark.
pub fn is_sign_time(path: &str) -> bool {
    if path == "completed" {
        return true;
    }
    SIGNERS.iter().any(|s| {
        path.strip_prefix(s)
            .is_some_and(|rest| rest.is_empty() || rest == ".signed_at" || rest == ".signature_id")
    })
}

/// Set aside one document's sign-time findings; its score is re-scored by the engine.
fn split(engine: &Engine, report: &mut Report, prefix: &str, aside: &mut Vec<Finding>) {
    let (sign, keep): (Vec<Finding>, Vec<Finding>) = std::mem::take(&mut report.findings)
        .into_iter()
        .partition(|f| is_sign_time(&f.path));
    report.findings = keep;
    if sign.is_empty() {
        return;
    }
    report.score = score::score(&report.findings, &engine.policy);
    aside.extend(sign.into_iter().map(|mut f| {
        if !prefix.is_empty() {
            f.path = format!("{prefix}{}", f.path);
        }
        f
    }));
}

fn items(s: &Score) -> BTreeMap<String, f64> {
    s.items
        .iter()
        .map(|i| (i.item.clone(), i.deduction))
        .collect()
}

/// Apply the options to a report (a document's or a visit's).
pub fn staged(engine: &Engine, mut report: Report, options: CheckOptions) -> StagedReport {
    let mut aside = Vec::new();
    if options.stage == Stage::Draft || options.signed_elsewhere {
        match report.documents.take() {
            None => split(engine, &mut report, "", &mut aside),
            Some(mut docs) => {
                // The visit's total is the sum over its documents: swap each one's old score
                // for its new one, item by item, as the engine's add_scores adds them.
                let mut total = items(&report.score);
                let mut qualified = !report
                    .findings
                    .iter()
                    .any(|f| f.severity == opdcheck_engine::Severity::Error);
                for (n, d) in docs.iter_mut().enumerate() {
                    let before = items(&d.score);
                    split(engine, d, &format!("documents[{n}]."), &mut aside);
                    for (item, v) in before {
                        *total.entry(item).or_default() -= v;
                    }
                    for (item, v) in items(&d.score) {
                        *total.entry(item).or_default() += v;
                    }
                    qualified &= d.score.qualified;
                }
                report.documents = Some(docs);
                if !aside.is_empty() {
                    let kept: Vec<_> = report
                        .score
                        .items
                        .iter()
                        .filter_map(|i| {
                            let v = total.get(&i.item).copied().unwrap_or(0.0);
                            (v > 1e-9).then(|| opdcheck_engine::report::ItemDeduction {
                                item: i.item.clone(),
                                deduction: v,
                            })
                        })
                        .collect();
                    report.score.deduction = kept.iter().fold(0.0, |a, i| a + i.deduction);
                    report.score.items = kept;
                    report.score.qualified = qualified;
                }
            }
        }
    }
    StagedReport {
        report,
        stage: (!options.is_plain()).then_some(options.stage),
        signed_elsewhere: options.signed_elsewhere,
        at_signing: aside,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RX: &str = opdcheck_engine::samples::PRESCRIPTION_CLEAN;

    /// The clean sample, unsigned and not closed: RX-17 twice (end mark, signature).
    fn unsigned() -> Report {
        let mut v: serde_json::Value = serde_json::from_str(RX).unwrap();
        v["completed"] = serde_json::json!(false);
        v["prescriber"]["signed_at"] = serde_json::Value::Null;
        v["prescriber"]["signature_id"] = serde_json::Value::Null;
        Engine::default_engine().check_json(&v.to_string()).unwrap()
    }

    fn paths(fs: &[Finding]) -> Vec<(&str, &str)> {
        fs.iter()
            .map(|f| (f.rule.as_str(), f.path.as_str()))
            .collect()
    }

    #[test]
    fn a_final_document_keeps_the_sign_time_findings() {
        let r = unsigned();
        assert_eq!(
            paths(&r.findings),
            [("RX-17", "completed"), ("RX-17", "prescriber")]
        );
        assert!(!r.score.qualified);
        let s = staged(Engine::default_engine(), r.clone(), CheckOptions::default());
        assert_eq!(s.report, r);
        assert!(s.at_signing.is_empty() && s.stage.is_none());
    }

    #[test]
    fn a_draft_sets_them_aside_and_is_scored_without_them() {
        let opts = CheckOptions {
            stage: Stage::Draft,
            signed_elsewhere: false,
        };
        let s = staged(Engine::default_engine(), unsigned(), opts);
        assert!(s.report.findings.is_empty());
        assert_eq!(
            paths(&s.at_signing),
            [("RX-17", "completed"), ("RX-17", "prescriber")]
        );
        assert!(s.report.score.qualified);
        assert_eq!(s.report.score.deduction, 0.0);
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v["stage"], "draft");
        assert!(v.get("signed_elsewhere").is_none());
        assert_eq!(v["at_signing"][0]["rule"], "RX-17");
    }

    #[test]
    fn signed_elsewhere_keeps_every_other_finding() {
        let mut v: serde_json::Value = serde_json::from_str(RX).unwrap();
        v["completed"] = serde_json::Value::Null;
        v["items"][0]["frequency"] = serde_json::json!("遵医嘱");
        let r = Engine::default_engine().check_json(&v.to_string()).unwrap();
        let opts = CheckOptions {
            stage: Stage::Final,
            signed_elsewhere: true,
        };
        let s = staged(Engine::default_engine(), r, opts);
        assert_eq!(paths(&s.report.findings), [("RX-08", "items[0].frequency")]);
        assert_eq!(paths(&s.at_signing), [("RX-17", "completed")]);
        assert!(!s.report.score.qualified);
        assert_eq!(
            serde_json::to_value(&s).unwrap()["signed_elsewhere"],
            serde_json::json!(true)
        );
    }

    #[test]
    fn a_visit_is_rescored_from_its_documents() {
        let mut v: serde_json::Value =
            serde_json::from_str(opdcheck_engine::samples::VISIT_CLEAN).unwrap();
        let rx = &mut v["prescriptions"][0];
        rx["completed"] = serde_json::json!(false);
        let r = Engine::default_engine().check_json(&v.to_string()).unwrap();
        assert!(!r.score.qualified);
        let opts = CheckOptions {
            stage: Stage::Draft,
            signed_elsewhere: false,
        };
        let clean = Engine::default_engine()
            .check_json(opdcheck_engine::samples::VISIT_CLEAN)
            .unwrap();
        let s = staged(Engine::default_engine(), r, opts);
        assert_eq!(s.report.score, clean.score);
        assert!(s.at_signing.iter().all(|f| f.path.ends_with(".completed")));
        assert_eq!(s.at_signing.len(), 1);
    }

    #[test]
    fn sign_time_paths() {
        for p in [
            "completed",
            "prescriber",
            "prescriber.signed_at",
            "physician.signature_id",
            "reporting_physician",
        ] {
            assert!(is_sign_time(p), "{p}");
        }
        for p in [
            "prescriber.id",
            "prescriber.title",
            "second_signature",
            "items[0].frequency",
            "physician_x",
            "",
        ] {
            assert!(!is_sign_time(p), "{p}");
        }
    }
}
