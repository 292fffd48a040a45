//! Quiet until useful: which findings a form shows now. A required entry's finding waits until
//! the doctor has been at its field (typed, chose, or left it) or presses 签名; a finding that
//! depends on an entry still to be filled (RX-15 "no infection diagnosis" while no diagnosis is
//! typed) waits for it. The score and the count of what remains always see every finding: only
//! the showing waits. Pure, so it is tested natively.

use std::collections::BTreeSet;

use opdcheck_engine::concern::{self, Concern};
use opdcheck_engine::{DocKind, Finding, Report};

use crate::fields::anchor_in;

/// What the doctor has been at, and whether everything is to be shown.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Visibility {
    touched: BTreeSet<String>,
    revealed: bool,
}

/// The findings of a report as a form shows them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shown {
    /// Each shown finding with the field it is shown at, safety first, then by severity.
    pub findings: Vec<(String, Finding)>,
    /// Findings held back (still counted by the score): 「还有 N 项待填」.
    pub waiting: usize,
}

impl Visibility {
    /// The doctor was at the field `path` (an anchor path, `items[0].frequency`).
    /// Returns whether this is new.
    pub fn touch(&mut self, path: &str) -> bool {
        !self.touched.contains(path) && self.touched.insert(path.to_string())
    }

    /// Sign time (or a signed document): everything is shown.
    pub fn reveal(&mut self) {
        self.revealed = true;
    }

    pub fn revealed(&self) -> bool {
        self.revealed
    }

    /// The field at `anchor` was touched: itself or a field inside it (a cell of row
    /// `items[0]`, a diagnosis of `diagnoses`). The document as a whole (`""`) only at sign time.
    pub fn touched(&self, anchor: &str) -> bool {
        if anchor.is_empty() {
            return false;
        }
        self.touched.iter().any(|t| {
            t == anchor
                || t.strip_prefix(anchor)
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
        })
    }

    /// Whether `f`, shown at `anchor`, is shown now; `report` is the whole report (to see what
    /// is still to be filled).
    pub fn shows(&self, f: &Finding, anchor: &str, report: &Report) -> bool {
        if self.revealed {
            return true;
        }
        match concern::concern(&f.rule) {
            Concern::Required => self.touched(anchor),
            Concern::Safety | Concern::Conformity => !concern::waits_for(&f.rule)
                .iter()
                .any(|dep| still_to_fill(report, dep)),
        }
    }

    /// The findings of `report` in the form for `kind`, as shown now.
    pub fn split(&self, kind: DocKind, report: &Report) -> Shown {
        let mut findings = Vec::new();
        let mut waiting = 0;
        for f in &report.findings {
            let anchor = anchor_in(kind, &f.path);
            if self.shows(f, &anchor, report) {
                findings.push((anchor, f.clone()));
            } else {
                waiting += 1;
            }
        }
        // Stable: the report's order kept within each rank.
        findings.sort_by_key(|(_, f)| concern::rank(f));
        Shown { findings, waiting }
    }
}

/// A required entry at or inside `path` is still missing (a required-class finding there).
fn still_to_fill(report: &Report, path: &str) -> bool {
    report.findings.iter().any(|f| {
        concern::concern(&f.rule) == Concern::Required
            && (f.path == path
                || f.path
                    .strip_prefix(path)
                    .is_some_and(|r| r.starts_with('.') || r.starts_with('[')))
    })
}

