//! Visits assembled on the server (migration 0008): the latest documents of the visits a push
//! touched, the assembled visits' rows and their missed-report cases, and the sheet's count of
//! missed cases at a given time. The assembly itself is `crate::visits`.

use std::collections::HashMap;

use sqlx::{AssertSqlSafe, Row};

use crate::error::Error;
use crate::store::records::values_list;
use crate::store::{Filter, Param, Store, bind_all, on_pool};

/// Visit ids per `IN (…)` list, and visits per multi-row statement (12 values each: far under
/// both databases' bound-parameter limits).
const CHUNK: usize = 1_000;

/// The latest version of a document that names a visit.
#[derive(Debug, Clone)]
pub struct VisitDocRow {
    pub id: String,
    pub version: i64,
    pub kind: String,
    pub visit_id: String,
    pub patient_key: String,
    pub department: Option<String>,
    pub doctor: Option<String>,
    pub doc_at: Option<String>,
    pub created_at: String,
    pub body: String,
}

/// A visit as assembled (JSON columns as text).
#[derive(Debug, Clone)]
pub struct VisitRow {
    pub visit_id: String,
    pub patient_key: String,
    pub department: Option<String>,
    pub doctor: Option<String>,
    pub doc_at: Option<String>,
    pub documents: String,
    pub findings: String,
    pub ruleset: String,
    pub report_state: String,
    pub report_due_at: Option<String>,
    pub updated_at: String,
}

/// One unreported case of a notifiable disease in a visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRow {
    pub disease: String,
    pub path: String,
    pub hours: i64,
    pub due_at: Option<String>,
    /// QA dismissed it in a review of this assembly.
    pub dismissed: bool,
}

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

