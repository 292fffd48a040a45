//! Batch score sheets: counts, pass rates and deductions per kind, department and doctor.
//!
//! A [`Sheet`] is built from (document, report) pairs with [`Sheet::add`] and is mergeable
//! ([`Sheet::merge`]), so a batch can be scored in parallel parts and the parts added up. It
//! holds counts only; [`Sheet::rates`] puts them against the policy's thresholds
//! (`policy.thresholds`): 门诊处方合格率, 门诊病历书写合格率, 法定传染病漏报 and the outpatient
//! antibiotic prescription share, with the penalty figures.
//!
//! How documents are counted:
//! - A standalone document counts once, under its kind, its department
//!   ([`Document::department`]) and its doctor ([`Document::doctor`]).
//! - A visit counts each of its nested documents under the document's own kind, department and
//!   doctor, with the nested report (which already carries the cross-document findings about
//!   that document). The visit itself counts once more, under kind `visit` and the visit's
//!   department and doctor, with its **visit-level** findings only: those no nested document
//!   owns (a missing record, a missed report). A visit unit is qualified when no visit-level
//!   finding is an error. So every finding is counted exactly once, and the kind, department
//!   and doctor tables each add up to the total.
//! - A department or doctor that is not given is counted under [`UNSPECIFIED`].
//! - `rule_hits` counts findings (any severity), not documents: a rule that fires on two items
//!   of one prescription is two hits.
//! - `deductions` sums each document's deduction per assessment item (as scored in its report).

use std::collections::BTreeMap;

use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};

use crate::Engine;
pub use crate::facts::{DocFacts, MISSED_REPORT_RULE, doc_facts, has_antibiotic};
use crate::model::{DocKind, Document, Visit, filled};
use crate::policy::Thresholds;
use crate::report::{Finding, ItemDeduction, Report};
use crate::rules;
use crate::score;

/// The key a document without a department or doctor is counted under.
pub const UNSPECIFIED: &str = "(unspecified)";

/// Tolerance for floating-point noise when a rate is compared with a target.
const EPS: f64 = 1e-9;

/// Counts for one row of the sheet (a kind, a department, a doctor, or the whole batch).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// Documents counted (a visit's own unit counts as one; see the module doc).
    pub documents: u64,
    /// Of these, qualified (合格: no error finding).
    pub qualified: u64,
    /// Sum of the documents' deductions, per assessment item.
    pub deductions: BTreeMap<String, f64>,
    /// Findings per rule code.
    pub rule_hits: BTreeMap<String, u64>,
}

impl Tally {
    /// Qualified documents in percent; `None` when there are none.
    pub fn pass_rate(&self) -> Option<f64> {
        percent(self.qualified, self.documents)
    }

    /// The total deduction (sum over items).
    pub fn deduction(&self) -> f64 {
        // Not `sum()`: a float sum of nothing is -0.0.
        self.deductions.values().fold(0.0, |a, d| a + d)
    }

    /// Add another tally into this one.
    pub fn merge(&mut self, other: &Tally) {
        self.documents += other.documents;
        self.qualified += other.qualified;
        for (item, d) in &other.deductions {
            *self.deductions.entry(item.clone()).or_default() += d;
        }
        for (rule, n) in &other.rule_hits {
            *self.rule_hits.entry(rule.clone()).or_default() += n;
        }
    }

    fn unit<'f>(
        qualified: bool,
        items: &[ItemDeduction],
        findings: impl IntoIterator<Item = &'f Finding>,
    ) -> Tally {
        let mut t = Tally {
            documents: 1,
            qualified: u64::from(qualified),
            ..Tally::default()
        };
        for i in items {
            *t.deductions.entry(i.item.clone()).or_default() += i.deduction;
        }
        for f in findings {
            *t.rule_hits.entry(f.rule.clone()).or_default() += 1;
        }
        t
    }

    /// Deductions in the order the assessment tables number their items.
    pub fn deductions_in_order(&self) -> Vec<(&str, f64)> {
        let mut v: Vec<(&str, f64)> = self
            .deductions
            .iter()
            .map(|(k, d)| (k.as_str(), *d))
            .collect();
        v.sort_by_key(|(k, _)| score::item_order(k));
        v
    }

    /// Rule hits in catalog order (unknown codes last, by code).
    pub fn rule_hits_in_order(&self) -> Vec<(&str, u64)> {
        let mut v: Vec<(&str, u64)> = self
            .rule_hits
            .iter()
            .map(|(k, n)| (k.as_str(), *n))
            .collect();
        v.sort_by_key(|(k, _)| rule_order(k));
        v
    }
}

