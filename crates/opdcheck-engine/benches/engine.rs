//! Engine benchmarks (divan): check time per document kind on parsed documents, and
//! parse + check for the prescription.
//!
//! ```text
//! CARGO_TARGET_DIR=/work/target-shared cargo bench -p opdcheck-engine --bench engine
//! ```
//!
//! Budget (shared/spec/product.md): a full check of a 5-drug prescription ≤ 20 µs median,
//! natively. Results and the machine they were measured on: docs/benchmarks.md.

use divan::{Bencher, black_box};
use opdcheck_engine::{Document, Engine, parse_document, samples};

fn main() {
    // Build the default engine (policy, formulary index) before any timing starts.
    let _ = Engine::default_engine();
    divan::main();
}

/// A realistic 5-drug prescription, every item resolvable in the default formulary.
const PRESCRIPTION_5: &str = include_str!("fixtures/prescription-5drugs.json");
/// A visit: an initial outpatient record, two prescriptions and an exam request.
const VISIT: &str = include_str!("fixtures/visit-2rx.json");
const PRESCRIPTION_CLEAN: &str = samples::PRESCRIPTION_CLEAN;
const RECORD: &str = samples::OUTPATIENT_RECORD_CLEAN;
const REQUEST: &str = samples::EXAM_REQUEST_CLEAN;
const INFECTIOUS: &str = samples::INFECTIOUS_REPORT_CLEAN;

fn doc(text: &str) -> Document {
    parse_document(text).expect("benchmark fixture parses")
}

/// Check a parsed document (the live-checking path: the form holds the parsed document).
mod check {
    use super::*;

    fn run(bencher: Bencher, text: &str) {
        let engine = Engine::default_engine();
        let d = doc(text);
        bencher.bench_local(|| engine.check(black_box(&d)));
    }

    #[divan::bench]
    fn prescription_5_drugs(bencher: Bencher) {
        run(bencher, PRESCRIPTION_5);
    }

    #[divan::bench]
    fn prescription_2_drugs(bencher: Bencher) {
        run(bencher, PRESCRIPTION_CLEAN);
    }

    #[divan::bench]
    fn outpatient_record_initial(bencher: Bencher) {
        run(bencher, RECORD);
    }

    #[divan::bench]
    fn exam_request(bencher: Bencher) {
        run(bencher, REQUEST);
    }

    #[divan::bench]
    fn infectious_report(bencher: Bencher) {
        run(bencher, INFECTIOUS);
    }

    /// Record + 2 prescriptions + 1 request, with the cross-document rules.
    #[divan::bench]
    fn visit_record_2rx_request(bencher: Bencher) {
        run(bencher, VISIT);
    }

    /// The record again, with three earlier records of the patient (HX rules run).
    #[divan::bench]
    fn outpatient_record_with_history(bencher: Bencher) {
        let engine = Engine::default_engine();
        let Document::OutpatientRecord(r) = doc(RECORD) else {
            unreachable!("the record sample is a record")
        };
        let history = vec![r.clone(), r.clone(), r.clone()];
        let d = Document::OutpatientRecord(r);
        bencher.bench_local(|| engine.check_with_history(black_box(&d), black_box(&history)));
    }
}

/// Parse the JSON text and check it (the batch / API path, report not serialised).
mod parse_check {
    use super::*;

    #[divan::bench]
    fn prescription_5_drugs(bencher: Bencher) {
        let engine = Engine::default_engine();
        bencher.bench_local(|| engine.check_json(black_box(PRESCRIPTION_5)));
    }

    /// Parse + check + serialise the report to JSON (what `checkJson` and the CLI do).
    #[divan::bench]
    fn prescription_5_drugs_to_json(bencher: Bencher) {
        let engine = Engine::default_engine();
        bencher.bench_local(|| {
            let report = engine
                .check_json(black_box(PRESCRIPTION_5))
                .expect("fixture parses");
            serde_json::to_string(&report).expect("report serialises")
        });
    }
}

