//! The QA workspace (`docs/api.md`, "QA workspace"): samples, reviews and the score sheet.
//!
//! QA staff and admins only. Rates and pass rates are percent (`95.0` = 95 %). The server's
//! `/sheet` and the CLI's `score --format json` put the same [`Rates`] on the wire.

use std::collections::BTreeMap;

use opdcheck_engine::Report;
use opdcheck_engine::sheet as engine_sheet;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// `null` reads as the default (an empty list), as the server has always accepted.
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

// ------------------------------------------------------------------------------------ samples

/// `POST /api/v1/samples`: draw a seeded, stratified sample of the latest records.
///
/// Only `from` and `to` are required; `kinds` defaults to prescription, outpatient_record,
/// exam_request and infectious_report; `size` (per kind, 0–10,000) to the policy's
/// `sampling`; `seed` (0 … 2^53−1) to a random one.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SampleCreate {
    /// At most 200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// First day of the documents' own dates, `YYYY-MM-DD`.
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub from: String,
    /// Last day (included), `YYYY-MM-DD`.
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub to: String,
    /// Document kinds (`prescription`, `outpatient_record`, …); not empty when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kinds: Option<Vec<String>>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub departments: Vec<String>,
    /// Doctor ids.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub doctors: Vec<String>,
    /// Records to draw per kind (0–10,000), e.g. `{"prescription": 20}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<BTreeMap<String, i64>>,
    /// 0 … 2^53−1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
}

/// How a record came into a sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Drawn by the seeded generator.
    Drawn,
    /// Added by hand (`POST /samples/{id}/records`).
    Added,
}

/// A record of a sample: the version drawn, the server's verdict, and QA's current review of
/// that version (the `review_*` fields appear once it is reviewed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SampleRecord {
    pub id: String,
    pub version: i64,
    pub kind: String,
    pub department: Option<String>,
    pub doctor: Option<String>,
    /// The document's own date (`issued_at`, `visit_at`, …).
    pub doc_at: Option<String>,
    /// The server's report.
    pub qualified: bool,
    pub deduction: f64,
    pub origin: Origin,
    pub reviewed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_deduction: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_qualified: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_revision: Option<i64>,
}

/// A sample with its records (`{"sample": Sample}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Sample {
    /// `s-` and 16 hex digits.
    pub id: String,
    pub name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub from: String,
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub to: String,
    pub kinds: Vec<String>,
    pub departments: Vec<String>,
    pub doctors: Vec<String>,
    /// The size drawn per kind (never more than the population).
    pub size: BTreeMap<String, u64>,
    pub seed: i64,
    pub created_by: String,
    pub created_at: String,
    /// Drawn ones first, then the ones added by hand.
    pub records: Vec<SampleRecord>,
}

impl Sample {
    /// Records reviewed, of all.
    pub fn progress(&self) -> (usize, usize) {
        (
            self.records.iter().filter(|r| r.reviewed).count(),
            self.records.len(),
        )
    }
}

/// A sample as listed: without its records, with their count and how many are reviewed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SampleSummary {
    pub id: String,
    pub name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub from: String,
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub to: String,
    pub kinds: Vec<String>,
    pub departments: Vec<String>,
    pub doctors: Vec<String>,
    pub size: BTreeMap<String, u64>,
    pub seed: i64,
    pub created_by: String,
    pub created_at: String,
    /// Records in the sample.
    pub records: u64,
    /// Of these, reviewed (their sampled version).
    pub reviewed: u64,
}

/// `{"sample": Sample}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SampleResponse {
    pub sample: Sample,
}

/// `GET /api/v1/samples`: newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SampleList {
    pub samples: Vec<SampleSummary>,
}

/// `POST /api/v1/samples/{id}/records`: add records by id (their latest version), at most 500.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddRecords {
    pub ids: Vec<String>,
}

// ------------------------------------------------------------------------------------ reviews

/// QA's judgement of one automatic finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The finding stands.
    Confirmed,
    /// A false alarm (a reason is required).
    Dismissed,
}

/// A decision on a finding of the server's report, named by rule and path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FindingDecision {
    pub rule: String,
    pub path: String,
    pub decision: Decision,
    /// Required (not blank) for a dismissal; at most 2,000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A decision on a shadow finding (the report's `shadow` list): judged for the rule's
    /// precision, never scored.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub shadow: bool,
}

/// A manual checklist deduction (an item of `manual_items`, 0 … its `max`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ManualDeduction {
    pub item: String,
    pub deduction: f64,
    /// At most 2,000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// `PUT /api/v1/records/{id}/review`: a new revision of the review of `version`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewPut {
    /// The record version reviewed (≥ 1).
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub version: i64,
    /// Findings not listed stand (count as confirmed).
    #[serde(default, deserialize_with = "null_as_default")]
    pub findings: Vec<FindingDecision>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub manual: Vec<ManualDeduction>,
    /// At most 4,000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One revision of a review, with the record's total and verdict after it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Review {
    pub record_id: String,
    pub record_version: i64,
    /// 1, 2, … per record.
    pub revision: i64,
    pub reviewer: String,
    pub reviewed_at: String,
    pub findings: Vec<FindingDecision>,
    pub manual: Vec<ManualDeduction>,
    pub note: Option<String>,
    /// The stored automatic deduction, re-scored without the dismissed findings, plus the
    /// manual deductions (`score::review_score_decided`).
    pub deduction: f64,
    pub qualified: bool,
}

