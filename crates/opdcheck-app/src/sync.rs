//! Offline-first sync, the part that is plain logic: the outbox's entries and their states, which
//! entries go in the next push, how long to wait after a failure, and what the server's answer
//! means for each entry. The browser side (IndexedDB, fetch, timers) is in `outbox` and `api`.
//!
//! A signed document goes into the outbox (IndexedDB) before any network call and stays there
//! until the server acknowledges it. A push sends up to [`BATCH`] pending entries; the server
//! stores each record once per (id, version), so a retry after a lost answer changes nothing.
//!
//! An entry the server will not store under its id (`conflict`: another body is stored under
//! it; `forbidden`: the id is another account's) is never dropped and never retried as it is:
//! it waits, marked, for the doctor's one way out, [`save_as_new`] (the same content and
//! signature under a new id, version 1), which replaces it and is pushed like any other.

use std::time::Duration;

use opdcheck_engine::model::Document;
use opdcheck_engine::{DocKind, Lang, Report};
use serde::{Deserialize, Serialize};

/// Records per push (the API's ingest is measured in batches of 100).
pub const BATCH: usize = 100;

/// Where an outbox entry is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SyncState {
    /// Not acknowledged yet.
    Pending,
    /// Stored by the server, with the server's own verdict; `differs` when it is not the one the
    /// app showed (another policy, or history the app did not have).
    Synced {
        qualified: bool,
        deduction: f64,
        differs: bool,
        rules: Vec<String>,
    },
    /// The server holds a different document under the same id and version. (`message`: the
    /// server's own words, kept for support; the doctor is told [`explain`]'s.)
    Conflict { message: String },
    /// The server will not store it for this account: the id is another account's (or the
    /// document's signer is not the signed-in doctor).
    Forbidden { message: String },
    /// The server refused the document itself (a 4xx about it): retrying will not help.
    Rejected { message: String },
}

impl SyncState {
    /// Stored nowhere but here, waiting for the doctor to save it under a new id.
    pub fn needs_new_id(&self) -> bool {
        matches!(
            self,
            SyncState::Conflict { .. } | SyncState::Forbidden { .. }
        )
    }

    pub fn is_synced(&self) -> bool {
        matches!(self, SyncState::Synced { .. })
    }
}

/// One signed document waiting for, or done with, the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// `id@version`: the IndexedDB key.
    pub key: String,
    pub id: String,
    pub version: u32,
    pub kind: DocKind,
    /// The document as signed, in the interchange format.
    pub document: serde_json::Value,
    /// What the app's check said when it was signed.
    pub local_qualified: bool,
    pub local_rules: Vec<String>,
    pub queued_at: String,
    pub attempts: u32,
    /// The id this entry was saved from by [`save_as_new`] (the document's form still shows
    /// that id: its sync state follows here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
    #[serde(flatten)]
    pub state: SyncState,
}

impl OutboxEntry {
    /// A signed document and the report the app showed for it; `version` is one more than the
    /// last one of this id in the outbox.
    pub fn new(doc: &Document, report: &Report, version: u32, at: &str) -> OutboxEntry {
        let id = doc.id().to_string();
        OutboxEntry {
            key: format!("{id}@{version}"),
            id,
            version,
            kind: doc.kind(),
            document: serde_json::to_value(doc).unwrap_or_default(),
            local_qualified: report.score.qualified,
            local_rules: rules_of(report),
            queued_at: at.to_string(),
            attempts: 0,
            replaces: None,
            state: SyncState::Pending,
        }
    }

    pub fn is_pending(&self) -> bool {
        self.state == SyncState::Pending
    }
}

/// The rule codes of a report's findings, sorted, each once.
pub fn rules_of(report: &Report) -> Vec<String> {
    let mut r: Vec<String> = report.all_findings().map(|f| f.rule.clone()).collect();
    r.sort();
    r.dedup();
    r
}

/// The next version for a document id: one more than any in the outbox.
pub fn next_version(entries: &[OutboxEntry], id: &str) -> u32 {
    entries
        .iter()
        .filter(|e| e.id == id)
        .map(|e| e.version)
        .max()
        .unwrap_or(0)
        + 1
}

/// The entries of the next push: pending ones, oldest first, at most `max`.
pub fn next_batch(entries: &[OutboxEntry], max: usize) -> Vec<&OutboxEntry> {
    let mut pending: Vec<&OutboxEntry> = entries.iter().filter(|e| e.is_pending()).collect();
    pending.sort_by(|a, b| a.queued_at.cmp(&b.queued_at).then(a.key.cmp(&b.key)));
    pending.truncate(max);
    pending
}