fn rule_order(code: &str) -> (usize, String) {
    let i = rules::RULES
        .iter()
        .position(|r| r.code == code)
        .unwrap_or(usize::MAX);
    (i, code.to_string())
}

/// An ordered list of pairs serialized as a JSON object (keeps the given order).
struct OrderedMap<'a, V>(&'a [(&'a str, V)]);

impl<V: Serialize> Serialize for OrderedMap<'_, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl Serialize for Tally {
    /// `{"documents", "qualified", "pass_rate" (percent or null), "deduction",
    /// "deductions": {item: points} (table order), "rule_hits": {code: n} (catalog order)}`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Tally", 6)?;
        st.serialize_field("documents", &self.documents)?;
        st.serialize_field("qualified", &self.qualified)?;
        st.serialize_field("pass_rate", &self.pass_rate())?;
        st.serialize_field("deduction", &self.deduction())?;
        st.serialize_field("deductions", &OrderedMap(&self.deductions_in_order()))?;
        st.serialize_field("rule_hits", &OrderedMap(&self.rule_hits_in_order()))?;
        st.end()
    }
}

/// The score sheet of a batch.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Sheet {
    /// The whole batch.
    pub total: Tally,
    pub by_kind: BTreeMap<DocKind, Tally>,
    pub by_department: BTreeMap<String, Tally>,
    pub by_doctor: BTreeMap<String, Tally>,
    /// Error findings of the missed-report rule (XV-04): one per missed case.
    pub missed_reports: u64,
    /// Prescriptions (standalone or in a visit) with at least one formulary antibiotic.
    pub prescriptions_with_antibiotics: u64,
}

impl Sheet {
    pub fn new() -> Sheet {
        Sheet::default()
    }

    /// Count one checked document with its report (from `engine.check(doc)`).
    pub fn add(&mut self, engine: &Engine, doc: &Document, report: &Report) {
        let facts = doc_facts(engine, doc, report);
        self.missed_reports += u64::from(facts.missed_reports);
        self.prescriptions_with_antibiotics += u64::from(facts.antibiotic_prescriptions);
        match doc {
            Document::Visit(v) => self.add_visit(engine, doc, v, report),
            _ => {
                self.count_unit(
                    doc.kind(),
                    doc.department(),
                    doc.doctor(),
                    Tally::unit(
                        report.score.qualified,
                        &report.score.items,
                        &report.findings,
                    ),
                );
            }
        }
    }

    fn add_visit(&mut self, engine: &Engine, doc: &Document, v: &Visit, report: &Report) {
        let nested = nested_documents(v);
        let reports = report.documents.as_deref().unwrap_or_default();
        if nested.len() == reports.len() {
            for (n, r) in nested.iter().zip(reports) {
                self.count_unit(
                    n.kind,
                    n.department,
                    n.doctor,
                    Tally::unit(r.score.qualified, &r.score.items, &r.findings),
                );
            }
        } else {
            // Not a report of this visit: count the nested reports under the visit's keys.
            for r in reports {
                self.count_unit(
                    r.document.kind,
                    doc.department(),
                    doc.doctor(),
                    Tally::unit(r.score.qualified, &r.score.items, &r.findings),
                );
            }
        }
        let own: Vec<Finding> = visit_level_findings(v, report)
            .into_iter()
            .cloned()
            .collect();
        let own_score = score::score(&own, &engine.policy);
        self.count_unit(
            DocKind::Visit,
            doc.department(),
            doc.doctor(),
            Tally::unit(own_score.qualified, &own_score.items, &own),
        );
    }

    fn count_unit(
        &mut self,
        kind: DocKind,
        department: Option<&str>,
        doctor: Option<&str>,
        unit: Tally,
    ) {
        self.total.merge(&unit);
        self.by_kind.entry(kind).or_default().merge(&unit);
        self.by_department
            .entry(department.unwrap_or(UNSPECIFIED).to_string())
            .or_default()
            .merge(&unit);
        self.by_doctor
            .entry(doctor.unwrap_or(UNSPECIFIED).to_string())
            .or_default()
            .merge(&unit);
    }

