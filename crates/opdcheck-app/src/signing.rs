//! Close and sign. While a document is written it is checked *as it will be signed*: the
//! signer's signature time and id are filled in (and a prescription's end mark set), so the
//! findings a doctor sees are the ones signing cannot fix. Signing is refused while any error
//! finding remains; then it stores exactly that signed document.

use opdcheck_engine::model::{
    Document, ExamRequest, InfectiousReport, OutpatientRecord, Prescription, Signer, filled,
};
use opdcheck_engine::{Finding, Report, Severity};

/// A signer who has a name or id gets a signature time and id (unless already signed).
fn sign_as(signer: &mut Option<Signer>, at: &str) {
    let Some(s) = signer.as_mut() else { return };
    let who = filled(&s.id)
        .or_else(|| filled(&s.name))
        .map(str::to_string);
    let Some(who) = who else { return };
    if filled(&s.signed_at).is_none() {
        s.signed_at = Some(at.to_string());
    }
    if filled(&s.signature_id).is_none() {
        s.signature_id = Some(format!("SIG-{who}"));
    }
}

/// A document the app can close and sign.
pub trait Signable: Clone {
    /// The document as it will be once signed at `at` (`2026-11-22T09:40`).
    fn as_signed(&self, at: &str) -> Self;
    /// Closed: signed by its author.
    fn is_closed(&self) -> bool;
    /// As a document of the interchange format, to check it.
    fn into_document(self) -> Document;
}

impl Signable for Prescription {
    fn as_signed(&self, at: &str) -> Self {
        let mut d = self.clone();
        sign_as(&mut d.prescriber, at);
        d.completed = Some(true);
        d
    }
    fn is_closed(&self) -> bool {
        self.completed == Some(true) && self.prescriber.as_ref().is_some_and(Signer::is_signed)
    }
    fn into_document(self) -> Document {
        Document::Prescription(self)
    }
}

impl Signable for OutpatientRecord {
    fn as_signed(&self, at: &str) -> Self {
        let mut d = self.clone();
        sign_as(&mut d.physician, at);
        d
    }
    fn is_closed(&self) -> bool {
        self.physician.as_ref().is_some_and(Signer::is_signed)
    }
    fn into_document(self) -> Document {
        Document::OutpatientRecord(self)
    }
}

impl Signable for ExamRequest {
    fn as_signed(&self, at: &str) -> Self {
        let mut d = self.clone();
        sign_as(&mut d.physician, at);
        d
    }
    fn is_closed(&self) -> bool {
        self.physician.as_ref().is_some_and(Signer::is_signed)
    }
    fn into_document(self) -> Document {
        Document::ExamRequest(self)
    }
}

impl Signable for InfectiousReport {
    fn as_signed(&self, at: &str) -> Self {
        let mut d = self.clone();
        sign_as(&mut d.reporting_physician, at);
        if filled(&d.filled_at).is_none() {
            d.filled_at = Some(at.to_string());
        }
        d
    }
    fn is_closed(&self) -> bool {
        self.reporting_physician
            .as_ref()
            .is_some_and(Signer::is_signed)
    }
    fn into_document(self) -> Document {
        Document::InfectiousReport(self)
    }
}

/// The error findings that keep a document from being signed (its own and, in a visit, the
/// cross-document ones that concern it are already in its report).
pub fn blockers(report: &Report) -> Vec<&Finding> {
    report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use opdcheck_engine::model::Document;
    use opdcheck_engine::{Engine, parse_document};

    fn clean_rx() -> Prescription {
        match parse_document(opdcheck_engine::samples::PRESCRIPTION_CLEAN).unwrap() {
            Document::Prescription(p) => p,
            _ => unreachable!(),
        }
    }

    fn unsigned(mut p: Prescription) -> Prescription {
        let s = p.prescriber.as_mut().unwrap();
        s.signed_at = None;
        s.signature_id = None;
        p.completed = None;
        p
    }

    #[test]
    fn a_clean_draft_signs_and_is_closed_after() {
        let e = Engine::default_engine();
        let draft = unsigned(clean_rx());
        assert!(!draft.is_closed());
        // The draft as stored is missing its signature (RX-17)…
        let raw = e.check(&Document::Prescription(draft.clone()));
        assert!(raw.findings.iter().any(|f| f.rule == "RX-17"));
        // …which signing supplies.
        let report = e.check(&Document::Prescription(draft.as_signed("2026-11-22T09:40")));
        assert!(blockers(&report).is_empty(), "{:?}", report.findings);
        let signed = draft.as_signed("2026-11-22T09:40");
        assert!(signed.is_closed());
        assert_eq!(
            signed.prescriber.unwrap().signature_id.as_deref(),
            Some("SIG-D0012")
        );
    }

    #[test]
    fn an_error_blocks_signing() {
        let e = Engine::default_engine();
        let mut draft = unsigned(clean_rx());
        draft.items[0].frequency = Some("遵医嘱".into());
        let report = e.check(&Document::Prescription(draft.as_signed("2026-11-22T09:40")));
        let b = blockers(&report);
        assert_eq!(b.len(), 1);
        assert_eq!(
            (b[0].rule.as_str(), b[0].path.as_str()),
            ("RX-08", "items[0].frequency")
        );
    }

    #[test]
    fn nobody_to_sign_means_no_signature() {
        let mut draft = unsigned(clean_rx());
        draft.prescriber = Some(Signer::default());
        let signed = draft.as_signed("2026-11-22T09:40");
        assert!(!signed.is_closed());
    }
}
