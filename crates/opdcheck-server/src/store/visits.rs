//! Visits assembled on the server (migration 0008): the latest documents of the visits a push
//! touched, the assembled visits' rows and their missed-report cases, and the sheet's count of
//! missed cases at a given time. The assembly itself is `crate::visits`, behind
//! [`VisitAssembler`]: the store calls it inside the push's own write transaction
//! ([`assemble_in`]), so a visit is rewritten with the documents that made it change, or not at
//! all.

use std::collections::{HashMap, HashSet};

use sqlx::{AssertSqlSafe, PgConnection, Row, SqliteConnection};

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
    /// Read only for the documents the caller has not parsed already ([`Store::bodies`]).
    pub body: Option<String>,
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

/// What puts visits together from their stored documents: `crate::visits` implements it with the
/// engine, which the store never imports.
pub trait VisitAssembler: Send {
    /// Whether the caller holds this document parsed already (its body need not be read).
    fn has(&self, id: &str, version: i64) -> bool;
    /// The visits of these documents (the latest version of each, grouped by nothing yet),
    /// checked: their rows and missed-report cases.
    fn assemble(&mut self, docs: Vec<VisitDocRow>) -> Result<Vec<(VisitRow, Vec<CaseRow>)>, Error>;
}

/// A transaction of either database as a [`Conn`].
pub trait AsConn {
    fn conn(&mut self) -> Conn<'_>;
}

impl AsConn for sqlx::Transaction<'_, sqlx::Sqlite> {
    fn conn(&mut self) -> Conn<'_> {
        Conn::Sqlite(self)
    }
}

impl AsConn for sqlx::Transaction<'_, sqlx::Postgres> {
    fn conn(&mut self) -> Conn<'_> {
        Conn::Postgres(self)
    }
}

impl AsConn for sqlx::pool::PoolConnection<sqlx::Sqlite> {
    fn conn(&mut self) -> Conn<'_> {
        Conn::Sqlite(self)
    }
}

impl AsConn for sqlx::pool::PoolConnection<sqlx::Postgres> {
    fn conn(&mut self) -> Conn<'_> {
        Conn::Postgres(self)
    }
}

/// One connection (inside a transaction) of either database.
pub enum Conn<'a> {
    Sqlite(&'a mut SqliteConnection),
    Postgres(&'a mut PgConnection),
}

macro_rules! on_conn {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            Conn::Sqlite($c) => $body,
            Conn::Postgres($c) => $body,
        }
    };
}
pub(crate) use on_conn;

/// Re-assemble the visits `keys` ((visit_id, patient_key) pairs) on `conn`, which is inside a
/// write transaction: read their documents, assemble them, store the visits. The assembler's
/// parsed documents stand for the stored ones only for versions in `fresh` (stored by this
/// transaction: the same body); every other body is read. On PostgreSQL each
/// visit is locked first (in one order, so two pushes cannot deadlock): a push storing another
/// document of the visit at the same moment waits, then reads this one's document too. (SQLite
/// runs one write transaction at a time.)
pub async fn assemble_in(
    conn: &mut Conn<'_>,
    keys: &HashSet<(String, String)>,
    fresh: &HashSet<(String, i64)>,
    assembler: &mut dyn VisitAssembler,
) -> Result<(), Error> {
    if keys.is_empty() {
        return Ok(());
    }
    let keys: Vec<(&str, &str)> = keys.iter().map(|(v, p)| (v.as_str(), p.as_str())).collect();
    if let Conn::Postgres(c) = conn {
        for chunk in keys.chunks(CHUNK) {
            let sql = format!(
                "SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT \
                 hashtextextended(v || chr(31) || p, 8) AS h FROM (VALUES {}) AS k (v, p)) s \
                 ORDER BY h",
                values_list(chunk.len(), 2, &[], false)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (v, p) in chunk {
                q = q.bind(*v).bind(*p);
            }
            q.fetch_all(&mut **c).await?;
        }
    }
    let mut rows = visit_documents(conn, &keys).await?;
    let unread: Vec<(String, i64)> = rows
        .iter()
        .map(|r| (r.id.clone(), r.version))
        .filter(|k| !(fresh.contains(k) && assembler.has(&k.0, k.1)))
        .collect();
    if !unread.is_empty() {
        let mut bodies = bodies(conn, &unread).await?;
        for r in &mut rows {
            r.body = bodies.remove(&(r.id.clone(), r.version));
        }
    }
    let visits = assembler.assemble(rows)?;
    save_visits(conn, &visits).await
}

/// The latest version of every document (not a whole-visit record) of the visits `keys`. The
/// pairs are a `VALUES` list joined to the records, so each pair is one probe of the
/// `records_visit` index: `visit_id IN (…) AND patient_key IN (…)` probed every combination
/// (10,000 for a batch of 100) and cost the ingest a quarter of its throughput. Two PostgreSQL
/// pushes of one id may both have left a version `latest` until the later marks the earlier:
/// only the highest of an id is kept.
async fn visit_documents(
    conn: &mut Conn<'_>,
    keys: &[(&str, &str)],
) -> Result<Vec<VisitDocRow>, Error> {
    let sqlite = matches!(conn, Conn::Sqlite(_));
    let mut out: Vec<VisitDocRow> = Vec::new();
    for chunk in keys.chunks(CHUNK) {
        let sql = format!(
            "WITH k (v, p) AS (VALUES {}) \
             SELECT r.id, r.version, r.kind, r.visit_id, r.patient_key, r.department, r.doctor, \
             r.doc_at, r.created_at FROM k JOIN records r \
             ON r.visit_id = k.v AND r.patient_key = k.p \
             WHERE r.latest AND r.kind <> 'visit'",
            values_list(chunk.len(), 2, &[], sqlite)
        );
        on_conn!(conn, c => {
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (v, p) in chunk {
                q = q.bind(*v).bind(*p);
            }
            for r in q.fetch_all(&mut **c).await? {
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
                    body: None,
                });
            }
        });
    }
    let mut highest: HashMap<String, i64> = HashMap::with_capacity(out.len());
    for r in &out {
        let v = highest.entry(r.id.clone()).or_insert(r.version);
        *v = (*v).max(r.version);
    }
    out.retain(|r| highest.get(&r.id) == Some(&r.version));
    Ok(out)
}

