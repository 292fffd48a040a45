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