/// 200 generated prescriptions (`cargo xtask gen-batch --count 200 --seed 7`: 1–6 drugs, all
/// ages, ~25% with defects), one record after the other on one core: the per-record cost of the
/// CLI's batch path without its I/O. Throughput here is a single-core ceiling for `opdcheck check`.
mod batch {
    use super::*;
    use divan::counter::ItemsCount;

    const BATCH: &str = include_str!("fixtures/batch-200.jsonl");

    #[divan::bench]
    fn parse_check_to_json_200(bencher: Bencher) {
        let engine = Engine::default_engine();
        let lines: Vec<&str> = BATCH.lines().collect();
        bencher
            .counter(ItemsCount::new(lines.len()))
            .bench_local(|| {
                let mut bytes = 0;
                for line in &lines {
                    let report = engine.check_json(black_box(line)).expect("batch parses");
                    bytes += serde_json::to_string(&report).expect("serialises").len();
                }
                bytes
            });
    }

    #[divan::bench]
    fn check_200(bencher: Bencher) {
        let engine = Engine::default_engine();
        let docs: Vec<Document> = BATCH.lines().map(doc).collect();
        bencher
            .counter(ItemsCount::new(docs.len()))
            .bench_local(|| {
                docs.iter()
                    .map(|d| engine.check(black_box(d)).findings.len())
                    .sum::<usize>()
            });
    }
}

/// Where a prescription check's time goes: the shared context (every item's resolved drug,
/// route, frequency, dose), then each rule alone on that context (5-drug prescription).
mod rx_rules {
    use super::*;
    use opdcheck_engine::rules::{Check, RULES, RxCtx, Sink};

    fn prescription() -> opdcheck_engine::model::Prescription {
        match doc(PRESCRIPTION_5) {
            Document::Prescription(p) => p,
            _ => unreachable!("the fixture is a prescription"),
        }
    }

    fn codes() -> Vec<&'static str> {
        RULES
            .iter()
            .filter(|r| matches!(r.check, Check::Prescription(_)))
            .map(|r| r.code)
            .collect()
    }

    #[divan::bench]
    fn context(bencher: Bencher) {
        let engine = Engine::default_engine();
        let p = prescription();
        bencher.bench_local(|| RxCtx::new(engine, black_box(&p)).items.len());
    }

    #[divan::bench(args = codes())]
    fn rule(bencher: Bencher, code: &str) {
        let engine = Engine::default_engine();
        let p = prescription();
        let ctx = RxCtx::new(engine, &p);
        let Some(Check::Prescription(f)) = opdcheck_engine::rules::rule(code).map(|r| r.check)
        else {
            unreachable!("a prescription rule")
        };
        bencher.bench_local(|| {
            let mut sink = Sink::default();
            f(black_box(&ctx), &mut sink);
            sink.findings.len()
        });
    }
}

/// Parsing alone, to separate it from checking.
mod parse {
    use super::*;

    #[divan::bench]
    fn prescription_5_drugs() -> Document {
        doc(black_box(PRESCRIPTION_5))
    }

    #[divan::bench]
    fn visit_record_2rx_request() -> Document {
        doc(black_box(VISIT))
    }

    /// Reference point: plain serde_json into the same type, without `parse_document`'s path
    /// tracking (serde_path_to_error) and located errors.
    #[divan::bench]
    fn prescription_5_drugs_plain_serde() -> opdcheck_engine::model::Prescription {
        serde_json::from_str(black_box(PRESCRIPTION_5)).expect("fixture parses")
    }
}

/// Start-up: what a page pays before its first check (the widget's and the app's `init`).
mod start {
    use super::*;

    /// The embedded default policy read into its types.
    #[divan::bench]
    fn policy_embedded() -> opdcheck_engine::policy::Policy {
        opdcheck_engine::policy::Policy::embedded()
    }

    /// The whole default engine: the policy, the formulary index, the lookups.
    #[divan::bench]
    fn default_engine() -> Engine {
        Engine::embedded()
    }
}
