//! The demo's documents (`opdcheck-server demo-data`, the server's load and sheet benchmarks):
//! every kind, for a fixed roster of departments and doctors, dated over a period, with the
//! usual share of defects.
//!
//! Documents are clean templates (the engine's samples, given by the caller) varied per document
//! — department, doctor, patient (names from [`person_name`]), dates, drugs — with a typical
//! defect on a fraction of them: an unsigned or open prescription, vague usage, a missing
//! diagnosis, an over-long supply; a record without chief complaint, past history or signature;
//! a request without site or summary; a late or incomplete report card; and a few visits whose
//! record diagnoses a notifiable disease without its report card (XV-04, 漏报). Deterministic
//! for a seed; ids are `demo-…-{n}`, so the same run stores nothing new a second time.

use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{Value, json};

use crate::people::person_name;

/// (department, [(doctor id, name)]). D0012 is the demo doctor account.
pub const STAFF: &[(&str, &[(&str, &str)])] = &[
    ("呼吸内科", &[("D0012", "李明"), ("D0013", "王静")]),
    ("消化内科", &[("D0021", "陈刚"), ("D0022", "刘洋")]),
    ("儿科", &[("D0031", "赵强"), ("D0032", "孙丽")]),
    ("心血管内科", &[("D0041", "周伟")]),
    ("普外科", &[("D0051", "吴磊"), ("D0052", "郑红")]),
];

/// The share of demo documents given a defect.
pub const DEFECT_RATE: f64 = 0.12;

/// The clean documents the demo varies, one per kind, in the interchange format.
#[derive(Debug, Clone)]
pub struct Templates {
    pub prescription: Value,
    pub record: Value,
    pub request: Value,
    pub report: Value,
    pub visit: Value,
}

impl Templates {
    /// Parse the five templates' JSON texts.
    pub fn parse(
        prescription: &str,
        record: &str,
        request: &str,
        report: &str,
        visit: &str,
    ) -> Result<Templates, serde_json::Error> {
        Ok(Templates {
            prescription: serde_json::from_str(prescription)?,
            record: serde_json::from_str(record)?,
            request: serde_json::from_str(request)?,
            report: serde_json::from_str(report)?,
            visit: serde_json::from_str(visit)?,
        })
    }
}

/// A document kind the demo generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Prescription,
    Record,
    Request,
    Report,
    /// A visit (record only) diagnosing a notifiable disease, without its report card.
    MissedReportVisit,
}

/// The demo's generator: `document(n)` for the `n`-th document of a run, called in order (or
/// the iterator).
#[derive(Debug, Clone)]
pub struct Demo {
    templates: Templates,
    rng: fastrand::Rng,
    first: NaiveDate,
    end: NaiveDate,
    defect_rate: f64,
    /// The next document's number (the iterator's).
    n: usize,
}

/// The first day of the period: the first of the month `months - 1` before `end`'s.
pub fn first_day(months: u32, end: NaiveDate) -> NaiveDate {
    let mut d = end.with_day(1).unwrap_or(end);
    for _ in 1..months.max(1) {
        d = d.pred_opt().and_then(|p| p.with_day(1)).unwrap_or(d);
    }
    d
}

fn at(day: NaiveDate, hour: u32, minute: u32) -> String {
    format!("{day}T{hour:02}:{minute:02}")
}

impl Demo {
    /// Documents dated from `first` to `end` (both included), deterministic for `seed`.
    pub fn new(templates: Templates, seed: u64, first: NaiveDate, end: NaiveDate) -> Demo {
        Demo {
            templates,
            rng: fastrand::Rng::with_seed(seed),
            first,
            end,
            defect_rate: DEFECT_RATE,
            n: 0,
        }
    }

    /// Another share of defective documents (0: every document clean, as far as the templates
    /// are).
    pub fn with_defect_rate(mut self, rate: f64) -> Demo {
        self.defect_rate = rate.clamp(0.0, 1.0);
        self
    }

    /// The `n`-th document of the run: the demo's mix of kinds (55 % prescriptions, 30 %
    /// records, 10 % requests, 5 % report cards of which 15 % missed).
    pub fn document(&mut self, n: usize) -> Value {
        let roll = self.rng.f64();
        let kind = if roll < 0.55 {
            Kind::Prescription
        } else if roll < 0.85 {
            Kind::Record
        } else if roll < 0.95 {
            Kind::Request
        } else if self.rng.f64() < 0.15 {
            Kind::MissedReportVisit
        } else {
            Kind::Report
        };
        self.document_of(kind, n)
    }

