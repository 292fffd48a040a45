//! Putting a visit back together from its stored documents and checking it.

use std::collections::{BTreeMap, HashMap, HashSet};

use opdcheck_engine::model::Visit;
use opdcheck_engine::{Document, Engine};
use serde::{Deserialize, Serialize};

use super::deadline::{base_time, cases, names_notifiable};
use crate::error::Error;
use crate::stamp::now;
use crate::store::Store;
use crate::store::visits::{CaseRow, VisitAssembler, VisitDocRow, VisitRow};

/// A document of an assembled visit, as `visits.documents` stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub id: String,
    pub version: i64,
    pub kind: String,
    /// Where it sits in the assembled visit; `None` for a record not assembled.
    pub path: Option<String>,
    /// Whose it is, as for a record: who may read its body in the visit.
    #[serde(default)]
    pub department: Option<String>,
    #[serde(default)]
    pub doctor: Option<String>,
}

/// The engine's side of [`VisitAssembler`]: groups the documents the store read by visit and
/// checks each visit. `parsed`: the documents the caller has read already, by (id, version) (a
/// push's own): they are not read or parsed again.
pub struct Assembler<'a> {
    engine: &'a Engine,
    parsed: HashMap<(String, i64), Document>,
}

impl<'a> Assembler<'a> {
    pub fn new(engine: &'a Engine, parsed: HashMap<(String, i64), Document>) -> Assembler<'a> {
        Assembler { engine, parsed }
    }
}

impl VisitAssembler for Assembler<'_> {
    fn has(&self, id: &str, version: i64) -> bool {
        self.parsed.contains_key(&(id.to_owned(), version))
    }

    fn assemble(&mut self, docs: Vec<VisitDocRow>) -> Result<Vec<(VisitRow, Vec<CaseRow>)>, Error> {
        let mut groups: BTreeMap<(String, String), Vec<Stored>> = BTreeMap::new();
        for row in docs {
            let key = (row.visit_id.clone(), row.patient_key.clone());
            // A body the store read is what is stored; else the caller's parsed document is.
            let doc = match row.body {
                Some(_) => None,
                None => self.parsed.remove(&(row.id.clone(), row.version)),
            };
            groups.entry(key).or_default().push((row, doc));
        }
        let at = now();
        groups
            .into_iter()
            .map(|((visit_id, patient_key), docs)| {
                assemble(self.engine, &visit_id, &patient_key, docs, &at)
            })
            .collect()
    }
}

/// Assemble the visits of documents stored before visits were assembled (migration 0008), 500
/// at a time; nothing to do afterwards. Returns how many visits were assembled.
pub async fn backfill(store: &Store, engine: &Engine) -> Result<u64, Error> {
    let mut done = 0u64;
    let mut seen: HashSet<(String, String)> = HashSet::new();
    loop {
        let keys = store.unassembled_visits(500).await?;
        // Each round stores a row per key; a key back again was not assembled (nothing to
        // assemble it from), and asking again would loop.
        let touched: HashSet<(String, String)> =
            keys.into_iter().filter(|k| !seen.contains(k)).collect();
        if touched.is_empty() {
            return Ok(done);
        }
        let mut assembler = Assembler::new(engine, HashMap::new());
        store
            .assemble_visits(&touched, &HashSet::new(), &mut assembler)
            .await?;
        done += touched.len() as u64;
        seen.extend(touched);
    }
}

/// A stored document of a visit, with its parsed form when the caller had it.
pub type Stored = (VisitDocRow, Option<Document>);

/// A kind's place in a visit (the engine's report order).
fn rank(kind: &str) -> u8 {
    match kind {
        "outpatient_record" => 0,
        "prescription" => 1,
        "exam_request" => 2,
        _ => 3,
    }
}

