//! Storage of accounts: users, sessions, integrator API keys and the audit trail (the rest of
//! [`Store`] is in `store.rs`). Same rules as there: one SQL text with `$n` parameters for both
//! databases; tokens and keys only as SHA-256.

use sqlx::{AssertSqlSafe, Row};

use crate::error::Error;
use crate::store::{Filter, Param, Store, bind_all, on_pool};

/// A user as stored (without the password hash).
#[derive(Debug, Clone)]
pub struct User {
    pub username: String,
    pub role: String,
    pub doctor_id: Option<String>,
    pub created_at: String,
    /// The display name.
    pub name: Option<String>,
    pub prescriber: PrescriberRow,
}

/// A doctor's prescriber facts as stored (migration 0009): what the hospital's registry holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrescriberRow {
    /// The engine's `Title` as it serialises (`attending`); `None`: not recorded.
    pub title: Option<String>,
    /// Set by the server for every doctor.
    pub signature_id: Option<String>,
    /// The engine's `AbxTier` as it serialises; `None`: the title's tier.
    pub antibiotic_tier: Option<String>,
    pub prescribing_rights: bool,
    pub narcotic_psych1_rights: bool,
    /// When these facts last changed (`''` before migration 0009).
    pub updated_at: String,
}

/// The columns [`user_from_row!`] reads, of `users u`.
const USER_COLUMNS: &str = "u.username, u.role, u.doctor_id, u.created_at, u.name, u.title, \
     u.signature_id, u.antibiotic_tier, u.prescribing_rights, u.narcotic_psych1_rights, u.updated_at";

macro_rules! user_from_row {
    ($row:expr) => {{
        let row = $row;
        User {
            username: row.try_get("username")?,
            role: row.try_get("role")?,
            doctor_id: row.try_get("doctor_id")?,
            created_at: row.try_get("created_at")?,
            name: row.try_get("name")?,
            prescriber: PrescriberRow {
                title: row.try_get("title")?,
                signature_id: row.try_get("signature_id")?,
                antibiotic_tier: row.try_get("antibiotic_tier")?,
                prescribing_rights: row.try_get("prescribing_rights")?,
                narcotic_psych1_rights: row.try_get("narcotic_psych1_rights")?,
                updated_at: row.try_get("updated_at")?,
            },
        }
    }};
}

/// A new registered signature id for `doctor_id`: readable (it names the doctor) and never
/// reused (a random suffix), so a re-created account does not inherit an old signature.
pub fn new_signature_id(doctor_id: &str) -> String {
    let mut suffix = [0u8; 4];
    rand::fill(&mut suffix);
    let hex: String = suffix.iter().map(|b| format!("{b:02x}")).collect();
    format!("SIG-{doctor_id}-{hex}")
}

/// A session and its user, whatever its age: the caller decides (and says) why it is refused.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub user: User,
    pub expires_at: String,
    pub last_seen_at: String,
}

/// An integrator key as stored (never the key itself).
#[derive(Debug, Clone)]
pub struct ApiKeyRow {
    pub name: String,
    /// Comma-separated: `check,push,read`.
    pub scopes: String,
    /// JSON array, `None`: every department.
    pub departments: Option<String>,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

const KEY_COLUMNS: &str =
    "name, scopes, departments, created_at, expires_at, last_used_at, revoked_at";

macro_rules! key_from_row {
    ($row:expr) => {{
        let row = $row;
        ApiKeyRow {
            name: row.try_get("name")?,
            scopes: row.try_get("scopes")?,
            departments: row.try_get("departments")?,
            created_at: row.try_get("created_at")?,
            expires_at: row.try_get("expires_at")?,
            last_used_at: row.try_get("last_used_at")?,
            revoked_at: row.try_get("revoked_at")?,
        }
    }};
}

/// One line of the audit trail.
#[derive(Debug, Clone)]
pub struct AuditRow {
    pub id: String,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: Option<String>,
    pub client: Option<String>,
    /// JSON object text.
    pub detail: String,
}

/// Users.
impl Store {
    pub async fn user_count(&self) -> Result<i64, Error> {
        on_pool!(self, pool => Ok(sqlx::query("SELECT COUNT(*) AS n FROM users")
            .fetch_one(pool).await?.try_get("n")?))
    }