/// How long to wait before retrying after `failures` failed pushes in a row: 2 s doubling up to
/// 5 minutes.
pub fn backoff(failures: u32) -> Duration {
    let secs = 2u64.saturating_pow(failures.min(16)).min(300);
    Duration::from_secs(secs.max(2))
}

/// The push's wire types (one definition, shared with the server).
pub use opdcheck_api::ErrorDetail as ApiError;
pub use opdcheck_api::records::{PushOutcome, PushRequest, PushResponse, PushResult, RecordIn};

/// The request pushing `batch`.
pub fn push_request(batch: &[&OutboxEntry]) -> PushRequest {
    PushRequest {
        records: batch
            .iter()
            .map(|e| RecordIn {
                id: e.id.clone(),
                version: i64::from(e.version),
                document: e.document.clone(),
            })
            .collect(),
    }
}

/// Apply the server's answer to the outbox: acknowledged entries become `Synced` with the
/// server's verdict, conflicts and refused documents stop being retried. Entries the answer does
/// not mention stay pending. Returns how many entries changed.
pub fn apply(entries: &mut [OutboxEntry], response: &PushResponse) -> usize {
    let mut changed = 0;
    for r in &response.results {
        let Some(e) = entries.iter_mut().find(|e| {
            r.id.as_deref() == Some(e.id.as_str()) && r.version == Some(i64::from(e.version))
        }) else {
            continue;
        };
        let message = || {
            r.outcome
                .error()
                .map(|x| match &x.path {
                    Some(p) if !p.is_empty() => format!("{} ({p})", x.message),
                    _ => x.message.clone(),
                })
                .unwrap_or_default()
        };
        e.state = match &r.outcome {
            PushOutcome::Created { report } | PushOutcome::Unchanged { report } => {
                let rules = rules_of(report);
                SyncState::Synced {
                    qualified: report.score.qualified,
                    deduction: report.score.deduction,
                    differs: report.score.qualified != e.local_qualified || rules != e.local_rules,
                    rules,
                }
            }
            PushOutcome::Conflict { .. } => SyncState::Conflict { message: message() },
            PushOutcome::Forbidden { .. } => SyncState::Forbidden { message: message() },
            PushOutcome::Invalid { .. } => SyncState::Rejected { message: message() },
            // A version gap waits: the push after the missing version stores it.
            PushOutcome::VersionGap { .. } => continue,
        };
        changed += 1;
    }
    changed
}

/// Counts for the status line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub pending: usize,
    pub synced: usize,
    pub problems: usize,
}

pub fn counts(entries: &[OutboxEntry]) -> Counts {
    let mut c = Counts::default();
    for e in entries {
        match e.state {
            SyncState::Pending => c.pending += 1,
            SyncState::Synced { .. } => c.synced += 1,
            SyncState::Conflict { .. }
            | SyncState::Forbidden { .. }
            | SyncState::Rejected { .. } => c.problems += 1,
        }
    }
    c
}

/// The entry that replaces one the server would not store under its id: the same document,
/// content and signature untouched, under `new_id` as version 1, pending. `None` for an entry
/// that is not waiting for a new id (a pending or stored one keeps its id).
pub fn save_as_new(entry: &OutboxEntry, new_id: &str) -> Option<OutboxEntry> {
    if !entry.state.needs_new_id() {
        return None;
    }
    let mut document = entry.document.clone();
    // The id is the only field changed. A document that is not an object cannot be stored
    // anyway (the server answers `invalid`), so it is not made into one.
    document
        .as_object_mut()?
        .insert("id".into(), serde_json::Value::String(new_id.into()));
    Some(OutboxEntry {
        key: format!("{new_id}@1"),
        id: new_id.into(),
        version: 1,
        kind: entry.kind,
        document,
        local_qualified: entry.local_qualified,
        local_rules: entry.local_rules.clone(),
        // Its place in the queue: when it was signed.
        queued_at: entry.queued_at.clone(),
        attempts: 0,
        // The first id, through any number of saves: the form still shows that one.
        replaces: Some(entry.replaces.clone().unwrap_or_else(|| entry.id.clone())),
        state: SyncState::Pending,
    })
}

/// Put `new` in the place of the entry keyed `old_key` (the outbox in memory; IndexedDB does the
/// same in one transaction). Returns whether `old_key` was there; `new` is added either way, so
/// the document is never lost.
pub fn replace(entries: &mut Vec<OutboxEntry>, old_key: &str, new: OutboxEntry) -> bool {
    match entries.iter().position(|e| e.key == old_key) {
        Some(i) => {
            entries[i] = new;
            true
        }
        None => {
            entries.push(new);
            false
        }
    }
}

