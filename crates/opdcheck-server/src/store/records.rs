//! Writing records: the batch insert [`Store::insert_many`] (ownership claims, next-version
//! checks, rule rows, `latest` flags, the visits it changes) and the read of each id's state
//! that precedes it, with the placeholder lists of its multi-row statements.

use std::collections::{HashMap, HashSet};

use sqlx::{AssertSqlSafe, Row};

use crate::error::Error;
use crate::store::alerts::{AlertOf, drop_superseded, write_alerts};
use crate::store::visits::{AsConn, VisitAssembler, assemble_in};
use crate::store::{AlertData, Param, Store, bind_all, on_pool};

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
    /// Its findings' alert rows and its formulary drugs (the alert-quality figures).
    pub alerts: AlertData,
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

/// Clear `latest` on every version below its id's highest, for `n` ids (`$1`…`$n`); returns the
/// visits those versions were documents of (a new version may have moved to another visit).
fn mark_superseded(n: usize, sqlite: bool) -> String {
    format!(
        "UPDATE records SET latest = FALSE WHERE id IN ({}) AND latest AND EXISTS \
         (SELECT 1 FROM records r2 WHERE r2.id = records.id AND r2.version > records.version) \
         RETURNING kind, visit_id, patient_key",
        in_list(n, sqlite)
    )
}

/// The visit a stored row is a document of: not a whole visit's own record, and only with both
/// keys.
fn visit_of(
    kind: &str,
    visit_id: Option<String>,
    patient_key: Option<String>,
) -> Option<(String, String)> {
    match (kind == "visit", visit_id, patient_key) {
        (false, Some(v), Some(p)) => Some((v, p)),
        _ => None,
    }
}

/// Rows per multi-row statement of [`Store::insert_many`], each well under SQLite's limit of
/// 32,766 bound parameters (and PostgreSQL's 65,535): 18 per record, 3 per claim, 4 per rule.
const RECORD_ROWS: usize = 1_000;
const CLAIM_ROWS: usize = 5_000;
const RULE_ROWS: usize = 5_000;
/// Values per `IN (…)` list.
const IN_LIST: usize = 10_000;

/// One bound value's placeholder, the `n`-th of its statement: `$n`, or `?` on SQLite, which
/// then need not look each parameter's name up (sqlx asks SQLite for every parameter's name
/// when binding, and SQLite finds `$n` by a walk of the statement's list of names: quadratic in
/// a statement of a thousand or more values).
fn placeholder(s: &mut String, n: usize, sqlite: bool) {
    if sqlite {
        s.push('?');
    } else {
        s.push('$');
        s.push_str(&n.to_string());
    }
}

/// `$1, $2, …, $n` (`?, ?, …` on SQLite).
pub(super) fn in_list(n: usize, sqlite: bool) -> String {
    let mut s = String::with_capacity(n * 6);
    for i in 1..=n {
        if i > 1 {
            s.push_str(", ");
        }
        placeholder(&mut s, i, sqlite);
    }
    s
}

/// `($1, …, $cols), ($cols+1, …), …` for `rows` rows of `cols` bound values each, with the
/// SQL literals of `fixed` (position in the row, literal) among them.
pub(super) fn values_list(
    rows: usize,
    cols: usize,
    fixed: &[(usize, &str)],
    sqlite: bool,
) -> String {
    let mut s = String::with_capacity(rows * (cols + fixed.len()) * 6);
    let mut n = 0;
    for r in 0..rows {
        s.push_str(if r == 0 { "(" } else { ", (" });
        for pos in 0..cols + fixed.len() {
            if pos > 0 {
                s.push_str(", ");
            }
            match fixed.iter().find(|&&(at, _)| at == pos) {
                Some(&(_, literal)) => s.push_str(literal),
                None => {
                    n += 1;
                    placeholder(&mut s, n, sqlite);
                }
            }
        }
        s.push(')');
    }
    s
}

