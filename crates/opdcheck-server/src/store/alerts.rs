//! Storage of the alert-quality figures (migration 0010): a row per finding of each record's
//! latest version (`record_alerts`) and the drugs each prescription prescribes (`record_drugs`),
//! written in the push's transaction; QA's current decisions on them; the month's aggregates,
//! each one range scan of a covering index.
//!
//! The rows are plain data computed by `ingest` with the engine: the store never imports it.

use sqlx::{AssertSqlSafe, Row};

use crate::error::Error;
use crate::store::records::{in_list, values_list};
use crate::store::visits::{AsConn, Conn, on_conn};
use crate::store::{Filter, NewRecord, Param, Store, bind_all, on_pool};

/// One finding of a stored version, as its alert row holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlert {
    pub rule: String,
    pub path: String,
    /// The formulary drug's canonical name, for a finding at a prescription's `items[i]`.
    pub drug: Option<String>,
    /// From the report's `shadow` list.
    pub shadow: bool,
    /// The doctor gave a reason (a choice, words, or both).
    pub reason_given: bool,
    pub reason_choice: Option<String>,
    /// The tuning entry that changed it.
    pub tuning: Option<String>,
}

/// A stored version's alert rows and distinct formulary drugs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertData {
    pub alerts: Vec<NewAlert>,
    pub drugs: Vec<String>,
}

/// A stored version's columns the alert rows repeat (what the month's scan reads).
#[derive(Debug, Clone, Copy)]
pub struct AlertOf<'a> {
    pub id: &'a str,
    pub version: i64,
    pub kind: &'a str,
    pub doc_at: Option<&'a str>,
    pub department: Option<&'a str>,
    pub data: &'a AlertData,
}

impl<'a> From<&'a NewRecord> for AlertOf<'a> {
    fn from(r: &'a NewRecord) -> AlertOf<'a> {
        AlertOf {
            id: &r.id,
            version: r.version,
            kind: &r.kind,
            doc_at: r.doc_at.as_deref(),
            department: r.department.as_deref(),
            data: &r.alerts,
        }
    }
}

/// One (rule, kind, group) of the month's alert rows, counted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertAgg {
    pub rule: String,
    pub kind: String,
    pub group: Option<String>,
    pub fired: i64,
    pub overridden: i64,
    pub confirmed: i64,
    pub dismissed: i64,
    pub shadow: i64,
    pub shadow_confirmed: i64,
    pub shadow_dismissed: i64,
}

/// Rows per multi-row statement: 13 values per alert row, 5 per drug row (SQLite's limit is
/// 32,766 bound values).
const ALERT_ROWS: usize = 2_000;
const DRUG_ROWS: usize = 5_000;
const IN_LIST: usize = 10_000;

/// The group column of an aggregate: none, `department` or `drug` (never client text).
fn group_expr(column: Option<&'static str>) -> (String, String) {
    match column {
        None => ("CAST(NULL AS TEXT) AS g".into(), "rule, kind".into()),
        Some(c) => (format!("{c} AS g"), format!("rule, kind, {c}")),
    }
}

/// Write the alert and drug rows of `recs` (each its id's latest version) on `conn`.
pub(super) async fn write_alerts(conn: &mut Conn<'_>, recs: &[AlertOf<'_>]) -> Result<(), Error> {
    let sqlite = matches!(conn, Conn::Sqlite(_));
    let rows: Vec<(&AlertOf, usize, &NewAlert)> = recs
        .iter()
        .flat_map(|r| {
            r.data
                .alerts
                .iter()
                .enumerate()
                .map(move |(i, a)| (r, i, a))
        })
        .collect();
    for chunk in rows.chunks(ALERT_ROWS) {
        let sql = format!(
            "INSERT INTO record_alerts (record_id, version, seq, kind, doc_at, department, rule, path, \
             drug, shadow, reason_given, reason_choice, tuning) VALUES {}",
            values_list(chunk.len(), 13, &[], sqlite)
        );
        on_conn!(conn, c => {
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (r, seq, a) in chunk {
                q = q
                    .bind(r.id)
                    .bind(r.version)
                    .bind(*seq as i64)
                    .bind(r.kind)
                    .bind(r.doc_at)
                    .bind(r.department)
                    .bind(&a.rule)
                    .bind(&a.path)
                    .bind(&a.drug)
                    .bind(a.shadow)
                    .bind(a.reason_given)
                    .bind(&a.reason_choice)
                    .bind(&a.tuning);
            }
            q.execute(&mut **c).await?;
        });
    }
    let drugs: Vec<(&AlertOf, &String)> = recs
        .iter()
        .flat_map(|r| r.data.drugs.iter().map(move |d| (r, d)))
        .collect();
    for chunk in drugs.chunks(DRUG_ROWS) {
        let sql = format!(
            "INSERT INTO record_drugs (record_id, version, drug, doc_at, department) VALUES {}",
            values_list(chunk.len(), 5, &[], sqlite)
        );
        on_conn!(conn, c => {
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (r, d) in chunk {
                q = q.bind(r.id).bind(r.version).bind(*d).bind(r.doc_at).bind(r.department);
            }
            q.execute(&mut **c).await?;
        });
    }
    Ok(())
}