/// The entry whose state a document's form shows: the one it was saved as, if it was saved as
/// a new document, else its own latest version.
pub fn entry_for<'a>(entries: &'a [OutboxEntry], id: &str) -> Option<&'a OutboxEntry> {
    let renamed = entries
        .iter()
        .filter(|e| e.replaces.as_deref() == Some(id))
        .max_by(|a, b| a.queued_at.cmp(&b.queued_at).then(a.key.cmp(&b.key)));
    renamed.or_else(|| {
        entries
            .iter()
            .filter(|e| e.id == id)
            .max_by_key(|e| e.version)
    })
}

/// What the doctor is told about an entry the server did not store, in plain words (the
/// server's own message is English for developers and never shown). `None` when all is well.
pub fn explain(state: &SyncState, lang: Lang) -> Option<&'static str> {
    let zh = lang == Lang::Zh;
    Some(match state {
        SyncState::Pending | SyncState::Synced { .. } => return None,
        SyncState::Conflict { .. } if zh => {
            "未能保存到医院服务器：服务器上已有另一份内容不同的文书使用了同一个编号。\
             这份文书仍完整保存在本机，不会丢失。请点「另存为新文书」，以新编号保存并同步（内容和签名不变）。"
        }
        SyncState::Conflict { .. } => {
            "Not stored on the hospital server: another document with different content \
             already uses the same number there. This document is still kept in full on this \
             device and will not be lost. Choose \u{201c}Save as a new document\u{201d} to \
             store it under a new number (content and signature unchanged)."
        }
        SyncState::Forbidden { .. } if zh => {
            "未能保存到医院服务器：这个文书编号已被其他账号使用，或文书的签名医生不是当前登录的账号。\
             这份文书仍完整保存在本机，不会丢失。若签名医生是您本人，请点「另存为新文书」，\
             以新编号保存并同步（内容和签名不变）。"
        }
        SyncState::Forbidden { .. } => {
            "Not stored on the hospital server: this document number belongs to another \
             account, or the document is signed by someone other than the signed-in user. It \
             is still kept in full on this device and will not be lost. If you signed it, \
             choose \u{201c}Save as a new document\u{201d} to store it under a new number \
             (content and signature unchanged)."
        }
        SyncState::Rejected { .. } if zh => {
            "服务器拒收：这份文书不符合医院服务器的要求，重试也不会改变结果。文书仍保存在本机；请联系信息科。"
        }
        SyncState::Rejected { .. } => {
            "Refused by the server: the document does not meet the hospital server's \
             requirements, and retrying will not change that. It is still kept on this device; \
             contact the IT department."
        }
    })
}

/// The documents the server does not hold (kept on this device), oldest first: what the
/// sign-out confirmation names.
pub fn unsynced(entries: &[OutboxEntry]) -> Vec<&OutboxEntry> {
    let mut u: Vec<&OutboxEntry> = entries.iter().filter(|e| !e.state.is_synced()).collect();
    u.sort_by(|a, b| a.queued_at.cmp(&b.queued_at).then(a.key.cmp(&b.key)));
    u
}

#[cfg(test)]
mod tests {
    use super::*;
    use opdcheck_engine::{Engine, parse_document};

    fn entry(id: &str, version: u32, at: &str) -> OutboxEntry {
        let doc = parse_document(opdcheck_engine::samples::PRESCRIPTION_CLEAN).unwrap();
        let report = Engine::default_engine().check(&doc);
        let mut e = OutboxEntry::new(&doc, &report, version, at);
        e.id = id.into();
        e.key = format!("{id}@{version}");
        e
    }

    #[test]
    fn batches_pending_entries_oldest_first() {
        let mut es = vec![
            entry("b", 1, "2026-11-22T10:02"),
            entry("a", 1, "2026-11-22T10:01"),
            entry("c", 1, "2026-11-22T10:03"),
        ];
        es[2].state = SyncState::Conflict {
            message: "x".into(),
        };
        let batch: Vec<&str> = next_batch(&es, 10).iter().map(|e| e.id.as_str()).collect();
        assert_eq!(batch, ["a", "b"]);
        assert_eq!(next_batch(&es, 1).len(), 1);
        assert_eq!(next_version(&es, "a"), 2);
        assert_eq!(next_version(&es, "zzz"), 1);
    }

    #[test]
    fn backs_off_up_to_five_minutes() {
        assert_eq!(backoff(0), Duration::from_secs(2));
        assert_eq!(backoff(1), Duration::from_secs(2));
        assert_eq!(backoff(3), Duration::from_secs(8));
        assert_eq!(backoff(30), Duration::from_secs(300));
    }

