//! A batch of records: read what is stored, decide per record, check the new versions with the
//! patient's history, write them in one transaction, and answer per record.

use std::collections::{BTreeMap, HashMap, HashSet};

use opdcheck_api::records::{PushOutcome, PushResult};
use opdcheck_engine::model::OutpatientRecord;
use opdcheck_engine::{Document, Engine, Report};
use serde_json::Value;

use super::canonical::{doc_at, patient_key};
use super::history::StoredHistory;
use super::nested::{NestedDoc, nested_documents};
use super::validate::{item_error, result, validate};
use super::{Pusher, derived, now};
use crate::error::Error;
use crate::store::{IdState, Inserted, NewRecord, Store, Writer};

/// Whether `who` may write the id whose stored state is `st` (`None`: nothing stored).
/// The owner writes it, and so do an admin and anyone with sign-in off. An id nobody owns is
/// new, or was stored before ownership existed (or with sign-in off): then the rules before
/// ownership hold: a doctor writes it only if its latest version is theirs.
fn may_write(who: &Pusher, owner: Option<&str>, st: Option<&IdState>) -> bool {
    if who.bypasses_owner() {
        return true;
    }
    match owner {
        Some(owner) => owner == who.name,
        None => match (who.only_doctor.as_deref(), st) {
            (Some(me), Some(st)) => st.latest_doctor.as_deref() == Some(me),
            _ => true,
        },
    }
}

