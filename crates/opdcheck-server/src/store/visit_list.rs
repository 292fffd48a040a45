//! The visits list (`GET /api/v1/visits`): a page of assembled visits matching a filter, with
//! their missing-card cases. The report state is judged at the time given, in SQL, so that the
//! page and its total agree with the state each row shows.

use std::collections::HashMap;

use opdcheck_api::visits::ReportState;
use sqlx::{AssertSqlSafe, Row};

use crate::error::Error;
use crate::store::records::values_list;
use crate::store::visits::CaseRow;
use crate::store::{Filter, Param, Store, bind_all, on_pool};

/// A row of the visits list, JSON columns as text.
#[derive(Debug, Clone)]
pub struct VisitListRow {
    pub visit_id: String,
    pub patient_key: String,
    pub department: Option<String>,
    pub doctor: Option<String>,
    pub doc_at: Option<String>,
    pub documents: String,
    pub findings: String,
    pub report_state: String,
    pub report_due_at: Option<String>,
    pub updated_at: String,
}

/// The visit `v` has a missing card.
const PENDING: &str = "EXISTS (SELECT 1 FROM visit_cases c WHERE c.visit_id = v.visit_id \
     AND c.patient_key = v.patient_key)";

/// The visit `v` has a missing card past its deadline (or without one) at `$?`, a UTC stamp:
/// stamps are written with a fixed width, so they compare as text.
const OVERDUE: &str = "EXISTS (SELECT 1 FROM visit_cases c WHERE c.visit_id = v.visit_id \
     AND c.patient_key = v.patient_key AND (c.due_at IS NULL OR c.due_at <= $?))";

/// The visit `v`'s stored findings hold a rule other than the missed report (XV-04): the
/// occurrences of `"rule":"` (8 characters) and of `"rule":"XV-04"` (14), counted in the
/// findings' JSON text (compact serde_json: every finding has one `"rule":"`, and a quote
/// inside a string value is escaped, so no text of a finding can fake one). Both databases have
/// LENGTH and REPLACE; no JSON functions common to both are needed.
const OTHER_THAN_MISSED: &str = "(LENGTH(v.findings) - LENGTH(REPLACE(v.findings, '\"rule\":\"', ''))) * 14 \
     > (LENGTH(v.findings) - LENGTH(REPLACE(v.findings, '\"rule\":\"XV-04\"', ''))) * 8";

/// Keep the visits in report state `state` at `now` (a UTC stamp), as `visits::state_at`
/// judges it.
pub fn filter_state(filter: &mut Filter, state: ReportState, now: &str) {
    let now = Param::Text(now.to_owned());
    match state {
        ReportState::Overdue => filter.and(OVERDUE, now),
        ReportState::Due => filter.and(&format!("{PENDING} AND NOT {OVERDUE}"), now),
        ReportState::Reported => filter.and(
            &format!("v.report_state = $? AND NOT {PENDING}"),
            Param::Text("reported".into()),
        ),
        ReportState::None => filter.and(
            &format!("v.report_state <> $? AND NOT {PENDING}"),
            Param::Text("reported".into()),
        ),
    }
}

/// Keep the visits with (`true`) or without cross-document findings at `now`, as
/// `visits::read` lists them: a missed report counts only once overdue.
pub fn filter_findings(filter: &mut Filter, with: bool, now: &str) {
    let cond = format!("({OTHER_THAN_MISSED} OR {OVERDUE})");
    let cond = if with { cond } else { format!("NOT {cond}") };
    filter.and(&cond, Param::Text(now.to_owned()));
}

impl Store {
    /// The visits (`visits v`) matching `filter` (on `doc_at`, `department`, `doctor` and the
    /// conditions above), the latest visit date first: the page asked for, each with its cases,
    /// and the total.
    pub async fn visit_page(
        &self,
        filter: &Filter,
        page: i64,
        per_page: i64,
    ) -> Result<(Vec<(VisitListRow, Vec<CaseRow>)>, i64), Error> {
        let count_sql = format!(
            "SELECT COUNT(*) AS n FROM visits v WHERE TRUE{}",
            filter.sql
        );
        let n = filter.params.len();
        let page_sql = format!(
            "SELECT visit_id, patient_key, department, doctor, doc_at, documents, findings, \
             report_state, report_due_at, updated_at FROM visits v WHERE TRUE{} \
             ORDER BY doc_at DESC, visit_id, patient_key LIMIT ${} OFFSET ${}",
            filter.sql,
            n + 1,
            n + 2
        );
        let mut page_params = filter.params.clone();
        page_params.push(Param::Int(per_page));
        page_params.push(Param::Int((page - 1) * per_page));
        let (rows, total) = on_pool!(self, pool => {
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
                    Ok(VisitListRow {
                        visit_id: r.try_get("visit_id")?,
                        patient_key: r.try_get("patient_key")?,
                        department: r.try_get("department")?,
                        doctor: r.try_get("doctor")?,
                        doc_at: r.try_get("doc_at")?,
                        documents: r.try_get("documents")?,
                        findings: r.try_get("findings")?,
                        report_state: r.try_get("report_state")?,
                        report_due_at: r.try_get("report_due_at")?,
                        updated_at: r.try_get("updated_at")?,
                    })
                })
                .collect::<Result<Vec<_>, Error>>()?;
            (rows, total)
        });
        let mut cases = self.cases_of(&rows).await?;
        let out = rows
            .into_iter()
            .map(|r| {
                let c = cases
                    .remove(&(r.visit_id.clone(), r.patient_key.clone()))
                    .unwrap_or_default();
                (r, c)
            })
            .collect();
        Ok((out, total))
    }

    /// The cases of these visits (a page: at most 200), in one query.
    async fn cases_of(
        &self,
        rows: &[VisitListRow],
    ) -> Result<HashMap<(String, String), Vec<CaseRow>>, Error> {
        let mut out: HashMap<(String, String), Vec<CaseRow>> = HashMap::new();
        if rows.is_empty() {
            return Ok(out);
        }
        let sqlite = matches!(self, Store::Sqlite(_));
        let sql = format!(
            "SELECT visit_id, patient_key, disease, path, hours, due_at, dismissed FROM visit_cases \
             WHERE (visit_id, patient_key) IN (VALUES {}) ORDER BY visit_id, patient_key, path, disease",
            values_list(rows.len(), 2, &[], sqlite)
        );
        on_pool!(self, pool => {
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for r in rows {
                q = q.bind(&r.visit_id).bind(&r.patient_key);
            }
            for c in q.fetch_all(pool).await? {
                out.entry((c.try_get("visit_id")?, c.try_get("patient_key")?))
                    .or_default()
                    .push(CaseRow {
                        disease: c.try_get("disease")?,
                        path: c.try_get("path")?,
                        hours: c.try_get("hours")?,
                        due_at: c.try_get("due_at")?,
                        dismissed: c.try_get("dismissed")?,
                    });
            }
        });
        Ok(out)
    }
}
