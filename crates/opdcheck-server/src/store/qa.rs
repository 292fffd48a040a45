//! Storage of the QA workspace: samples, reviews (every revision kept), and the score sheet's
//! aggregate queries over the derived columns of `records` (migration 0004).
//!
//! The sheet's queries read only the partial index `records_sheet` (latest versions, by the
//! document's date, covering every aggregated column): one index range scan per query, grouped
//! in SQL, whatever the number of records.

use std::collections::HashMap;

use sqlx::{AssertSqlSafe, Row};

use crate::error::Error;
use crate::store::alerts::set_decisions;
use crate::store::visits::AsConn;
use crate::store::{Filter, Param, Store, bind_all, on_pool};

/// A record of the population a sample is drawn from.
#[derive(Debug, Clone, PartialEq)]
pub struct PopRow {
    pub id: String,
    pub version: i64,
    pub kind: String,
    pub department: Option<String>,
    pub doctor: Option<String>,
}

/// A stored sample (JSON columns as text).
#[derive(Debug, Clone)]
pub struct SampleRow {
    pub id: String,
    pub name: Option<String>,
    pub from: String,
    pub to: String,
    pub kinds: String,
    pub departments: String,
    pub doctors: String,
    pub size: String,
    pub seed: i64,
    pub created_by: String,
    pub created_at: String,
}

/// A record of a sample, with its stored verdict and QA's current judgement.
#[derive(Debug, Clone)]
pub struct SampleRecord {
    pub id: String,
    pub version: i64,
    pub kind: String,
    pub department: Option<String>,
    pub doctor: Option<String>,
    pub doc_at: Option<String>,
    pub qualified: bool,
    pub deduction: f64,
    pub review_revision: Option<i64>,
    pub review_deduction: Option<f64>,
    pub review_qualified: Option<bool>,
    pub origin: String,
}

/// One revision of a review.
#[derive(Debug, Clone)]
pub struct ReviewRow {
    pub record_id: String,
    pub record_version: i64,
    pub revision: i64,
    pub reviewer: String,
    pub reviewed_at: String,
    pub findings: String,
    pub manual: String,
    pub note: Option<String>,
    pub deduction: f64,
    pub qualified: bool,
}

/// Aggregates of one (kind, key) group of the sheet.
#[derive(Debug, Clone, Default)]
pub struct Agg {
    pub kind: String,
    pub key: Option<String>,
    pub records: i64,
    pub qualified: i64,
    pub deduction: f64,
    pub abx: i64,
    pub missed: i64,
    pub reviewed: i64,
}

/// A rule's hits and QA's dismissals.
#[derive(Debug, Clone)]
pub struct RuleRow {
    pub rule: String,
    pub hits: i64,
    pub records: i64,
    pub reviewed_hits: i64,
    pub dismissed: i64,
}

/// The sheet counts documents: a visit pushed whole is counted as the documents it was stored as
/// (`ingest`), so its own record (`kind = 'visit'`) would count them twice.
const SHEET_ROWS: &str = "latest AND kind <> 'visit'";

/// The aggregates, with QA's judgement where a record's version was reviewed.
const AGG: &str = "CAST(COUNT(*) AS BIGINT) AS n, \
     CAST(SUM(CASE WHEN COALESCE(review_qualified, qualified) THEN 1 ELSE 0 END) AS BIGINT) AS q, \
     CAST(SUM(COALESCE(review_deduction, deduction)) AS DOUBLE PRECISION) AS d, \
     CAST(SUM(CASE WHEN abx THEN 1 ELSE 0 END) AS BIGINT) AS abx, \
     CAST(SUM(COALESCE(missed, 0)) AS BIGINT) AS missed, \
     CAST(SUM(CASE WHEN review_revision IS NULL THEN 0 ELSE 1 END) AS BIGINT) AS reviewed";

macro_rules! agg_from_row {
    ($r:expr, $kind:expr, $key:expr) => {{
        let r = $r;
        Agg {
            kind: $kind,
            key: $key,
            records: r.try_get("n")?,
            qualified: r.try_get("q")?,
            deduction: r.try_get::<Option<f64>, _>("d")?.unwrap_or(0.0),
            abx: r.try_get("abx")?,
            missed: r.try_get("missed")?,
            reviewed: r.try_get("reviewed")?,
        }
    }};
}