/// One visit from the latest versions of its documents: the engine's `Visit`, checked; its
/// cross-document findings and missing report cards. The record is the latest outpatient record
/// by visit time (a visit has one); another is listed without a path. Only the cross-document
/// rules run: the HX rules (patient history) and every per-document rule are in each document's
/// own report, checked with the patient's history when it was stored.
pub fn assemble(
    engine: &Engine,
    visit_id: &str,
    patient_key: &str,
    mut docs: Vec<Stored>,
    at: &str,
) -> Result<(VisitRow, Vec<CaseRow>), Error> {
    // Records latest first, then the others by date and id: a stable order for paths.
    docs.sort_by(|(a, _), (b, _)| {
        rank(&a.kind).cmp(&rank(&b.kind)).then_with(|| {
            if a.kind == "outpatient_record" {
                (&b.doc_at, &b.created_at, &b.id).cmp(&(&a.doc_at, &a.created_at, &a.id))
            } else {
                (&a.doc_at, &a.id).cmp(&(&b.doc_at, &b.id))
            }
        })
    });
    let mut visit = Visit {
        visit_id: Some(visit_id.to_owned()),
        ..Visit::default()
    };
    let mut members = Vec::with_capacity(docs.len());
    let mut rows = Vec::with_capacity(docs.len());
    for (d, doc) in docs {
        // Stored bodies were read by the engine when pushed: one that no longer parses (a
        // format change) is listed, not assembled.
        let doc = doc.map_or_else(
            || opdcheck_engine::parse_document(d.body.as_deref().unwrap_or_default()),
            Ok,
        );
        let path = match doc {
            Ok(Document::OutpatientRecord(r)) if visit.record.is_none() => {
                visit.record = Some(r);
                Some("record".to_owned())
            }
            Ok(Document::Prescription(p)) => {
                visit.prescriptions.push(p);
                Some(format!("prescriptions[{}]", visit.prescriptions.len() - 1))
            }
            Ok(Document::ExamRequest(q)) => {
                visit.exam_requests.push(q);
                Some(format!("exam_requests[{}]", visit.exam_requests.len() - 1))
            }
            Ok(Document::InfectiousReport(c)) => {
                visit.infectious_reports.push(c);
                Some(format!(
                    "infectious_reports[{}]",
                    visit.infectious_reports.len() - 1
                ))
            }
            _ => None,
        };
        members.push(Member {
            id: d.id.clone(),
            version: d.version,
            kind: d.kind.clone(),
            path,
            department: d.department.clone(),
            doctor: d.doctor.clone(),
        });
        rows.push(d);
    }
    let docs = rows;
    // Only the cross-document rules: each document's own findings are in its stored report, and
    // checking every document again would double the engine's work per pushed record (the
    // ingest budget, docs/benchmarks.md §6).
    let findings = engine.visit_findings(&visit);
    let earliest = docs.iter().filter_map(|d| d.doc_at.as_deref()).min();
    let base = base_time(visit.record.as_ref(), earliest);
    let cases = cases(engine, visit.record.as_ref(), &findings, base);
    let state = if !cases.is_empty() {
        "pending"
    } else if names_notifiable(engine, visit.record.as_ref()) {
        "reported"
    } else {
        "none"
    };
    // Who the visit is: its record's doctor and department, else its first document's.
    let lead = docs.first();
    let row = VisitRow {
        visit_id: visit_id.to_owned(),
        patient_key: patient_key.to_owned(),
        department: lead.and_then(|d| d.department.clone()),
        doctor: lead.and_then(|d| d.doctor.clone()),
        doc_at: base.map(str::to_owned).or(earliest.map(str::to_owned)),
        documents: json(&members)?,
        findings: json(&findings)?,
        ruleset: engine.ruleset().to_owned(),
        report_state: state.to_owned(),
        report_due_at: cases.iter().filter_map(|c| c.due_at.clone()).min(),
        updated_at: at.to_owned(),
    };
    Ok((row, cases))
}

fn json<T: Serialize>(v: &T) -> Result<String, Error> {
    serde_json::to_string(v).map_err(|e| Error::Internal(e.to_string()))
}