    /// `false` when the username is taken.
    pub async fn create_user(&self, user: &User, password_hash: &str) -> Result<bool, Error> {
        on_pool!(self, pool => {
            let p = &user.prescriber;
            let done = sqlx::query(
                "INSERT INTO users (username, password_hash, role, doctor_id, created_at, name, \
                 title, signature_id, antibiotic_tier, prescribing_rights, narcotic_psych1_rights, \
                 updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                 ON CONFLICT (username) DO NOTHING",
            )
            .bind(&user.username)
            .bind(password_hash)
            .bind(&user.role)
            .bind(&user.doctor_id)
            .bind(&user.created_at)
            .bind(&user.name)
            .bind(&p.title)
            .bind(&p.signature_id)
            .bind(&p.antibiotic_tier)
            .bind(p.prescribing_rights)
            .bind(p.narcotic_psych1_rights)
            .bind(&p.updated_at)
            .execute(pool)
            .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// The user and their password hash.
    pub async fn user_with_hash(&self, username: &str) -> Result<Option<(User, String)>, Error> {
        on_pool!(self, pool => {
            let sql = format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.username = $1");
            let row = sqlx::query(AssertSqlSafe(sql))
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

    /// `false` when there is no such user.
    pub async fn set_password(&self, username: &str, password_hash: &str) -> Result<bool, Error> {
        on_pool!(self, pool => {
            let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE username = $2")
                .bind(password_hash)
                .bind(username)
                .execute(pool)
                .await?;
            Ok(done.rows_affected() > 0)
        })
    }

    pub async fn list_users(&self) -> Result<Vec<User>, Error> {
        on_pool!(self, pool => {
            let sql = format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.username");
            let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(pool).await?;
            rows.into_iter().map(|r| Ok(user_from_row!(r))).collect()
        })
    }

    /// The doctor accounts (those with a `doctor_id`): the hospital's prescriber registry.
    pub async fn doctors(&self) -> Result<Vec<User>, Error> {
        on_pool!(self, pool => {
            let sql = format!(
                "SELECT {USER_COLUMNS} FROM users u WHERE u.doctor_id IS NOT NULL ORDER BY u.username"
            );
            let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(pool).await?;
            rows.into_iter().map(|r| Ok(user_from_row!(r))).collect()
        })
    }

    /// The registry's revision: it changes whenever a doctor account is made, deleted or has
    /// its prescriber facts changed (a count and a newest time; one scan of a small table, cheap
    /// enough to poll every second).
    pub async fn registry_revision(&self) -> Result<String, Error> {
        on_pool!(self, pool => {
            let row = sqlx::query(
                "SELECT COUNT(*) AS n, COALESCE(MAX(updated_at), '') AS at \
                 FROM users WHERE doctor_id IS NOT NULL",
            )
            .fetch_one(pool)
            .await?;
            let n: i64 = row.try_get("n")?;
            let at: String = row.try_get("at")?;
            Ok(format!("{n}@{at}"))
        })
    }

    /// Store `user`'s display name and prescriber facts (not its signature id, which only the
    /// server sets); `false` when there is no such user.
    pub async fn update_prescriber(&self, user: &User) -> Result<bool, Error> {
        let p = &user.prescriber;
        on_pool!(self, pool => {
            let done = sqlx::query(
                "UPDATE users SET name = $1, title = $2, antibiotic_tier = $3, \
                 prescribing_rights = $4, narcotic_psych1_rights = $5, updated_at = $6 \
                 WHERE username = $7",
            )
            .bind(&user.name)
            .bind(&p.title)
            .bind(&p.antibiotic_tier)
            .bind(p.prescribing_rights)
            .bind(p.narcotic_psych1_rights)
            .bind(&p.updated_at)
            .bind(&user.username)
            .execute(pool)
            .await?;
            Ok(done.rows_affected() > 0)
        })
    }

    /// Give every doctor made before migration 0009 a registered signature id (SQL alone cannot
    /// draw the random suffix in one text for both databases). Run when the store opens.
    pub(super) async fn backfill_signature_ids(&self) -> Result<(), Error> {
        on_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT username, doctor_id FROM users \
                 WHERE doctor_id IS NOT NULL AND signature_id IS NULL",
            )
            .fetch_all(pool)
            .await?;
            for row in rows {
                let username: String = row.try_get("username")?;
                let doctor_id: String = row.try_get("doctor_id")?;
                sqlx::query(
                    "UPDATE users SET signature_id = $1 WHERE username = $2 AND signature_id IS NULL",
                )
                .bind(new_signature_id(&doctor_id))
                .bind(&username)
                .execute(pool)
                .await?;
            }
            Ok(())
        })
    }

    /// `false` when there was no such user. Their sessions go with them (cascade).
    pub async fn delete_user(&self, username: &str) -> Result<bool, Error> {
        on_pool!(self, pool => {
            let done = sqlx::query("DELETE FROM users WHERE username = $1").bind(username).execute(pool).await?;
            Ok(done.rows_affected() > 0)
        })
    }
}

/// Sessions.
impl Store {
    pub async fn create_session(
        &self,
        token_sha256: &str,
        username: &str,
        expires_at: &str,
        now: &str,
    ) -> Result<(), Error> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO sessions (token_sha256, username, expires_at, created_at, last_seen_at) \
                 VALUES ($1, $2, $3, $4, $4)",
            )
            .bind(token_sha256)
            .bind(username)
            .bind(expires_at)
            .bind(now)
            .execute(pool)
            .await?;
            // Expired sessions are dropped as new ones are made: the table stays small.
            sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(now).execute(pool).await?;
            Ok(())
        })
    }