    /// Add another sheet (another part of the batch) into this one.
    pub fn merge(&mut self, other: &Sheet) {
        self.total.merge(&other.total);
        for (k, t) in &other.by_kind {
            self.by_kind.entry(*k).or_default().merge(t);
        }
        for (k, t) in &other.by_department {
            self.by_department.entry(k.clone()).or_default().merge(t);
        }
        for (k, t) in &other.by_doctor {
            self.by_doctor.entry(k.clone()).or_default().merge(t);
        }
        self.missed_reports += other.missed_reports;
        self.prescriptions_with_antibiotics += other.prescriptions_with_antibiotics;
    }

    /// The counts of one kind (empty when the batch has none).
    pub fn kind(&self, kind: DocKind) -> Tally {
        self.by_kind.get(&kind).cloned().unwrap_or_default()
    }

    /// The batch aggregates against the policy's thresholds.
    pub fn rates(&self, t: &Thresholds) -> Rates {
        let rx = self.kind(DocKind::Prescription);
        let mr = self.kind(DocKind::OutpatientRecord);
        let prescription_pass_rate = PassRate::new(&rx, t.prescription_pass_rate, t);
        let record_pass_rate = PassRate::new(&mr, t.record_pass_rate, t);
        let cards = self.kind(DocKind::InfectiousReport).documents;
        let missed = self.missed_reports;
        let missed_rate = percent(missed, missed + cards);
        let missed_reports = MissedReports {
            missed,
            reported: cards,
            rate: missed_rate,
            target: t.missed_report_rate,
            met: missed_rate.is_none_or(|r| r <= t.missed_report_rate + EPS),
            penalty: missed as f64 * t.penalty_per_missed_case,
        };
        let share = percent(self.prescriptions_with_antibiotics, rx.documents);
        let antibiotic_share = AntibioticShare {
            prescriptions: rx.documents,
            with_antibiotics: self.prescriptions_with_antibiotics,
            share,
            max: t.antibiotic_share_max,
            met: share.is_none_or(|s| s <= t.antibiotic_share_max + EPS),
        };
        let penalty_total =
            prescription_pass_rate.penalty + record_pass_rate.penalty + missed_reports.penalty;
        Rates {
            prescription_pass_rate,
            record_pass_rate,
            missed_reports,
            antibiotic_share,
            penalty_total,
        }
    }
}

/// A pass rate against its target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PassRate {
    pub documents: u64,
    pub qualified: u64,
    /// Percent; `None` when there are no documents.
    pub rate: Option<f64>,
    /// Target, percent.
    pub target: f64,
    /// The rate reaches the target (or there is nothing to rate).
    pub met: bool,
    /// Percentage points below the target, **rounded up**: each started point counts
    /// (94.2% against 95% is 1 point; 93.0% is 2).
    pub points_below: u64,
    /// `points_below × penalty_per_point` 元.
    pub penalty: f64,
}

impl PassRate {
    fn new(tally: &Tally, target: f64, t: &Thresholds) -> PassRate {
        let rate = tally.pass_rate();
        let points_below = match rate {
            Some(r) if r + EPS < target => (target - r - EPS).ceil().max(0.0) as u64,
            _ => 0,
        };
        PassRate {
            documents: tally.documents,
            qualified: tally.qualified,
            rate,
            target,
            met: points_below == 0,
            points_below,
            penalty: points_below as f64 * t.penalty_per_point,
        }
    }
}

/// 法定传染病漏报: missed cases against the cases that should have been reported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MissedReports {
    /// Missed cases (XV-04 error findings).
    pub missed: u64,
    /// Report cards in the batch (standalone or in a visit).
    pub reported: u64,
    /// 漏报率 in percent: `missed / (missed + reported)`; `None` when both are 0.
    pub rate: Option<f64>,
    /// Target (the highest acceptable rate), percent.
    pub target: f64,
    pub met: bool,
    /// `missed × penalty_per_missed_case` 元.
    pub penalty: f64,
}

/// Outpatient antibiotic prescription share.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AntibioticShare {
    pub prescriptions: u64,
    /// Prescriptions with at least one formulary antibiotic.
    pub with_antibiotics: u64,
    /// Percent; `None` when there are no prescriptions.
    pub share: Option<f64>,
    /// Ceiling, percent.
    pub max: f64,
    pub met: bool,
}

