//! Correcting a signed document (更正, OPD-15): a signed document is never edited in place. A
//! correction opens an editable copy of it, under the same id, that records what changed as the
//! format's `amendments` (`path`, `before`, `after`, `by`, `at`) and is signed again by whoever
//! is signed in. Signed, it is the next version of the same record: the outbox (and the server,
//! whose versions are immutable) keeps the original as the version before it.
//!
//! Only prescriptions and records have `amendments` in the format; a report card is corrected
//! by a 订正报告 (`report_type: correction`) instead, and a request by a new request.
//!
//! The reason the doctor gives is required here, and is the `reason` of each amendment the
//! correction adds.

use opdcheck_engine::model::{Amendment, OutpatientRecord, Prescription, Signer, filled};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::signing::{Account, Signable};

mod diff;
mod labels;

pub use diff::{Change, changes};
pub use labels::{describe, show};

/// A document that can be corrected after signing.
pub trait Amendable: Signable + Serialize + DeserializeOwned {
    fn doc_id(&self) -> &str;
    fn amendments(&self) -> &Vec<Amendment>;
    fn amendments_mut(&mut self) -> &mut Vec<Amendment>;
    /// The signer's field in the format (`prescriber`, `physician`): not content, not diffed.
    const SIGNER: &'static str;
    /// Open for writing again: the signature (and a prescription's end mark) lifted.
    fn reopen(&mut self);
}

fn unsign(s: &mut Option<Signer>) {
    if let Some(s) = s.as_mut() {
        s.signed_at = None;
        s.signature_id = None;
    }
}

impl Amendable for Prescription {
    fn doc_id(&self) -> &str {
        &self.id
    }
    fn amendments(&self) -> &Vec<Amendment> {
        &self.amendments
    }
    fn amendments_mut(&mut self) -> &mut Vec<Amendment> {
        &mut self.amendments
    }
    const SIGNER: &'static str = "prescriber";
    fn reopen(&mut self) {
        unsign(&mut self.prescriber);
        self.completed = None;
    }
}

impl Amendable for OutpatientRecord {
    fn doc_id(&self) -> &str {
        &self.id
    }
    fn amendments(&self) -> &Vec<Amendment> {
        &self.amendments
    }
    fn amendments_mut(&mut self) -> &mut Vec<Amendment> {
        &mut self.amendments
    }
    const SIGNER: &'static str = "physician";
    fn reopen(&mut self) {
        unsign(&mut self.physician);
    }
}

/// A correction being written: the signed original it corrects, and who corrects it and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Correction {
    pub id: String,
    /// The signed document as it was (what the outbox and the server keep as `version`).
    pub original: Value,
    /// The original's version; the correction is signed as the one after it.
    pub version: u32,
    pub reason: String,
    /// Who corrects: the signed-in account's staff id (else the signer's id or name).
    pub by: String,
    pub opened_at: String,
}

/// Why a correction cannot be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenError {
    /// Only a signed document is corrected; an open one is simply edited.
    NotSigned,
    /// The reason is required.
    NoReason,
}

impl OpenError {
    pub fn message(self) -> (&'static str, &'static str) {
        match self {
            OpenError::NotSigned => (
                "文书尚未签名，可直接修改",
                "the document is not signed: edit it directly",
            ),
            OpenError::NoReason => ("请填写更正原因", "give the reason for the correction"),
        }
    }
}

/// Open a correction of the signed `doc` (version `version`): the copy to edit, and the
/// correction it belongs to. Signed in, the copy's signer becomes the account (it is re-signed
/// by whoever corrects it).
pub fn open<T: Amendable>(
    doc: &T,
    reason: &str,
    account: Option<&Account>,
    at: &str,
    version: u32,
) -> Result<(Correction, T), OpenError> {
    if !doc.is_closed() {
        return Err(OpenError::NotSigned);
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(OpenError::NoReason);
    }
    let mut copy = doc.clone();
    copy.reopen();
    if let Some(a) = account {
        a.fill(copy.signer_mut());
    }
    let by = {
        let s = copy.signer_mut().as_ref();
        account
            .map(|a| a.id.clone())
            .or_else(|| s.and_then(|s| filled(&s.id).or(filled(&s.name)).map(str::to_owned)))
            // A signed document names its signer.
            .ok_or(OpenError::NotSigned)?
    };
    let correction = Correction {
        id: doc.doc_id().to_string(),
        original: serde_json::to_value(doc).unwrap_or_default(),
        version: version.max(1),
        reason: reason.to_string(),
        by,
        opened_at: at.to_string(),
    };
    Ok((correction, copy))
}

