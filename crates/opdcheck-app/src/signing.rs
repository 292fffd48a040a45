//! Close and sign. While a document is written it is checked *as it will be signed*: the
//! signer's signature time (and the registered signature id, when known) are filled in (and a
//! prescription's end mark set), so the findings a doctor sees are the ones signing cannot fix.
//! Signing is refused while any error finding remains; then it stores exactly that signed
//! document.
//!
//! Who signs is who is signed in (issue 13, item 6): signed in as a doctor, the signer block is
//! the account's ([`Account`]: id, name, title and the signature id the server registered), not
//! typed. The app never invents a signature id: signed out, signing records the time only, and
//! the server checks the document against the account that syncs it.

use opdcheck_engine::model::{
    Document, ExamRequest, InfectiousReport, OutpatientRecord, Prescription, Signer, Title, filled,
};
use opdcheck_engine::{Finding, Report, Severity};
use opdcheck_web::api::User;

/// The signed-in doctor, as their account says: who signs what is written here.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub id: String,
    /// `None`: the admin has not recorded it.
    pub name: Option<String>,
    pub title: Option<Title>,
    /// The registered signature id; `None` from a server that does not send it.
    pub signature_id: Option<String>,
}

impl Account {
    /// The doctor of a session; `None` for QA staff and admins (they write no documents here)
    /// and for an account without a doctor id.
    pub fn of(user: &User) -> Option<Account> {
        if user.role != "doctor" {
            return None;
        }
        let id = filled(&user.doctor_id)?.to_owned();
        let facts = user.prescriber.as_ref();
        Some(Account {
            id,
            name: filled(&user.name).map(str::to_owned),
            title: facts
                .and_then(|f| f.title.clone())
                .and_then(|t| serde_json::from_value(serde_json::Value::String(t)).ok()),
            signature_id: facts.and_then(|f| filled(&f.signature_id).map(str::to_owned)),
        })
    }

    /// An open draft's `signer` as the account fills it: its id, name and title (a signing time
    /// already there stays). Not the signature id: a signer with one reads as signed, and the
    /// draft would close before the doctor signs it; [`seal`] adds it when signing. `true` when
    /// that changed anything.
    pub fn fill(&self, signer: &mut Option<Signer>) -> bool {
        let s = signer.get_or_insert_with(Signer::default);
        let next = Signer {
            id: Some(self.id.clone()),
            name: self.name.clone(),
            signed_at: s.signed_at.clone(),
            signature_id: None,
            title: self.title,
        };
        if *s == next {
            return false;
        }
        *s = next;
        true
    }
}

/// A signer who has a name or id gets a signature time (unless already signed). The signature
/// id is the one already there (the account's), never made up: an invented one would be checked
/// against the hospital's registry (RX-17) as if it were registered.
fn sign_as(signer: &mut Option<Signer>, at: &str) {
    let Some(s) = signer.as_mut() else { return };
    if filled(&s.id).is_none() && filled(&s.name).is_none() {
        return;
    }
    if filled(&s.signed_at).is_none() {
        s.signed_at = Some(at.to_string());
    }
}

/// A signed copy sealed with the account's registered signature id, when the account is its
/// signer (the signer the account filled) and it has none yet.
pub fn seal<T: Signable>(signed: &mut T, account: Option<&Account>) {
    seal_signer(signed.signer_mut(), account);
}

/// [`seal`] on the signer itself (the read-only block shows it sealed before signing).
pub fn seal_signer(signer: &mut Option<Signer>, account: Option<&Account>) {
    let (Some(account), Some(s)) = (account, signer.as_mut()) else {
        return;
    };
    if filled(&s.id) == Some(account.id.as_str()) && filled(&s.signature_id).is_none() {
        s.signature_id = account.signature_id.clone();
    }
}

/// A document the app can close and sign.
pub trait Signable: Clone {
    /// Who signs it (the prescriber, the physician, the reporting physician).
    fn signer_mut(&mut self) -> &mut Option<Signer>;
    /// The document as it will be once signed at `at` (`2026-11-22T09:40`).
    fn as_signed(&self, at: &str) -> Self;
    /// Closed: signed by its author.
    fn is_closed(&self) -> bool;
    /// As a document of the interchange format, to check it.
    fn into_document(self) -> Document;
}