/// The bodies of these (id, version)s.
async fn bodies(
    conn: &mut Conn<'_>,
    keys: &[(String, i64)],
) -> Result<HashMap<(String, i64), String>, Error> {
    let sqlite = matches!(conn, Conn::Sqlite(_));
    let mut out = HashMap::with_capacity(keys.len());
    for chunk in keys.chunks(CHUNK) {
        let sql = format!(
            "SELECT id, version, body FROM records WHERE (id, version) IN (VALUES {})",
            values_list(chunk.len(), 2, &[], sqlite)
        );
        on_conn!(conn, c => {
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (id, version) in chunk {
                q = q.bind(id).bind(*version);
            }
            for r in q.fetch_all(&mut **c).await? {
                out.insert((r.try_get("id")?, r.try_get("version")?), r.try_get("body")?);
            }
        });
    }
    Ok(out)
}

/// Store assembled visits (replacing what was assembled before) with their cases, inside the
/// caller's transaction: a reader never sees a visit without its cases.
async fn save_visits(
    conn: &mut Conn<'_>,
    visits: &[(VisitRow, Vec<CaseRow>)],
) -> Result<(), Error> {
    let sqlite = matches!(conn, Conn::Sqlite(_));
    for chunk in visits.chunks(CHUNK) {
        let sql = format!(
            "DELETE FROM visit_cases WHERE {}",
            pairs(chunk.len(), sqlite)
        );
        on_conn!(conn, c => {
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (v, _) in chunk {
                q = q.bind(&v.visit_id).bind(&v.patient_key);
            }
            q.execute(&mut **c).await?;
        });
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
        on_conn!(conn, c => {
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
            q.execute(&mut **c).await?;
        });
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
            on_conn!(conn, c => {
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for (v, case) in cases {
                    q = q
                        .bind(&v.visit_id)
                        .bind(&v.patient_key)
                        .bind(&case.disease)
                        .bind(&case.path)
                        .bind(case.hours)
                        .bind(&case.due_at);
                }
                q.execute(&mut **c).await?;
            });
        }
    }
    Ok(())
}

/// `(visit_id, patient_key) IN (VALUES …)` for `n` pairs starting at placeholder 1.
fn pairs(n: usize, sqlite: bool) -> String {
    format!(
        "(visit_id, patient_key) IN (VALUES {})",
        values_list(n, 2, &[], sqlite)
    )
}

impl Store {
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

    /// Re-assemble the visits `keys` in a write transaction of their own (the backfill, a push
    /// of retries only; a push that stores assembles in its own transaction,
    /// `Store::insert_many`).
    pub async fn assemble_visits(
        &self,
        keys: &HashSet<(String, String)>,
        fresh: &HashSet<(String, i64)>,
        assembler: &mut dyn VisitAssembler,
    ) -> Result<(), Error> {
        if keys.is_empty() {
            return Ok(());
        }
        match self {
            Store::Sqlite(pool) => {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                assemble_in(&mut tx.conn(), keys, fresh, assembler).await?;
                tx.commit().await?;
            }
            Store::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                assemble_in(&mut tx.conn(), keys, fresh, assembler).await?;
                tx.commit().await?;
            }
        }
        Ok(())
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

    /// The bodies of these (id, version)s.
    pub async fn bodies(
        &self,
        keys: &[(String, i64)],
    ) -> Result<HashMap<(String, i64), String>, Error> {
        match self {
            Store::Sqlite(pool) => {
                bodies(&mut Conn::Sqlite(&mut *pool.acquire().await?), keys).await
            }
            Store::Postgres(pool) => {
                bodies(&mut Conn::Postgres(&mut *pool.acquire().await?), keys).await
            }
        }
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
