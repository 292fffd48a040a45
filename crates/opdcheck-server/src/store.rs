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

use crate::Error;

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "records", include_str!("../migrations/0001_records.sql")),
    (2, "auth", include_str!("../migrations/0002_auth.sql")),
    (3, "policy", include_str!("../migrations/0003_policy.sql")),
    (4, "qa", include_str!("../migrations/0004_qa.sql")),
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

    /// Every version of `id`: (version, created_at, qualified), oldest first.
    pub async fn versions(&self, id: &str) -> Result<Vec<(i64, String, bool)>, Error> {
        on_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT version, created_at, qualified FROM records WHERE id = $1 ORDER BY version",
            )
            .bind(id)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| Ok((r.try_get("version")?, r.try_get("created_at")?, r.try_get("qualified")?)))
                .collect()
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

    /// The stored versions among `keys` (id, version), in one query.
    pub async fn existing(
        &self,
        keys: &[(String, i64)],
    ) -> Result<HashMap<(String, i64), StoredRecord>, Error> {
        let mut ids: Vec<&str> = keys.iter().map(|(id, _)| id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM records WHERE id IN ({})",
            placeholders.join(", ")
        );
        let params: Vec<Param> = ids.iter().map(|id| Param::Text((*id).to_owned())).collect();
        let rows: Vec<StoredRecord> = on_pool!(self, pool => {
            let rows = bind_all!(sqlx::query(AssertSqlSafe(sql)), &params).fetch_all(pool).await?;
            rows.into_iter().map(|r| Ok(stored_from_row!(r))).collect::<Result<Vec<_>, Error>>()?
        });
        let wanted: std::collections::HashSet<&(String, i64)> = keys.iter().collect();
        Ok(rows
            .into_iter()
            .filter(|r| wanted.contains(&(r.id.clone(), r.version)))
            .map(|r| ((r.id.clone(), r.version), r))
            .collect())
    }

    /// Insert versions and their rule rows in one transaction (one commit per batch, not per
    /// record). Per record, `false` when that id+version already existed (a concurrent push,
    /// or the same record twice in the batch): nothing is written for it.
    pub async fn insert_many(&self, recs: &[NewRecord]) -> Result<Vec<bool>, Error> {
        if recs.is_empty() {
            return Ok(Vec::new());
        }
        // Rows are written in key order: two batches sharing records then lock them in the
        // same order, so PostgreSQL cannot deadlock them against each other.
        let mut order: Vec<usize> = (0..recs.len()).collect();
        order.sort_by(|&a, &b| (&recs[a].id, recs[a].version).cmp(&(&recs[b].id, recs[b].version)));
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut inserted = vec![false; recs.len()];
            for &k in &order {
                let rec = &recs[k];
                // The first statement writes, so a SQLite transaction takes the write lock at
                // once (waiting on busy_timeout) instead of failing to upgrade a read lock.
                let done = sqlx::query(
                    "INSERT INTO records (id, version, kind, department, doctor, visit_id, patient_key, \
                     doc_at, body, body_sha256, report, qualified, deduction, ruleset, created_at, \
                     abx, missed, latest) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, TRUE) \
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
                inserted[k] = fresh;
            }
            tx.commit().await?;
            // Two transactions storing versions of one id at once (PostgreSQL) cannot see each
            // other's rows: once both have committed, the later of these statements sees both.
            let mut ids: Vec<&str> = recs.iter().zip(&inserted).filter(|(_, f)| **f).map(|(r, _)| r.id.as_str()).collect();
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

/// A user as stored (without the password hash).
#[derive(Debug, Clone)]
pub struct User {
    pub username: String,
    pub role: String,
    pub doctor_id: Option<String>,
    pub created_at: String,
}

macro_rules! user_from_row {
    ($row:expr) => {{
        let row = $row;
        User {
            username: row.try_get("username")?,
            role: row.try_get("role")?,
            doctor_id: row.try_get("doctor_id")?,
            created_at: row.try_get("created_at")?,
        }
    }};
}

/// Users, sessions and API keys.
impl Store {
    pub async fn user_count(&self) -> Result<i64, Error> {
        on_pool!(self, pool => Ok(sqlx::query("SELECT COUNT(*) AS n FROM users")
            .fetch_one(pool).await?.try_get("n")?))
    }

    /// `false` when the username is taken.
    pub async fn create_user(&self, user: &User, password_hash: &str) -> Result<bool, Error> {
        on_pool!(self, pool => {
            let done = sqlx::query(
                "INSERT INTO users (username, password_hash, role, doctor_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (username) DO NOTHING",
            )
            .bind(&user.username)
            .bind(password_hash)
            .bind(&user.role)
            .bind(&user.doctor_id)
            .bind(&user.created_at)
            .execute(pool)
            .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// The user and their password hash.
    pub async fn user_with_hash(&self, username: &str) -> Result<Option<(User, String)>, Error> {
        on_pool!(self, pool => {
            let row = sqlx::query(
                "SELECT username, role, doctor_id, created_at, password_hash FROM users WHERE username = $1",
            )
            .bind(username)
            .fetch_optional(pool)
            .await?;
            Ok(match row {
                Some(row) => {
                    let hash: String = row.try_get("password_hash")?;
                    Some((user_from_row!(row), hash))
                }
                None => None,
            })
        })
    }

    pub async fn list_users(&self) -> Result<Vec<User>, Error> {
        on_pool!(self, pool => {
            let rows = sqlx::query("SELECT username, role, doctor_id, created_at FROM users ORDER BY username")
                .fetch_all(pool)
                .await?;
            rows.into_iter().map(|r| Ok(user_from_row!(r))).collect()
        })
    }

    /// `false` when there was no such user. Their sessions go with them (cascade).
    pub async fn delete_user(&self, username: &str) -> Result<bool, Error> {
        on_pool!(self, pool => {
            let done = sqlx::query("DELETE FROM users WHERE username = $1").bind(username).execute(pool).await?;
            Ok(done.rows_affected() > 0)
        })
    }

    pub async fn create_session(
        &self,
        token_sha256: &str,
        username: &str,
        expires_at: &str,
    ) -> Result<(), Error> {
        on_pool!(self, pool => {
            sqlx::query("INSERT INTO sessions (token_sha256, username, expires_at) VALUES ($1, $2, $3)")
                .bind(token_sha256)
                .bind(username)
                .bind(expires_at)
                .execute(pool)
                .await?;
            // Expired sessions are dropped as new ones are made: the table stays small.
            sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(crate::api::now()).execute(pool).await?;
            Ok(())
        })
    }

    /// The user of an unexpired session.
    pub async fn session_user(&self, token_sha256: &str, now: &str) -> Result<Option<User>, Error> {
        on_pool!(self, pool => {
            let row = sqlx::query(
                "SELECT u.username, u.role, u.doctor_id, u.created_at FROM sessions s \
                 JOIN users u ON u.username = s.username WHERE s.token_sha256 = $1 AND s.expires_at > $2",
            )
            .bind(token_sha256)
            .bind(now)
            .fetch_optional(pool)
            .await?;
            Ok(match row { Some(row) => Some(user_from_row!(row)), None => None })
        })
    }

    /// `false` when the name is taken.
    pub async fn create_api_key(
        &self,
        key_sha256: &str,
        name: &str,
        created_at: &str,
    ) -> Result<bool, Error> {
        on_pool!(self, pool => {
            let done = sqlx::query(
                "INSERT INTO api_keys (key_sha256, name, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(key_sha256)
            .bind(name)
            .bind(created_at)
            .execute(pool)
            .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// The name of the key with this hash.
    pub async fn api_key_name(&self, key_sha256: &str) -> Result<Option<String>, Error> {
        on_pool!(self, pool => {
            let row = sqlx::query("SELECT name FROM api_keys WHERE key_sha256 = $1")
                .bind(key_sha256)
                .fetch_optional(pool)
                .await?;
            Ok(match row { Some(r) => Some(r.try_get("name")?), None => None })
        })
    }

    /// (name, created_at) of every key.
    pub async fn list_api_keys(&self) -> Result<Vec<(String, String)>, Error> {
        on_pool!(self, pool => {
            let rows = sqlx::query("SELECT name, created_at FROM api_keys ORDER BY name").fetch_all(pool).await?;
            rows.iter().map(|r| Ok((r.try_get("name")?, r.try_get("created_at")?))).collect()
        })
    }

    pub async fn delete_api_key(&self, name: &str) -> Result<bool, Error> {
        on_pool!(self, pool => {
            let done = sqlx::query("DELETE FROM api_keys WHERE name = $1").bind(name).execute(pool).await?;
            Ok(done.rows_affected() > 0)
        })
    }

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
