//! `/api/v1/visits/{visit_id}`: a visit as the server assembled it from the documents synced one
//! by one (or pushed whole): the documents side by side, the cross-document findings, and the
//! state of its notifiable-disease report with the deadline.

use opdcheck_engine::Finding;

use crate::qa::FindingDecision;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Every visit stored under one `visit_id`: one per patient (documents of two patients that
/// share a visit id are never merged), the most recently assembled first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitDetail {
    pub visit_id: String,
    pub visits: Vec<AssembledVisit>,
}

/// One patient's visit: the latest version of each of its documents, checked together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssembledVisit {
    pub visit_id: String,
    /// From the visit's record, else its first document.
    pub department: Option<String>,
    pub doctor: Option<String>,
    /// The visit's date (the record's `visit_at`, else its first document's date), as written.
    pub visit_at: Option<String>,
    /// When the server last assembled it (UTC): when one of its documents last got a version.
    pub assembled_at: String,
    /// The catalog and policy that checked it.
    pub ruleset: String,
    pub documents: Vec<VisitDocument>,
    /// The cross-document findings (XV rules), paths relative to the assembled visit
    /// (`prescriptions[0].diagnoses[1]`; `documents[].path` says which document is where). A
    /// missed report (XV-04) is listed only once its deadline has passed; until then
    /// `notifiable_report` says the time left.
    pub findings: Vec<Finding>,
    pub notifiable_report: NotifiableReport,
    /// QA's current review of this assembly (null when none: a new assembly needs a new review).
    pub review: Option<VisitReview>,
}

/// `PUT /api/v1/visits/{visit_id}/review`: QA's decisions on a visit's cross-document findings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitReviewPut {
    /// The id of one of the visit's documents: names which patient's visit under this visit id.
    pub document: String,
    /// Decisions on the visit's `findings`, by rule and path (a dismissal needs a reason).
    pub findings: Vec<FindingDecision>,
    /// At most 4,000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A revision of the review of a visit. A dismissed missed report (XV-04) is not counted on the
/// sheet while this assembly stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitReview {
    pub visit_id: String,
    pub revision: i64,
    pub reviewer: String,
    pub reviewed_at: String,
    /// The assembly reviewed (`AssembledVisit.assembled_at`).
    pub assembled_at: String,
    pub findings: Vec<FindingDecision>,
    pub note: Option<String>,
}

/// The answer of `PUT /api/v1/visits/{visit_id}/review`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitReviewResponse {
    pub review: VisitReview,
}

/// A document of the visit: its latest version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitDocument {
    pub id: String,
    pub kind: String,
    pub version: i64,
    /// Where it sits in the assembled visit (`record`, `prescriptions[0]` …); null for a second
    /// outpatient record, which is listed but not assembled (a visit has one record: the latest
    /// by its visit time).
    pub path: Option<String>,
    /// An opdcheck document, see docs/format.md; null when the caller may not read this document
    /// (another doctor's, for a doctor; another department's, for a department-bound key).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub document: Option<Value>,
}

/// Whether the visit's notifiable diagnoses were reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    /// No notifiable diagnosis.
    None,
    /// Every notifiable diagnosis has its card (or the record says it was reported).
    Reported,
    /// A card is missing and its deadline has not passed yet.
    Due,
    /// A card is missing past its deadline: 漏报.
    Overdue,
}

/// The report state, judged against the server's clock when asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotifiableReport {
    pub state: ReportState,
    /// The earliest deadline of a missing card (UTC, RFC 3339); null when none is missing, or
    /// when the visit has no time to count from.
    pub report_due_at: Option<String>,
    /// The missing cards, one per disease.
    pub cases: Vec<MissingCard>,
}

/// A notifiable disease diagnosed in the visit without its report card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MissingCard {
    /// The disease as the policy's list names it.
    pub disease: String,
    /// The diagnosis naming it, relative to the visit (`record.diagnoses[1]`).
    pub path: String,
    /// The reporting deadline from the visit time, hours (policy `diseases[].hours`).
    pub hours: i64,
    /// UTC, RFC 3339; null when the visit has no time to count from (then it is overdue).
    pub due_at: Option<String>,
    pub overdue: bool,
    /// QA dismissed its finding in the current review: not counted as missed.
    pub dismissed: bool,
}

/// `GET /api/v1/visits` query: every parameter optional; a bad one is a 400 `bad_parameter`
/// naming it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct VisitListQuery {
    /// First day of the visit date, `YYYY-MM-DD` (default: the first day of `to`'s month, as
    /// the QA sheet's period).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Last day included, `YYYY-MM-DD` (default: the end of the current month).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// The report state judged now: `due`, `overdue`, `reported` or `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// `true`: only visits with cross-document findings (as `GET /visits/{id}` lists them now);
    /// `false`: only visits without.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub findings: Option<String>,
    /// 1 to 1000000 (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// 1 to 200 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_page: Option<String>,
}

/// `GET /api/v1/visits`: a page of assembled visits, the latest visit date first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitPage {
    pub period: crate::qa::Period,
    pub items: Vec<VisitSummary>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

/// One row of the visits list: one patient's visit (`GET /api/v1/visits/{visit_id}` has it in
/// full, with the same `assembled_at`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitSummary {
    pub visit_id: String,
    pub department: Option<String>,
    pub doctor: Option<String>,
    /// The visit's date as written (clinic time).
    pub visit_at: Option<String>,
    pub assembled_at: String,
    /// How many documents the visit holds.
    pub documents: u32,
    /// The rule codes of its cross-document findings now (XV-04 only once overdue), without
    /// repeats.
    pub rules: Vec<String>,
    /// The report state judged against the server's clock now.
    pub report: ReportState,
    /// The earliest deadline of a missing card (UTC, RFC 3339), as in `NotifiableReport`.
    pub report_due_at: Option<String>,
}