    /// The `n`-th document of the run, of the given kind.
    pub fn document_of(&mut self, kind: Kind, n: usize) -> Value {
        let rng = &mut self.rng;
        let span = (self.end - self.first).num_days().max(0);
        let day = self.first + Duration::days(rng.i64(0..=span));
        let (hour, minute) = (rng.u32(8..17), rng.u32(0..60));
        let (department, doctors) = STAFF[rng.usize(..STAFF.len())];
        let (doctor, doctor_name) = doctors[rng.usize(..doctors.len())];
        let name = person_name(rng);
        let record_no = format!("MZ{}{:06}", day.format("%Y%m%d"), n);
        let sex = if rng.bool() { "male" } else { "female" };
        let age = if department == "儿科" {
            rng.i32(3..14)
        } else {
            rng.i32(18..85)
        };
        let defect = rng.f64() < self.defect_rate;
        let t = &self.templates;
        let (mut v, id) = match kind {
            Kind::Prescription => {
                let mut v = t.prescription.clone();
                v["issued_at"] = json!(at(day, hour, minute));
                v["prescriber"]["signed_at"] = json!(at(day, hour, (minute + 5).min(59)));
                // About one prescription in five has an antibiotic (the clean sample's
                // amoxicillin).
                if rng.f64() >= 0.2 {
                    let ambroxol = v["items"][1].clone();
                    v["items"] = json!([ambroxol]);
                }
                if defect {
                    match rng.u32(0..5) {
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
            }
            Kind::Record => {
                let mut v = t.record.clone();
                v["visit_at"] = json!(at(day, hour, minute));
                v["physician"]["signed_at"] = json!(at(day, hour, (minute + 20).min(59)));
                if defect {
                    match rng.u32(0..3) {
                        0 => v["chief_complaint"] = Value::Null,
                        1 => {
                            v["physician"]["signed_at"] = Value::Null;
                            v["physician"]["signature_id"] = Value::Null;
                        }
                        _ => v["past_history"] = Value::Null,
                    }
                }
                (v, format!("demo-mr-{n:06}"))
            }
            Kind::Request => {
                let mut v = t.request.clone();
                v["requested_at"] = json!(at(day, hour, minute));
                v["physician"]["signed_at"] = json!(at(day, hour, minute));
                if defect {
                    match rng.u32(0..2) {
                        0 => v["body_site"] = Value::Null,
                        _ => v["clinical_summary"] = Value::Null,
                    }
                }
                (v, format!("demo-rq-{n:06}"))
            }
            Kind::MissedReportVisit => {
                // The 漏报 the sheet counts and charges 100 元 for.
                return missed_report_visit(
                    t,
                    n,
                    &at(day, hour, minute),
                    department,
                    doctor,
                    doctor_name,
                );
            }
            Kind::Report => {
                let mut v = t.report.clone();
                let onset = day - Duration::days(rng.i64(1..10));
                v["onset_date"] = json!(onset.to_string());
                v["diagnosed_at"] = json!(at(day, hour, minute));
                v["reported_at"] = json!(at(day, (hour + 4).min(23), minute));
                v["reporting_physician"]["signed_at"] = v["reported_at"].clone();
                v["filled_at"] = json!(day.to_string());
                if defect {
                    match rng.u32(0..2) {
                        // Reported three days after the diagnosis: late.
                        0 => v["reported_at"] = json!(at(day + Duration::days(3), hour, minute)),
                        _ => v["patient"]["id_number"] = Value::Null,
                    }
                }
                (v, format!("demo-ir-{n:06}"))
            }
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
}

/// Documents 0, 1, 2 … (endless: take what you need). Calling `document` or `document_of` in
/// between draws from the same random stream.
impl Iterator for Demo {
    type Item = Value;

    fn next(&mut self) -> Option<Value> {
        let v = self.document(self.n);
        self.n += 1;
        Some(v)
    }
}

/// A visit (record only) diagnosing the report card template's disease, without the card.
fn missed_report_visit(
    t: &Templates,
    n: usize,
    visit_at: &str,
    department: &str,
    doctor: &str,
    doctor_name: &str,
) -> Value {
    let mut v = t.visit.clone();
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
    r["diagnoses"] = json!([t.report["disease"]]);
    if let Some(p) = r.get_mut("patient") {
        p["record_no"] = json!(format!("MZV{n:08}"));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Templates with just the fields the generator varies (the server's tests use the engine's
    /// samples and check what the engine makes of them).
    fn templates() -> Templates {
        let signer = json!({"id": "X", "name": "X", "signed_at": null, "signature_id": "S"});
        let patient = json!({"name": "X", "birth_date": "2000-01-01", "record_no": "X"});
        Templates {
            prescription: json!({"kind": "prescription", "patient": patient, "prescriber": signer,
                "items": [{"drug": "阿莫西林胶囊"}, {"drug": "盐酸氨溴索片"}], "diagnoses": ["x"]}),
            record: json!({"kind": "outpatient_record", "patient": patient, "physician": signer}),
            request: json!({"kind": "exam_request", "patient": patient, "physician": signer}),
            report: json!({"kind": "infectious_report", "patient": patient,
                "reporting_physician": signer, "disease": "乙型病毒性肝炎"}),
            visit: json!({"kind": "visit", "record": {"kind": "outpatient_record",
                "patient": patient, "physician": signer}}),
        }
    }

    fn period() -> (NaiveDate, NaiveDate) {
        let end = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        (first_day(3, end), end)
    }

    #[test]
    fn the_period_starts_on_the_first_of_a_month() {
        let end = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!(
            first_day(3, end),
            NaiveDate::from_ymd_opt(2026, 9, 1).unwrap()
        );
        assert_eq!(
            first_day(1, end),
            NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
        );
        let jan = NaiveDate::from_ymd_opt(2026, 1, 15).unwrap();
        assert_eq!(
            first_day(2, jan),
            NaiveDate::from_ymd_opt(2025, 12, 1).unwrap()
        );
    }

    #[test]
    fn deterministic_for_a_seed_and_the_iterator_numbers_in_order() {
        let (first, end) = period();
        let a: Vec<Value> = Demo::new(templates(), 9, first, end).take(500).collect();
        let mut demo = Demo::new(templates(), 9, first, end);
        let b: Vec<Value> = (0..500).map(|n| demo.document(n)).collect();
        assert_eq!(a, b);
        let c: Vec<Value> = Demo::new(templates(), 10, first, end).take(500).collect();
        assert_ne!(a, c);
    }

    #[test]
    fn the_mix_the_roster_and_the_period() {
        let (first, end) = period();
        let mut kinds = std::collections::BTreeMap::new();
        let (mut departments, mut doctors) = (Vec::new(), Vec::new());
        for (n, v) in Demo::new(templates(), 1, first, end).take(4000).enumerate() {
            let kind = v["kind"].as_str().unwrap().to_owned();
            let (doc, signer) = match kind.as_str() {
                "prescription" => (&v, "prescriber"),
                "infectious_report" => (&v, "reporting_physician"),
                "visit" => (&v["record"], "physician"),
                _ => (&v, "physician"),
            };
            *kinds.entry(kind.clone()).or_insert(0) += 1;
            let id = v["id"].as_str().unwrap();
            assert!(
                id.starts_with("demo-") && id.ends_with(&format!("{n:06}")),
                "{id}"
            );
            let dept = doc["department"].as_str().unwrap();
            let doctor = doc[signer]["id"].as_str().unwrap();
            let roster = STAFF.iter().find(|(d, _)| *d == dept).unwrap().1;
            assert!(
                roster.iter().any(|(id, _)| *id == doctor),
                "{dept} {doctor}"
            );
            departments.push(dept.to_owned());
            doctors.push(doctor.to_owned());
            let at = ["issued_at", "visit_at", "requested_at", "diagnosed_at"]
                .iter()
                .find_map(|k| doc[*k].as_str())
                .unwrap();
            let day = NaiveDate::parse_from_str(&at[..10], "%Y-%m-%d").unwrap();
            assert!((first..=end).contains(&day), "{at}");
            assert!(!doc["patient"]["name"].as_str().unwrap().is_empty());
        }
        departments.sort();
        departments.dedup();
        doctors.sort();
        doctors.dedup();
        assert_eq!(departments.len(), STAFF.len());
        assert_eq!(doctors.len(), 9);
        let share = |k: &str| f64::from(kinds[k]) / 4000.0;
        assert!((0.5..0.6).contains(&share("prescription")), "{kinds:?}");
        assert!(
            (0.26..0.34).contains(&share("outpatient_record")),
            "{kinds:?}"
        );
        assert!((0.07..0.13).contains(&share("exam_request")), "{kinds:?}");
        assert!(
            kinds["visit"] > 5 && kinds["infectious_report"] > 100,
            "{kinds:?}"
        );
    }

    #[test]
    fn defects_at_the_configured_rate() {
        let (first, end) = period();
        // A clean prescription keeps its signature time and items' usage; count the changes.
        let count = |rate: f64| {
            Demo::new(templates(), 4, first, end)
                .with_defect_rate(rate)
                .take(3000)
                .filter(|v| v["kind"] == "prescription")
                .filter(|v| {
                    v["prescriber"]["signed_at"].is_null()
                        || v["items"][0]["frequency"] == "遵医嘱"
                        || v["diagnoses"] == json!([])
                        || v["items"][0]["days"] == 15
                        || v["completed"] == false
                })
                .count() as f64
        };
        assert_eq!(count(0.0), 0.0);
        let rx = 3000.0 * 0.55;
        let rate = count(DEFECT_RATE) / rx;
        assert!((0.08..0.16).contains(&rate), "defect rate {rate}");
    }
}
