//! Storage: one [`Store`] over a SQLite or a PostgreSQL pool.
//!
//! The SQL is written once, with `$n` placeholders (sqlx's SQLite driver reads `$n` as the n-th
//! bound value, as Postgres does) and types both databases accept, so each operation is one
//! text run on either pool; [`on_pool!`] expands the same code for each driver type.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{AssertSqlSafe, Row, SqlSafeStr};

use crate::error::Error;

pub mod accounts;
pub mod qa;

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "records",
        include_str!("../../migrations/0001_records.sql"),
    ),
    (2, "auth", include_str!("../../migrations/0002_auth.sql")),
    (
        3,
        "policy",
        include_str!("../../migrations/0003_policy.sql"),
    ),
    (4, "qa", include_str!("../../migrations/0004_qa.sql")),
    (
        5,
        "ownership",
        include_str!("../../migrations/0005_ownership.sql"),
    ),
    (
        6,
        "accounts",
        include_str!("../../migrations/0006_accounts.sql"),
    ),
];

/// The database behind the API.
#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Run `$body` with `$pool` bound to the concrete pool (the code is compiled once per driver).
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store {
            Store::Sqlite($pool) => $body,
            Store::Postgres($pool) => $body,
        }
    };
}

/// A bound value of a dynamically built query.
#[derive(Debug, Clone)]
pub enum Param {
    Text(String),
    Bool(bool),
    Int(i64),
}

pub(crate) use on_pool;

macro_rules! bind_all {
    ($q:expr, $params:expr) => {{
        let mut q = $q;
        for p in $params {
            q = match p {
                Param::Text(s) => q.bind(s.clone()),
                Param::Bool(b) => q.bind(*b),
                Param::Int(i) => q.bind(*i),
            };
        }
        q
    }};
}
pub(crate) use bind_all;

/// One stored version of a record, ready to insert.
#[derive(Debug, Clone)]
pub struct NewRecord {
    pub id: String,
    pub version: i64,
    pub kind: String,
    pub department: Option<String>,
    pub doctor: Option<String>,
    pub visit_id: Option<String>,
    pub patient_key: Option<String>,
    pub doc_at: Option<String>,
    pub body: String,
    pub body_sha256: String,
    pub report: String,
    pub qualified: bool,
    pub deduction: f64,
    pub ruleset: String,
    pub created_at: String,
    /// The rules the report found, each with its number of findings.
    pub rules: Vec<(String, i64)>,
    /// A prescription with a formulary antibiotic (the sheet's antibiotic share).
    pub abx: bool,
    /// Missed-report cases (XV-04 error findings).
    pub missed: i64,
    /// Who pushes it (the principal's name).
    pub pushed_by: String,
}

/// What the batch's read found for one id: its owner and every stored version.
#[derive(Debug, Clone, Default)]
pub struct IdState {
    /// `None`: nobody owns it (yet): a new id, or one stored before ownership or with sign-in off.
    pub owner: Option<String>,
    /// The highest stored version (0 when none is).
    pub max_version: i64,
    /// The `doctor` of the highest stored version.
    pub latest_doctor: Option<String>,
    /// version → (body_sha256, report JSON text).
    pub versions: HashMap<i64, (String, String)>,
}

/// Who may write an id, as [`Store::insert_many`] enforces it inside its transaction.
#[derive(Debug, Clone)]
pub struct Writer {
    /// Recorded as the owner of ids it is the first to store (`None`: claims nothing, as with
    /// sign-in off).
    pub claims: Option<String>,
    /// May write ids owned by someone else (an admin, or sign-in off).
    pub bypass: bool,
    /// Ids the caller's read found owned and writable by this writer: an owner never changes,
    /// so these need no claim in the transaction.
    pub known: std::collections::HashSet<String>,
}

/// Per record, what [`Store::insert_many`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inserted {
    /// Stored now.
    Fresh,
    /// Not stored: the id is owned by this other principal (claimed by a concurrent push).
    NotOwner(String),
    /// Not stored: that version exists already (a concurrent push, or the same record twice in
    /// the batch), or it is not the next one (a concurrent push moved the id on).
    NotStored,
}

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