/// The batch's results, in order. Reads happen first (one query for the owners and versions
/// already stored), then every new version is written in one transaction, which repeats the
/// ownership and next-version checks where concurrent pushes cannot slip between them. Only
/// storage failures are `Err`.
pub async fn push_batch(
    store: &Store,
    engine: &Engine,
    who: &Pusher,
    records: Vec<Value>,
) -> Result<Vec<PushResult>, Error> {
    let mut results: Vec<Option<PushResult>> = vec![None; records.len()];
    let mut valid = Vec::new();
    for (i, rec) in records.into_iter().enumerate() {
        match validate(who, i, rec) {
            Ok(v) => valid.push(v),
            Err(result) => results[i] = Some(*result),
        }
    }
    let ids: Vec<&str> = valid.iter().map(|v| v.id.as_str()).collect();
    let state = store.batch_state(&ids).await?;
    // The stored history of every patient the batch's outpatient records name, in one read.
    let mut stored_history = StoredHistory::default();
    stored_history
        .load(
            store,
            valid.iter().map(|v| (&v.doc, patient_key(&v.document))),
        )
        .await?;

    // Per id: the next version this batch may store (versions of one id may follow each other
    // in one batch), and the versions already taken in this batch.
    let mut next: HashMap<String, i64> = HashMap::new();
    let mut taken: HashSet<(String, i64)> = HashSet::new();
    // Ids already owned that this caller may write (no claim needed in the transaction).
    let mut known: HashSet<String> = HashSet::new();
    // Outpatient records of this batch, by patient: history for the later ones in it.
    let mut batch_history: HashMap<String, Vec<OutpatientRecord>> = HashMap::new();
    // Per stored record: its index in the request (`None`: a document of a visit pushed whole,
    // which has no result of its own), its body's SHA-256, its report.
    let mut pending: Vec<(Option<usize>, String, Report)> = Vec::new();
    let mut new = Vec::new();
    // Visits pushed whole in this batch: (record id, document).
    let mut whole_visits: Vec<(String, Value)> = Vec::new();
    // (id, body SHA-256) of the nested documents taken: the same document in two visits of a
    // batch is stored once.
    let mut taken_sha: HashSet<(String, String)> = HashSet::new();
    // The visits of the records this batch retried: re-assembled with those it stores.
    let mut touched: HashSet<(String, String)> = HashSet::new();
    // The batch's documents of a visit, read already: the assembly does not parse them again.
    let mut parsed: HashMap<(String, i64), Document> = HashMap::new();
    for v in valid {
        let st = state.get(&v.id);
        let owner = st.and_then(|s| s.owner.as_deref());
        if !may_write(who, owner, st) {
            results[v.i] = Some(not_owner(&v.id, v.version, v.i));
            continue;
        }
        if owner.is_some() {
            known.insert(v.id.clone());
        }
        // Already there: the same body is a retry (nothing to do), another body a conflict.
        if let Some((sha, report)) = st.and_then(|s| s.versions.get(&v.version)) {
            // A retry re-assembles its visit: should the assembly after an earlier push have
            // failed, the client's retry mends it.
            if *sha == v.sha
                && let (Some(visit), Some(key)) = (v.doc.visit_id(), patient_key(&v.document))
            {
                touched.insert((visit.to_owned(), key));
            }
            results[v.i] = Some(existing_result(&v.id, v.version, sha, &v.sha, report)?);
            continue;
        }
        let expected = *next
            .entry(v.id.clone())
            .or_insert_with(|| st.map_or(0, |s| s.max_version).saturating_add(1));
        let repeat = taken.contains(&(v.id.clone(), v.version));
        // A repeat within the batch goes to the write, which stores it once and answers the
        // second as a retry (or a conflict).
        if v.version != expected && !repeat {
            results[v.i] = Some(version_gap(&v.id, v.version, expected, v.i));
            continue;
        }
        if !repeat {
            next.insert(v.id.clone(), expected.saturating_add(1));
            taken.insert((v.id.clone(), v.version));
        }
        let patient_key = patient_key(&v.document);
        let history = stored_history
            .history_for(store, &v.doc, patient_key.as_deref(), &v.id, &batch_history)
            .await?;
        let (rec, report) = checked(
            engine,
            who,
            Checked {
                id: &v.id,
                version: v.version,
                doc: &v.doc,
                document: &v.document,
                body: v.body,
                sha: &v.sha,
                patient_key,
            },
            &history,
        )?;
        if let (Document::OutpatientRecord(r), Some(key)) = (&v.doc, &rec.patient_key) {
            batch_history
                .entry(key.clone())
                .or_default()
                .push(r.clone());
        }
        if let Document::Visit(_) = v.doc {
            whole_visits.push((v.id.clone(), v.document));
        } else if v.doc.visit_id().is_some() {
            parsed.insert((v.id.clone(), v.version), v.doc);
        }
        new.push(rec);
        pending.push((Some(v.i), v.sha, report));
    }
    // A visit pushed whole: its documents, each stored as a record of its own (nested.rs).
    // They are read and decided as the batch's records were; a document this caller may not
    // write, or already stored with the same body, is left as it is. Only batches with whole
    // visits pay for the second read.
    if !whole_visits.is_empty() {
        let docs: Vec<NestedDoc> = whole_visits
            .iter()
            .flat_map(|(id, document)| nested_documents(id, document))
            .collect();
        let ids: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
        let nested_state = store.batch_state(&ids).await?;
        stored_history
            .load(store, docs.iter().map(|d| (&d.doc, d.patient_key.clone())))
            .await?;
        for d in docs {
            let st = nested_state.get(&d.id);
            let owner = st.and_then(|s| s.owner.as_deref());
            let own_doctor = who
                .only_doctor
                .as_deref()
                .is_none_or(|me| d.doc.doctor().is_none_or(|dr| dr == me));
            let own_department = d
                .doc
                .department()
                .is_none_or(|dep| who.may_see_department(Some(dep)));
            if !may_write(who, owner, st) || !own_doctor || !own_department {
                continue;
            }
            let latest_sha = st
                .and_then(|s| s.versions.get(&s.max_version))
                .map(|(sha, _)| sha);
            if latest_sha == Some(&d.sha)
                || next.contains_key(&d.id) && taken_sha.contains(&(d.id.clone(), d.sha.clone()))
            {
                continue;
            }
            let version = *next
                .entry(d.id.clone())
                .or_insert_with(|| st.map_or(0, |s| s.max_version).saturating_add(1));
            next.insert(d.id.clone(), version.saturating_add(1));
            taken_sha.insert((d.id.clone(), d.sha.clone()));
            if owner.is_some() {
                known.insert(d.id.clone());
            }
            let history = stored_history
                .history_for(
                    store,
                    &d.doc,
                    d.patient_key.as_deref(),
                    &d.id,
                    &batch_history,
                )
                .await?;
            let (rec, report) = checked(
                engine,
                who,
                Checked {
                    id: &d.id,
                    version,
                    doc: &d.doc,
                    document: &d.document,
                    body: d.body,
                    sha: &d.sha,
                    patient_key: d.patient_key,
                },
                &history,
            )?;
            if d.doc.visit_id().is_some() {
                parsed.insert((d.id.clone(), version), d.doc);
            }
            new.push(rec);
            pending.push((None, d.sha, report));
        }
    }
    let writer = Writer {
        // With sign-in off nobody is anybody: such records stay unowned.
        claims: who.claims(),
        bypass: who.bypasses_owner(),
        known,
    };
    // The store re-assembles, in the batch's own transaction, the visits of what it stores (and
    // of the retries in `touched`); the batch's parsed documents stand for what it stored.
    let mut assembler = crate::visits::Assembler::new(engine, parsed);
    let inserted = store
        .insert_many(&new, &writer, touched, &mut assembler)
        .await?;
    for ((rec, outcome), (i, sha, report)) in new.iter().zip(inserted).zip(pending) {
        let Some(i) = i else { continue };
        results[i] = Some(match outcome {
            Inserted::Fresh => result(
                Some(rec.id.clone()),
                Some(rec.version),
                PushOutcome::Created { report },
            ),
            // Claimed by a concurrent push from someone else.
            Inserted::NotOwner(_) => not_owner(&rec.id, rec.version, i),
            // Stored meanwhile (a concurrent push, or earlier in this batch): answer as a
            // retry; or a concurrent push moved the id past this version.
            Inserted::NotStored => match store.get_version(&rec.id, rec.version).await? {
                Some(stored) => existing_result(
                    &rec.id,
                    rec.version,
                    &stored.body_sha256,
                    &sha,
                    &stored.report,
                )?,
                None => {
                    let max = store.get_latest(&rec.id).await?.map_or(0, |r| r.version);
                    version_gap(&rec.id, rec.version, max.saturating_add(1), i)
                }
            },
        });
    }
    results
        .into_iter()
        .map(|r| r.ok_or_else(|| Error::Internal("a push result is missing".into())))
        .collect()
}

