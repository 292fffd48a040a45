//! The alert-quality figures (`GET /api/v1/alerts`, `/alerts.csv`): per rule, and per rule and
//! department or drug, over a period of the documents' own dates — how often a rule fires per
//! 100 documents it could fire on, how often doctors keep it with a reason (and which), how often
//! QA dismisses it, and a shadow rule's measured precision. Counted in SQL over the alert rows of
//! the latest versions (migration 0010), one index range scan per query.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use opdcheck_api::alerts::{AlertGroup, AlertParams, AlertQuality, AlertRow, ReasonCount};
use opdcheck_engine::rules;
use opdcheck_engine::{DocKind, Engine};

use super::bad;
use super::period::{Period, period_param};
use crate::error::Error;
use crate::store::{Filter, Store};

/// The label of words given without a pick-list choice.
pub const OWN_WORDS: &str = "自述理由";

/// The CSV's header: Chinese and English, as QA reads it in a spreadsheet.
pub const CSV_HEADER: &str = "规则 rule,分组 group,文书数 documents,提示数 fired,每百份 per_100,\
保留数 overridden,保留率 override_rate,理由 reasons,确认 confirmed,驳回 dismissed,\
驳回率 dismissal_rate,影子 shadow,影子确认 shadow_confirmed,影子驳回 shadow_dismissed,\
精确率 precision";

/// What the alert endpoints read from the query.
#[derive(Debug)]
pub struct AlertQuery {
    pub period: Period,
    pub filter: Filter,
    pub by: AlertGroup,
}

/// `from`/`to` (default: the current month), `by` (default `rule`); each bad one located.
pub fn alert_query(q: &AlertParams) -> Result<AlertQuery, Error> {
    let period = period_param(&q.from, &q.to, 1)?;
    let mut filter = Filter::default();
    period.filter(&mut filter);
    let by = match q.by.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => AlertGroup::Rule,
        Some(s) => AlertGroup::parse(s).ok_or_else(|| {
            bad(
                "bad_parameter",
                "`by` must be rule, department or drug",
                "by",
            )
        })?,
    };
    Ok(AlertQuery { period, filter, by })
}

fn count(n: i64) -> u64 {
    n.max(0) as u64
}

fn ratio(n: u64, of: u64) -> Option<f64> {
    (of > 0).then(|| n as f64 / of as f64)
}

/// The document kind a rule's findings are on (the catalog's), else the kinds it was seen on.
fn rule_kinds(rule: &str, seen: BTreeSet<String>) -> BTreeSet<String> {
    match rules::rule(rule).map(|r| r.group().kind()) {
        Some(kind) if kind != DocKind::Visit => BTreeSet::from([kind.as_str().to_owned()]),
        _ => seen,
    }
}

