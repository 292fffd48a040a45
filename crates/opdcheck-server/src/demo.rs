//! Demo data (`opdcheck-server demo-data`): realistic generated records — several departments
//! and doctors over the last few months, with the usual share of defects — pushed through the
//! same path as a real sync (`ingest::push_batch`: the server's engine checks every record), so a
//! new user's dashboards have something in them.
//!
//! Documents are the engine's clean samples varied per record (department, doctor, patient,
//! dates, drugs) with a typical defect on a fraction of them: an unsigned or open prescription,
//! vague usage, a missing diagnosis, an over-long supply; a record without chief complaint or
//! signature; a request without site or summary; a late or incomplete report card. Deterministic
//! for a seed; ids are `demo-…`, so running it again with the same options stores nothing new.

use chrono::{Datelike, Duration, NaiveDate};
use opdcheck_api::records::PushOutcome;
use opdcheck_engine::Engine;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use crate::error::Error;
use crate::store::Store;

const RX: &str = include_str!("../../opdcheck-engine/samples/prescription-clean.json");
const MR: &str = include_str!("../../opdcheck-engine/samples/outpatient_record-clean.json");
const RQ: &str = include_str!("../../opdcheck-engine/samples/exam_request-clean.json");
const IR: &str = include_str!("../../opdcheck-engine/samples/infectious_report-clean.json");
const VISIT: &str = include_str!("../../opdcheck-engine/samples/visit-clean.json");

/// (department, [(doctor id, name)]). D0012 is the demo doctor account.
const STAFF: &[(&str, &[(&str, &str)])] = &[
    ("呼吸内科", &[("D0012", "李明"), ("D0013", "王静")]),
    ("消化内科", &[("D0021", "陈刚"), ("D0022", "刘洋")]),
    ("儿科", &[("D0031", "赵强"), ("D0032", "孙丽")]),
    ("心血管内科", &[("D0041", "周伟")]),
    ("普外科", &[("D0051", "吴磊"), ("D0052", "郑红")]),
];

const SURNAMES: &[&str] = &["张", "王", "李", "赵", "刘", "陈", "杨", "黄", "周", "吴"];
const GIVEN: &[&str] = &["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "军"];

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

fn pick<'a, T>(rng: &mut impl Rng, xs: &'a [T]) -> &'a T {
    &xs[rng.random_range(0..xs.len())]
}

fn at(day: NaiveDate, hour: u32, minute: u32) -> String {
    format!("{day}T{hour:02}:{minute:02}")
}

/// One generated document: the `n`-th of the run.
pub fn document(rng: &mut impl Rng, n: usize, first: NaiveDate, end: NaiveDate) -> Value {
    let span = (end - first).num_days().max(0);
    let day = first + Duration::days(rng.random_range(0..=span));
    let (hour, minute) = (rng.random_range(8..17), rng.random_range(0..60));
    let (department, doctors) = pick(rng, STAFF);
    let (doctor, doctor_name) = *pick(rng, doctors);
    let name = format!("{}{}", pick(rng, SURNAMES), pick(rng, GIVEN));
    let record_no = format!("MZ{}{:06}", day.format("%Y%m%d"), n);
    let sex = if rng.random_bool(0.5) {
        "male"
    } else {
        "female"
    };
    let age = if *department == "儿科" {
        rng.random_range(3..14)
    } else {
        rng.random_range(18..85)
    };
    let roll: f64 = rng.random();
    let defect = rng.random_bool(0.12);
    let (mut v, id) = if roll < 0.55 {
        let mut v: Value = serde_json::from_str(RX).unwrap_or_default();
        v["issued_at"] = json!(at(day, hour, minute));
        v["prescriber"]["signed_at"] = json!(at(day, hour, (minute + 5).min(59)));
        // About one prescription in five has an antibiotic (the clean sample's amoxicillin).
        if !rng.random_bool(0.2) {
            let ambroxol = v["items"][1].clone();
            v["items"] = json!([ambroxol]);
        }
        if defect {
            match rng.random_range(0..5) {
                0 => {
                    v["prescriber"]["signed_at"] = Value::Null;
                    v["prescriber"]["signature_id"] = Value::Null;
                }
                1 => v["items"][0]["frequency"] = json!("遵医嘱"),
                2 => v["diagnoses"] = json!([]),
                3 => v["items"][0]["days"] = json!(15),
                _ => v["completed"] = json!(false),
            }
        }
        (v, format!("demo-rx-{n:06}"))
    } else if roll < 0.85 {
        let mut v: Value = serde_json::from_str(MR).unwrap_or_default();
        v["visit_at"] = json!(at(day, hour, minute));
        v["physician"]["signed_at"] = json!(at(day, hour, (minute + 20).min(59)));
        if defect {
            match rng.random_range(0..3) {
                0 => v["chief_complaint"] = Value::Null,
                1 => {
                    v["physician"]["signed_at"] = Value::Null;
                    v["physician"]["signature_id"] = Value::Null;
                }
                _ => v["past_history"] = Value::Null,
            }
        }
        (v, format!("demo-mr-{n:06}"))
    } else if roll < 0.95 {
        let mut v: Value = serde_json::from_str(RQ).unwrap_or_default();
        v["requested_at"] = json!(at(day, hour, minute));
        v["physician"]["signed_at"] = json!(at(day, hour, minute));
        if defect {
            match rng.random_range(0..2) {
                0 => v["body_site"] = Value::Null,
                _ => v["clinical_summary"] = Value::Null,
            }
        }
        (v, format!("demo-rq-{n:06}"))
    } else if rng.random_bool(0.15) {
        // A visit whose record diagnoses a notifiable disease and that has no report card: a
        // missed report (XV-04), the 漏报 the sheet counts and charges 100 元 for.
        return missed_report_visit(n, at(day, hour, minute), department, doctor, doctor_name);
    } else {
        let mut v: Value = serde_json::from_str(IR).unwrap_or_default();
        let onset = day - Duration::days(rng.random_range(1..10));
        v["onset_date"] = json!(onset.to_string());
        v["diagnosed_at"] = json!(at(day, hour, minute));
        v["reported_at"] = json!(at(day, (hour + 4).min(23), minute));
        v["reporting_physician"]["signed_at"] = v["reported_at"].clone();
        v["filled_at"] = json!(day.to_string());
        v["department"] = json!(department);
        if defect {
            match rng.random_range(0..2) {
                // Reported three days after the diagnosis: late.
                0 => v["reported_at"] = json!(at(day + Duration::days(3), hour, minute)),
                _ => v["patient"]["id_number"] = Value::Null,
            }
        }
        (v, format!("demo-ir-{n:06}"))
    };
    v["id"] = json!(id);
    v["visit_id"] = json!(format!("demo-v-{n:06}"));
    v["department"] = json!(department);
    let signer = match v["kind"].as_str() {
        Some("prescription") => "prescriber",
        Some("infectious_report") => "reporting_physician",
        _ => "physician",
    };
    v[signer]["id"] = json!(doctor);
    v[signer]["name"] = json!(doctor_name);
    if !v[signer]["signature_id"].is_null() {
        v[signer]["signature_id"] = json!(format!("SIG-{doctor}"));
    }
    v["patient"]["name"] = json!(name);
    v["patient"]["sex"] = json!(sex);
    v["patient"]["age"] = json!({"value": age, "unit": "year"});
    if age < 14 && v["kind"] == "prescription" {
        v["prescription_type"] = json!("pediatric");
    }
    let patient = &mut v["patient"];
    if patient.get("birth_date").is_some() {
        let born =
            NaiveDate::from_ymd_opt(day.year() - age, 1 + (n % 12) as u32, 1 + (n % 28) as u32);
        patient["birth_date"] = json!(born.map(|d| d.to_string()));
    }
    if patient.get("record_no").is_some() {
        patient["record_no"] = json!(record_no);
    }
    v
}