macro_rules! review_from_row {
    ($row:expr) => {{
        let row = $row;
        ReviewRow {
            record_id: row.try_get("record_id")?,
            record_version: row.try_get("record_version")?,
            revision: row.try_get("revision")?,
            reviewer: row.try_get("reviewer")?,
            reviewed_at: row.try_get("reviewed_at")?,
            findings: row.try_get("findings")?,
            manual: row.try_get("manual")?,
            note: row.try_get("note")?,
            deduction: row.try_get("deduction")?,
            qualified: row.try_get("qualified")?,
        }
    }};
}

macro_rules! sample_from_row {
    ($row:expr) => {{
        let row = $row;
        SampleRow {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            from: row.try_get("period_from")?,
            to: row.try_get("period_to")?,
            kinds: row.try_get("kinds")?,
            departments: row.try_get("departments")?,
            doctors: row.try_get("doctors")?,
            size: row.try_get("size")?,
            seed: row.try_get("seed")?,
            created_by: row.try_get("created_by")?,
            created_at: row.try_get("created_at")?,
        }
    }};
}

const SAMPLE_COLUMNS: &str = "id, name, period_from, period_to, kinds, departments, doctors, size, seed, created_by, created_at";

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

impl Store {
    /// The latest versions matching `filter` (a condition list on `records`), by kind then id:
    /// the population of a draw. Not a hash map: the order is part of reproducibility.
    pub async fn population(&self, filter: &Filter) -> Result<Vec<PopRow>, Error> {
        let sql = format!(
            "SELECT id, version, kind, department, doctor FROM records WHERE latest{} ORDER BY kind, id",
            filter.sql
        );
        on_pool!(self, pool => {
            let rows = bind_all!(sqlx::query(AssertSqlSafe(sql)), &filter.params).fetch_all(pool).await?;
            rows.iter()
                .map(|r| Ok(PopRow {
                    id: r.try_get("id")?,
                    version: r.try_get("version")?,
                    kind: r.try_get("kind")?,
                    department: r.try_get("department")?,
                    doctor: r.try_get("doctor")?,
                }))
                .collect()
        })
    }