    #[test]
    fn applies_the_servers_answer() {
        let mut es = vec![
            entry("a", 1, "1"),
            entry("b", 1, "2"),
            entry("c", 1, "3"),
            entry("d", 1, "4"),
        ];
        let doc = parse_document(opdcheck_engine::samples::PRESCRIPTION_CLEAN).unwrap();
        let same = Engine::default_engine().check(&doc);
        let mut worse = same.clone();
        worse.score.qualified = false;
        let body = serde_json::json!({"results": [
            {"id": "a", "version": 1, "status": "created", "report": same},
            {"id": "b", "version": 1, "status": "unchanged", "report": worse},
            {"id": "c", "version": 1, "status": "conflict", "error": {"code": "conflict", "message": "another document under this id and version"}},
            {"id": "zzz", "version": 1, "status": "created", "report": same}
        ]});
        let resp: PushResponse = serde_json::from_value(body).unwrap();
        assert_eq!(apply(&mut es, &resp), 3);
        assert!(matches!(
            es[0].state,
            SyncState::Synced {
                differs: false,
                qualified: true,
                ..
            }
        ));
        assert!(matches!(
            es[1].state,
            SyncState::Synced {
                differs: true,
                qualified: false,
                ..
            }
        ));
        assert!(
            matches!(&es[2].state, SyncState::Conflict { message } if message.contains("another"))
        );
        assert!(es[3].is_pending(), "not in the answer: still pending");
        assert_eq!(
            counts(&es),
            Counts {
                pending: 1,
                synced: 2,
                problems: 1
            }
        );
    }

    /// A 409 batch: one record stored, one conflicting, one another account's.
    fn answer_with_conflict_and_forbidden(es: &mut [OutboxEntry]) {
        let doc = parse_document(opdcheck_engine::samples::PRESCRIPTION_CLEAN).unwrap();
        let same = Engine::default_engine().check(&doc);
        let body = serde_json::json!({"results": [
            {"id": "a", "version": 1, "status": "created", "report": same},
            {"id": "b", "version": 1, "status": "conflict", "error": {"code": "conflict", "message": "version 1 of this record is stored with a different body", "path": "records[1]"}},
            {"id": "c", "version": 1, "status": "forbidden", "error": {"code": "forbidden", "message": "a doctor may only push their own records", "path": "records[2]"}}
        ]});
        let resp: PushResponse = serde_json::from_value(body).unwrap();
        assert_eq!(apply(es, &resp), 3);
    }

    #[test]
    fn a_conflict_or_forbidden_entry_stays_marked_and_is_not_retried() {
        let mut es = vec![
            entry("a", 1, "1"),
            entry("b", 1, "2"),
            entry("c", 1, "3"),
            entry("d", 1, "4"),
        ];
        answer_with_conflict_and_forbidden(&mut es);
        assert_eq!(es.len(), 4, "nothing dropped");
        assert!(matches!(&es[1].state, SyncState::Conflict { .. }));
        assert!(matches!(&es[2].state, SyncState::Forbidden { .. }));
        assert!(es[1].state.needs_new_id() && es[2].state.needs_new_id());
        assert!(!es[0].state.needs_new_id() && !es[3].state.needs_new_id());
        // The document is still there, as signed.
        assert_eq!(es[1].document, entry("b", 1, "2").document);
        // The next push carries only what can still be stored: neither blocks the rest.
        let next: Vec<&str> = next_batch(&es, BATCH)
            .iter()
            .map(|e| e.id.as_str())
            .collect();
        assert_eq!(next, ["d"]);
        // Stored as marked, and read back so.
        let back: OutboxEntry =
            serde_json::from_value(serde_json::to_value(&es[2]).unwrap()).unwrap();
        assert_eq!(back.state, es[2].state);
        assert_eq!(serde_json::to_value(&es[2]).unwrap()["state"], "forbidden");
        assert_eq!(
            counts(&es),
            Counts {
                pending: 1,
                synced: 1,
                problems: 2
            }
        );
    }