/// What [`checked`] stores of one record.
struct Checked<'a> {
    id: &'a str,
    version: i64,
    doc: &'a Document,
    document: &'a Value,
    body: String,
    sha: &'a str,
    patient_key: Option<String>,
}

/// The server's own verdict on a record (whatever the client claims is ignored), and the row
/// that stores it.
fn checked(
    engine: &Engine,
    who: &Pusher,
    c: Checked<'_>,
    history: &[OutpatientRecord],
) -> Result<(NewRecord, Report), Error> {
    let report = engine.check_with_history(c.doc, history);
    let mut rules: BTreeMap<String, i64> = BTreeMap::new();
    for f in report.all_findings() {
        *rules.entry(f.rule.clone()).or_default() += 1;
    }
    let (abx, missed) = derived(engine, c.doc, &report);
    let report_json = serde_json::to_string(&report).map_err(|e| Error::Internal(e.to_string()))?;
    let rec = NewRecord {
        id: c.id.to_owned(),
        version: c.version,
        kind: c.doc.kind().as_str().to_owned(),
        department: c.doc.department().map(str::to_owned),
        doctor: c.doc.doctor().map(str::to_owned),
        visit_id: c.doc.visit_id().map(str::to_owned),
        patient_key: c.patient_key,
        doc_at: doc_at(c.document),
        body: c.body,
        body_sha256: c.sha.to_owned(),
        report: report_json,
        qualified: report.score.qualified,
        deduction: report.score.deduction,
        ruleset: engine.ruleset().to_owned(),
        created_at: now(),
        rules: rules.into_iter().collect(),
        abx,
        missed,
        pushed_by: who.name.clone(),
        alerts: super::alert_data(engine, c.doc, &report),
    };
    Ok((rec, report))
}

/// A record id that belongs to someone else: nothing about it is told (not even whether the
/// body matches a stored version).
fn not_owner(id: &str, version: i64, i: usize) -> PushResult {
    let error = item_error(
        "forbidden",
        "this record belongs to whoever stored its first version; only they or an admin store later versions",
        format!("records[{i}].id"),
    );
    result(
        Some(id.to_owned()),
        Some(version),
        PushOutcome::Forbidden { error },
    )
}

fn version_gap(id: &str, version: i64, expected: i64, i: usize) -> PushResult {
    let error = item_error(
        "version_gap",
        format!("version {version} skips ahead: the next version of this record is {expected}"),
        format!("records[{i}].version"),
    );
    result(
        Some(id.to_owned()),
        Some(version),
        PushOutcome::VersionGap { error },
    )
}

/// A version already stored: a retry when the body is the same, else a conflict.
fn existing_result(
    id: &str,
    version: i64,
    stored_sha: &str,
    sha: &str,
    report: &str,
) -> Result<PushResult, Error> {
    let outcome = if stored_sha == sha {
        PushOutcome::Unchanged {
            report: stored_report(report)?,
        }
    } else {
        let error = item_error(
            "conflict",
            format!(
                "version {version} of this record is stored with a different body; push it as a new version"
            ),
            "",
        );
        PushOutcome::Conflict { error }
    };
    Ok(result(Some(id.to_owned()), Some(version), outcome))
}

/// A stored report's text (the server wrote it from a [`Report`]).
pub fn stored_report(text: &str) -> Result<Report, Error> {
    serde_json::from_str(text).map_err(|e| Error::Internal(format!("a stored report: {e}")))
}