impl Store {
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
    ///
    /// The visits the stored versions are documents of (and were, for an id that moved), and
    /// `also` (the visits of retried records), are re-assembled by `assembler` in the same
    /// transaction: a visit never lags its documents, and the push pays for one commit.
    pub async fn insert_many(
        &self,
        recs: &[NewRecord],
        writer: &Writer,
        mut also: HashSet<(String, String)>,
        assembler: &mut dyn VisitAssembler,
    ) -> Result<Vec<Inserted>, Error> {
        if recs.is_empty() {
            self.assemble_visits(&also, &HashSet::new(), assembler)
                .await?;
            return Ok(Vec::new());
        }
        // Rows are written in key order: two batches sharing records then lock them in the
        // same order, so PostgreSQL cannot deadlock them against each other.
        let mut order: Vec<usize> = (0..recs.len()).collect();
        order.sort_by(|&a, &b| (&recs[a].id, recs[a].version).cmp(&(&recs[b].id, recs[b].version)));
        // The batch's ids in key order, each with the record that comes first for it (its
        // `created_at` is the claim's time).
        let mut ids: Vec<(&str, usize)> = Vec::new();
        for &k in &order {
            if ids.last().is_none_or(|&(id, _)| id != recs[k].id) {
                ids.push((recs[k].id.as_str(), k));
            }
        }
        let sqlite = matches!(self, Store::Sqlite(_));
        // Every statement of a batch is one round trip for all its records (a handful per batch,
        // not several per record): ownership claims, the stored maxima, the versions, their
        // rules, the `latest` flags. Long batches are split to stay under the bound-parameter
        // limits (SQLite 32,766, PostgreSQL 65,535).
        on_pool!(self, pool => {
            // SQLite: take the write lock at BEGIN (waiting on busy_timeout) rather than at the
            // first write, so what the transaction reads stays true until it commits. On
            // PostgreSQL a concurrent claim of the same id waits on the claim, then sees its row.
            let mut tx = pool.begin_with(if sqlite { "BEGIN IMMEDIATE" } else { "BEGIN" }).await?;
            let mut inserted = vec![Inserted::NotStored; recs.len()];
            // Per id of the batch: Ok(claimed now) once it may be written, Err(owner) when not.
            let mut allowed: HashMap<&str, Result<bool, String>> = HashMap::with_capacity(ids.len());
            match &writer.claims {
                Some(me) => {
                    let to_claim: Vec<(&str, usize)> = ids
                        .iter()
                        .copied()
                        .filter(|(id, _)| !writer.known.contains(*id))
                        .collect();
                    for &(id, _) in &ids {
                        if writer.known.contains(id) {
                            allowed.insert(id, Ok(false));
                        }
                    }
                    let mut claimed: std::collections::HashSet<String> = std::collections::HashSet::new();
                    for chunk in to_claim.chunks(CLAIM_ROWS) {
                        let sql = format!(
                            "INSERT INTO record_owners (id, owner, claimed_at) VALUES {} \
                             ON CONFLICT (id) DO NOTHING RETURNING id",
                            values_list(chunk.len(), 3, &[], sqlite)
                        );
                        let mut q = sqlx::query(AssertSqlSafe(sql));
                        for &(id, k) in chunk {
                            q = q.bind(id).bind(me).bind(&recs[k].created_at);
                        }
                        for row in q.fetch_all(&mut *tx).await? {
                            claimed.insert(row.try_get("id")?);
                        }
                    }
                    // The ids someone had claimed already: whose they are.
                    let taken: Vec<&str> = to_claim
                        .iter()
                        .map(|&(id, _)| id)
                        .filter(|id| !claimed.contains(*id))
                        .collect();
                    let mut owners: HashMap<String, String> = HashMap::with_capacity(taken.len());
                    for chunk in taken.chunks(IN_LIST) {
                        let sql = format!(
                            "SELECT id, owner FROM record_owners WHERE id IN ({})",
                            in_list(chunk.len(), sqlite)
                        );
                        let mut q = sqlx::query(AssertSqlSafe(sql));
                        for id in chunk {
                            q = q.bind(*id);
                        }
                        for row in q.fetch_all(&mut *tx).await? {
                            owners.insert(row.try_get("id")?, row.try_get("owner")?);
                        }
                    }
                    for &(id, _) in &to_claim {
                        let may = if claimed.contains(id) {
                            Ok(true)
                        } else {
                            // A claim that did not land found a row, and an owner is never
                            // removed once committed.
                            let owner = owners.remove(id).ok_or(sqlx::Error::RowNotFound)?;
                            if owner == *me || writer.bypass { Ok(false) } else { Err(owner) }
                        };
                        allowed.insert(id, may);
                    }
                }
                // Sign-in off: nobody claims, nothing is refused.
                None => {
                    for &(id, _) in &ids {
                        allowed.insert(id, Ok(false));
                    }
                }
            }

            // The highest stored version of each id that may be written.
            let writable: Vec<&str> = ids
                .iter()
                .map(|&(id, _)| id)
                .filter(|id| matches!(allowed.get(id), Some(Ok(_))))
                .collect();
            let mut stored_max: HashMap<String, i64> = HashMap::with_capacity(writable.len());
            for chunk in writable.chunks(IN_LIST) {
                let sql = format!(
                    "SELECT id, MAX(version) AS v FROM records WHERE id IN ({}) GROUP BY id",
                    in_list(chunk.len(), sqlite)
                );
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for id in chunk {
                    q = q.bind(*id);
                }
                for row in q.fetch_all(&mut *tx).await? {
                    stored_max.insert(row.try_get("id")?, row.try_get("v")?);
                }
            }

            // Only the next version: a gap (or a version a concurrent push already moved past)
            // is not written, the caller says why. Versions of one id follow each other in key
            // order, so a batch may store several; the same version twice is stored once.
            let mut next: HashMap<&str, i64> = HashMap::with_capacity(writable.len());
            let mut write: Vec<usize> = Vec::with_capacity(recs.len());
            for &k in &order {
                let rec = &recs[k];
                match allowed.get(rec.id.as_str()) {
                    Some(Err(owner)) => inserted[k] = Inserted::NotOwner(owner.clone()),
                    _ => {
                        let next = next
                            .entry(rec.id.as_str())
                            .or_insert_with(|| stored_max.get(&rec.id).copied().unwrap_or(0).saturating_add(1));
                        if rec.version == *next {
                            *next = next.saturating_add(1);
                            write.push(k);
                        }
                    }
                }
            }

            // The versions (a concurrent PostgreSQL transaction may have stored one meanwhile:
            // that one is not written, and not returned).
            let mut fresh: HashSet<(String, i64)> = HashSet::with_capacity(write.len());
            for chunk in write.chunks(RECORD_ROWS) {
                let sql = format!(
                    "INSERT INTO records (id, version, kind, department, doctor, visit_id, patient_key, \
                     doc_at, body, body_sha256, report, qualified, deduction, ruleset, created_at, \
                     abx, missed, latest, pushed_by, alerts) VALUES {} \
                     ON CONFLICT (id, version) DO NOTHING RETURNING id, version",
                    values_list(chunk.len(), 18, &[(17, "TRUE"), (19, "TRUE")], sqlite)
                );
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for &k in chunk {
                    let rec = &recs[k];
                    q = q
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
                        .bind(&rec.pushed_by);
                }
                for row in q.fetch_all(&mut *tx).await? {
                    fresh.insert((row.try_get("id")?, row.try_get("version")?));
                }
            }
            // The ids with a version stored now (in key order), and how many each got.
            let mut fresh_ids: Vec<(&str, usize)> = Vec::new();
            for &k in &write {
                let rec = &recs[k];
                if fresh.contains(&(rec.id.clone(), rec.version)) {
                    inserted[k] = Inserted::Fresh;
                    if let Some(key) = visit_of(&rec.kind, rec.visit_id.clone(), rec.patient_key.clone()) {
                        also.insert(key);
                    }
                    match fresh_ids.last_mut() {
                        Some((id, n)) if *id == rec.id => *n += 1,
                        _ => fresh_ids.push((rec.id.as_str(), 1)),
                    }
                }
            }

            // Their rule rows.
            let rules: Vec<(usize, &(String, i64))> = write
                .iter()
                .filter(|&&k| inserted[k] == Inserted::Fresh)
                .flat_map(|&k| recs[k].rules.iter().map(move |r| (k, r)))
                .collect();
            for chunk in rules.chunks(RULE_ROWS) {
                let sql = format!(
                    "INSERT INTO record_rules (id, version, rule, hits) VALUES {}",
                    values_list(chunk.len(), 4, &[], sqlite)
                );
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for &(k, (rule, hits)) in chunk {
                    q = q.bind(&recs[k].id).bind(recs[k].version).bind(rule).bind(*hits);
                }
                q.execute(&mut *tx).await?;
            }

            // Only the highest version of an id is `latest` (versions may arrive in any order):
            // needed where the id had a version before, or got several now.
            let superseding: Vec<&str> = fresh_ids
                .iter()
                .filter(|&&(id, n)| n > 1 || stored_max.contains_key(id))
                .map(|&(id, _)| id)
                .collect();
            for chunk in superseding.chunks(IN_LIST) {
                let sql = mark_superseded(chunk.len(), sqlite);
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for id in chunk {
                    q = q.bind(*id);
                }
                for row in q.fetch_all(&mut *tx).await? {
                    let kind: String = row.try_get("kind")?;
                    if let Some(key) = visit_of(&kind, row.try_get("visit_id")?, row.try_get("patient_key")?) {
                        also.insert(key);
                    }
                }
            }

            // The alert rows of each id's highest version stored now; an older version's go.
            let mut latest_fresh: Vec<AlertOf> = Vec::with_capacity(fresh_ids.len());
            for &k in &write {
                if inserted[k] != Inserted::Fresh {
                    continue;
                }
                let of = AlertOf::from(&recs[k]);
                // `write` is in key order: a later version of the same id replaces the earlier.
                match latest_fresh.last_mut() {
                    Some(last) if last.id == of.id => *last = of,
                    _ => latest_fresh.push(of),
                }
            }
            write_alerts(&mut tx.conn(), &latest_fresh).await?;
            drop_superseded(&mut tx.conn(), &superseding).await?;

            // A claim whose versions were all refused is dropped: an owner without a stored
            // version would lock the id for nobody's record.
            let dropped: Vec<&str> = ids
                .iter()
                .map(|&(id, _)| id)
                .filter(|id| {
                    matches!(allowed.get(id), Some(Ok(true)))
                        && fresh_ids.binary_search_by(|&(f, _)| f.cmp(*id)).is_err()
                })
                .collect();
            for chunk in dropped.chunks(IN_LIST) {
                let sql = format!("DELETE FROM record_owners WHERE id IN ({})", in_list(chunk.len(), sqlite));
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for id in chunk {
                    q = q.bind(*id);
                }
                q.execute(&mut *tx).await?;
            }
            assemble_in(&mut tx.conn(), &also, &fresh, assembler).await?;
            tx.commit().await?;
            // Two PostgreSQL transactions storing versions of one id at once cannot see each
            // other's rows: once both have committed, the later of these statements sees both.
            // (SQLite runs one write transaction at a time, each seeing every earlier commit.)
            if !sqlite {
                for chunk in fresh_ids.chunks(IN_LIST) {
                    let sql = mark_superseded(chunk.len(), sqlite);
                    let mut q = sqlx::query(AssertSqlSafe(sql));
                    for &(id, _) in chunk {
                        q = q.bind(id);
                    }
                    q.fetch_all(pool).await?;
                }
                let ids: Vec<&str> = fresh_ids.iter().map(|&(id, _)| id).collect();
                let mut conn = pool.acquire().await?;
                drop_superseded(&mut conn.conn(), &ids).await?;
            }
            Ok(inserted)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{in_list, values_list};

    #[test]
    fn placeholder_lists() {
        assert_eq!(in_list(1, false), "$1");
        assert_eq!(in_list(3, false), "$1, $2, $3");
        assert_eq!(in_list(3, true), "?, ?, ?");
        assert_eq!(values_list(1, 2, &[], false), "($1, $2)");
        assert_eq!(values_list(2, 2, &[], false), "($1, $2), ($3, $4)");
        assert_eq!(
            values_list(2, 3, &[(2, "TRUE")], false),
            "($1, $2, TRUE, $3), ($4, $5, TRUE, $6)"
        );
        assert_eq!(
            values_list(2, 3, &[(2, "TRUE")], true),
            "(?, ?, TRUE, ?), (?, ?, TRUE, ?)"
        );
    }
}