/// `$from, …` for `n` values (`?, …` on SQLite, which numbers them in order).
fn marks(from: usize, n: usize, sqlite: bool) -> String {
    (from..from + n)
        .map(|i| {
            if sqlite {
                "?".to_owned()
            } else {
                format!("${i}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `(visit_id, patient_key) IN (VALUES …)` for `n` pairs starting at placeholder 1.
fn pairs(n: usize, sqlite: bool) -> String {
    format!(
        "(visit_id, patient_key) IN (VALUES {})",
        values_list(n, 2, &[], sqlite)
    )
}

impl Store {
    /// The latest version of every document (not a whole-visit record) of the visits `keys`
    /// ((visit_id, patient_key) pairs), and perhaps of other pairs made of their ids and keys
    /// (the caller keeps the ones it asked for). By both columns of the index, so a visit id many
    /// patients share (a sample's `v-1001`) does not read all of them.
    pub async fn visit_documents(&self, keys: &[(&str, &str)]) -> Result<Vec<VisitDocRow>, Error> {
        let sqlite = matches!(self, Store::Sqlite(_));
        let mut out = Vec::new();
        for chunk in keys.chunks(CHUNK) {
            let mut visits: Vec<&str> = chunk.iter().map(|k| k.0).collect();
            let mut patients: Vec<&str> = chunk.iter().map(|k| k.1).collect();
            visits.sort_unstable();
            visits.dedup();
            patients.sort_unstable();
            patients.dedup();
            let sql = format!(
                "SELECT id, version, kind, visit_id, patient_key, department, doctor, doc_at, \
                 created_at, body FROM records WHERE latest AND kind <> 'visit' \
                 AND visit_id IN ({}) AND patient_key IN ({})",
                marks(1, visits.len(), sqlite),
                marks(visits.len() + 1, patients.len(), sqlite)
            );
            on_pool!(self, pool => {
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for v in visits.iter().chain(&patients) {
                    q = q.bind(*v);
                }
                for r in q.fetch_all(pool).await? {
                    out.push(VisitDocRow {
                        id: r.try_get("id")?,
                        version: r.try_get("version")?,
                        kind: r.try_get("kind")?,
                        visit_id: r.try_get("visit_id")?,
                        patient_key: r.try_get("patient_key")?,
                        department: r.try_get("department")?,
                        doctor: r.try_get("doctor")?,
                        doc_at: r.try_get("doc_at")?,
                        created_at: r.try_get("created_at")?,
                        body: r.try_get("body")?,
                    });
                }
            });
        }
        Ok(out)
    }

    /// Up to `limit` (visit_id, patient_key) pairs of latest documents with no assembled visit:
    /// stored before visits were assembled (migration 0008).
    pub async fn unassembled_visits(&self, limit: i64) -> Result<Vec<(String, String)>, Error> {
        on_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT DISTINCT r.visit_id AS visit_id, r.patient_key AS patient_key FROM records r \
                 WHERE r.latest AND r.kind <> 'visit' AND r.visit_id IS NOT NULL \
                 AND r.patient_key IS NOT NULL AND NOT EXISTS (SELECT 1 FROM visits v \
                 WHERE v.visit_id = r.visit_id AND v.patient_key = r.patient_key) \
                 ORDER BY r.visit_id, r.patient_key LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| Ok((r.try_get("visit_id")?, r.try_get("patient_key")?)))
                .collect()
        })
    }

    /// Store assembled visits (replacing what was assembled before) with their cases, in one
    /// transaction: a reader never sees a visit without its cases.
    pub async fn save_visits(&self, visits: &[(VisitRow, Vec<CaseRow>)]) -> Result<(), Error> {
        if visits.is_empty() {
            return Ok(());
        }
        let sqlite = matches!(self, Store::Sqlite(_));
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for chunk in visits.chunks(CHUNK) {
                let sql = format!("DELETE FROM visit_cases WHERE {}", pairs(chunk.len(), sqlite));
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for (v, _) in chunk {
                    q = q.bind(&v.visit_id).bind(&v.patient_key);
                }
                q.execute(&mut *tx).await?;
                let sql = format!(
                    "INSERT INTO visits (visit_id, patient_key, department, doctor, doc_at, \
                     documents, findings, ruleset, report_state, report_due_at, updated_at) VALUES {} \
                     ON CONFLICT (visit_id, patient_key) DO UPDATE SET \
                     department = excluded.department, doctor = excluded.doctor, \
                     doc_at = excluded.doc_at, documents = excluded.documents, \
                     findings = excluded.findings, ruleset = excluded.ruleset, \
                     report_state = excluded.report_state, report_due_at = excluded.report_due_at, \
                     updated_at = excluded.updated_at",
                    values_list(chunk.len(), 11, &[], sqlite)
                );
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for (v, _) in chunk {
                    q = q
                        .bind(&v.visit_id)
                        .bind(&v.patient_key)
                        .bind(&v.department)
                        .bind(&v.doctor)
                        .bind(&v.doc_at)
                        .bind(&v.documents)
                        .bind(&v.findings)
                        .bind(&v.ruleset)
                        .bind(&v.report_state)
                        .bind(&v.report_due_at)
                        .bind(&v.updated_at);
                }
                q.execute(&mut *tx).await?;
                let cases: Vec<(&VisitRow, &CaseRow)> = chunk
                    .iter()
                    .flat_map(|(v, cases)| cases.iter().map(move |c| (v, c)))
                    .collect();
                for cases in cases.chunks(CHUNK) {
                    let sql = format!(
                        "INSERT INTO visit_cases (visit_id, patient_key, disease, path, hours, due_at) \
                         VALUES {}",
                        values_list(cases.len(), 6, &[], sqlite)
                    );
                    let mut q = sqlx::query(AssertSqlSafe(sql));
                    for (v, c) in cases {
                        q = q
                            .bind(&v.visit_id)
                            .bind(&v.patient_key)
                            .bind(&c.disease)
                            .bind(&c.path)
                            .bind(c.hours)
                            .bind(&c.due_at);
                    }
                    q.execute(&mut *tx).await?;
                }
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// The visits with this id (one per patient), most recently assembled first, each with its
    /// cases.
    pub async fn visits_by_id(
        &self,
        visit_id: &str,
    ) -> Result<Vec<(VisitRow, Vec<CaseRow>)>, Error> {
        on_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT visit_id, patient_key, department, doctor, doc_at, documents, findings, \
                 ruleset, report_state, report_due_at, updated_at FROM visits WHERE visit_id = $1 \
                 ORDER BY updated_at DESC, patient_key",
            )
            .bind(visit_id)
            .fetch_all(pool)
            .await?;
            let cases = sqlx::query(
                "SELECT patient_key, disease, path, hours, due_at, dismissed FROM visit_cases \
                 WHERE visit_id = $1 ORDER BY patient_key, path, disease",
            )
            .bind(visit_id)
            .fetch_all(pool)
            .await?;
            let mut by_patient: HashMap<String, Vec<CaseRow>> = HashMap::new();
            for c in cases {
                by_patient.entry(c.try_get("patient_key")?).or_default().push(CaseRow {
                    disease: c.try_get("disease")?,
                    path: c.try_get("path")?,
                    hours: c.try_get("hours")?,
                    due_at: c.try_get("due_at")?,
                    dismissed: c.try_get("dismissed")?,
                });
            }
            rows.iter()
                .map(|r| {
                    let v = VisitRow {
                        visit_id: r.try_get("visit_id")?,
                        patient_key: r.try_get("patient_key")?,
                        department: r.try_get("department")?,
                        doctor: r.try_get("doctor")?,
                        doc_at: r.try_get("doc_at")?,
                        documents: r.try_get("documents")?,
                        findings: r.try_get("findings")?,
                        ruleset: r.try_get("ruleset")?,
                        report_state: r.try_get("report_state")?,
                        report_due_at: r.try_get("report_due_at")?,
                        updated_at: r.try_get("updated_at")?,
                    };
                    let cases = by_patient.remove(&v.patient_key).unwrap_or_default();
                    Ok((v, cases))
                })
                .collect()
        })
    }

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

    /// The bodies of these (id, version)s.
    pub async fn bodies(
        &self,
        keys: &[(String, i64)],
    ) -> Result<HashMap<(String, i64), String>, Error> {
        let sqlite = matches!(self, Store::Sqlite(_));
        let mut out = HashMap::with_capacity(keys.len());
        for chunk in keys.chunks(CHUNK) {
            let sql = format!(
                "SELECT id, version, body FROM records WHERE (id, version) IN (VALUES {})",
                values_list(chunk.len(), 2, &[], sqlite)
            );
            on_pool!(self, pool => {
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for (id, version) in chunk {
                    q = q.bind(id).bind(*version);
                }
                for r in q.fetch_all(pool).await? {
                    out.insert((r.try_get("id")?, r.try_get("version")?), r.try_get("body")?);
                }
            });
        }
        Ok(out)
    }

    /// Missed-report cases at `now` (UTC stamp): unreported cases whose deadline has passed (or
    /// that have none), of the visits matching `filter` (its columns `doc_at`, `department`,
    /// `doctor`, and `kind`, which is `visit` for every visit), per `key` (an expression of
    /// those columns, never client text; `NULL` for one total).
    pub async fn missed_cases(
        &self,
        filter: &Filter,
        key: &'static str,
        now: &str,
    ) -> Result<Vec<(Option<String>, i64)>, Error> {
        let mut params = filter.params.clone();
        params.push(Param::Text(now.to_owned()));
        let sql = format!(
            "SELECT k, CAST(COUNT(*) AS BIGINT) AS n FROM \
             (SELECT {key} AS k, doc_at, department, doctor, kind FROM \
               (SELECT v.doc_at, v.department, v.doctor, 'visit' AS kind FROM visit_cases c \
                JOIN visits v ON v.visit_id = c.visit_id AND v.patient_key = c.patient_key \
                WHERE NOT c.dismissed AND (c.due_at IS NULL OR c.due_at <= ${})) m) w \
             WHERE TRUE{} GROUP BY k",
            params.len(),
            filter.sql
        );
        on_pool!(self, pool => {
            let rows = bind_all!(sqlx::query(AssertSqlSafe(sql)), &params).fetch_all(pool).await?;
            rows.iter().map(|r| Ok((r.try_get("k")?, r.try_get("n")?))).collect()
        })
    }
}