    #[test]
    fn the_doctor_is_told_in_plain_words_never_the_servers() {
        let mut es = vec![entry("a", 1, "1"), entry("b", 1, "2"), entry("c", 1, "3")];
        answer_with_conflict_and_forbidden(&mut es);
        for e in &es[1..] {
            let zh = explain(&e.state, Lang::Zh).unwrap();
            let en = explain(&e.state, Lang::En).unwrap();
            assert!(
                zh.contains("另存为新文书") && zh.contains("不会丢失"),
                "{zh}"
            );
            assert!(en.contains("Save as a new document"), "{en}");
            for server in ["version 1", "different body", "may only push", "records["] {
                assert!(!zh.contains(server) && !en.contains(server), "{server}");
            }
            assert!(!zh.is_ascii());
        }
        assert!(explain(&es[0].state, Lang::Zh).is_none());
        assert!(explain(&SyncState::Pending, Lang::En).is_none());
        assert!(
            explain(
                &SyncState::Rejected {
                    message: "x".into()
                },
                Lang::Zh
            )
            .is_some_and(|t| !t.contains("另存为新文书"))
        );
    }

    #[test]
    fn save_as_new_keeps_content_and_signature_under_a_new_id() {
        let mut es = vec![entry("a", 1, "1"), entry("b", 2, "2"), entry("c", 1, "3")];
        es[1].state = SyncState::Conflict {
            message: "x".into(),
        };
        let fresh = crate::ids::new_id();
        let new = save_as_new(&es[1], &fresh).unwrap();
        assert_eq!((new.id.as_str(), new.version), (fresh.as_str(), 1));
        assert_eq!(new.key, format!("{fresh}@1"));
        assert_eq!(new.document["id"], fresh.as_str());
        assert!(new.is_pending());
        assert_eq!(new.replaces.as_deref(), Some("b"));
        assert_eq!(new.queued_at, es[1].queued_at);
        // Everything but the id is the document as signed.
        let mut old_doc = es[1].document.clone();
        old_doc["id"] = fresh.as_str().into();
        assert_eq!(new.document, old_doc);
        assert!(new.document["prescriber"]["signature_id"].is_string());
        assert_eq!(new.document["prescriber"], es[1].document["prescriber"]);
        assert_eq!(
            (new.local_qualified, &new.local_rules),
            (es[1].local_qualified, &es[1].local_rules)
        );
        // It still reads as a document of its kind, with the new id.
        let doc = opdcheck_engine::parse_document(&new.document.to_string()).unwrap();
        assert_eq!(doc.id(), fresh);

        // It takes the old entry's place: nothing lost, nothing twice, pushed next.
        let old_key = es[1].key.clone();
        assert!(replace(&mut es, &old_key, new.clone()));
        assert_eq!(es.len(), 3);
        assert!(es.iter().all(|e| e.key != old_key));
        assert!(next_batch(&es, BATCH).iter().any(|e| e.key == new.key));
        // The form still showing "b" follows it.
        assert_eq!(
            entry_for(&es, "b").map(|e| e.key.as_str()),
            Some(new.key.as_str())
        );
        assert_eq!(entry_for(&es, "a").map(|e| e.key.as_str()), Some("a@1"));
        assert!(entry_for(&es, "zzz").is_none());

        // Saved again after another refusal: still traced to the id the form shows.
        let mut again = new.clone();
        again.state = SyncState::Forbidden {
            message: "y".into(),
        };
        let third = save_as_new(&again, &crate::ids::new_id()).unwrap();
        assert_eq!(third.replaces.as_deref(), Some("b"));

        // Only an entry waiting for a new id is saved as new.
        assert!(save_as_new(&es[0], "n").is_none());
        let mut synced = es[0].clone();
        synced.state = SyncState::Synced {
            qualified: true,
            deduction: 0.0,
            differs: false,
            rules: vec![],
        };
        assert!(save_as_new(&synced, "n").is_none());
        // A missing old entry: the new one is still added.
        let mut none = vec![];
        assert!(!replace(&mut none, "gone@1", third));
        assert_eq!(none.len(), 1);
    }

    #[test]
    fn the_unsynced_are_the_entries_the_server_does_not_hold() {
        let mut es = vec![
            entry("a", 1, "1"),
            entry("b", 1, "2"),
            entry("c", 1, "3"),
            entry("d", 1, "4"),
        ];
        answer_with_conflict_and_forbidden(&mut es);
        let names: Vec<&str> = unsynced(&es).iter().map(|e| e.id.as_str()).collect();
        assert_eq!(names, ["b", "c", "d"]);
    }

    #[test]
    fn entries_round_trip_as_stored() {
        let e = entry("a", 3, "2026-11-22T10:00");
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["state"], "pending");
        assert_eq!(v["key"], "a@3");
        let back: OutboxEntry = serde_json::from_value(v).unwrap();
        assert_eq!(back, e);
        let req = serde_json::to_value(push_request(&[&e])).unwrap();
        assert_eq!(req["records"][0]["version"], 3);
        assert_eq!(req["records"][0]["document"]["kind"], "prescription");
    }
}