/// Remove the rows of every version of `ids` below the id's highest stored one.
pub(super) async fn drop_superseded(conn: &mut Conn<'_>, ids: &[&str]) -> Result<(), Error> {
    let sqlite = matches!(conn, Conn::Sqlite(_));
    for chunk in ids.chunks(IN_LIST) {
        for table in ["record_alerts", "record_drugs"] {
            let sql = format!(
                "DELETE FROM {table} WHERE record_id IN ({}) AND version < \
                 (SELECT MAX(r.version) FROM records r WHERE r.id = {table}.record_id)",
                in_list(chunk.len(), sqlite)
            );
            on_conn!(conn, c => {
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for id in chunk {
                    q = q.bind(*id);
                }
                q.execute(&mut **c).await?;
            });
        }
    }
    Ok(())
}

/// Set the decisions of a version's current review revision on its alert rows (none: no
/// decision): `(rule, path, decision, shadow)`, a shadow decision on the shadow rows.
pub(super) async fn set_decisions(
    conn: &mut Conn<'_>,
    id: &str,
    version: i64,
    decisions: &[(String, String, String, bool)],
) -> Result<(), Error> {
    on_conn!(conn, c => {
        sqlx::query("UPDATE record_alerts SET decision = NULL WHERE record_id = $1 AND version = $2")
            .bind(id)
            .bind(version)
            .execute(&mut **c)
            .await?;
        for (rule, path, decision, shadow) in decisions {
            sqlx::query(
                "UPDATE record_alerts SET decision = $5 WHERE record_id = $1 AND version = $2 \
                 AND rule = $3 AND path = $4 AND shadow = $6",
            )
            .bind(id)
            .bind(version)
            .bind(rule)
            .bind(path)
            .bind(decision)
            .bind(*shadow)
            .execute(&mut **c)
            .await?;
        }
    });
    Ok(())
}

/// A version stored before migration 0010, without its alert rows yet.
#[derive(Debug, Clone)]
pub struct PendingAlerts {
    pub id: String,
    pub version: i64,
    pub kind: String,
    pub doc_at: Option<String>,
    pub department: Option<String>,
    pub body: String,
    pub report: String,
    /// The decisions (JSON) of the version's current review revision, if reviewed.
    pub review: Option<String>,
}

