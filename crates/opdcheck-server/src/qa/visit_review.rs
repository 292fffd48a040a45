//! QA's reviews of a visit's cross-document findings (the findings of no single record): the
//! same decisions as a record's review (a dismissal needs a reason, each finding decided once),
//! checked against the visit as assembled. A dismissed missed report (XV-04) is not counted on
//! the sheet while that assembly stands; a new assembly (a document got a version) needs a new
//! review, as a record's new version does.

use http::StatusCode;
use opdcheck_api::visits::{VisitReview, VisitReviewPut};
use opdcheck_engine::Finding;
use opdcheck_engine::facts::MISSED_REPORT_RULE;

use super::review::decisions;
use super::{bad, from_text, not_found, now, to_text};
use crate::error::Error;
use crate::store::Store;
use crate::store::visit_reviews::{ReviewRefused, VisitReviewRow};

/// Longest note of a review, in characters (as a record's).
const MAX_NOTE: usize = 4000;

/// Store `put` as the next revision of the review of the visit `visit_id` holding document
/// `put.document`, by `reviewer`.
pub async fn save(
    store: &Store,
    visit_id: &str,
    reviewer: String,
    put: &VisitReviewPut,
) -> Result<VisitReview, Error> {
    let target = store
        .review_target(visit_id, &put.document)
        .await?
        .ok_or_else(|| {
            not_found(
                format!("visit `{visit_id}` has no document `{}`", put.document),
                "document",
            )
        })?;
    let known: Vec<Finding> = serde_json::from_str(&target.findings)
        .map_err(|e| Error::Internal(format!("a stored visit: {e}")))?;
    let decided = decisions(&put.findings, &known, &[], "the visit")?;
    if put
        .note
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE)
    {
        return Err(bad(
            "bad_body",
            "`note` must be a string of at most 4000 characters",
            "note",
        ));
    }
    let dismissed: Vec<String> = decided
        .dismissed
        .iter()
        .filter(|(rule, _)| rule == MISSED_REPORT_RULE)
        .map(|(_, path)| path.clone())
        .collect();
    let mut row = VisitReviewRow {
        visit_id: visit_id.to_owned(),
        patient_key: target.patient_key,
        revision: 0,
        reviewer,
        reviewed_at: now(),
        assembled_at: target.assembled_at,
        findings: to_text(&decided.findings),
        note: put.note.clone(),
    };
    row.revision = match store.insert_visit_review(&row, &dismissed).await? {
        Ok(revision) => revision,
        Err(ReviewRefused::Reassembled) => {
            return Err(Error::api(
                StatusCode::CONFLICT,
                "conflict",
                "a document of this visit changed while it was reviewed; reload and review again",
                None,
            ));
        }
        Err(ReviewRefused::Raced) => {
            return Err(Error::api(
                StatusCode::CONFLICT,
                "conflict",
                "another review of this visit was saved at the same moment; reload and try again",
                None,
            ));
        }
    };
    Ok(VisitReview {
        visit_id: row.visit_id,
        revision: row.revision,
        reviewer: row.reviewer,
        reviewed_at: row.reviewed_at,
        assembled_at: row.assembled_at,
        findings: from_text(&row.findings),
        note: row.note,
    })
}