/// The summary's line for what waits: 「还有 N 项待填」.
pub fn waiting_line(n: usize, zh: bool) -> Option<String> {
    (n > 0).then(|| {
        if zh {
            format!("还有 {n} 项待填")
        } else {
            format!("{n} more to fill in")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use opdcheck_engine::model::{Document, Prescription};
    use opdcheck_engine::{Engine, parse_document};

    fn clean() -> Prescription {
        match parse_document(opdcheck_engine::samples::PRESCRIPTION_CLEAN).unwrap() {
            Document::Prescription(p) => p,
            _ => unreachable!(),
        }
    }

    fn check(rx: Prescription) -> Report {
        Engine::default_engine().check(&Document::Prescription(rx))
    }

    fn rules(s: &Shown) -> Vec<&str> {
        s.findings.iter().map(|(_, f)| f.rule.as_str()).collect()
    }

    #[test]
    fn a_new_prescription_is_quiet_but_counts_what_remains() {
        let r = check(Prescription::default());
        assert!(!r.score.qualified);
        let v = Visibility::default();
        let s = v.split(DocKind::Prescription, &r);
        assert!(
            s.findings
                .iter()
                .all(|(_, f)| f.severity != opdcheck_engine::Severity::Error),
            "{:?}",
            rules(&s)
        );
        assert!(s.waiting > 0);
        assert_eq!(s.waiting + s.findings.len(), r.findings.len());
        assert_eq!(
            waiting_line(s.waiting, true),
            Some(format!("还有 {} 项待填", s.waiting))
        );
    }

    #[test]
    fn touching_a_field_shows_its_finding_and_signing_shows_all() {
        let mut rx = clean();
        rx.patient.name = None;
        let r = check(rx);
        let mut v = Visibility::default();
        assert!(!rules(&v.split(DocKind::Prescription, &r)).contains(&"RX-01"));
        assert!(v.touch("patient.name"));
        assert!(!v.touch("patient.name"));
        let s = v.split(DocKind::Prescription, &r);
        assert!(
            s.findings
                .iter()
                .any(|(a, f)| f.rule == "RX-01" && a == "patient.name"),
            "{:?}",
            s.findings
        );
        let mut v = Visibility::default();
        v.reveal();
        let s = v.split(DocKind::Prescription, &r);
        assert_eq!(s.waiting, 0);
        assert_eq!(s.findings.len(), r.findings.len());
    }

    #[test]
    fn a_finding_waits_for_the_entry_it_depends_on() {
        // An antibiotic, no diagnosis yet: RX-15 waits for the diagnosis, RX-02 is the one to
        // fill.
        let mut rx = clean();
        rx.diagnoses.clear();
        rx.diagnosis_codes.clear();
        rx.items[0].drug = Some("阿莫西林胶囊".into());
        let r = check(rx.clone());
        let v = Visibility::default();
        assert!(r.findings.iter().any(|f| f.rule == "RX-15"));
        assert!(!rules(&v.split(DocKind::Prescription, &r)).contains(&"RX-15"));
        // A diagnosis that is no infection: now RX-15 says something.
        rx.diagnoses = vec!["原发性高血压".into()];
        rx.diagnosis_codes = vec![Some("I10".into())];
        let r = check(rx);
        assert!(rules(&v.split(DocKind::Prescription, &r)).contains(&"RX-15"));
    }

    #[test]
    fn safety_comes_first() {
        let mut rx = clean();
        rx.items[0].frequency = Some("遵医嘱".into());
        rx.items[1].drug = Some("阿莫西林胶囊".into());
        rx.patient.allergens = vec!["青霉素".into()];
        let r = check(rx);
        let s = Visibility::default().split(DocKind::Prescription, &r);
        let order = rules(&s);
        let first_other = order.iter().position(|c| *c == "RX-08").expect("RX-08");
        let allergy = order.iter().position(|c| *c == "RX-19").expect("RX-19");
        assert!(allergy < first_other, "{order:?}");
        assert_eq!(order[0], "RX-19");
    }

    #[test]
    fn touched_covers_the_fields_inside() {
        let mut v = Visibility::default();
        v.touch("items[0].frequency");
        assert!(v.touched("items[0]"));
        assert!(v.touched("items"));
        assert!(!v.touched("items[1]"));
        assert!(!v.touched("items[0].freq"));
        assert!(!v.touched(""));
    }
}