/// `{"review": Review}`: what a PUT stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewResponse {
    pub review: Review,
}

/// The record version under review, with its document and the server's report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewedRecord {
    pub id: String,
    pub version: i64,
    pub kind: String,
    pub department: Option<String>,
    pub doctor: Option<String>,
    pub qualified: bool,
    pub deduction: f64,
    /// An opdcheck document, see docs/format.md.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub body: Value,
    /// The engine's report of this version, as stored at ingest.
    pub report: Report,
}

/// A line of the manual checklist (the engine's `checklist::manual_items`): an item no document
/// shows, or the part of a checked item no document shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ManualItem {
    pub item: String,
    pub zh: String,
    pub en: String,
    /// Points per occurrence, as the table gives them.
    pub deduction: f64,
    /// The most one review may charge on it.
    pub max: f64,
    /// The seed's own deduction wording.
    pub standard: String,
}

impl From<&opdcheck_engine::checklist::ManualItem> for ManualItem {
    fn from(m: &opdcheck_engine::checklist::ManualItem) -> Self {
        ManualItem {
            item: m.item.clone(),
            zh: m.zh.clone(),
            en: m.en.clone(),
            deduction: m.deduction,
            max: m.max,
            standard: m.standard.clone(),
        }
    }
}

/// `GET /api/v1/records/{id}/review?version=`: the record version, its current review, every
/// other revision (newest first) and the manual checklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewBundle {
    pub record: ReviewedRecord,
    /// The current (highest) revision for this version, if any.
    pub review: Option<Review>,
    pub history: Vec<Review>,
    pub manual_items: Vec<ManualItem>,
}

/// `GET /api/v1/records/{id}/review`'s query.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ReviewParams {
    /// The record version (≥ 1); default the latest.
    #[cfg_attr(feature = "openapi", param(value_type = Option<i64>, minimum = 1))]
    pub version: Option<String>,
}

// -------------------------------------------------------------------------------- score sheet

/// The sheet endpoints' query: `from`/`to` (default the current month; the trend's, the 12
/// months ending with it), comma-separated `kinds`, `departments`, `doctors`, and `group`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct SheetParams {
    /// `YYYY-MM-DD`.
    pub from: Option<String>,
    /// `YYYY-MM-DD`, included.
    pub to: Option<String>,
    /// Comma-separated kinds.
    pub kinds: Option<String>,
    /// Comma-separated departments.
    pub departments: Option<String>,
    /// Comma-separated doctor ids.
    pub doctors: Option<String>,
    /// `department` (default), `doctor`, `kind` or `document` (the sheet and its CSV only).
    #[cfg_attr(feature = "openapi", param(value_type = Option<SheetGroup>))]
    pub group: Option<String>,
}

/// A period of the documents' own dates, both days included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Period {
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub from: String,
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub to: String,
}

/// What the sheet's `groups` are by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SheetGroup {
    Department,
    Doctor,
    Kind,
    /// One row per record (by id, at most 5,000, with `groups_total`).
    Document,
}

impl SheetGroup {
    pub fn as_str(self) -> &'static str {
        match self {
            SheetGroup::Department => "department",
            SheetGroup::Doctor => "doctor",
            SheetGroup::Kind => "kind",
            SheetGroup::Document => "document",
        }
    }
}

/// The sheet's totals (QA's judgement for reviewed records).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SheetTotals {
    pub records: u64,
    pub qualified: u64,
    /// Percent; null without records.
    pub pass_rate: Option<f64>,
    pub deduction: f64,
    pub penalty_yuan: f64,
}

/// A pass rate against its target (percent): 门诊处方合格率 or 门诊病历书写合格率.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PassRate {
    /// Percent; null when there is nothing to rate (then `met` is true).
    pub value: Option<f64>,
    pub target: f64,
    pub met: bool,
    pub records: u64,
    pub qualified: u64,
    /// Started percentage points below the target.
    pub points_below: u64,
    pub penalty_yuan: f64,
}

/// Missed infectious-disease reports (XV-04 error findings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MissedReports {
    pub cases: u64,
    /// Report cards.
    pub reported: u64,
    /// Percent: missed / (missed + reported); null when neither.
    pub rate: Option<f64>,
    pub target: f64,
    pub met: bool,
    pub penalty_yuan: f64,
}

/// Prescriptions with a formulary antibiotic, of prescriptions (percent), against a ceiling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AntibioticShare {
    pub value: Option<f64>,
    pub max: f64,
    pub met: bool,
    pub prescriptions: u64,
    pub with_antibiotics: u64,
}