/// The batch aggregates against the thresholds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rates {
    /// 门诊处方合格率.
    pub prescription_pass_rate: PassRate,
    /// 门诊病历书写合格率.
    pub record_pass_rate: PassRate,
    /// 法定传染病漏报 and 漏报率.
    pub missed_reports: MissedReports,
    pub antibiotic_share: AntibioticShare,
    /// Sum of the penalties, 元.
    pub penalty_total: f64,
}

fn percent(n: u64, of: u64) -> Option<f64> {
    (of > 0).then(|| n as f64 * 100.0 / of as f64)
}

/// A visit's nested document, in the order the engine reports them.
#[derive(Debug, Clone)]
pub struct Nested<'a> {
    /// Its path in the visit (`record`, `prescriptions[0]` …).
    pub prefix: String,
    pub kind: DocKind,
    pub department: Option<&'a str>,
    pub doctor: Option<&'a str>,
}

fn signer(s: &Option<crate::model::Signer>) -> Option<&str> {
    let s = s.as_ref()?;
    filled(&s.id).or_else(|| filled(&s.name))
}

/// The nested documents of a visit, in the order of the report's `documents`: the record,
/// then the prescriptions, the requests and the report cards.
pub fn nested_documents(v: &Visit) -> Vec<Nested<'_>> {
    use crate::model::Nested as Doc;
    let visit_department = v.record.as_ref().and_then(|r| filled(&r.department));
    v.nested()
        .into_iter()
        .map(|(prefix, doc)| {
            let (department, doctor) = match doc {
                Doc::Record(r) => (filled(&r.department), signer(&r.physician)),
                Doc::Prescription(p) => (filled(&p.department), signer(&p.prescriber)),
                Doc::ExamRequest(q) => (filled(&q.department), signer(&q.physician)),
                // A card names the hospital, not a department: it counts under the visit's.
                Doc::InfectiousReport(c) => (
                    filled(&c.department).or(visit_department),
                    signer(&c.reporting_physician),
                ),
            };
            Nested {
                prefix,
                kind: doc.kind(),
                department,
                doctor,
            }
        })
        .collect()
}