    /// The session with this token hash and its user, expired or not.
    pub async fn session(&self, token_sha256: &str) -> Result<Option<SessionRow>, Error> {
        on_pool!(self, pool => {
            let sql = format!(
                "SELECT {USER_COLUMNS}, s.expires_at, s.last_seen_at \
                 FROM sessions s JOIN users u ON u.username = s.username WHERE s.token_sha256 = $1"
            );
            let row = sqlx::query(AssertSqlSafe(sql))
            .bind(token_sha256)
            .fetch_optional(pool)
            .await?;
            Ok(match row {
                Some(row) => Some(SessionRow {
                    expires_at: row.try_get("expires_at")?,
                    last_seen_at: row.try_get("last_seen_at")?,
                    user: user_from_row!(row),
                }),
                None => None,
            })
        })
    }

    /// Mark the session used now.
    pub async fn touch_session(&self, token_sha256: &str, now: &str) -> Result<(), Error> {
        on_pool!(self, pool => {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_sha256 = $2")
                .bind(now)
                .bind(token_sha256)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// `false` when there was no such session.
    pub async fn delete_session(&self, token_sha256: &str) -> Result<bool, Error> {
        on_pool!(self, pool => {
            let done = sqlx::query("DELETE FROM sessions WHERE token_sha256 = $1")
                .bind(token_sha256)
                .execute(pool)
                .await?;
            Ok(done.rows_affected() > 0)
        })
    }

    /// End every session of `username` but `keep` (the one in use); how many ended.
    pub async fn delete_sessions_of(&self, username: &str, keep: &str) -> Result<u64, Error> {
        on_pool!(self, pool => {
            let done = sqlx::query("DELETE FROM sessions WHERE username = $1 AND token_sha256 <> $2")
                .bind(username)
                .bind(keep)
                .execute(pool)
                .await?;
            Ok(done.rows_affected())
        })
    }
}

/// Integrator API keys.
impl Store {
    /// `false` when the name is taken (also by a revoked key: names stay unique in the trail).
    pub async fn create_api_key(&self, key_sha256: &str, key: &ApiKeyRow) -> Result<bool, Error> {
        on_pool!(self, pool => {
            let done = sqlx::query(
                "INSERT INTO api_keys (key_sha256, name, created_at, scopes, departments, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            )
            .bind(key_sha256)
            .bind(&key.name)
            .bind(&key.created_at)
            .bind(&key.scopes)
            .bind(&key.departments)
            .bind(&key.expires_at)
            .execute(pool)
            .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// The key with this hash, revoked or expired or not.
    pub async fn api_key(&self, key_sha256: &str) -> Result<Option<ApiKeyRow>, Error> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE key_sha256 = $1");
        on_pool!(self, pool => {
            let row = sqlx::query(AssertSqlSafe(sql))
                .bind(key_sha256)
                .fetch_optional(pool)
                .await?;
            Ok(match row { Some(r) => Some(key_from_row!(r)), None => None })
        })
    }

    pub async fn touch_api_key(&self, name: &str, now: &str) -> Result<(), Error> {
        on_pool!(self, pool => {
            sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE name = $2")
                .bind(now)
                .bind(name)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// Every key, revoked ones too, by name.
    pub async fn list_api_keys(&self) -> Result<Vec<ApiKeyRow>, Error> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys ORDER BY name");
        on_pool!(self, pool => {
            let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(pool).await?;
            rows.into_iter().map(|r| Ok(key_from_row!(r))).collect()
        })
    }

    /// `false` when there is no unrevoked key of that name.
    pub async fn revoke_api_key(&self, name: &str, now: &str) -> Result<bool, Error> {
        on_pool!(self, pool => {
            let done = sqlx::query(
                "UPDATE api_keys SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(name)
            .execute(pool)
            .await?;
            Ok(done.rows_affected() > 0)
        })
    }
}

/// The audit trail.
impl Store {
    pub async fn insert_audit(&self, row: &AuditRow) -> Result<(), Error> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO audit (id, at, actor, action, target, client, detail) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&row.id)
            .bind(&row.at)
            .bind(&row.actor)
            .bind(&row.action)
            .bind(&row.target)
            .bind(&row.client)
            .bind(&row.detail)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// Entries matching `filter` (conditions on the audit columns), newest first: the page and
    /// the total.
    pub async fn list_audit(
        &self,
        filter: &Filter,
        page: i64,
        per_page: i64,
    ) -> Result<(Vec<AuditRow>, i64), Error> {
        let n = filter.params.len();
        let count_sql = format!("SELECT COUNT(*) AS n FROM audit WHERE TRUE{}", filter.sql);
        let page_sql = format!(
            "SELECT id, at, actor, action, target, client, detail FROM audit WHERE TRUE{} \
             ORDER BY at DESC, id LIMIT ${} OFFSET ${}",
            filter.sql,
            n + 1,
            n + 2
        );
        let mut page_params = filter.params.clone();
        page_params.push(Param::Int(per_page));
        page_params.push(Param::Int((page - 1) * per_page));
        on_pool!(self, pool => {
            let total: i64 = bind_all!(sqlx::query(AssertSqlSafe(count_sql)), &filter.params)
                .fetch_one(pool)
                .await?
                .try_get("n")?;
            let rows = bind_all!(sqlx::query(AssertSqlSafe(page_sql)), &page_params)
                .fetch_all(pool)
                .await?;
            let rows = rows
                .iter()
                .map(|r| {
                    Ok(AuditRow {
                        id: r.try_get("id")?,
                        at: r.try_get("at")?,
                        actor: r.try_get("actor")?,
                        action: r.try_get("action")?,
                        target: r.try_get("target")?,
                        client: r.try_get("client")?,
                        detail: r.try_get("detail")?,
                    })
                })
                .collect::<Result<Vec<_>, Error>>()?;
            Ok((rows, total))
        })
    }
}
