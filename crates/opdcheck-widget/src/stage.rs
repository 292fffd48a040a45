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

use opdcheck_engine::{Engine, Finding, Report, Score, score};
use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};

/// A draft is being written; a final document is what is signed and kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Draft,
    #[default]
    Final,
}

/// What the integrator says about the form (`{stage, signedElsewhere}`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckOptions {
    pub stage: Stage,
    pub signed_elsewhere: bool,
}

/// A report checked with options: the report's own fields (its sign-time findings set aside
/// when the options say so), then `stage`, `signed_elsewhere` (when true) and `at_signing`
/// (when any was set aside).
#[derive(Debug, Clone)]
pub struct StagedReport {
    pub report: Report,
    pub stage: Stage,
    pub signed_elsewhere: bool,
    /// The findings set aside: due at signing (a draft), or signed in the portal's own HIS.
    /// For a visit, each document's, with the document's path in the visit.
    pub at_signing: Vec<Finding>,
}

// Written out rather than `#[serde(flatten)]`: flatten serialises the report through a second,
// map-based copy of every report type's code, 5 KB of the widget's gzip download. A test holds
// the fields to the report's own.
impl Serialize for StagedReport {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = &self.report;
        let mut m = s.serialize_struct("Report", 8)?;
        m.serialize_field("ruleset", &r.ruleset)?;
        m.serialize_field("document", &r.document)?;
        m.serialize_field("findings", &r.findings)?;
        m.serialize_field("score", &r.score)?;
        if let Some(d) = &r.documents {
            m.serialize_field("documents", d)?;
        }
        m.serialize_field("stage", &self.stage)?;
        if self.signed_elsewhere {
            m.serialize_field("signed_elsewhere", &true)?;
        }
        if !self.at_signing.is_empty() {
            m.serialize_field("at_signing", &self.at_signing)?;
        }
        m.end()
    }
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

/// Add `sign` × each item's deduction of `s` into `total` (a Vec, not a map: a new map type
/// would be a few KB more of the widget's download for a handful of items).
fn add_items(total: &mut Vec<(String, f64)>, s: &Score, sign: f64) {
    for i in &s.items {
        match total.iter_mut().find(|(k, _)| *k == i.item) {
            Some((_, v)) => *v += sign * i.deduction,
            None => total.push((i.item.clone(), sign * i.deduction)),
        }
    }
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
                let mut total = Vec::new();
                add_items(&mut total, &report.score, 1.0);
                let mut qualified = !report
                    .findings
                    .iter()
                    .any(|f| f.severity == opdcheck_engine::Severity::Error);
                for (n, d) in docs.iter_mut().enumerate() {
                    add_items(&mut total, &d.score, -1.0);
                    split(engine, d, &format!("documents[{n}]."), &mut aside);
                    add_items(&mut total, &d.score, 1.0);
                    qualified &= d.score.qualified;
                }
                report.documents = Some(docs);
                if !aside.is_empty() {
                    let kept: Vec<_> = report
                        .score
                        .items
                        .iter()
                        .filter_map(|i| {
                            let v = total
                                .iter()
                                .find(|(k, _)| *k == i.item)
                                .map_or(0.0, |(_, v)| *v);
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
        stage: options.stage,
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
        assert!(s.at_signing.is_empty() && s.stage == Stage::Final);
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
    fn the_wire_is_the_report_and_three_fields() {
        for text in [RX, opdcheck_engine::samples::VISIT_CLEAN] {
            let r = Engine::default_engine().check_json(text).unwrap();
            let opts = CheckOptions {
                stage: Stage::Draft,
                signed_elsewhere: true,
            };
            let mut staged =
                serde_json::to_value(staged(Engine::default_engine(), r.clone(), opts)).unwrap();
            let o = staged.as_object_mut().unwrap();
            assert_eq!(o.remove("stage"), Some(serde_json::json!("draft")));
            assert_eq!(o.remove("signed_elsewhere"), Some(serde_json::json!(true)));
            assert_eq!(staged, serde_json::to_value(&r).unwrap());
        }
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
