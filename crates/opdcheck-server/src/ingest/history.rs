//! The patient's earlier outpatient records that the history rules (HX-*) check a record
//! against: the stored ones, read once per batch for every patient in it, and the batch's own
//! earlier ones.

use std::collections::{HashMap, HashSet};

use crate::error::Error;
use crate::store::Store;
use opdcheck_engine::Document;
use opdcheck_engine::model::OutpatientRecord;

/// How many of a patient's earlier records the history rules see.
const HISTORY_LIMIT: i64 = 50;

/// Only an outpatient record, or a whole visit's, is checked against the patient's history.
fn reads_history(doc: &Document) -> bool {
    matches!(doc, Document::OutpatientRecord(_) | Document::Visit(_))
}

/// The stored history of the patients a batch names: (id, body) of their most recent outpatient
/// records, by patient key.
#[derive(Default)]
pub struct StoredHistory {
    by_key: HashMap<String, Vec<(String, String)>>,
}

impl StoredHistory {
    /// Read, in one query, the history of each patient these documents name that is not read
    /// yet (one query per record was a quarter of a batch's round trips to the database).
    pub async fn load<'a>(
        &mut self,
        store: &Store,
        docs: impl Iterator<Item = (&'a Document, Option<String>)>,
    ) -> Result<(), Error> {
        let keys: HashSet<String> = docs
            .filter(|(doc, _)| reads_history(doc))
            .filter_map(|(_, key)| key)
            .filter(|k| !self.by_key.contains_key(k))
            .collect();
        if keys.is_empty() {
            return Ok(());
        }
        let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        // One more than the rules see: the record itself may be among them, and is left out.
        let mut found = store.patient_histories(&refs, HISTORY_LIMIT + 1).await?;
        for k in keys {
            let rows = found.remove(&k).unwrap_or_default();
            self.by_key.insert(k, rows);
        }
        Ok(())
    }

    /// The patient's earlier records for the history rules: the stored ones (read by
    /// [`StoredHistory::load`], else now) and the batch's earlier ones, never the record itself.
    /// `key`: the record's patient key.
    pub async fn history_for(
        &mut self,
        store: &Store,
        doc: &Document,
        key: Option<&str>,
        id: &str,
        batch: &HashMap<String, Vec<OutpatientRecord>>,
    ) -> Result<Vec<OutpatientRecord>, Error> {
        let Some(key) = key.filter(|_| reads_history(doc)) else {
            return Ok(Vec::new());
        };
        if !self.by_key.contains_key(key) {
            self.load(store, std::iter::once((doc, Some(key.to_owned()))))
                .await?;
        }
        let limit = usize::try_from(HISTORY_LIMIT).unwrap_or(usize::MAX);
        let mut history: Vec<OutpatientRecord> = self
            .by_key
            .get(key)
            .into_iter()
            .flatten()
            .filter(|(other, _)| other != id)
            .take(limit)
            .filter_map(|(_, body)| match opdcheck_engine::parse_document(body) {
                Ok(Document::OutpatientRecord(r)) => Some(r),
                _ => None,
            })
            .collect();
        if let Some(earlier) = batch.get(key) {
            history.extend(earlier.iter().filter(|r| r.id != id).cloned());
        }
        Ok(history)
    }
}