/// The figures of the period.
pub async fn build(store: &Store, engine: &Engine, q: &AlertQuery) -> Result<AlertQuality, Error> {
    let column = match q.by {
        AlertGroup::Rule => None,
        AlertGroup::Department => Some("department"),
        AlertGroup::Drug => Some("drug"),
    };
    // The denominators: the latest documents of the period per kind (and department), from the
    // score sheet's covering index; per drug, the prescriptions prescribing it. The queries are
    // independent: they run side by side on the pool.
    let by_department = q.by == AlertGroup::Department;
    let drugs = async {
        if q.by == AlertGroup::Drug {
            store.drug_documents(&q.filter).await
        } else {
            Ok(Vec::new())
        }
    };
    let (aggs, reasons, docs, drugs) = tokio::try_join!(
        store.alert_groups(&q.filter, column),
        store.alert_reasons(&q.filter, column),
        store.document_counts(&q.filter, if by_department { "department" } else { "kind" }),
        drugs,
    )?;
    let mut per_kind: HashMap<String, u64> = HashMap::new();
    let mut per_department: HashMap<(String, Option<String>), u64> = HashMap::new();
    let mut documents = 0;
    for (kind, group, n) in docs {
        *per_kind.entry(kind.clone()).or_default() += count(n);
        *per_department.entry((kind, group)).or_default() += count(n);
        documents += count(n);
    }
    let per_drug: HashMap<String, u64> = drugs.into_iter().map(|(d, n)| (d, count(n))).collect();

    let mut rows: BTreeMap<(String, Option<String>), (AlertRow, BTreeSet<String>)> =
        BTreeMap::new();
    for a in aggs {
        let (row, kinds) = rows
            .entry((a.rule.clone(), a.group.clone()))
            .or_insert_with(|| (AlertRow::empty(&a.rule, a.group.clone()), BTreeSet::new()));
        kinds.insert(a.kind);
        row.fired += count(a.fired);
        row.overridden += count(a.overridden);
        row.confirmed += count(a.confirmed);
        row.dismissed += count(a.dismissed);
        row.shadow += count(a.shadow);
        row.shadow_confirmed += count(a.shadow_confirmed);
        row.shadow_dismissed += count(a.shadow_dismissed);
    }
    let mut given: BTreeMap<(String, Option<String>), Vec<ReasonCount>> = BTreeMap::new();
    for (rule, group, choice, n) in reasons {
        let label = match &choice {
            Some(c) => engine
                .policy
                .alerts
                .label(&rule, c)
                .map_or_else(|| c.clone(), |t| t.zh),
            None => OWN_WORDS.to_owned(),
        };
        given.entry((rule, group)).or_default().push(ReasonCount {
            choice,
            label,
            count: count(n),
        });
    }
    let rows = rows
        .into_iter()
        .map(|(key, (mut row, seen))| {
            row.documents = rule_kinds(&row.rule, seen)
                .iter()
                .map(|kind| match (q.by, &row.group) {
                    (AlertGroup::Department, g) => per_department
                        .get(&(kind.clone(), g.clone()))
                        .copied()
                        .unwrap_or(0),
                    (AlertGroup::Drug, Some(drug)) => per_drug.get(drug).copied().unwrap_or(0),
                    _ => per_kind.get(kind).copied().unwrap_or(0),
                })
                .sum();
            row.per_100 = ratio(row.fired * 100, row.documents);
            row.override_rate = ratio(row.overridden, row.fired);
            row.dismissal_rate = ratio(row.dismissed, row.confirmed + row.dismissed);
            row.precision = ratio(
                row.shadow_confirmed,
                row.shadow_confirmed + row.shadow_dismissed,
            );
            let mut reasons = given.remove(&key).unwrap_or_default();
            reasons.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.choice.cmp(&b.choice)));
            row.reasons = reasons;
            row
        })
        .collect();
    Ok(AlertQuality {
        period: q.period.wire(),
        by: q.by,
        documents,
        rows,
    })
}

/// A rate as the CSV writes it: at most four decimals (a share 0–1), empty when none.
fn rate(x: Option<f64>) -> String {
    x.map(|x| {
        let s = format!("{:.4}", (x * 10_000.0).round() / 10_000.0);
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    })
    .unwrap_or_default()
}

/// The figures as CSV: a UTF-8 BOM, the header, one row per row of the JSON; CRLF line ends.
/// The reasons are one cell, `label:count` joined by `; `.
pub fn csv(a: &AlertQuality) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(CSV_HEADER);
    out.push_str("\r\n");
    for r in &a.rows {
        let reasons: Vec<String> = r
            .reasons
            .iter()
            .map(|c| format!("{}:{}", c.label, c.count))
            .collect();
        let cells = [
            super::sheet::cell(&r.rule),
            super::sheet::cell(r.group.as_deref().unwrap_or("")),
            r.documents.to_string(),
            r.fired.to_string(),
            rate(r.per_100),
            r.overridden.to_string(),
            rate(r.override_rate),
            super::sheet::cell(&reasons.join("; ")),
            r.confirmed.to_string(),
            r.dismissed.to_string(),
            rate(r.dismissal_rate),
            r.shadow.to_string(),
            r.shadow_confirmed.to_string(),
            r.shadow_dismissed.to_string(),
            rate(r.precision),
        ];
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// The CSV's file name.
pub fn csv_filename(q: &AlertQuery) -> String {
    format!(
        "alerts-{}-{}-{}.csv",
        q.by.as_str(),
        q.period.from,
        q.period.to
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_is_located_and_rates_are_written_short() {
        let q = |from: &str, by: &str| AlertParams {
            from: Some(from.into()),
            to: Some("2026-10-31".into()),
            by: Some(by.into()),
        };
        let path = |r: Result<AlertQuery, Error>| match r {
            Err(Error::Api { path, .. }) => path,
            other => panic!("{other:?}"),
        };
        assert_eq!(path(alert_query(&q("x", "rule"))).as_deref(), Some("from"));
        assert_eq!(
            path(alert_query(&q("2026-10-01", "ward"))).as_deref(),
            Some("by")
        );
        assert_eq!(
            alert_query(&q("2026-10-01", "drug")).unwrap().by,
            AlertGroup::Drug
        );
        assert_eq!(
            alert_query(&AlertParams::default()).unwrap().by,
            AlertGroup::Rule
        );
        assert_eq!(rate(Some(2.0 / 3.0)), "0.6667");
        assert_eq!(rate(Some(12.5)), "12.5");
        assert_eq!(rate(None), "");
    }
}
