//! QA's reviews of assembled visits (migration 0008): the revisions, the visit a review is made
//! on, and the write that stores a revision and marks the missed reports it dismisses.

use std::collections::HashMap;

use sqlx::{AssertSqlSafe, Row};

use crate::error::Error;
use crate::store::{Store, on_pool};

/// A revision of a visit's review (findings as JSON text).
#[derive(Debug, Clone)]
pub struct VisitReviewRow {
    pub visit_id: String,
    pub patient_key: String,
    pub revision: i64,
    pub reviewer: String,
    pub reviewed_at: String,
    pub assembled_at: String,
    pub findings: String,
    pub note: Option<String>,
}

/// What a review is checked against: the visit of a document, as assembled.
#[derive(Debug, Clone)]
pub struct ReviewTarget {
    pub patient_key: String,
    pub assembled_at: String,
    pub findings: String,
}

/// Why a review was not stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewRefused {
    /// The visit was assembled again since it was read.
    Reassembled,
    /// Another revision took this number (a review saved at the same moment).
    Raced,
}

impl Store {
    /// The latest review revision of each visit under `visit_id` made on its current assembly,
    /// by patient key.
    pub async fn current_visit_reviews(
        &self,
        visit_id: &str,
    ) -> Result<HashMap<String, VisitReviewRow>, Error> {
        on_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT r.visit_id, r.patient_key, r.revision, r.reviewer, r.reviewed_at, \
                 r.assembled_at, r.findings, r.note FROM visit_reviews r JOIN visits v \
                 ON v.visit_id = r.visit_id AND v.patient_key = r.patient_key \
                 AND v.updated_at = r.assembled_at WHERE r.visit_id = $1 \
                 ORDER BY r.patient_key, r.revision",
            )
            .bind(visit_id)
            .fetch_all(pool)
            .await?;
            let mut out = HashMap::new();
            for r in rows {
                let row = VisitReviewRow {
                    visit_id: r.try_get("visit_id")?,
                    patient_key: r.try_get("patient_key")?,
                    revision: r.try_get("revision")?,
                    reviewer: r.try_get("reviewer")?,
                    reviewed_at: r.try_get("reviewed_at")?,
                    assembled_at: r.try_get("assembled_at")?,
                    findings: r.try_get("findings")?,
                    note: r.try_get("note")?,
                };
                // Later revisions replace earlier ones.
                out.insert(row.patient_key.clone(), row);
            }
            Ok(out)
        })
    }

    /// The assembled visit under `visit_id` holding document `document` (its latest version).
    pub async fn review_target(
        &self,
        visit_id: &str,
        document: &str,
    ) -> Result<Option<ReviewTarget>, Error> {
        on_pool!(self, pool => {
            let row = sqlx::query(
                "SELECT v.patient_key, v.updated_at, v.findings FROM visits v JOIN records r \
                 ON r.visit_id = v.visit_id AND r.patient_key = v.patient_key \
                 WHERE v.visit_id = $1 AND r.id = $2 AND r.latest AND r.kind <> 'visit'",
            )
            .bind(visit_id)
            .bind(document)
            .fetch_optional(pool)
            .await?;
            row.map(|r| {
                Ok(ReviewTarget {
                    patient_key: r.try_get("patient_key")?,
                    assembled_at: r.try_get("updated_at")?,
                    findings: r.try_get("findings")?,
                })
            })
            .transpose()
        })
    }

    /// Store a review revision (its number is the next one) and mark the cases whose missed
    /// report it dismisses (`dismissed_paths`), in one transaction, only while the visit is
    /// still the assembly reviewed. Returns the revision.
    pub async fn insert_visit_review(
        &self,
        row: &VisitReviewRow,
        dismissed_paths: &[String],
    ) -> Result<Result<i64, ReviewRefused>, Error> {
        let sqlite = matches!(self, Store::Sqlite(_));
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(if sqlite { "BEGIN IMMEDIATE" } else { "BEGIN" }).await?;
            // On PostgreSQL the row lock holds a concurrent assembly off until this commits.
            let lock = if sqlite { "" } else { " FOR UPDATE" };
            let current: Option<String> = sqlx::query(AssertSqlSafe(format!(
                "SELECT updated_at FROM visits WHERE visit_id = $1 AND patient_key = $2{lock}"
            )))
            .bind(&row.visit_id)
            .bind(&row.patient_key)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get("updated_at"))
            .transpose()?;
            if current.as_deref() != Some(row.assembled_at.as_str()) {
                return Ok(Err(ReviewRefused::Reassembled));
            }
            let revision: i64 = sqlx::query(
                "SELECT CAST(COALESCE(MAX(revision), 0) + 1 AS BIGINT) AS n FROM visit_reviews \
                 WHERE visit_id = $1 AND patient_key = $2",
            )
            .bind(&row.visit_id)
            .bind(&row.patient_key)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
            let stored = sqlx::query(
                "INSERT INTO visit_reviews (visit_id, patient_key, revision, reviewer, reviewed_at, \
                 assembled_at, findings, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(&row.visit_id)
            .bind(&row.patient_key)
            .bind(revision)
            .bind(&row.reviewer)
            .bind(&row.reviewed_at)
            .bind(&row.assembled_at)
            .bind(&row.findings)
            .bind(&row.note)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if stored == 0 {
                return Ok(Err(ReviewRefused::Raced));
            }
            sqlx::query(
                "UPDATE visit_cases SET dismissed = FALSE WHERE visit_id = $1 AND patient_key = $2",
            )
            .bind(&row.visit_id)
            .bind(&row.patient_key)
            .execute(&mut *tx)
            .await?;
            for path in dismissed_paths {
                sqlx::query(
                    "UPDATE visit_cases SET dismissed = TRUE \
                     WHERE visit_id = $1 AND patient_key = $2 AND path = $3",
                )
                .bind(&row.visit_id)
                .bind(&row.patient_key)
                .bind(path)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(Ok(revision))
        })
    }
}
