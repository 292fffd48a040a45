//! `/api/v1/records`: the push (idempotent sync, re-checked by the server), the list, one record.

use opdcheck_engine::Report;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::ErrorDetail;

/// `POST /api/v1/records`: at most 500 records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushRequest {
    pub records: Vec<RecordIn>,
}

/// One version of one record. Versions of an id start at 1 and follow each other; pushing a
/// stored version again with the same document is a retry (`unchanged`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordIn {
    pub id: String,
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub version: i64,
    /// An opdcheck document, see docs/format.md; its `id` is the record's `id`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub document: Value,
}

/// The answer of a push: one result per record, in the request's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    pub results: Vec<PushResult>,
}

/// What became of one record. `id` and `version` echo the request's (null when the record had
/// no string `id` or no integer `version`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResult {
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub version: Option<i64>,
    #[serde(flatten)]
    pub outcome: PushOutcome,
}

/// The per-record outcome, tagged by `status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum PushOutcome {
    /// Stored now; the server's own report.
    Created { report: Report },
    /// Already stored with the same document (a retry); the stored report.
    Unchanged { report: Report },
    /// This version is stored with a different document: push it as a new version.
    Conflict { error: ErrorDetail },
    /// The version skips ahead of the next version of this record.
    VersionGap { error: ErrorDetail },
    /// This caller may not write this record (another owner, another doctor, a department the
    /// key does not cover).
    Forbidden { error: ErrorDetail },
    /// The record or its document is malformed (the client's own data error).
    Invalid { error: ErrorDetail },
}

impl PushOutcome {
    /// The `status` text (`created`, `unchanged`, `conflict`, `version_gap`, `forbidden`,
    /// `invalid`).
    pub fn status(&self) -> &'static str {
        match self {
            PushOutcome::Created { .. } => "created",
            PushOutcome::Unchanged { .. } => "unchanged",
            PushOutcome::Conflict { .. } => "conflict",
            PushOutcome::VersionGap { .. } => "version_gap",
            PushOutcome::Forbidden { .. } => "forbidden",
            PushOutcome::Invalid { .. } => "invalid",
        }
    }

    /// The server's report of a stored record (`created`, `unchanged`).
    pub fn report(&self) -> Option<&Report> {
        match self {
            PushOutcome::Created { report } | PushOutcome::Unchanged { report } => Some(report),
            _ => None,
        }
    }

    /// Why the record was not stored (every other outcome).
    pub fn error(&self) -> Option<&ErrorDetail> {
        match self {
            PushOutcome::Conflict { error }
            | PushOutcome::VersionGap { error }
            | PushOutcome::Forbidden { error }
            | PushOutcome::Invalid { error } => Some(error),
            _ => None,
        }
    }
}

impl PushResponse {
    /// The batch's HTTP status: 403 when any record was refused to this caller, else 409 when
    /// any disagrees with the stored history (`conflict`, `version_gap`: look at what is stored
    /// before pushing it again), else 200 (`invalid` records included: they are the client's own
    /// data errors, reported per record).
    pub fn http_status(&self) -> u16 {
        let any = |f: fn(&PushOutcome) -> bool| self.results.iter().any(|r| f(&r.outcome));
        if any(|o| matches!(o, PushOutcome::Forbidden { .. })) {
            403
        } else if any(|o| {
            matches!(
                o,
                PushOutcome::Conflict { .. } | PushOutcome::VersionGap { .. }
            )
        }) {
            409
        } else {
            200
        }
    }
}

/// `GET /api/v1/records` query: every parameter optional; a bad one is a 400 `bad_parameter`
/// naming it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct RecordQuery {
    /// A document kind (`prescription`, `outpatient_record`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doctor: Option<String>,
    /// `created` (default: when stored) or `visit` (the document's own date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// A date `YYYY-MM-DD` or a date-time `YYYY-MM-DDTHH:MM[:SS]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// As `from`; a bare date includes that whole day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// `true` or `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualified: Option<String>,
    /// Records with a finding of this rule code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// 1 to 1000000 (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// 1 to 200 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_page: Option<String>,
}

/// `GET /api/v1/records`: a page of the latest versions, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordPage {
    pub items: Vec<RecordSummary>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

/// One row of the records list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordSummary {
    pub id: String,
    pub version: i64,
    pub kind: String,
    pub department: Option<String>,
    pub doctor: Option<String>,
    pub qualified: bool,
    pub deduction: f64,
    /// The codes of the rules with findings.
    pub rules: Vec<String>,
    pub created_at: String,
}

/// `GET /api/v1/records/{id}`: the latest version in full, and every version's summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordDetail {
    pub id: String,
    pub kind: String,
    pub department: Option<String>,
    pub doctor: Option<String>,
    pub latest: RecordVersion,
    pub versions: Vec<VersionInfo>,
}

/// One stored version with its document and the server's report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordVersion {
    pub version: i64,
    /// An opdcheck document, see docs/format.md (as stored: keys sorted).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub document: Value,
    pub report: Report,
    pub ruleset: String,
    pub qualified: bool,
    pub deduction: f64,
    /// SHA-256 (hex) of the document's canonical JSON text.
    pub sha256: String,
    pub created_at: String,
}

/// A version of a record in its history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VersionInfo {
    pub version: i64,
    pub created_at: String,
    pub qualified: bool,
    /// Who pushed it (null for versions stored before this was recorded).
    pub pushed_by: Option<String>,
}

/// A push's 403: the batch's results when records were refused to this caller, or the error
/// when the caller may not push at all (a QA account, a key without the push scope).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum PushRefused {
    Results(PushResponse),
    Error(crate::error::ErrorBody),
}