    /// The latest version of each of `ids` that exists.
    pub async fn latest_versions(&self, ids: &[String]) -> Result<HashMap<String, i64>, Error> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let mut filter = Filter::default();
        filter.and_in("id", ids);
        let sql = format!("SELECT id, version FROM records WHERE latest{}", filter.sql);
        on_pool!(self, pool => {
            let rows = bind_all!(sqlx::query(AssertSqlSafe(sql)), &filter.params).fetch_all(pool).await?;
            rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("version")?))).collect()
        })
    }

    /// Store a sample and its drawn records (id, version) in one transaction.
    pub async fn insert_sample(
        &self,
        s: &SampleRow,
        records: &[(String, i64)],
    ) -> Result<(), Error> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO samples (id, name, period_from, period_to, kinds, departments, doctors, size, seed, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(&s.id)
            .bind(&s.name)
            .bind(&s.from)
            .bind(&s.to)
            .bind(&s.kinds)
            .bind(&s.departments)
            .bind(&s.doctors)
            .bind(&s.size)
            .bind(s.seed)
            .bind(&s.created_by)
            .bind(&s.created_at)
            .execute(&mut *tx)
            .await?;
            for (i, (id, version)) in records.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO sample_records (sample_id, record_id, record_version, position, origin) \
                     VALUES ($1, $2, $3, $4, 'drawn')",
                )
                .bind(&s.id)
                .bind(id)
                .bind(*version)
                .bind(i as i64)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Add records to a sample after its draw; those already in it are left as they are.
    pub async fn add_sample_records(
        &self,
        sample_id: &str,
        records: &[(String, i64)],
    ) -> Result<(), Error> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for (id, version) in records {
                sqlx::query(
                    "INSERT INTO sample_records (sample_id, record_id, record_version, position, origin) \
                     SELECT $1, $2, $3, COALESCE(MAX(position), -1) + 1, 'added' FROM sample_records WHERE sample_id = $1 \
                     ON CONFLICT (sample_id, record_id) DO NOTHING",
                )
                .bind(sample_id)
                .bind(id)
                .bind(*version)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    pub async fn get_sample(&self, id: &str) -> Result<Option<SampleRow>, Error> {
        let sql = format!("SELECT {SAMPLE_COLUMNS} FROM samples WHERE id = $1");
        on_pool!(self, pool => {
            let row = sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?;
            Ok(match row { Some(r) => Some(sample_from_row!(r)), None => None })
        })
    }

    /// Every sample, newest first, with (records, reviewed) counts.
    pub async fn list_samples(&self) -> Result<Vec<(SampleRow, i64, i64)>, Error> {
        let sql = format!(
            "SELECT {SAMPLE_COLUMNS}, \
             (SELECT CAST(COUNT(*) AS BIGINT) FROM sample_records sr WHERE sr.sample_id = s.id) AS n, \
             (SELECT CAST(COUNT(*) AS BIGINT) FROM sample_records sr JOIN records r \
                ON r.id = sr.record_id AND r.version = sr.record_version \
              WHERE sr.sample_id = s.id AND r.review_revision IS NOT NULL) AS reviewed \
             FROM samples s ORDER BY created_at DESC, id"
        );
        on_pool!(self, pool => {
            let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(pool).await?;
            rows.iter()
                .map(|r| Ok((sample_from_row!(r), r.try_get("n")?, r.try_get("reviewed")?)))
                .collect()
        })
    }

    /// A sample's records in draw order (added ones last).
    pub async fn sample_records(&self, sample_id: &str) -> Result<Vec<SampleRecord>, Error> {
        on_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT r.id, r.version, r.kind, r.department, r.doctor, r.doc_at, r.qualified, r.deduction, \
                 r.review_revision, r.review_deduction, r.review_qualified, sr.origin \
                 FROM sample_records sr JOIN records r ON r.id = sr.record_id AND r.version = sr.record_version \
                 WHERE sr.sample_id = $1 ORDER BY sr.position, r.id",
            )
            .bind(sample_id)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| Ok(SampleRecord {
                    id: r.try_get("id")?,
                    version: r.try_get("version")?,
                    kind: r.try_get("kind")?,
                    department: r.try_get("department")?,
                    doctor: r.try_get("doctor")?,
                    doc_at: r.try_get("doc_at")?,
                    qualified: r.try_get("qualified")?,
                    deduction: r.try_get("deduction")?,
                    review_revision: r.try_get("review_revision")?,
                    review_deduction: r.try_get("review_deduction")?,
                    review_qualified: r.try_get("review_qualified")?,
                    origin: r.try_get("origin")?,
                }))
                .collect()
        })
    }

    /// Every review revision of every version of `record_id`, newest first.
    pub async fn reviews_of(&self, record_id: &str) -> Result<Vec<ReviewRow>, Error> {
        on_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT record_id, record_version, revision, reviewer, reviewed_at, findings, manual, note, deduction, qualified \
                 FROM reviews WHERE record_id = $1 ORDER BY reviewed_at DESC, record_version DESC, revision DESC",
            )
            .bind(record_id)
            .fetch_all(pool)
            .await?;
            rows.into_iter().map(|r| Ok(review_from_row!(r))).collect()
        })
    }

    /// Append a review revision (the next number for that record version), its decisions
    /// ((rule, path, decision, shadow)), and make it the version's current judgement (on its
    /// alert rows too); returns the revision. `None` when another
    /// reviewer's revision was stored at the same moment (the caller answers 409).
    pub async fn insert_review(
        &self,
        r: &ReviewRow,
        decisions: &[(String, String, String, bool)],
    ) -> Result<Option<i64>, Error> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            // Writing first: a SQLite transaction takes the write lock at once.
            let row = sqlx::query(
                "INSERT INTO reviews (record_id, record_version, revision, reviewer, reviewed_at, findings, manual, note, deduction, qualified) \
                 SELECT $1, $2, COALESCE(MAX(revision), 0) + 1, $3, $4, $5, $6, $7, $8, $9 FROM reviews \
                 WHERE record_id = $1 AND record_version = $2 RETURNING revision",
            )
            .bind(&r.record_id)
            .bind(r.record_version)
            .bind(&r.reviewer)
            .bind(&r.reviewed_at)
            .bind(&r.findings)
            .bind(&r.manual)
            .bind(&r.note)
            .bind(r.deduction)
            .bind(r.qualified)
            .fetch_one(&mut *tx)
            .await;
            let revision: i64 = match row {
                Ok(row) => row.try_get("revision")?,
                Err(e) if is_unique_violation(&e) => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            // Shadow decisions are kept in the review's JSON and on the alert rows: the rules'
            // dismissal rates (and the score) count shown findings only.
            for (rule, path, decision, _) in decisions.iter().filter(|d| !d.3) {
                sqlx::query(
                    "INSERT INTO review_findings (record_id, record_version, revision, rule, path, decision) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&r.record_id)
                .bind(r.record_version)
                .bind(revision)
                .bind(rule)
                .bind(path)
                .bind(decision)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query(
                "UPDATE records SET review_revision = $3, review_qualified = $4, review_deduction = $5 \
                 WHERE id = $1 AND version = $2",
            )
            .bind(&r.record_id)
            .bind(r.record_version)
            .bind(revision)
            .bind(r.qualified)
            .bind(r.deduction)
            .execute(&mut *tx)
            .await?;
            // This revision's decisions replace the previous one's on the version's alert rows.
            set_decisions(&mut tx.conn(), &r.record_id, r.record_version, decisions).await?;
            tx.commit().await?;
            Ok(Some(revision))
        })
    }

    /// The sheet's aggregates per (kind, `column`) over the latest versions matching `filter`;
    /// `column` is one of kind, department, doctor (never client text).
    pub async fn sheet_groups(
        &self,
        filter: &Filter,
        column: &'static str,
    ) -> Result<Vec<Agg>, Error> {
        let group = if column == "kind" {
            "kind".to_owned()
        } else {
            format!("kind, {column}")
        };
        let sql = format!(
            "SELECT kind, {column} AS k, {AGG} FROM records WHERE {SHEET_ROWS}{} GROUP BY {group}",
            filter.sql
        );
        on_pool!(self, pool => {
            let rows = bind_all!(sqlx::query(AssertSqlSafe(sql)), &filter.params).fetch_all(pool).await?;
            rows.iter()
                .map(|r| Ok(agg_from_row!(r, r.try_get("kind")?, r.try_get("k")?)))
                .collect()
        })
    }

    /// One row per record (the sheet grouped by document), by id, at most `limit`; with the
    /// number of rows matching.
    pub async fn sheet_documents(
        &self,
        filter: &Filter,
        limit: i64,
    ) -> Result<(Vec<Agg>, i64), Error> {
        let n = filter.params.len();
        let sql = format!(
            "SELECT id, kind, CAST(1 AS BIGINT) AS n, \
             CAST(CASE WHEN COALESCE(review_qualified, qualified) THEN 1 ELSE 0 END AS BIGINT) AS q, \
             CAST(COALESCE(review_deduction, deduction) AS DOUBLE PRECISION) AS d, \
             CAST(CASE WHEN abx THEN 1 ELSE 0 END AS BIGINT) AS abx, CAST(COALESCE(missed, 0) AS BIGINT) AS missed, \
             CAST(CASE WHEN review_revision IS NULL THEN 0 ELSE 1 END AS BIGINT) AS reviewed \
             FROM records WHERE {SHEET_ROWS}{} ORDER BY id LIMIT ${}",
            filter.sql,
            n + 1
        );
        let count_sql = format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM records WHERE {SHEET_ROWS}{}",
            filter.sql
        );
        let mut params = filter.params.clone();
        params.push(Param::Int(limit));
        on_pool!(self, pool => {
            let rows = bind_all!(sqlx::query(AssertSqlSafe(sql)), &params).fetch_all(pool).await?;
            let total: i64 = bind_all!(sqlx::query(AssertSqlSafe(count_sql)), &filter.params)
                .fetch_one(pool).await?.try_get("n")?;
            let rows = rows.iter()
                .map(|r| Ok(agg_from_row!(r, r.try_get("kind")?, r.try_get("id")?)))
                .collect::<Result<Vec<_>, Error>>()?;
            Ok((rows, total))
        })
    }

    /// Aggregates per (month of the document's date `YYYY-MM`, kind).
    pub async fn sheet_months(&self, filter: &Filter) -> Result<Vec<Agg>, Error> {
        let sql = format!(
            "SELECT kind, SUBSTR(doc_at, 1, 7) AS k, {AGG} FROM records WHERE {SHEET_ROWS}{} \
             GROUP BY SUBSTR(doc_at, 1, 7), kind",
            filter.sql
        );
        on_pool!(self, pool => {
            let rows = bind_all!(sqlx::query(AssertSqlSafe(sql)), &filter.params).fetch_all(pool).await?;
            rows.iter()
                .map(|r| Ok(agg_from_row!(r, r.try_get("kind")?, r.try_get("k")?)))
                .collect()
        })
    }

    /// Per rule: findings, records, findings on reviewed records, and findings QA dismissed in
    /// the current review of each record.
    pub async fn rule_stats(&self, filter: &Filter) -> Result<Vec<RuleRow>, Error> {
        let sql = format!(
            "SELECT rr.rule AS rule, CAST(SUM(rr.hits) AS BIGINT) AS hits, CAST(COUNT(*) AS BIGINT) AS n, \
             CAST(SUM(CASE WHEN review_revision IS NULL THEN 0 ELSE rr.hits END) AS BIGINT) AS reviewed_hits, \
             CAST(SUM((SELECT COUNT(*) FROM review_findings f WHERE f.record_id = r.id \
                AND f.record_version = r.version AND f.revision = r.review_revision \
                AND f.rule = rr.rule AND f.decision = 'dismissed')) AS BIGINT) AS dismissed \
             FROM records r JOIN record_rules rr ON rr.id = r.id AND rr.version = r.version \
             WHERE {SHEET_ROWS}{} GROUP BY rr.rule",
            filter.sql
        );
        on_pool!(self, pool => {
            let rows = bind_all!(sqlx::query(AssertSqlSafe(sql)), &filter.params).fetch_all(pool).await?;
            rows.iter()
                .map(|r| Ok(RuleRow {
                    rule: r.try_get("rule")?,
                    hits: r.try_get("hits")?,
                    records: r.try_get("n")?,
                    reviewed_hits: r.try_get("reviewed_hits")?,
                    dismissed: r.try_get("dismissed")?,
                }))
                .collect()
        })
    }

    /// Up to `limit` rows stored before migration 0004, which have no derived columns (`missed`
    /// is NULL): (id, version, body, report). `ingest::backfill_derived` computes and sets them.
    pub async fn rows_without_derived(
        &self,
        limit: i64,
    ) -> Result<Vec<(String, i64, String, String)>, Error> {
        Ok(on_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT id, version, body, report FROM records WHERE missed IS NULL ORDER BY id, version LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| Ok((r.try_get("id")?, r.try_get("version")?, r.try_get("body")?, r.try_get("report")?)))
                .collect::<Result<Vec<_>, Error>>()?
        }))
    }

    /// Set one row's derived columns and its rules' hit counts.
    pub async fn set_derived(
        &self,
        id: &str,
        version: i64,
        abx: bool,
        missed: i64,
        hits: &HashMap<String, i64>,
    ) -> Result<(), Error> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE records SET abx = $3, missed = $4 WHERE id = $1 AND version = $2")
                .bind(id).bind(version).bind(abx).bind(missed)
                .execute(&mut *tx).await?;
            for (rule, n) in hits {
                sqlx::query("UPDATE record_rules SET hits = $4 WHERE id = $1 AND version = $2 AND rule = $3")
                    .bind(id).bind(version).bind(rule).bind(*n)
                    .execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}
