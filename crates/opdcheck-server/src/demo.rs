//! Demo data (`opdcheck-server demo-data`): realistic generated records — several departments
//! and doctors over the last few months, with the usual share of defects — pushed through the
//! same path as a real sync (`ingest::push_batch`: the server's engine checks every record), so a
//! new user's dashboards have something in them.
//!
//! The documents come from the workspace's one generator, `opdcheck_synth::demo` (its roster of
//! departments and doctors, names, dates, kinds and defects), varying the engine's clean samples
//! below. Deterministic for a seed; ids are `demo-…`, so running it again with the same options
//! stores nothing new.

use chrono::NaiveDate;
use opdcheck_api::records::PushOutcome;
use opdcheck_engine::Engine;
pub use opdcheck_synth::demo::first_day;
use opdcheck_synth::demo::{Demo, Templates};
use serde_json::{Value, json};

use crate::error::Error;
use crate::store::Store;

const RX: &str = opdcheck_engine::samples::PRESCRIPTION_CLEAN;
const MR: &str = opdcheck_engine::samples::OUTPATIENT_RECORD_CLEAN;
const RQ: &str = opdcheck_engine::samples::EXAM_REQUEST_CLEAN;
const IR: &str = opdcheck_engine::samples::INFECTIOUS_REPORT_CLEAN;
const VISIT: &str = opdcheck_engine::samples::VISIT_CLEAN;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    /// Calendar months, the last one being the month of `end`.
    pub months: u32,
    pub records: usize,
    pub seed: u64,
    /// The last day documents may carry (default: today).
    pub end: NaiveDate,
}

/// What was stored.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Summary {
    pub created: usize,
    pub unchanged: usize,
    pub other: usize,
}

/// The demo's generator over `first..=end` (both included), varying the engine's clean samples.
pub fn generator(seed: u64, first: NaiveDate, end: NaiveDate) -> Result<Demo, Error> {
    let templates = Templates::parse(RX, MR, RQ, IR, VISIT)
        .map_err(|e| Error::Config(format!("the demo's sample documents: {e}")))?;
    Ok(Demo::new(templates, seed, first, end))
}

/// Generate and push `opts.records` documents through the engine, in batches of 200.
pub async fn fill(store: &Store, engine: &Engine, opts: &Options) -> Result<Summary, Error> {
    let first = first_day(opts.months, opts.end);
    let mut demo = generator(opts.seed, first, opts.end)?;
    let mut summary = Summary::default();
    let mut n = 0;
    while n < opts.records {
        let batch: Vec<Value> = (n..opts.records.min(n + 200))
            .map(|i| {
                let doc = demo.document(i);
                json!({"id": doc["id"], "version": 1, "document": doc})
            })
            .collect();
        n += batch.len();
        for r in
            crate::ingest::push_batch(store, engine, &crate::ingest::Pusher::open(), batch).await?
        {
            match r.outcome {
                PushOutcome::Created { .. } => summary.created += 1,
                PushOutcome::Unchanged { .. } => summary.unchanged += 1,
                _ => summary.other += 1,
            }
        }
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_parse_and_have_the_usual_share_of_defects() {
        let engine = Engine::default_engine();
        let end = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let first = first_day(3, end);
        assert_eq!(first, NaiveDate::from_ymd_opt(2026, 9, 1).unwrap());
        let mut demo = generator(7, first, end).unwrap();
        let (mut n, mut qualified) = (0, 0);
        for i in 0..600 {
            let doc = demo.document(i);
            let parsed = opdcheck_engine::parse_document(&doc.to_string())
                .unwrap_or_else(|e| panic!("{doc}: {e:?}"));
            let report = engine.check(&parsed);
            n += 1;
            qualified += usize::from(report.score.qualified);
        }
        let rate = qualified as f64 / n as f64;
        assert!((0.8..0.97).contains(&rate), "pass rate {rate}");
        // A few visits miss their report card (the sheet's 漏报).
        let missed = generator(7, first, end)
            .unwrap()
            .take(2000)
            .filter(|d| d["kind"] == "visit")
            .filter(|d| {
                let doc = opdcheck_engine::parse_document(&d.to_string()).unwrap();
                engine.check(&doc).all_findings().any(|f| f.rule == "XV-04")
            })
            .count();
        assert!(
            (5..40).contains(&missed),
            "missed reports in 2000 documents: {missed}"
        );
    }

    /// The same seed gives the same documents; another seed, others.
    #[test]
    fn deterministic_for_a_seed() {
        let end = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let first = first_day(3, end);
        let run = |seed| -> Vec<Value> { generator(seed, first, end).unwrap().take(300).collect() };
        assert_eq!(run(5), run(5));
        assert_ne!(run(5), run(6));
    }

    /// Every generated record is stored: none refused by the push (ids, formats).
    #[tokio::test]
    async fn the_store_takes_every_generated_record() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_sqlite(&dir.path().join("demo.db"))
            .await
            .unwrap();
        let opts = Options {
            months: 2,
            records: 1500,
            seed: 3,
            end: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        };
        let summary = fill(&store, Engine::default_engine(), &opts).await.unwrap();
        assert_eq!(
            summary,
            Summary {
                created: 1500,
                ..Summary::default()
            }
        );
    }
}
