//! The visits list: a page of assembled visits as rows (`VisitSummary`), their report state and
//! findings judged against the clock given, as `read` judges one visit.

use chrono::{DateTime, Utc};
use opdcheck_api::visits::VisitSummary;
use opdcheck_engine::Finding;

use super::deadline::state_at;
use super::read::missed_only_when_overdue;
use crate::error::Error;
use crate::store::{Filter, Store};

/// The page of visits matching `filter` (built with `store::visit_list`'s conditions at the same
/// `now`), the latest visit date first, and the total.
pub async fn list(
    store: &Store,
    filter: &Filter,
    page: i64,
    per_page: i64,
    now: DateTime<Utc>,
) -> Result<(Vec<VisitSummary>, i64), Error> {
    let (rows, total) = store.visit_page(filter, page, per_page).await?;
    let mut out = Vec::with_capacity(rows.len());
    for (v, cases) in rows {
        let documents: Vec<serde_json::Value> = parse(&v.documents)?;
        let findings: Vec<Finding> = parse(&v.findings)?;
        let mut rules: Vec<String> = missed_only_when_overdue(findings, &cases, now)
            .into_iter()
            .map(|f| f.rule)
            .collect();
        rules.sort_unstable();
        rules.dedup();
        out.push(VisitSummary {
            visit_id: v.visit_id,
            department: v.department,
            doctor: v.doctor,
            visit_at: v.doc_at,
            assembled_at: v.updated_at,
            documents: u32::try_from(documents.len()).unwrap_or(u32::MAX),
            rules,
            report: state_at(&v.report_state, &cases, now),
            report_due_at: cases.iter().filter_map(|c| c.due_at.clone()).min(),
        });
    }
    Ok((out, total))
}

fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, Error> {
    serde_json::from_str(text).map_err(|e| Error::Internal(format!("a stored visit: {e}")))
}