/// Clear `latest` on every version of `$1` below its highest.
const MARK_SUPERSEDED: &str = "UPDATE records SET latest = FALSE WHERE id = $1 AND latest \
     AND EXISTS (SELECT 1 FROM records r2 WHERE r2.id = records.id AND r2.version > records.version)";

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
    /// `postgres://…` / `postgresql://…` → PostgreSQL; `sqlite:…` → that SQLite database.
    pub async fn connect(url: &str) -> Result<Store, Error> {
        let store = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            Store::Postgres(pool)
        } else if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?;
            let file = opts.get_filename().to_owned();
            let existed = file.is_file();
            let store = Store::Sqlite(sqlite_pool(opts).await?);
            restrict_sqlite_files(&file, existed)?;
            store
        } else {
            return Err(Error::Config(
                "the database URL must start with postgres://, postgresql:// or sqlite:".into(),
            ));
        };
        store.migrate().await?;
        Ok(store)
    }

    /// The SQLite file at `path`, created (with its migrations) when missing.
    pub async fn open_sqlite(path: &Path) -> Result<Store, Error> {
        let existed = path.is_file();
        let store = Store::Sqlite(sqlite_pool(SqliteConnectOptions::new().filename(path)).await?);
        restrict_sqlite_files(path, existed)?;
        store.migrate().await?;
        Ok(store)
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    async fn migrate(&self) -> Result<(), Error> {
        let migrations = MIGRATIONS
            .iter()
            .map(|&(version, desc, sql)| {
                Migration::new(
                    version,
                    Cow::Borrowed(desc),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect();
        let migrator = Migrator::with_migrations(migrations);
        on_pool!(self, pool => migrator.run(pool).await)?;
        Ok(())
    }

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

    /// The bodies of the patient's other outpatient records (latest version of each), for the
    /// history rules; the most recent `limit` by the document's date.
    pub async fn patient_history(
        &self,
        patient_key: &str,
        except_id: &str,
        limit: i64,
    ) -> Result<Vec<String>, Error> {
        let sql = format!(
            "SELECT body FROM records r WHERE patient_key = $1 AND kind = 'outpatient_record' \
             AND id <> $2 AND {LATEST} ORDER BY doc_at DESC LIMIT $3"
        );
        on_pool!(self, pool => {
            let rows = sqlx::query(AssertSqlSafe(sql))
                .bind(patient_key)
                .bind(except_id)
                .bind(limit)
                .fetch_all(pool)
                .await?;
            rows.iter().map(|r| Ok(r.try_get("body")?)).collect()
        })
    }

    /// The owner and stored versions of each of `ids`, in one query (ids with nothing stored
    /// are absent).
    pub async fn batch_state(&self, ids: &[&str]) -> Result<HashMap<String, IdState>, Error> {
        let mut ids: Vec<&str> = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT r.id, r.version, r.doctor, r.body_sha256, r.report, o.owner \
             FROM records r LEFT JOIN record_owners o ON o.id = r.id WHERE r.id IN ({})",
            placeholders.join(", ")
        );
        let params: Vec<Param> = ids.iter().map(|id| Param::Text((*id).to_owned())).collect();
        #[allow(clippy::type_complexity)]
        let rows: Vec<(String, i64, Option<String>, String, String, Option<String>)> = on_pool!(self, pool => {
            let rows = bind_all!(sqlx::query(AssertSqlSafe(sql)), &params).fetch_all(pool).await?;
            rows.iter()
                .map(|r| Ok((r.try_get("id")?, r.try_get("version")?, r.try_get("doctor")?,
                             r.try_get("body_sha256")?, r.try_get("report")?, r.try_get("owner")?)))
                .collect::<Result<Vec<_>, Error>>()?
        });
        let mut out: HashMap<String, IdState> = HashMap::new();
        for (id, version, doctor, sha, report, owner) in rows {
            let st = out.entry(id).or_default();
            st.owner = owner;
            if version > st.max_version {
                st.max_version = version;
                st.latest_doctor = doctor;
            }
            st.versions.insert(version, (sha, report));
        }
        Ok(out)
    }

    /// Insert versions and their rule rows in one transaction (one commit per batch, not per
    /// record), as `writer`. The checks the caller made on its earlier read are made again here,
    /// where they cannot race: an id nobody owns is claimed for `writer` (the owners table's key
    /// lets exactly one of two concurrent claims land), an id owned by another is not written
    /// unless `writer.bypass`, and a version is stored only if it is the id's next one.
    pub async fn insert_many(
        &self,
        recs: &[NewRecord],
        writer: &Writer,
    ) -> Result<Vec<Inserted>, Error> {
        if recs.is_empty() {
            return Ok(Vec::new());
        }
        // Rows are written in key order: two batches sharing records then lock them in the
        // same order, so PostgreSQL cannot deadlock them against each other.
        let mut order: Vec<usize> = (0..recs.len()).collect();
        order.sort_by(|&a, &b| (&recs[a].id, recs[a].version).cmp(&(&recs[b].id, recs[b].version)));
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut inserted = vec![Inserted::NotStored; recs.len()];
            // Per id of the batch: Ok(claimed now) once it may be written, Err(owner) when not.
            let mut allowed: HashMap<&str, Result<bool, String>> = HashMap::new();
            for &k in &order {
                let rec = &recs[k];
                let may = match allowed.get(rec.id.as_str()) {
                    Some(may) => may.clone(),
                    None if writer.known.contains(&rec.id) => Ok(false),
                    None => {
                        // The first statement writes, so a SQLite transaction takes the write
                        // lock at once (waiting on busy_timeout) instead of failing to upgrade a
                        // read lock. On PostgreSQL a concurrent claim of the same id waits here
                        // for the other transaction, then sees its row.
                        let may = match &writer.claims {
                            Some(me) => {
                                let claimed = sqlx::query(
                                    "INSERT INTO record_owners (id, owner, claimed_at) VALUES ($1, $2, $3) \
                                     ON CONFLICT (id) DO NOTHING",
                                )
                                .bind(&rec.id)
                                .bind(me)
                                .bind(&rec.created_at)
                                .execute(&mut *tx)
                                .await?
                                .rows_affected()
                                    > 0;
                                if claimed {
                                    Ok(true)
                                } else {
                                    let owner: String = sqlx::query("SELECT owner FROM record_owners WHERE id = $1")
                                        .bind(&rec.id)
                                        .fetch_one(&mut *tx)
                                        .await?
                                        .try_get("owner")?;
                                    if owner == *me || writer.bypass { Ok(false) } else { Err(owner) }
                                }
                            }
                            None => Ok(false),
                        };
                        allowed.insert(rec.id.as_str(), may.clone());
                        may
                    }
                };
                if let Err(owner) = may {
                    inserted[k] = Inserted::NotOwner(owner);
                    continue;
                }
                // Only the next version: a gap (or a version a concurrent push already moved
                // past) is not written; the caller says why.
                let done = sqlx::query(
                    "INSERT INTO records (id, version, kind, department, doctor, visit_id, patient_key, \
                     doc_at, body, body_sha256, report, qualified, deduction, ruleset, created_at, \
                     abx, missed, latest, pushed_by) \
                     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, TRUE, $18 \
                     WHERE COALESCE((SELECT MAX(r.version) FROM records r WHERE r.id = $1), 0) = $2 - 1 \
                     ON CONFLICT (id, version) DO NOTHING",
                )
                .bind(&rec.id)
                .bind(rec.version)
                .bind(&rec.kind)
                .bind(&rec.department)
                .bind(&rec.doctor)
                .bind(&rec.visit_id)
                .bind(&rec.patient_key)
                .bind(&rec.doc_at)
                .bind(&rec.body)
                .bind(&rec.body_sha256)
                .bind(&rec.report)
                .bind(rec.qualified)
                .bind(rec.deduction)
                .bind(&rec.ruleset)
                .bind(&rec.created_at)
                .bind(rec.abx)
                .bind(rec.missed)
                .bind(&rec.pushed_by)
                .execute(&mut *tx)
                .await?;
                let fresh = done.rows_affected() > 0;
                if fresh {
                    for (rule, hits) in &rec.rules {
                        sqlx::query("INSERT INTO record_rules (id, version, rule, hits) VALUES ($1, $2, $3, $4)")
                            .bind(&rec.id)
                            .bind(rec.version)
                            .bind(rule)
                            .bind(*hits)
                            .execute(&mut *tx)
                            .await?;
                    }
                    // Only the highest version of an id is `latest` (versions may arrive in any order).
                    sqlx::query(MARK_SUPERSEDED).bind(&rec.id).execute(&mut *tx).await?;
                }
                if fresh {
                    inserted[k] = Inserted::Fresh;
                }
            }
            // A claim whose versions were all refused is dropped: an owner without a stored
            // version would lock the id for nobody's record.
            for (id, may) in &allowed {
                let none = recs.iter().zip(&inserted).all(|(r, i)| r.id != *id || *i != Inserted::Fresh);
                if matches!(may, Ok(true)) && none {
                    sqlx::query("DELETE FROM record_owners WHERE id = $1").bind(*id).execute(&mut *tx).await?;
                }
            }
            tx.commit().await?;
            // Two transactions storing versions of one id at once (PostgreSQL) cannot see each
            // other's rows: once both have committed, the later of these statements sees both.
            let mut ids: Vec<&str> = recs.iter().zip(&inserted).filter(|(_, f)| **f == Inserted::Fresh).map(|(r, _)| r.id.as_str()).collect();
            ids.sort_unstable();
            ids.dedup();
            for id in ids {
                sqlx::query(MARK_SUPERSEDED).bind(id).execute(pool).await?;
            }
            Ok(inserted)
        })
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

/// Create the data directory (and its parents) if missing, readable by the server's user only
/// (0700, whatever the umask); an existing one open to others is closed, with a log line.
pub fn create_data_dir(dir: &Path) -> Result<(), Error> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        let existed = dir.is_dir();
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        let mode = std::fs::metadata(dir)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
            if existed {
                tracing::warn!(dir = %dir.display(), was = format!("{mode:o}"), "the data directory was open to other users; now 0700");
            }
        }
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)?;
    Ok(())
}