/// The findings of a visit report that no nested document owns: a missed report (charged per
/// case to the visit) and findings whose path is not inside a nested document. The others also
/// appear, with paths relative to the document, in the nested document's report.
pub fn visit_level_findings<'r>(v: &Visit, report: &'r Report) -> Vec<&'r Finding> {
    let nested = nested_documents(v);
    report
        .findings
        .iter()
        .filter(|f| {
            let per_visit = rules::rule(&f.rule).is_some_and(|r| r.case == Some("missed"));
            per_visit
                || !nested.iter().any(|n| {
                    f.path
                        .strip_prefix(n.prefix.as_str())
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::parse_document;
    use crate::policy::Thresholds;
    use crate::report::{DocumentRef, Score, Severity, Text};
    use crate::testing::{clean, patched};

    fn engine() -> &'static Engine {
        Engine::default_engine()
    }

    fn doc(v: serde_json::Value) -> Document {
        parse_document(&v.to_string()).expect("test document parses")
    }

    fn finding(rule: &str, item: &str, severity: Severity, path: &str) -> Finding {
        Finding {
            rule: rule.into(),
            item: item.into(),
            severity,
            path: path.into(),
            message: Text::new("m", "m"),
            hint: Text::new("h", "h"),
            clause: "c".into(),
            overridable: false,
            tuning: None,
            reason: None,
        }
    }

    /// A report for `doc` with these findings, scored as the engine scores.
    fn report(d: &Document, findings: Vec<Finding>) -> Report {
        Report {
            ruleset: engine().ruleset().into(),
            document: DocumentRef {
                kind: d.kind(),
                id: d.id().into(),
            },
            score: score::score(&findings, &engine().policy),
            findings,
            documents: None,
            shadow: Vec::new(),
            suppressed: 0,
        }
    }

    fn thresholds() -> Thresholds {
        engine().policy.thresholds.clone()
    }

    #[test]
    fn counts_standalone_documents_by_kind_department_and_doctor() {
        let e = engine();
        let mut sheet = Sheet::new();
        let rx_ok = doc(clean(DocKind::Prescription));
        sheet.add(e, &rx_ok, &report(&rx_ok, vec![]));
        let rx_bad = doc(patched(
            DocKind::Prescription,
            json!({"department": "儿科", "prescriber": {"id": "D0099"}}),
        ));
        let bad = vec![
            finding("RX-08", "OPD-11", Severity::Error, "items[0].frequency"),
            finding("RX-08", "OPD-11", Severity::Error, "items[1].frequency"),
            finding("RX-09", "OPD-11", Severity::Warning, "items[1].quantity"),
            finding("RX-10", "OPD-12", Severity::Error, "items"),
        ];
        sheet.add(e, &rx_bad, &report(&rx_bad, bad));
        let mr = doc(patched(
            DocKind::OutpatientRecord,
            json!({"department": null, "physician": null}),
        ));
        sheet.add(e, &mr, &report(&mr, vec![]));

        assert_eq!(sheet.total.documents, 3);
        assert_eq!(sheet.total.qualified, 2);
        let rx = sheet.kind(DocKind::Prescription);
        assert_eq!((rx.documents, rx.qualified), (2, 1));
        assert_eq!(rx.pass_rate(), Some(50.0));
        // Each item charged once per document; hits count findings.
        assert_eq!(rx.deductions["OPD-11"], 1.0);
        assert_eq!(rx.deductions["OPD-12"], 1.0);
        assert_eq!(rx.deduction(), 2.0);
        assert_eq!(rx.rule_hits["RX-08"], 2);
        assert_eq!(rx.rule_hits["RX-09"], 1);
        assert_eq!(sheet.by_department["呼吸内科"].documents, 1);
        assert_eq!(sheet.by_department["儿科"].qualified, 0);
        assert_eq!(sheet.by_department[UNSPECIFIED].documents, 1);
        assert_eq!(sheet.by_doctor["D0012"].documents, 1);
        assert_eq!(sheet.by_doctor["D0099"].rule_hits["RX-10"], 1);
        assert_eq!(sheet.by_doctor[UNSPECIFIED].documents, 1);
        // The clean sample prescribes amoxicillin: both prescriptions have an antibiotic.
        assert_eq!(sheet.prescriptions_with_antibiotics, 2);
    }

    #[test]
    fn a_visit_counts_its_documents_under_their_kinds_and_its_own_findings_once() {
        let e = engine();
        let v = doc(patched(
            DocKind::Visit,
            json!({"exam_requests": [{"department": "影像科", "physician": {"id": "D0077"}}]}),
        ));
        let Document::Visit(visit) = &v else {
            unreachable!()
        };
        // XV-02 is about prescriptions[0] (the nested report has it too); XV-04 stays with
        // the visit; XV-01-like finding on the visit itself.
        let cross = vec![
            finding(
                "XV-02",
                "OPD-10",
                Severity::Error,
                "prescriptions[0].diagnoses[0]",
            ),
            finding("XV-04", "OPD-5", Severity::Error, "record.diagnoses[0]"),
            finding("XV-04", "OPD-5", Severity::Error, "record.diagnoses[1]"),
        ];
        let nested: Vec<Report> = nested_documents(visit)
            .iter()
            .map(|n| {
                let findings = if n.prefix == "prescriptions[0]" {
                    vec![finding("XV-02", "OPD-10", Severity::Error, "diagnoses[0]")]
                } else {
                    vec![]
                };
                let score = score::score(&findings, &e.policy);
                Report {
                    ruleset: e.ruleset().into(),
                    document: DocumentRef {
                        kind: n.kind,
                        id: String::new(),
                    },
                    findings,
                    score,
                    documents: None,
                    shadow: Vec::new(),
                    suppressed: 0,
                }
            })
            .collect();
        let mut r = report(&v, cross);
        r.documents = Some(nested);
        assert_eq!(visit_level_findings(visit, &r).len(), 2);

        let mut sheet = Sheet::new();
        sheet.add(e, &v, &r);
        assert_eq!(
            sheet.total.documents, 4,
            "record, prescription, request, visit"
        );
        assert_eq!(sheet.kind(DocKind::OutpatientRecord).qualified, 1);
        let rx = sheet.kind(DocKind::Prescription);
        assert_eq!((rx.documents, rx.qualified), (1, 0));
        assert_eq!(rx.rule_hits["XV-02"], 1);
        let visit_row = sheet.kind(DocKind::Visit);
        assert_eq!((visit_row.documents, visit_row.qualified), (1, 0));
        assert_eq!(visit_row.rule_hits.get("XV-02"), None, "counted once");
        assert_eq!(visit_row.rule_hits["XV-04"], 2);
        assert_eq!(visit_row.deductions["OPD-5"], 10.0, "5 per missed case");
        assert_eq!(sheet.total.rule_hits["XV-02"], 1);
        assert_eq!(sheet.missed_reports, 2);
        assert_eq!(sheet.by_department["影像科"].documents, 1);
        assert_eq!(sheet.by_department["呼吸内科"].documents, 3);
        assert_eq!(sheet.by_doctor["D0077"].documents, 1);
        assert_eq!(sheet.prescriptions_with_antibiotics, 1);
        // The kind, department and doctor tables each add up to the total.
        for table in [
            sheet.by_kind.values().collect::<Vec<_>>(),
            sheet.by_department.values().collect(),
            sheet.by_doctor.values().collect(),
        ] {
            let mut sum = Tally::default();
            table.into_iter().for_each(|t| sum.merge(t));
            assert_eq!(sum, sheet.total);
        }
    }

    #[test]
    fn a_visit_checked_by_the_engine_counts_each_document() {
        let e = engine();
        let v = doc(patched(
            DocKind::Visit,
            json!({"prescriptions": [{"items": [{}, {"frequency": "遵医嘱"}]}]}),
        ));
        let r = e.check(&v);
        let mut sheet = Sheet::new();
        sheet.add(e, &v, &r);
        let rx = sheet.kind(DocKind::Prescription);
        assert_eq!((rx.documents, rx.qualified), (1, 0));
        assert_eq!(rx.rule_hits["RX-08"], 1);
        assert_eq!(sheet.kind(DocKind::ExamRequest).documents, 1);
        assert_eq!(sheet.kind(DocKind::Visit).documents, 1);
        assert_eq!(sheet.total.rule_hits["RX-08"], 1);
    }

    fn prescriptions(qualified: u64, of: u64) -> Sheet {
        let mut sheet = Sheet::new();
        let t = sheet.by_kind.entry(DocKind::Prescription).or_default();
        t.documents = of;
        t.qualified = qualified;
        sheet
    }

    #[test]
    fn pass_rate_penalty_counts_each_started_point_below_target() {
        let t = thresholds();
        assert_eq!(
            (t.prescription_pass_rate, t.penalty_per_point),
            (95.0, 20.0)
        );
        let r = prescriptions(19, 20).rates(&t).prescription_pass_rate;
        assert_eq!(
            (r.rate, r.met, r.points_below, r.penalty),
            (Some(95.0), true, 0, 0.0)
        );
        let r = prescriptions(18, 20).rates(&t).prescription_pass_rate;
        assert_eq!((r.points_below, r.penalty), (5, 100.0));
        // 94.2% → 0.8 points short → 1 point.
        let r = prescriptions(471, 500).rates(&t).prescription_pass_rate;
        assert_eq!((r.met, r.points_below, r.penalty), (false, 1, 20.0));
        // 1 of 3 → 33.33% → 61.67 points short → 62 points.
        let r = prescriptions(1, 3).rates(&t).prescription_pass_rate;
        assert_eq!((r.points_below, r.penalty), (62, 1240.0));
        // 19 of 20 exactly on target despite floating point: 95 of 100 too.
        let r = prescriptions(95, 100).rates(&t).prescription_pass_rate;
        assert!(r.met);
        // Nothing to rate.
        let r = Sheet::new().rates(&t);
        assert_eq!(r.prescription_pass_rate.rate, None);
        assert!(r.prescription_pass_rate.met && r.record_pass_rate.met);
        assert!(r.missed_reports.met && r.antibiotic_share.met);
        assert_eq!(r.penalty_total, 0.0);
    }

    #[test]
    fn record_rate_missed_reports_and_antibiotic_share() {
        let t = thresholds();
        let mut sheet = prescriptions(10, 10);
        let mr = sheet.by_kind.entry(DocKind::OutpatientRecord).or_default();
        mr.documents = 10;
        mr.qualified = 8;
        sheet
            .by_kind
            .entry(DocKind::InfectiousReport)
            .or_default()
            .documents = 3;
        sheet.missed_reports = 1;
        sheet.prescriptions_with_antibiotics = 3;
        let r = sheet.rates(&t);
        assert_eq!(r.record_pass_rate.target, 90.0);
        assert_eq!(
            (r.record_pass_rate.points_below, r.record_pass_rate.penalty),
            (10, 200.0)
        );
        assert_eq!(r.missed_reports.rate, Some(25.0));
        assert!(!r.missed_reports.met);
        assert_eq!(r.missed_reports.penalty, 100.0);
        assert_eq!(r.antibiotic_share.share, Some(30.0));
        assert!(!r.antibiotic_share.met);
        assert_eq!(r.penalty_total, 300.0);
    }

    #[test]
    fn antibiotics_resolve_through_the_formulary() {
        let e = engine();
        let Document::Prescription(p) = doc(clean(DocKind::Prescription)) else {
            unreachable!()
        };
        assert!(has_antibiotic(e, &p));
        let Document::Prescription(p) = doc(patched(
            DocKind::Prescription,
            json!({"items": {"$replace": [{"drug": "盐酸氨溴索片"}, {"drug": "不存在的药"}, {}]}}),
        )) else {
            unreachable!()
        };
        assert!(!has_antibiotic(e, &p));
        let Document::Prescription(p) = doc(patched(
            DocKind::Prescription,
            json!({"items": {"$replace": [{"drug": "注射用头孢曲松钠"}]}}),
        )) else {
            unreachable!()
        };
        assert!(has_antibiotic(e, &p));
    }

    #[test]
    fn merging_parts_equals_the_whole() {
        let e = engine();
        let docs: Vec<Document> = vec![
            doc(clean(DocKind::Prescription)),
            doc(patched(
                DocKind::Prescription,
                json!({"items": [{"frequency": "遵医嘱"}], "department": "儿科"}),
            )),
            doc(clean(DocKind::OutpatientRecord)),
            doc(clean(DocKind::ExamRequest)),
            doc(clean(DocKind::InfectiousReport)),
            doc(clean(DocKind::Visit)),
        ];
        let mut whole = Sheet::new();
        let mut a = Sheet::new();
        let mut b = Sheet::new();
        for (i, d) in docs.iter().enumerate() {
            let r = e.check(d);
            whole.add(e, d, &r);
            let part = if i % 2 == 0 { &mut a } else { &mut b };
            part.add(e, d, &r);
        }
        a.merge(&b);
        assert_eq!(a, whole);
        assert_eq!(whole.total.documents, 9);
        assert_eq!(whole.kind(DocKind::Prescription).documents, 3);
        assert_eq!(whole.kind(DocKind::Prescription).qualified, 2);
    }

    #[test]
    fn serializes_rates_and_ordered_tables() {
        let mut t = Tally {
            documents: 4,
            qualified: 3,
            ..Tally::default()
        };
        t.deductions.insert("OPD-11".into(), 1.0);
        t.deductions.insert("OPD-4".into(), 3.0);
        t.deductions.insert("CLN-7".into(), 1.0);
        t.rule_hits.insert("XV-01".into(), 1);
        t.rule_hits.insert("RX-08".into(), 2);
        let s = serde_json::to_string(&t).unwrap();
        assert_eq!(
            s,
            r#"{"documents":4,"qualified":3,"pass_rate":75.0,"deduction":5.0,"deductions":{"OPD-4":3.0,"OPD-11":1.0,"CLN-7":1.0},"rule_hits":{"RX-08":2,"XV-01":1}}"#
        );
        let mut sheet = Sheet::new();
        sheet.by_kind.insert(DocKind::OutpatientRecord, t);
        let v = serde_json::to_value(&sheet).unwrap();
        assert_eq!(v["by_kind"]["outpatient_record"]["documents"], 4);
        assert_eq!(v["missed_reports"], 0);
        let v = serde_json::to_value(sheet.rates(&thresholds())).unwrap();
        assert_eq!(v["record_pass_rate"]["rate"], 75.0);
        assert_eq!(v["record_pass_rate"]["points_below"], 15);
        assert_eq!(v["prescription_pass_rate"]["rate"], serde_json::Value::Null);
    }

    #[test]
    fn a_report_that_does_not_match_its_visit_is_still_counted() {
        let e = engine();
        let v = doc(clean(DocKind::Visit));
        let mut r = report(&v, vec![]);
        r.documents = Some(vec![Report {
            ruleset: String::new(),
            document: DocumentRef {
                kind: DocKind::Prescription,
                id: "x".into(),
            },
            findings: vec![],
            score: Score {
                qualified: true,
                ..Score::default()
            },
            documents: None,
            shadow: Vec::new(),
            suppressed: 0,
        }]);
        let mut sheet = Sheet::new();
        sheet.add(e, &v, &r);
        assert_eq!(sheet.total.documents, 2);
        assert_eq!(sheet.by_department["呼吸内科"].documents, 2);
    }
}