/// The amendments `doc` carries under the correction `c`: the original's own, then one per
/// changed field, by the corrector. An amendment already there for the same change keeps its
/// time; a new one is dated `now`.
pub fn amendments_of<T: Amendable>(c: &Correction, doc: &T, now: &str) -> Vec<Amendment> {
    let mut list: Vec<Amendment> = c
        .original
        .get("amendments")
        .cloned()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    let kept = list.len();
    let current = serde_json::to_value(doc).unwrap_or_default();
    for ch in changes(&c.original, &current, T::SIGNER) {
        let same = |a: &&Amendment| {
            a.path.as_deref() == Some(ch.path.as_str())
                && a.after.as_ref().unwrap_or(&Value::Null) == &ch.after
                && a.by.as_deref() == Some(c.by.as_str())
        };
        let at = doc.amendments()[kept.min(doc.amendments().len())..]
            .iter()
            .find(same)
            .and_then(|a| a.at.clone())
            .unwrap_or_else(|| now.to_string());
        list.push(Amendment {
            path: Some(ch.path),
            before: Some(ch.before),
            after: Some(ch.after),
            by: Some(c.by.clone()),
            at: Some(at),
            reason: Some(c.reason.clone()),
        });
    }
    list
}

/// Bring `doc`'s amendments up to date with its changes; `true` when they changed.
pub fn apply<T: Amendable>(c: &Correction, doc: &mut T, now: &str) -> bool {
    let list = amendments_of(c, doc, now);
    if *doc.amendments() == list {
        return false;
    }
    *doc.amendments_mut() = list;
    true
}

/// The number of amendments the correction added to `doc` (0: nothing corrected yet).
pub fn added<T: Amendable>(c: &Correction, doc: &T) -> usize {
    let before = c
        .original
        .get("amendments")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    doc.amendments().len().saturating_sub(before)
}

/// The amendments a document came with that name no signer or no readable date (RX-16,
/// MR-06: a document brought in from elsewhere): their indexes.
pub fn unsigned(list: &[Amendment]) -> Vec<usize> {
    list.iter()
        .enumerate()
        .filter(|(_, a)| {
            filled(&a.by).is_none()
                || filled(&a.at).is_none_or(|t| opdcheck_engine::datetime::parse(t).is_none())
        })
        .map(|(i, _)| i)
        .collect()
}

/// Sign and date those amendments as `by` at `at`: the doctor who signs the document vouches
/// for them. A signer or date already there stays. Returns how many changed.
pub fn sign_unsigned(list: &mut [Amendment], by: &str, at: &str) -> usize {
    let idx = unsigned(list);
    for &i in &idx {
        let a = &mut list[i];
        if filled(&a.by).is_none() {
            a.by = Some(by.to_string());
        }
        if filled(&a.at).is_none_or(|t| opdcheck_engine::datetime::parse(t).is_none()) {
            a.at = Some(at.to_string());
        }
    }
    idx.len()
}

/// The corrections open in this tab (kept in session storage, so a reload keeps them).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Open(pub Vec<Correction>);

