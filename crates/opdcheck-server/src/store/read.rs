//! Reading records: one version or the latest, an id's versions and owner, a patient's
//! history, and the filtered list and counts of the latest versions.

use std::collections::HashMap;

use sqlx::{AssertSqlSafe, Row};

use crate::error::Error;
use crate::store::records::values_list;
use crate::store::{Param, Store, bind_all, on_pool};

/// Patient keys per history query.
const HISTORY_KEYS: usize = 1_000;

/// A stored version, as read back.
#[derive(Debug, Clone)]
pub struct StoredRecord {
    pub id: String,
    pub version: i64,
    pub kind: String,
    pub department: Option<String>,
    pub doctor: Option<String>,
    pub body: String,
    pub body_sha256: String,
    pub report: String,
    pub qualified: bool,
    pub deduction: f64,
    pub ruleset: String,
    pub created_at: String,
}

/// A row of the list endpoint.
#[derive(Debug, Clone)]
pub struct ListItem {
    pub id: String,
    pub version: i64,
    pub kind: String,
    pub department: Option<String>,
    pub doctor: Option<String>,
    pub qualified: bool,
    pub deduction: f64,
    pub created_at: String,
    pub rules: Vec<String>,
}

/// Where-clause of the list and stats endpoints: SQL text with `$n` placeholders and the values.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub(crate) sql: String,
    pub(crate) params: Vec<Param>,
}

impl Filter {
    /// Add `AND <cond>`, where `cond` names its value `$?` (numbered here).
    pub fn and(&mut self, cond: &str, value: Param) {
        self.params.push(value);
        let cond = cond.replace("$?", &format!("${}", self.params.len()));
        self.sql.push_str(" AND ");
        self.sql.push_str(&cond);
    }

    /// Add `AND <column> IN (...)` (nothing when `values` is empty).
    pub fn and_in(&mut self, column: &str, values: &[String]) {
        if values.is_empty() {
            return;
        }
        let mut marks = Vec::with_capacity(values.len());
        for v in values {
            self.params.push(Param::Text(v.clone()));
            marks.push(format!("${}", self.params.len()));
        }
        self.sql
            .push_str(&format!(" AND {column} IN ({})", marks.join(", ")));
    }
}

/// Only each id's highest version.
const LATEST: &str =
    "NOT EXISTS (SELECT 1 FROM records r2 WHERE r2.id = r.id AND r2.version > r.version)";

const RECORD_COLUMNS: &str = "id, version, kind, department, doctor, body, body_sha256, report, qualified, deduction, ruleset, created_at";

macro_rules! stored_from_row {
    ($row:expr) => {{
        let row = $row;
        StoredRecord {
            id: row.try_get("id")?,
            version: row.try_get("version")?,
            kind: row.try_get("kind")?,
            department: row.try_get("department")?,
            doctor: row.try_get("doctor")?,
            body: row.try_get("body")?,
            body_sha256: row.try_get("body_sha256")?,
            report: row.try_get("report")?,
            qualified: row.try_get("qualified")?,
            deduction: row.try_get("deduction")?,
            ruleset: row.try_get("ruleset")?,
            created_at: row.try_get("created_at")?,
        }
    }};
}

impl Store {
    /// The stored version `id`/`version`, if any.
    pub async fn get_version(&self, id: &str, version: i64) -> Result<Option<StoredRecord>, Error> {
        let sql = format!("SELECT {RECORD_COLUMNS} FROM records WHERE id = $1 AND version = $2");
        on_pool!(self, pool => {
            let row = sqlx::query(AssertSqlSafe(sql))
                .bind(id)
                .bind(version)
                .fetch_optional(pool)
                .await?;
            Ok(match row { Some(row) => Some(stored_from_row!(row)), None => None })
        })
    }