/// The database and its WAL and shared-memory files readable by the server's user only (0600).
/// SQLite creates them with the umask's mode (often 0644); set after opening, as the files exist
/// then. The window is closed by the 0700 directory; later -wal/-shm files take the database
/// file's mode (SQLite's rule), so they stay 0600.
fn restrict_sqlite_files(db: &Path, existed: bool) -> Result<(), Error> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mut name = db.as_os_str().to_owned();
        let files = ["", "-wal", "-shm"].map(|suffix| {
            name.push(suffix);
            let path = std::path::PathBuf::from(&name);
            name = db.as_os_str().to_owned();
            path
        });
        for file in files {
            // In-memory databases have no file; -wal/-shm may be gone after a clean close.
            let Ok(meta) = std::fs::metadata(&file) else {
                continue;
            };
            let mode = meta.permissions().mode() & 0o777;
            if !meta.is_file() || mode & 0o077 == 0 {
                continue;
            }
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
            if existed {
                tracing::warn!(file = %file.display(), was = format!("{mode:o}"), "a database file was open to other users; now 0600");
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (db, existed);
    Ok(())
}

async fn sqlite_pool(opts: SqliteConnectOptions) -> Result<SqlitePool, Error> {
    let opts = opts
        .create_if_missing(true)
        // WAL: readers do not block the writer (the list and stats endpoints run beside sync).
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    Ok(SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(opts)
        .await?)
}

pub use accounts::User;

impl Store {
    /// The policy override in force (the latest version an admin set), if any.
    pub async fn latest_policy(&self) -> Result<Option<(i64, String)>, Error> {
        on_pool!(self, pool => {
            let row = sqlx::query("SELECT version, override_json FROM policies ORDER BY version DESC LIMIT 1")
                .fetch_optional(pool)
                .await?;
            Ok(match row {
                Some(r) => Some((r.try_get("version")?, r.try_get("override_json")?)),
                None => None,
            })
        })
    }

    /// Store a new policy override; returns its version.
    pub async fn insert_policy(
        &self,
        override_json: &str,
        ruleset: &str,
        by: &str,
        at: &str,
    ) -> Result<i64, Error> {
        on_pool!(self, pool => {
            let row = sqlx::query(
                "INSERT INTO policies (version, override_json, ruleset, created_by, created_at) \
                 SELECT COALESCE(MAX(version), 0) + 1, $1, $2, $3, $4 FROM policies RETURNING version",
            )
            .bind(override_json)
            .bind(ruleset)
            .bind(by)
            .bind(at)
            .fetch_one(pool)
            .await?;
            Ok(row.try_get("version")?)
        })
    }
}