impl Store {
    /// Up to `limit` latest versions whose alert rows are not written (stored before migration
    /// 0010); `ingest::backfill_alerts` computes them and calls [`Store::set_alerts`].
    pub async fn rows_without_alerts(&self, limit: i64) -> Result<Vec<PendingAlerts>, Error> {
        on_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT r.id, r.version, r.kind, r.doc_at, r.department, r.body, r.report, \
                 v.findings AS review FROM records r LEFT JOIN reviews v ON v.record_id = r.id \
                 AND v.record_version = r.version AND v.revision = r.review_revision \
                 WHERE r.latest AND NOT r.alerts ORDER BY r.id, r.version LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| Ok(PendingAlerts {
                    id: r.try_get("id")?,
                    version: r.try_get("version")?,
                    kind: r.try_get("kind")?,
                    doc_at: r.try_get("doc_at")?,
                    department: r.try_get("department")?,
                    body: r.try_get("body")?,
                    report: r.try_get("report")?,
                    review: r.try_get("review")?,
                }))
                .collect()
        })
    }

    /// Write one version's alert rows (replacing any), with the decisions of its current
    /// review ((rule, path, decision, shadow)), and mark it done.
    pub async fn set_alerts(
        &self,
        of: AlertOf<'_>,
        decisions: &[(String, String, String, bool)],
    ) -> Result<(), Error> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for table in ["record_alerts", "record_drugs"] {
                sqlx::query(AssertSqlSafe(format!(
                    "DELETE FROM {table} WHERE record_id = $1 AND version = $2"
                )))
                .bind(of.id)
                .bind(of.version)
                .execute(&mut *tx)
                .await?;
            }
            write_alerts(&mut tx.conn(), &[of]).await?;
            {
                set_decisions(&mut tx.conn(), of.id, of.version, decisions).await?;
            }
            sqlx::query("UPDATE records SET alerts = TRUE WHERE id = $1 AND version = $2")
                .bind(of.id)
                .bind(of.version)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The alert rows matching `filter` (the period), counted per (rule, kind, `column`).
    pub async fn alert_groups(
        &self,
        filter: &Filter,
        column: Option<&'static str>,
    ) -> Result<Vec<AlertAgg>, Error> {
        let (select, group) = group_expr(column);
        let sum = |cond: &str| format!("CAST(SUM(CASE WHEN {cond} THEN 1 ELSE 0 END) AS BIGINT)");
        let sql = format!(
            "SELECT rule, kind, {select}, {} AS fired, {} AS overridden, {} AS confirmed, \
             {} AS dismissed, {} AS shadowed, {} AS shadow_confirmed, {} AS shadow_dismissed \
             FROM record_alerts WHERE TRUE{} GROUP BY {group}",
            sum("NOT shadow"),
            sum("NOT shadow AND reason_given"),
            sum("NOT shadow AND decision = 'confirmed'"),
            sum("NOT shadow AND decision = 'dismissed'"),
            sum("shadow"),
            sum("shadow AND decision = 'confirmed'"),
            sum("shadow AND decision = 'dismissed'"),
            filter.sql
        );
        on_pool!(self, pool => {
            let rows = bind_all!(sqlx::query(AssertSqlSafe(sql)), &filter.params).fetch_all(pool).await?;
            rows.iter()
                .map(|r| {
                    Ok(AlertAgg {
                        rule: r.try_get("rule")?,
                        kind: r.try_get("kind")?,
                        group: r.try_get("g")?,
                        fired: r.try_get("fired")?,
                        overridden: r.try_get("overridden")?,
                        confirmed: r.try_get("confirmed")?,
                        dismissed: r.try_get("dismissed")?,
                        shadow: r.try_get("shadowed")?,
                        shadow_confirmed: r.try_get("shadow_confirmed")?,
                        shadow_dismissed: r.try_get("shadow_dismissed")?,
                    })
                })
                .collect()
        })
    }

    /// The reasons doctors gave on shown findings matching `filter`: (rule, group, choice,
    /// count) per (rule, `column`, choice).
    pub async fn alert_reasons(
        &self,
        filter: &Filter,
        column: Option<&'static str>,
    ) -> Result<Vec<(String, Option<String>, Option<String>, i64)>, Error> {
        let (select, group) = group_expr(column);
        let sql = format!(
            "SELECT rule, {select}, reason_choice, CAST(COUNT(*) AS BIGINT) AS n FROM record_alerts \
             WHERE NOT shadow AND reason_given{} GROUP BY {}, reason_choice",
            filter.sql,
            group.replace("rule, kind", "rule")
        );
        on_pool!(self, pool => {
            let rows = bind_all!(sqlx::query(AssertSqlSafe(sql)), &filter.params).fetch_all(pool).await?;
            rows.iter()
                .map(|r| Ok((r.try_get("rule")?, r.try_get("g")?, r.try_get("reason_choice")?, r.try_get("n")?)))
                .collect()
        })
    }

    /// The latest documents matching `filter` (the period) per (kind, `column`): `kind` alone
    /// or `department` (never client text); a whole visit's own record is not one (its
    /// documents are). One range scan of the sheet's index `records_sheet`.
    pub async fn document_counts(
        &self,
        filter: &Filter,
        column: &'static str,
    ) -> Result<Vec<(String, Option<String>, i64)>, Error> {
        let (select, group) = if column == "kind" {
            ("CAST(NULL AS TEXT)", "kind".to_owned())
        } else {
            (column, format!("kind, {column}"))
        };
        let sql = format!(
            "SELECT kind, {select} AS g, CAST(COUNT(*) AS BIGINT) AS n FROM records \
             WHERE latest AND kind <> 'visit'{} GROUP BY {group}",
            filter.sql
        );
        on_pool!(self, pool => {
            let rows = bind_all!(sqlx::query(AssertSqlSafe(sql)), &filter.params).fetch_all(pool).await?;
            rows.iter().map(|r| Ok((r.try_get("kind")?, r.try_get("g")?, r.try_get("n")?))).collect()
        })
    }

    /// Per formulary drug, the prescriptions matching `filter` (the period) prescribing it.
    pub async fn drug_documents(&self, filter: &Filter) -> Result<Vec<(String, i64)>, Error> {
        let sql = format!(
            "SELECT drug, CAST(COUNT(*) AS BIGINT) AS n FROM record_drugs WHERE TRUE{} GROUP BY drug",
            filter.sql
        );
        on_pool!(self, pool => {
            let rows = bind_all!(sqlx::query(AssertSqlSafe(sql)), &filter.params).fetch_all(pool).await?;
            rows.iter().map(|r| Ok((r.try_get("drug")?, r.try_get("n")?))).collect()
        })
    }
}