impl Signable for Prescription {
    fn signer_mut(&mut self) -> &mut Option<Signer> {
        &mut self.prescriber
    }
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
    fn signer_mut(&mut self) -> &mut Option<Signer> {
        &mut self.physician
    }
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
    fn signer_mut(&mut self) -> &mut Option<Signer> {
        &mut self.physician
    }
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
    fn signer_mut(&mut self) -> &mut Option<Signer> {
        &mut self.reporting_physician
    }
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
        let signer = signed.prescriber.unwrap();
        assert_eq!(signer.signed_at.as_deref(), Some("2026-11-22T09:40"));
        assert_eq!(signer.signature_id, None, "no invented signature");
    }

    fn doctor(prescriber: serde_json::Value) -> User {
        serde_json::from_value(serde_json::json!({"username": "zhang", "role": "doctor",
            "doctor_id": "D0201", "name": "张三", "prescriber": prescriber}))
        .unwrap()
    }

    fn facts() -> serde_json::Value {
        serde_json::json!({"title": "resident", "signature_id": "SIG-D0201-0a1b2c3d",
            "antibiotic_tier": null, "prescribing_rights": true, "narcotic_psych1_rights": false})
    }

    #[test]
    fn a_doctor_session_is_the_account_that_signs() {
        let account = Account::of(&doctor(facts())).unwrap();
        assert_eq!(
            account,
            Account {
                id: "D0201".into(),
                name: Some("张三".into()),
                title: Some(Title::Resident),
                signature_id: Some("SIG-D0201-0a1b2c3d".into()),
            }
        );
        // An older session (no facts): the id and name, nothing invented.
        let older = Account::of(&doctor(serde_json::Value::Null)).unwrap();
        assert_eq!((older.title, older.signature_id), (None, None));
        let mut qa = doctor(facts());
        qa.role = "qa".into();
        assert_eq!(Account::of(&qa), None);
        let mut no_id = doctor(facts());
        no_id.doctor_id = Some(" ".into());
        assert_eq!(Account::of(&no_id), None);
    }

    /// Signed in, the typed prescriber is replaced by the account, and signing keeps the
    /// account's registered signature id: with the account in the registry, RX-17 and RX-18
    /// find nothing about the signer.
    #[test]
    fn the_account_fills_the_signer_and_signs_with_its_signature() {
        let account = Account::of(&doctor(facts())).unwrap();
        let mut draft = unsigned(clean_rx());
        assert!(account.fill(&mut draft.prescriber));
        assert!(!account.fill(&mut draft.prescriber), "filled once");
        // Filled but open: no signature id until it is signed.
        assert!(!draft.is_closed(), "the filled draft stays open");
        assert_eq!(draft.prescriber.as_ref().unwrap().signature_id, None);
        let mut signed = draft.as_signed("2026-11-22T09:40");
        seal(&mut signed, Some(&account));
        let signer = signed.prescriber.clone().unwrap();
        assert_eq!(signer.id.as_deref(), Some("D0201"));
        assert_eq!(signer.name.as_deref(), Some("张三"));
        assert_eq!(signer.title, Some(Title::Resident));
        assert_eq!(signer.signature_id.as_deref(), Some("SIG-D0201-0a1b2c3d"));
        let registry = serde_json::json!({"prescribers": [{"id": "D0201", "name": "张三",
            "title": "resident", "signature_id": "SIG-D0201-0a1b2c3d"}]});
        let e = Engine::with_policy_override(&registry.to_string()).unwrap();
        let report = e.check(&Document::Prescription(signed));
        assert!(
            !report
                .findings
                .iter()
                .any(|f| f.path.starts_with("prescriber")),
            "{:?}",
            report.findings
        );
        // A record's physician the same way.
        let mut record = OutpatientRecord::default();
        assert!(account.fill(&mut record.physician));
        assert!(!record.is_closed(), "the filled record stays open");
        let mut signed = record.as_signed("2026-11-22T09:40");
        seal(&mut signed, Some(&account));
        assert_eq!(signed.physician.unwrap().signature_id, account.signature_id);
        // Another signer is not sealed with this account's signature.
        let mut other = unsigned(clean_rx()).as_signed("2026-11-22T09:40");
        seal(&mut other, Some(&account));
        assert_eq!(other.prescriber.unwrap().signature_id, None);
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
