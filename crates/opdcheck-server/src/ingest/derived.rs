//! The score sheet's derived columns of a checked document (a prescription with a formulary
//! antibiotic; missed-report cases), computed when a record is pushed and, for rows stored
//! before the columns existed, by [`backfill_derived`].

use std::collections::HashMap;

use opdcheck_engine::{Document, Engine, Report};

use crate::error::Error;
use crate::store::Store;

/// (a prescription with a formulary antibiotic, missed-report cases) of a checked document: the
/// engine's own sheet facts, as the stored columns hold them.
pub fn derived(engine: &Engine, doc: &Document, report: &Report) -> (bool, i64) {
    let facts = opdcheck_engine::facts::doc_facts(engine, doc, report);
    (facts.antibiotic, i64::from(facts.missed_reports))
}

/// Rows stored before migration 0004 have no derived columns: compute them from the stored body
/// and report with `engine`, 500 at a time. Returns how many rows were filled.
pub async fn backfill_derived(store: &Store, engine: &Engine) -> Result<u64, Error> {
    let mut done = 0u64;
    loop {
        let rows = store.rows_without_derived(500).await?;
        if rows.is_empty() {
            return Ok(done);
        }
        for (id, version, body, report) in rows {
            let doc = opdcheck_engine::parse_document(&body).ok();
            let report: Option<Report> = serde_json::from_str(&report).ok();
            let (abx, missed, hits) = match (&doc, &report) {
                (Some(doc), Some(report)) => {
                    let (abx, missed) = derived(engine, doc, report);
                    let mut hits: HashMap<String, i64> = HashMap::new();
                    for f in report.all_findings() {
                        *hits.entry(f.rule.clone()).or_default() += 1;
                    }
                    (abx, missed, hits)
                }
                _ => (false, 0, HashMap::new()),
            };
            store.set_derived(&id, version, abx, missed, &hits).await?;
            done += 1;
        }
    }
}