    /// The highest version of `id`.
    pub async fn get_latest(&self, id: &str) -> Result<Option<StoredRecord>, Error> {
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM records WHERE id = $1 ORDER BY version DESC LIMIT 1"
        );
        on_pool!(self, pool => {
            let row = sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?;
            Ok(match row { Some(row) => Some(stored_from_row!(row)), None => None })
        })
    }

    /// Every version of `id`: (version, created_at, qualified, pushed_by), oldest first.
    #[allow(clippy::type_complexity)]
    pub async fn versions(
        &self,
        id: &str,
    ) -> Result<Vec<(i64, String, bool, Option<String>)>, Error> {
        on_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT version, created_at, qualified, pushed_by FROM records WHERE id = $1 ORDER BY version",
            )
            .bind(id)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| Ok((r.try_get("version")?, r.try_get("created_at")?, r.try_get("qualified")?, r.try_get("pushed_by")?)))
                .collect()
        })
    }

    /// The owner of `id`, if anyone owns it.
    pub async fn owner(&self, id: &str) -> Result<Option<String>, Error> {
        on_pool!(self, pool => {
            let row = sqlx::query("SELECT owner FROM record_owners WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?;
            Ok(match row { Some(r) => Some(r.try_get("owner")?), None => None })
        })
    }

    /// For each patient key, the (id, body) of its most recent `limit` outpatient records (latest
    /// version of each, by the document's date), for the history rules: one query for a batch's
    /// patients, not one per record (each a hand-off to the database's thread).
    pub async fn patient_histories(
        &self,
        keys: &[&str],
        limit: i64,
    ) -> Result<HashMap<String, Vec<(String, String)>>, Error> {
        let sqlite = matches!(self, Store::Sqlite(_));
        let mut out: HashMap<String, Vec<(String, String)>> = HashMap::with_capacity(keys.len());
        for chunk in keys.chunks(HISTORY_KEYS) {
            let sql = format!(
                "WITH k (p) AS (VALUES {}) \
                 SELECT patient_key, id, body FROM (SELECT r.patient_key, r.id, r.body, \
                 ROW_NUMBER() OVER (PARTITION BY r.patient_key ORDER BY r.doc_at DESC) AS n \
                 FROM k JOIN records r ON r.patient_key = k.p \
                 WHERE r.kind = 'outpatient_record' AND {LATEST}) w \
                 WHERE n <= {} ORDER BY patient_key, n",
                values_list(chunk.len(), 1, &[], sqlite),
                if sqlite {
                    "?".to_owned()
                } else {
                    format!("${}", chunk.len() + 1)
                }
            );
            on_pool!(self, pool => {
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for key in chunk {
                    q = q.bind(*key);
                }
                for r in q.bind(limit).fetch_all(pool).await? {
                    out.entry(r.try_get("patient_key")?)
                        .or_default()
                        .push((r.try_get("id")?, r.try_get("body")?));
                }
            });
        }
        Ok(out)
    }

    /// Latest versions matching `filter`: the page asked for and the total.
    pub async fn list(
        &self,
        filter: &Filter,
        page: i64,
        per_page: i64,
    ) -> Result<(Vec<ListItem>, i64), Error> {
        let count_sql = format!(
            "SELECT COUNT(*) AS n FROM records r WHERE {LATEST}{}",
            filter.sql
        );
        let n = filter.params.len();
        let page_sql = format!(
            "SELECT id, version, kind, department, doctor, qualified, deduction, created_at \
             FROM records r WHERE {LATEST}{} ORDER BY created_at DESC, id LIMIT ${} OFFSET ${}",
            filter.sql,
            n + 1,
            n + 2
        );
        let mut page_params = filter.params.clone();
        page_params.push(Param::Int(per_page));
        page_params.push(Param::Int((page - 1) * per_page));
        let (mut items, total) = on_pool!(self, pool => {
            let total: i64 = bind_all!(sqlx::query(AssertSqlSafe(count_sql)), &filter.params)
                .fetch_one(pool)
                .await?
                .try_get("n")?;
            let rows = bind_all!(sqlx::query(AssertSqlSafe(page_sql)), &page_params)
                .fetch_all(pool)
                .await?;
            let items = rows
                .iter()
                .map(|r| {
                    Ok(ListItem {
                        id: r.try_get("id")?,
                        version: r.try_get("version")?,
                        kind: r.try_get("kind")?,
                        department: r.try_get("department")?,
                        doctor: r.try_get("doctor")?,
                        qualified: r.try_get("qualified")?,
                        deduction: r.try_get("deduction")?,
                        created_at: r.try_get("created_at")?,
                        rules: Vec::new(),
                    })
                })
                .collect::<Result<Vec<_>, Error>>()?;
            (items, total)
        });
        if !items.is_empty() {
            // One query for the page's rules rather than one per row.
            let placeholders: Vec<String> = (1..=items.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT id, version, rule FROM record_rules WHERE id IN ({}) ORDER BY rule",
                placeholders.join(", ")
            );
            let params: Vec<Param> = items.iter().map(|i| Param::Text(i.id.clone())).collect();
            let rows: Vec<(String, i64, String)> = on_pool!(self, pool => {
                let rows = bind_all!(sqlx::query(AssertSqlSafe(sql)), &params).fetch_all(pool).await?;
                rows.iter()
                    .map(|r| Ok((r.try_get("id")?, r.try_get("version")?, r.try_get("rule")?)))
                    .collect::<Result<Vec<_>, Error>>()?
            });
            for (id, version, rule) in rows {
                if let Some(item) = items
                    .iter_mut()
                    .find(|i| i.id == id && i.version == version)
                {
                    item.rules.push(rule);
                }
            }
        }
        Ok((items, total))
    }

    /// (group key, total, qualified) of the latest versions matching `filter`, grouped by
    /// `column` (one of kind, department, doctor), or overall when `None`.
    pub async fn counts(
        &self,
        filter: &Filter,
        column: Option<&'static str>,
    ) -> Result<Vec<(Option<String>, i64, i64)>, Error> {
        let (key, group) = match column {
            Some(c) => (c, format!(" GROUP BY {c} ORDER BY {c}")),
            None => ("NULL", String::new()),
        };
        let sql = format!(
            "SELECT {key} AS k, COUNT(*) AS n, \
             COALESCE(SUM(CASE WHEN qualified THEN 1 ELSE 0 END), 0) AS q \
             FROM records r WHERE {LATEST}{}{group}",
            filter.sql
        );
        on_pool!(self, pool => {
            let rows = bind_all!(sqlx::query(AssertSqlSafe(sql)), &filter.params).fetch_all(pool).await?;
            rows.iter()
                .map(|r| {
                    let k: Option<String> = if column.is_some() { r.try_get("k")? } else { None };
                    Ok((k, r.try_get("n")?, r.try_get("q")?))
                })
                .collect()
        })
    }
}
