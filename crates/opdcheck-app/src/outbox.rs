//! The outbox in IndexedDB: signed documents are written here before any network call and stay
//! until the server has acknowledged them (their state is then kept, for the sync view). The
//! store itself (rows of JSON text, shared with the QA workspace, which reads it when signing
//! out) is `opdcheck_web::outbox`; this gives the rows the app's type.

use opdcheck_web::outbox::{self as store, Row};
use opdcheck_web::signout::{Unsynced, Waiting};

use crate::sync::{OutboxEntry, SyncState};

/// An entry as a stored row: its key beside its JSON text.
fn row(e: &OutboxEntry) -> Result<Row, String> {
    Ok(Row {
        key: e.key.clone(),
        json: serde_json::to_string(e).map_err(|e| e.to_string())?,
    })
}

/// The entries among stored rows; one that no longer reads (an older app) is skipped, not fatal.
pub fn entries(rows: &[Row]) -> Vec<OutboxEntry> {
    rows.iter()
        .filter_map(|r| serde_json::from_str(&r.json).ok())
        .collect()
}

/// Write (insert or replace) entries in one transaction; returns once it is committed.
pub async fn put(entries: &[OutboxEntry]) -> Result<(), String> {
    write(entries, &[]).await
}

/// Write `entries` and delete the entries keyed `remove`, in one transaction: either both
/// happen or neither (a document saved under a new id never exists twice, nor not at all).
pub async fn write(entries: &[OutboxEntry], remove: &[String]) -> Result<(), String> {
    let rows = entries.iter().map(row).collect::<Result<Vec<_>, _>>()?;
    store::write(&rows, remove).await
}

/// Every entry; one that no longer reads (an older app) is skipped, not fatal.
pub async fn all() -> Result<Vec<OutboxEntry>, String> {
    Ok(entries(&store::rows().await?))
}

/// Remove every entry (tests; signing out removes only synced entries, see
/// `opdcheck_web::signout::sign_out_device`).
pub async fn clear() -> Result<(), String> {
    store::clear().await
}

/// An entry as the sign-out confirmation names it (`None` for a synced one): what
/// `opdcheck_web` reads from the stored JSON, made from the entry in memory.
pub fn unsynced_view(e: &OutboxEntry) -> Option<Unsynced> {
    let waiting = match &e.state {
        SyncState::Synced { .. } => return None,
        SyncState::Pending => Waiting::Pending,
        s if s.needs_new_id() => Waiting::NeedsNewId,
        _ => Waiting::Refused,
    };
    Some(Unsynced::new(
        &e.key,
        &e.id,
        e.kind,
        &e.document,
        &e.queued_at,
        waiting,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use opdcheck_engine::{Engine, parse_document};

    /// The confirmation says the same of an entry whether the app shows it from memory or the QA
    /// workspace reads it from IndexedDB.
    #[test]
    fn the_view_in_memory_is_the_view_of_the_stored_row() {
        let doc = parse_document(include_str!(
            "../../opdcheck-engine/samples/prescription-clean.json"
        ))
        .unwrap();
        let report = Engine::default_engine().check(&doc);
        let message = || "x".to_string();
        for state in [
            SyncState::Pending,
            SyncState::Synced {
                qualified: true,
                deduction: 0.0,
                differs: false,
                rules: vec![],
            },
            SyncState::Conflict { message: message() },
            SyncState::Forbidden { message: message() },
            SyncState::Rejected { message: message() },
        ] {
            let mut e = OutboxEntry::new(&doc, &report, 2, "2026-11-22T10:00:00");
            e.state = state;
            let r = row(&e).unwrap();
            assert_eq!(
                Unsynced::of_row(&r).unwrap(),
                unsynced_view(&e),
                "{:?}",
                e.state
            );
            assert_eq!(entries(std::slice::from_ref(&r)), [e]);
        }
        let e = OutboxEntry::new(&doc, &report, 1, "2026-11-22T10:00:00");
        let v = unsynced_view(&e).unwrap();
        assert!(v.patient.is_some());
        assert_eq!(
            (v.key.as_str(), v.waiting),
            (e.key.as_str(), Waiting::Pending)
        );
    }
}
