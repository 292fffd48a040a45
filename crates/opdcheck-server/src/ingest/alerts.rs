//! The alert rows of a checked document (the alert-quality figures, `GET /api/v1/alerts`):
//! one per finding shown and per shadow finding of its report, with the formulary drug of a
//! finding at a prescription's drug line, the doctor's reason and the tuning entry; and the
//! distinct formulary drugs it prescribes (the per-drug denominator). Computed when a record is
//! pushed and, for rows stored before migration 0010, by [`backfill_alerts`].

use std::collections::BTreeSet;

use opdcheck_api::qa::{Decision, FindingDecision};
use opdcheck_engine::{Document, Engine, Finding, Report};

use crate::error::Error;
use crate::store::alerts::AlertOf;
use crate::store::{AlertData, NewAlert, Store};

/// `i` of a path at `items[i]` (`items[1].frequency`, `items[0]`).
fn item_index(path: &str) -> Option<usize> {
    let rest = path.strip_prefix("items[")?;
    let (i, after) = rest.split_once(']')?;
    if !(after.is_empty() || after.starts_with('.') || after.starts_with('[')) {
        return None;
    }
    i.parse().ok()
}

/// The formulary drug's canonical name of a written drug name.
fn resolved(engine: &Engine, written: Option<&str>) -> Option<String> {
    let written = written?;
    engine
        .formulary
        .resolve(&engine.policy.formulary, written)
        .drug
        .map(|d| d.name.clone())
}

fn row(engine: &Engine, doc: &Document, f: &Finding, shadow: bool) -> NewAlert {
    let drug = match doc {
        Document::Prescription(p) => item_index(&f.path)
            .and_then(|i| p.items.get(i))
            .and_then(|item| resolved(engine, item.drug.as_deref())),
        _ => None,
    };
    NewAlert {
        rule: f.rule.clone(),
        path: f.path.clone(),
        drug,
        shadow,
        reason_given: f.reason.is_some(),
        reason_choice: f.reason.as_ref().and_then(|r| r.choice.clone()),
        tuning: f.tuning.as_ref().map(|t| t.entry.clone()),
    }
}

/// The alert rows and drugs of `doc` checked as `report`. A visit's own record has none: its
/// documents are stored (and counted) as records of their own.
pub fn alert_data(engine: &Engine, doc: &Document, report: &Report) -> AlertData {
    if let Document::Visit(_) = doc {
        return AlertData::default();
    }
    let alerts = report
        .findings
        .iter()
        .map(|f| row(engine, doc, f, false))
        .chain(report.shadow.iter().map(|f| row(engine, doc, f, true)))
        .collect();
    let drugs = match doc {
        Document::Prescription(p) => p
            .items
            .iter()
            .filter_map(|item| resolved(engine, item.drug.as_deref()))
            .collect::<BTreeSet<String>>()
            .into_iter()
            .collect(),
        _ => Vec::new(),
    };
    AlertData { alerts, drugs }
}

/// Latest versions stored before migration 0010 have no alert rows: compute them from the
/// stored body and report with `engine` (the drugs resolved by its formulary), 500 at a time,
/// with the decisions of their current review. Returns how many versions were filled.
pub async fn backfill_alerts(store: &Store, engine: &Engine) -> Result<u64, Error> {
    let mut done = 0u64;
    loop {
        let rows = store.rows_without_alerts(500).await?;
        if rows.is_empty() {
            return Ok(done);
        }
        for r in rows {
            let doc = opdcheck_engine::parse_document(&r.body).ok();
            let report: Option<Report> = serde_json::from_str(&r.report).ok();
            let data = match (&doc, &report) {
                (Some(doc), Some(report)) => alert_data(engine, doc, report),
                _ => AlertData::default(),
            };
            // QA's current decisions, as the review stored them.
            let decided: Vec<FindingDecision> = r
                .review
                .as_deref()
                .and_then(|t| serde_json::from_str(t).ok())
                .unwrap_or_default();
            let decisions: Vec<(String, String, String, bool)> = decided
                .into_iter()
                .map(|f| {
                    let d = match f.decision {
                        Decision::Confirmed => "confirmed",
                        Decision::Dismissed => "dismissed",
                    };
                    (f.rule, f.path, d.to_owned(), f.shadow)
                })
                .collect();
            store
                .set_alerts(
                    AlertOf {
                        id: &r.id,
                        version: r.version,
                        kind: &r.kind,
                        doc_at: r.doc_at.as_deref(),
                        department: r.department.as_deref(),
                        data: &data,
                    },
                    &decisions,
                )
                .await?;
            done += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drug_line_is_items_i_and_nothing_else() {
        assert_eq!(item_index("items[1].frequency"), Some(1));
        assert_eq!(item_index("items[0]"), Some(0));
        assert_eq!(item_index("items[12].dose.value"), Some(12));
        assert_eq!(item_index("items"), None);
        assert_eq!(item_index("items[x]"), None);
        assert_eq!(item_index("items[1]x"), None);
        assert_eq!(item_index("diagnoses[0]"), None);
    }
}