/// The engine's rates (`sheet::Sheet::rates`) against the policy's thresholds: the one shape
/// of the server's `/sheet` and the CLI's `score --format json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rates {
    pub prescription_pass_rate: PassRate,
    pub record_pass_rate: PassRate,
    pub missed_reports: MissedReports,
    pub antibiotic_share: AntibioticShare,
    /// Every penalty, yuan.
    pub penalty_total: f64,
}

impl From<&engine_sheet::PassRate> for PassRate {
    fn from(p: &engine_sheet::PassRate) -> Self {
        PassRate {
            value: p.rate,
            target: p.target,
            met: p.met,
            records: p.documents,
            qualified: p.qualified,
            points_below: p.points_below,
            penalty_yuan: p.penalty,
        }
    }
}

impl From<&engine_sheet::Rates> for Rates {
    fn from(r: &engine_sheet::Rates) -> Self {
        let m = &r.missed_reports;
        let a = &r.antibiotic_share;
        Rates {
            prescription_pass_rate: (&r.prescription_pass_rate).into(),
            record_pass_rate: (&r.record_pass_rate).into(),
            missed_reports: MissedReports {
                cases: m.missed,
                reported: m.reported,
                rate: m.rate,
                target: m.target,
                met: m.met,
                penalty_yuan: m.penalty,
            },
            antibiotic_share: AntibioticShare {
                value: a.share,
                max: a.max,
                met: a.met,
                prescriptions: a.prescriptions,
                with_antibiotics: a.with_antibiotics,
            },
            penalty_total: r.penalty_total,
        }
    }
}

/// The penalty figures (policy `thresholds`) and their total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Penalties {
    pub per_point_yuan: f64,
    pub per_missed_case_yuan: f64,
    pub total_yuan: f64,
}

/// A row of the sheet's `groups`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupRow {
    /// The department, doctor id, kind or record id; `(unspecified)` when not given.
    pub key: String,
    /// The record's kind (group `document` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    pub records: u64,
    pub qualified: u64,
    pub pass_rate: Option<f64>,
    pub deduction: f64,
    /// Records counted with a QA review.
    pub reviewed: u64,
}

/// `GET /api/v1/sheet`: the score sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScoreSheet {
    pub period: Period,
    pub group: SheetGroup,
    pub totals: SheetTotals,
    pub rates: Rates,
    pub penalties: Penalties,
    pub groups: Vec<GroupRow>,
    /// Records counted with a QA review.
    pub reviewed: u64,
    /// Group `document`: how many rows there are (`groups` holds at most 5,000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups_total: Option<u64>,
}

/// The targets a trend chart draws (policy `thresholds`, percent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrendTargets {
    pub prescription_pass_rate: f64,
    pub record_pass_rate: f64,
    pub missed_report_rate: f64,
    pub antibiotic_share_max: f64,
}

/// A month of the trend (null rates when there is nothing to rate).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthPoint {
    /// `YYYY-MM`.
    pub month: String,
    pub records: u64,
    pub prescription_pass_rate: Option<f64>,
    pub record_pass_rate: Option<f64>,
    /// Missed cases in the month.
    pub missed_reports: u64,
    pub antibiotic_share: Option<f64>,
}

/// `GET /api/v1/sheet/trend`: every month of the period, empty ones too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Trend {
    pub period: Period,
    pub targets: TrendTargets,
    pub months: Vec<MonthPoint>,
}

/// A rule's hits and how often QA dismissed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuleRate {
    pub rule: String,
    /// Its assessment item; null for a rule this server does not know.
    pub item: Option<String>,
    /// Findings (any severity).
    pub hits: u64,
    /// Records with the rule.
    pub records: u64,
    /// Its findings on records QA reviewed.
    pub reviewed_hits: u64,
    /// Of those, dismissed by the current review.
    pub dismissed: u64,
    /// dismissed / reviewed_hits (0–1); null before any review.
    pub dismissal_rate: Option<f64>,
}

/// `GET /api/v1/sheet/rules`: by hits, most first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuleRates {
    pub period: Period,
    pub rules: Vec<RuleRate>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_review_body_reads_nulls_as_empty_and_locates_a_bad_decision() {
        let put: ReviewPut =
            serde_json::from_str(r#"{"version": 1, "findings": null, "manual": null}"#).unwrap();
        assert_eq!(put.findings, Vec::new());
        let err = serde_json::from_str::<ReviewPut>(
            r#"{"version": 1, "findings": [{"rule": "RX-08", "path": "p", "decision": "maybe"}]}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("unknown variant"), "{err}");
    }

    #[test]
    fn the_engine_rates_read_under_the_api_names() {
        let engine = opdcheck_engine::Engine::default_engine();
        let rates = engine_sheet::Sheet::new().rates(&engine.policy.thresholds);
        let v = serde_json::to_value(Rates::from(&rates)).unwrap();
        assert_eq!(v["prescription_pass_rate"]["value"], Value::Null);
        assert_eq!(v["prescription_pass_rate"]["met"], true);
        assert_eq!(v["missed_reports"]["cases"], 0);
        assert_eq!(v["penalty_total"], 0.0);
    }
}