/// A visit (record only) diagnosing the report card sample's disease, without the card.
fn missed_report_visit(
    n: usize,
    visit_at: String,
    department: &str,
    doctor: &str,
    doctor_name: &str,
) -> Value {
    let mut v: Value = serde_json::from_str(VISIT).unwrap_or_default();
    let card: Value = serde_json::from_str(IR).unwrap_or_default();
    let id = format!("demo-v-{n:06}");
    // A visit is stored under its id (else its visit_id); given, as every pushed record has one.
    v["id"] = json!(id);
    v["visit_id"] = json!(id);
    v["prescriptions"] = json!([]);
    v["exam_requests"] = json!([]);
    v["infectious_reports"] = json!([]);
    let r = &mut v["record"];
    r["id"] = json!(format!("demo-mr-{n:06}"));
    r["visit_id"] = json!(id);
    r["visit_at"] = json!(visit_at);
    r["department"] = json!(department);
    r["physician"]["id"] = json!(doctor);
    r["physician"]["name"] = json!(doctor_name);
    r["physician"]["signature_id"] = json!(format!("SIG-{doctor}"));
    r["physician"]["signed_at"] = json!(visit_at);
    r["diagnoses"] = json!([card["disease"]]);
    if let Some(p) = r.get_mut("patient") {
        p["record_no"] = json!(format!("MZV{n:08}"));
    }
    v
}

/// The first day of the period: the first of the month `months - 1` before `end`'s.
pub fn first_day(months: u32, end: NaiveDate) -> NaiveDate {
    let mut d = end.with_day(1).unwrap_or(end);
    for _ in 1..months.max(1) {
        d = d.pred_opt().and_then(|p| p.with_day(1)).unwrap_or(d);
    }
    d
}

/// Generate and push `opts.records` documents through the engine, in batches of 200.
pub async fn fill(store: &Store, engine: &Engine, opts: &Options) -> Result<Summary, Error> {
    let first = first_day(opts.months, opts.end);
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let mut summary = Summary::default();
    let mut n = 0;
    while n < opts.records {
        let batch: Vec<Value> = (n..opts.records.min(n + 200))
            .map(|i| {
                let doc = document(&mut rng, i, first, opts.end);
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
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let (mut n, mut qualified) = (0, 0);
        for i in 0..600 {
            let doc = document(&mut rng, i, first, end);
            let parsed = opdcheck_engine::parse_document(&doc.to_string())
                .unwrap_or_else(|e| panic!("{doc}: {e:?}"));
            let report = engine.check(&parsed);
            n += 1;
            qualified += usize::from(report.score.qualified);
        }
        let rate = qualified as f64 / n as f64;
        assert!((0.8..0.97).contains(&rate), "pass rate {rate}");
        // A few visits miss their report card (the sheet's 漏报).
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let missed = (0..2000)
            .map(|i| document(&mut rng, i, first, end))
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
