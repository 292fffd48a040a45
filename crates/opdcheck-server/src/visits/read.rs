//! Reading assembled visits: one visit id for the API, the missed-report count for the sheet.
//! Deadlines are judged against the clock given (the server's, when asked), so a visit becomes
//! 漏报 without any new push.

use chrono::{DateTime, Utc};
use opdcheck_api::visits::{
    AssembledVisit, MissingCard, NotifiableReport, VisitDocument, VisitReview,
};
use opdcheck_engine::Finding;
use opdcheck_engine::facts::MISSED_REPORT_RULE;
use serde_json::Value;

use super::assemble::Member;
use super::deadline::{overdue, state_at};
use crate::error::Error;
use crate::stamp::stamp;
use crate::store::visits::CaseRow;
use crate::store::{Filter, Store};

fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, Error> {
    serde_json::from_str(text).map_err(|e| Error::Internal(format!("a stored visit: {e}")))
}

/// The visits stored under `visit_id` that `visible(department, doctor)` allows (by the visit's
/// lead document), with their documents (a document it does not allow without its body), at
/// `now`; and how many others there are (the caller may not see them).
pub async fn read(
    store: &Store,
    visit_id: &str,
    now: DateTime<Utc>,
    visible: impl Fn(Option<&str>, Option<&str>) -> bool,
) -> Result<(Vec<AssembledVisit>, usize), Error> {
    let stored = store.visits_by_id(visit_id).await?;
    let total = stored.len();
    let shown: Vec<_> = stored
        .into_iter()
        .filter(|(v, _)| visible(v.department.as_deref(), v.doctor.as_deref()))
        .collect();
    let hidden = total - shown.len();
    let mut members: Vec<Vec<Member>> = Vec::with_capacity(shown.len());
    let mut keys = Vec::new();
    for (v, _) in &shown {
        let m: Vec<Member> = parse(&v.documents)?;
        // A document the caller may not read as a record is listed without its body.
        keys.extend(
            m.iter()
                .filter(|m| visible(m.department.as_deref(), m.doctor.as_deref()))
                .map(|m| (m.id.clone(), m.version)),
        );
        members.push(m);
    }
    let mut bodies = store.bodies(&keys).await?;
    let mut reviews = store.current_visit_reviews(visit_id).await?;
    let mut out = Vec::with_capacity(shown.len());
    for ((v, cases), members) in shown.into_iter().zip(members) {
        let documents = members
            .into_iter()
            .map(|m| {
                let body = bodies.remove(&(m.id.clone(), m.version));
                VisitDocument {
                    document: body.and_then(|b| serde_json::from_str::<Value>(&b).ok()),
                    id: m.id,
                    kind: m.kind,
                    version: m.version,
                    path: m.path,
                }
            })
            .collect();
        let findings: Vec<Finding> = parse(&v.findings)?;
        let review = match reviews.remove(&v.patient_key) {
            Some(r) => Some(VisitReview {
                findings: parse(&r.findings)?,
                visit_id: r.visit_id,
                revision: r.revision,
                reviewer: r.reviewer,
                reviewed_at: r.reviewed_at,
                assembled_at: r.assembled_at,
                note: r.note,
            }),
            None => None,
        };
        out.push(AssembledVisit {
            visit_id: v.visit_id,
            department: v.department,
            doctor: v.doctor,
            visit_at: v.doc_at,
            assembled_at: v.updated_at,
            ruleset: v.ruleset,
            documents,
            findings: missed_only_when_overdue(findings, &cases, now),
            notifiable_report: report_at(&v.report_state, &cases, now),
            review,
        })
    }
    Ok((out, hidden))
}

/// A missed-report finding stands only once its case is overdue: until then the card is due,
/// not missing.
pub(super) fn missed_only_when_overdue(
    findings: Vec<Finding>,
    cases: &[CaseRow],
    now: DateTime<Utc>,
) -> Vec<Finding> {
    findings
        .into_iter()
        .filter(|f| {
            f.rule != MISSED_REPORT_RULE
                || cases
                    .iter()
                    .find(|c| c.path == f.path)
                    .is_none_or(|c| overdue(c, now))
        })
        .collect()
}

fn report_at(stored: &str, cases: &[CaseRow], now: DateTime<Utc>) -> NotifiableReport {
    NotifiableReport {
        state: state_at(stored, cases, now),
        report_due_at: cases.iter().filter_map(|c| c.due_at.clone()).min(),
        cases: cases
            .iter()
            .map(|c| MissingCard {
                disease: c.disease.clone(),
                path: c.path.clone(),
                hours: c.hours,
                due_at: c.due_at.clone(),
                overdue: overdue(c, now),
                dismissed: c.dismissed,
            })
            .collect(),
    }
}

/// Missed-report cases (a card missing past its deadline at `now`) of the visits matching
/// `filter`, per `key` (`department`, `doctor`, `kind`, `SUBSTR(doc_at, 1, 7)`, or `NULL`).
pub async fn missed_by(
    store: &Store,
    filter: &Filter,
    key: &'static str,
    now: DateTime<Utc>,
) -> Result<Vec<(Option<String>, u64)>, Error> {
    Ok(store
        .missed_cases(filter, key, &stamp(now))
        .await?
        .into_iter()
        .map(|(k, n)| (k, n.max(0) as u64))
        .collect())
}