impl Open {
    pub fn from_json(text: &str) -> Open {
        serde_json::from_str(text).unwrap_or_default()
    }
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
    pub fn get(&self, id: &str) -> Option<&Correction> {
        self.0.iter().find(|c| c.id == id)
    }
    /// Replaces any other correction of the same document.
    pub fn put(&mut self, c: Correction) {
        self.take(&c.id.clone());
        self.0.push(c);
    }
    pub fn take(&mut self, id: &str) -> Option<Correction> {
        let i = self.0.iter().position(|c| c.id == id)?;
        Some(self.0.remove(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::seal;
    use crate::sync::{OutboxEntry, next_version, push_request};
    use opdcheck_engine::model::{Document, Quantity, Title};
    use opdcheck_engine::{Engine, parse_document};

    fn signed_rx() -> Prescription {
        match parse_document(opdcheck_engine::samples::PRESCRIPTION_CLEAN).unwrap() {
            Document::Prescription(p) => p,
            _ => unreachable!(),
        }
    }

    fn account() -> Account {
        Account {
            id: "D0201".into(),
            name: Some("张三".into()),
            title: Some(Title::Resident),
            signature_id: Some("SIG-D0201-0a1b2c3d".into()),
        }
    }

    #[test]
    fn only_a_signed_document_with_a_reason_is_corrected() {
        let rx = signed_rx();
        assert!(rx.is_closed());
        let a = account();
        assert_eq!(
            open(&rx, "  ", Some(&a), "2026-11-22T10:00", 1).unwrap_err(),
            OpenError::NoReason
        );
        let mut draft = rx.clone();
        draft.reopen();
        assert_eq!(
            open(&draft, "剂量笔误", Some(&a), "2026-11-22T10:00", 1).unwrap_err(),
            OpenError::NotSigned
        );
    }

    /// The whole correction: opened on the signed original by the signed-in account, a dose
    /// changed, signed again. The result is one amendment naming the field, before and after,
    /// by whom and when, re-signed by the account, with no finding about it (RX-16), and it
    /// goes out as version 2 of the same id while version 1 stays as it was.
    #[test]
    fn a_correction_is_a_signed_dated_amendment_and_the_next_version() {
        let e = Engine::default_engine();
        let original = signed_rx();
        let a = account();
        let (c, mut copy) = open(&original, "剂量笔误", Some(&a), "2026-11-22T10:00", 1).unwrap();
        assert!(!copy.is_closed(), "the copy is open for writing");
        assert_eq!(copy.id, original.id, "the same record");
        assert_eq!((c.by.as_str(), c.version), ("D0201", 1));
        let signer = copy.prescriber.clone().unwrap();
        assert_eq!(
            (signer.id.as_deref(), signer.signed_at),
            (Some("D0201"), None)
        );
        // Nothing changed yet: nothing to record.
        assert!(!apply(&c, &mut copy, "2026-11-22T10:01"));
        assert_eq!(added(&c, &copy), 0);

        let before = copy.items[0].dose.clone();
        copy.items[0].dose = Some(Quantity {
            value: Some(0.25),
            unit: Some("g".into()),
        });
        copy.items[0].quantity = original.items[0].quantity.clone();
        assert!(apply(&c, &mut copy, "2026-11-22T10:02"));
        // Applying again changes nothing, and later edits keep the first change's time.
        assert!(!apply(&c, &mut copy, "2026-11-22T10:05"));
        assert_eq!(added(&c, &copy), 1);
        let am = &copy.amendments[0];
        assert_eq!(am.path.as_deref(), Some("items[0].dose"));
        assert_eq!(
            am.before.as_ref(),
            Some(&serde_json::to_value(&before).unwrap())
        );
        assert_eq!(
            am.after,
            Some(serde_json::json!({"value": 0.25, "unit": "g"}))
        );
        assert_eq!(
            (am.by.as_deref(), am.at.as_deref()),
            (Some("D0201"), Some("2026-11-22T10:02"))
        );

        // Signed again, by the account.
        let mut signed = copy.as_signed("2026-11-22T10:06");
        seal(&mut signed, Some(&a));
        assert!(signed.is_closed());
        let report = e.check(&Document::Prescription(signed.clone()));
        assert!(
            !report.findings.iter().any(|f| f.rule == "RX-16"),
            "{:?}",
            report.findings
        );
        // Version 2 of the same id; version 1 unchanged beside it.
        let doc1 = Document::Prescription(original.clone());
        let v1 = OutboxEntry::new(&doc1, &e.check(&doc1), 1, "2026-11-22T09:40:00");
        let doc2 = Document::Prescription(signed);
        let version = next_version(std::slice::from_ref(&v1), &original.id);
        let v2 = OutboxEntry::new(&doc2, &report, version, "2026-11-22T10:06:00");
        assert_eq!(v2.key, format!("{}@2", original.id));
        assert_eq!(v2.document["amendments"][0]["reason"], "剂量笔误");
        assert_eq!(
            v2.document["prescriber"]["signature_id"],
            "SIG-D0201-0a1b2c3d"
        );
        assert_eq!(v2.document["prescriber"]["signed_at"], "2026-11-22T10:06");
        assert_eq!(v1.document, serde_json::to_value(&doc1).unwrap());
        let push = push_request(&[&v1, &v2]);
        assert_eq!(
            push.records
                .iter()
                .map(|r| (r.id.as_str(), r.version))
                .collect::<Vec<_>>(),
            [(original.id.as_str(), 1), (original.id.as_str(), 2)]
        );
    }

    /// A record is corrected the same way; the original's own amendments stay first.
    #[test]
    fn a_record_keeps_its_earlier_amendments() {
        let mut mr: OutpatientRecord =
            match parse_document(opdcheck_engine::samples::OUTPATIENT_RECORD_CLEAN).unwrap() {
                Document::OutpatientRecord(r) => r,
                _ => unreachable!(),
            };
        mr.amendments = vec![Amendment {
            path: Some("chief_complaint".into()),
            by: Some("D0012".into()),
            at: Some("2026-11-22T09:50".into()),
            ..Default::default()
        }];
        let (c, mut copy) = open(&mr, "补充体征", None, "2026-11-22T10:00", 3).unwrap();
        assert_eq!(c.by, mr.physician.as_ref().unwrap().id.clone().unwrap());
        copy.positive_signs = Some("双肺可闻及湿啰音".into());
        apply(&c, &mut copy, "2026-11-22T10:01");
        assert_eq!(copy.amendments.len(), 2);
        assert_eq!(copy.amendments[0], mr.amendments[0]);
        assert_eq!(copy.amendments[1].path.as_deref(), Some("positive_signs"));
        assert_eq!(copy.amendments[0].reason, None);
        assert_eq!(copy.amendments[1].reason.as_deref(), Some("补充体征"));
    }

    /// An amendment brought in unsigned (RX-16) is fixed on the form: the doctor signs and
    /// dates it, and RX-16 is gone.
    #[test]
    fn unsigned_amendments_are_signed_by_the_doctor() {
        let e = Engine::default_engine();
        let mut rx = signed_rx();
        rx.reopen();
        rx.amendments = vec![
            Amendment {
                path: Some("items[0].dose".into()),
                at: Some("昨天".into()),
                ..Default::default()
            },
            Amendment {
                path: Some("items[0].days".into()),
                by: Some("D0012".into()),
                at: Some("2026-11-22T09:38".into()),
                ..Default::default()
            },
        ];
        let rx16 = |rx: &Prescription| {
            e.check(&Document::Prescription(rx.as_signed("2026-11-22T10:00")))
                .findings
                .iter()
                .filter(|f| f.rule == "RX-16")
                .map(|f| f.path.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(rx16(&rx), ["amendments[0].by", "amendments[0].at"]);
        assert_eq!(unsigned(&rx.amendments), [0]);
        assert_eq!(
            sign_unsigned(&mut rx.amendments, "D0201", "2026-11-22T10:00"),
            1
        );
        assert!(rx16(&rx).is_empty());
        assert_eq!(rx.amendments[1].by.as_deref(), Some("D0012"), "kept");
        assert_eq!(rx.amendments[0].at.as_deref(), Some("2026-11-22T10:00"));
    }

    #[test]
    fn open_corrections_round_trip() {
        let (c, _) = open(
            &signed_rx(),
            "笔误",
            Some(&account()),
            "2026-11-22T10:00",
            1,
        )
        .unwrap();
        let mut open = Open::default();
        open.put(c.clone());
        open.put(c.clone());
        assert_eq!(open.0.len(), 1);
        let back = Open::from_json(&open.to_json());
        assert_eq!(back.get(&c.id), Some(&c));
        assert_eq!(Open::from_json("nonsense"), Open::default());
    }
}
