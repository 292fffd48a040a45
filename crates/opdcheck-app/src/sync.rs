//! Offline-first sync, the part that is plain logic: the outbox's entries and their states, which
//! entries go in the next push, how long to wait after a failure, and what the server's answer
//! means for each entry. The browser side (IndexedDB, fetch, timers) is in `outbox` and `api`.
//!
//! A signed document goes into the outbox (IndexedDB) before any network call and stays there
//! until the server acknowledges it. A push sends up to [`BATCH`] pending entries; the server
//! stores each record once per (id, version), so a retry after a lost answer changes nothing.

use std::time::Duration;

use opdcheck_engine::model::Document;
use opdcheck_engine::{DocKind, Report};
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
    /// The server holds a different document under the same id and version.
    Conflict { message: String },
    /// The server refused the document itself (a 4xx about it): retrying will not help.
    Rejected { message: String },
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

/// A record as pushed.
#[derive(Debug, Serialize)]
pub struct RecordIn<'a> {
    pub id: &'a str,
    pub version: u32,
    pub document: &'a serde_json::Value,
}

#[derive(Debug, Serialize)]
pub struct PushRequest<'a> {
    pub records: Vec<RecordIn<'a>>,
}

impl<'a> PushRequest<'a> {
    pub fn of(batch: &[&'a OutboxEntry]) -> PushRequest<'a> {
        PushRequest {
            records: batch
                .iter()
                .map(|e| RecordIn {
                    id: &e.id,
                    version: e.version,
                    document: &e.document,
                })
                .collect(),
        }
    }
}

/// The API's error shape.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
pub struct ApiError {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub path: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PushResult {
    pub id: String,
    pub version: u32,
    pub status: String,
    #[serde(default)]
    pub report: Option<Report>,
    #[serde(default)]
    pub error: Option<ApiError>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PushResponse {
    pub results: Vec<PushResult>,
}

/// Apply the server's answer to the outbox: acknowledged entries become `Synced` with the
/// server's verdict, conflicts and refused documents stop being retried. Entries the answer does
/// not mention stay pending. Returns how many entries changed.
pub fn apply(entries: &mut [OutboxEntry], response: &PushResponse) -> usize {
    let mut changed = 0;
    for r in &response.results {
        let Some(e) = entries
            .iter_mut()
            .find(|e| e.id == r.id && e.version == r.version)
        else {
            continue;
        };
        let message = || {
            r.error
                .as_ref()
                .map(|x| match &x.path {
                    Some(p) if !p.is_empty() => format!("{} ({p})", x.message),
                    _ => x.message.clone(),
                })
                .unwrap_or_default()
        };
        e.state = match (r.status.as_str(), &r.report) {
            ("created" | "unchanged", Some(report)) => {
                let rules = rules_of(report);
                SyncState::Synced {
                    qualified: report.score.qualified,
                    deduction: report.score.deduction,
                    differs: report.score.qualified != e.local_qualified || rules != e.local_rules,
                    rules,
                }
            }
            ("conflict", _) => SyncState::Conflict { message: message() },
            ("invalid" | "rejected" | "error", _) => SyncState::Rejected { message: message() },
            _ => continue,
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
            SyncState::Conflict { .. } | SyncState::Rejected { .. } => c.problems += 1,
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use opdcheck_engine::{Engine, parse_document};

    fn entry(id: &str, version: u32, at: &str) -> OutboxEntry {
        let doc = parse_document(include_str!(
            "../../opdcheck-engine/samples/prescription-clean.json"
        ))
        .unwrap();
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
        let doc = parse_document(include_str!(
            "../../opdcheck-engine/samples/prescription-clean.json"
        ))
        .unwrap();
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

    #[test]
    fn entries_round_trip_as_stored() {
        let e = entry("a", 3, "2026-11-22T10:00");
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["state"], "pending");
        assert_eq!(v["key"], "a@3");
        let back: OutboxEntry = serde_json::from_value(v).unwrap();
        assert_eq!(back, e);
        let req = serde_json::to_value(PushRequest::of(&[&e])).unwrap();
        assert_eq!(req["records"][0]["version"], 3);
        assert_eq!(req["records"][0]["document"]["kind"], "prescription");
    }
}
