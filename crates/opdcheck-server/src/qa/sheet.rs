//! The score sheet: per-(kind, group) aggregates from the store, rated by the engine's
//! `Sheet::rates` exactly as the CLI's score sheet; its CSV, the monthly trend and the rules'
//! dismissal rates.

use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use opdcheck_api::qa::{
    GroupRow, MonthPoint, Penalties, Rates, RuleRate, RuleRates, ScoreSheet, SheetGroup,
    SheetTotals, Trend, TrendTargets,
};
use opdcheck_engine::rules::RULES;
use opdcheck_engine::sheet::{Sheet, UNSPECIFIED};
use opdcheck_engine::{DocKind, Engine};

use super::period::{SheetQuery, month_end, month_start};
use crate::error::Error;
use crate::store::Store;
use crate::store::qa::Agg;
use crate::visits;

/// At most this many rows when the sheet is grouped by document.
pub const MAX_DOCUMENT_ROWS: i64 = 5_000;
/// The CSV columns (docs/api.md).
pub const CSV_HEADER: &str = "group,key,kind,records,qualified,pass_rate,deduction,reviewed";

fn percent(n: u64, of: u64) -> Option<f64> {
    (of > 0).then(|| n as f64 * 100.0 / of as f64)
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn count(n: i64) -> u64 {
    n.max(0) as u64
}

/// The engine's sheet from per-kind aggregates and the missed-report cases of the assembled
/// visits (not the records' own columns: a missed report is a visit's, and is one only once its
/// deadline has passed): its `rates` then put them against the policy's thresholds exactly as
/// the CLI's score sheet does.
fn engine_sheet(aggs: &[Agg], missed: u64) -> Sheet {
    let mut sheet = Sheet::new();
    for a in aggs {
        let Some(kind) = DocKind::from_name(&a.kind) else {
            continue;
        };
        let t = sheet.by_kind.entry(kind).or_default();
        t.documents += count(a.records);
        t.qualified += count(a.qualified);
        sheet.total.documents += count(a.records);
        sheet.total.qualified += count(a.qualified);
        if kind == DocKind::Prescription {
            sheet.prescriptions_with_antibiotics += count(a.abx);
        }
    }
    sheet.missed_reports = missed;
    sheet
}

/// A group's figures, summed over its aggregates (deduction not yet rounded).
fn add(g: &mut GroupRow, a: &Agg) {
    g.records += count(a.records);
    g.qualified += count(a.qualified);
    g.deduction += a.deduction;
    g.reviewed += count(a.reviewed);
}

fn row(key: String, kind: Option<String>) -> GroupRow {
    GroupRow {
        key,
        kind,
        records: 0,
        qualified: 0,
        pass_rate: None,
        deduction: 0.0,
        reviewed: 0,
    }
}

/// The pass rate and rounded deduction of a summed row.
fn finish(mut g: GroupRow) -> GroupRow {
    g.pass_rate = percent(g.qualified, g.records);
    g.deduction = round2(g.deduction);
    g
}

/// The sheet, and its total row as the CSV writes it.
pub async fn build(
    store: &Store,
    engine: &Engine,
    q: &SheetQuery,
) -> Result<(ScoreSheet, GroupRow), Error> {
    let column = match q.group {
        SheetGroup::Document => "kind",
        g => g.as_str(),
    };
    // One index scan: per (kind, group key); kinds sum to the rates, keys to the groups.
    let aggs = store.sheet_groups(&q.filter, column).await?;
    let t = &engine.policy.thresholds;
    // Deadlines are judged against the server's clock now: a visit becomes 漏报 without a push.
    let missed = visits::missed_by(store, &q.filter, "NULL", Utc::now())
        .await?
        .iter()
        .map(|(_, n)| n)
        .sum();
    let rates = Rates::from(&engine_sheet(&aggs, missed).rates(t));
    let mut total = row("total".into(), None);
    for a in &aggs {
        add(&mut total, a);
    }
    let mut groups_total = None;
    let groups: Vec<GroupRow> = if q.group == SheetGroup::Document {
        let (rows, n) = store.sheet_documents(&q.filter, MAX_DOCUMENT_ROWS).await?;
        groups_total = Some(count(n));
        rows.iter()
            .map(|a| {
                let mut g = row(a.key.clone().unwrap_or_default(), Some(a.kind.clone()));
                add(&mut g, a);
                finish(g)
            })
            .collect()
    } else {
        let mut by_key: BTreeMap<String, GroupRow> = BTreeMap::new();
        for a in &aggs {
            let key = a.key.clone().unwrap_or_else(|| UNSPECIFIED.to_owned());
            add(
                by_key.entry(key.clone()).or_insert_with(|| row(key, None)),
                a,
            );
        }
        by_key.into_values().map(finish).collect()
    };
    let total = finish(total);
    let sheet = ScoreSheet {
        period: q.period.wire(),
        group: q.group,
        totals: SheetTotals {
            records: total.records,
            qualified: total.qualified,
            pass_rate: total.pass_rate,
            deduction: total.deduction,
            penalty_yuan: rates.penalty_total,
        },
        penalties: Penalties {
            per_point_yuan: t.penalty_per_point,
            per_missed_case_yuan: t.penalty_per_missed_case,
            total_yuan: rates.penalty_total,
        },
        rates,
        groups,
        reviewed: total.reviewed,
        groups_total,
    };
    Ok((sheet, total))
}

/// A number as the CSV writes it: at most two decimals, no trailing zeros.
fn num(x: f64) -> String {
    let s = format!("{:.2}", round2(x));
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_owned() }
}

/// A CSV cell: quoted when needed; text a spreadsheet would run as a formula (`=`, `+`, `-`,
/// `@` first) gets a leading `'`.
pub(crate) fn cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The sheet as CSV: a UTF-8 BOM (Excel then reads the Chinese names right), the header, one
/// row per group, the total row; CRLF line ends.
pub fn csv(sheet: &ScoreSheet, total: &GroupRow) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(CSV_HEADER);
    out.push_str("\r\n");
    let mut line = |group: &str, g: &GroupRow| {
        let rate = percent(g.qualified, g.records).map(num).unwrap_or_default();
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\r\n",
            cell(group),
            cell(&g.key),
            cell(g.kind.as_deref().unwrap_or("")),
            g.records,
            g.qualified,
            rate,
            num(g.deduction),
            g.reviewed
        ));
    };
    for g in &sheet.groups {
        line(sheet.group.as_str(), g);
    }
    line("total", total);
    out
}

/// The CSV's file name.
pub fn csv_filename(q: &SheetQuery) -> String {
    format!("sheet-{}-{}.csv", q.period.from, q.period.to)
}

/// Every month of the period (empty ones too: a chart needs the gaps) with its rates.
pub async fn trend(store: &Store, engine: &Engine, q: &SheetQuery) -> Result<Trend, Error> {
    let aggs = store.sheet_months(&q.filter).await?;
    let missed: BTreeMap<String, u64> =
        visits::missed_by(store, &q.filter, "SUBSTR(doc_at, 1, 7)", Utc::now())
            .await?
            .into_iter()
            .filter_map(|(k, n)| Some((k?, n)))
            .collect();
    let mut by_month: BTreeMap<String, Vec<Agg>> = BTreeMap::new();
    let mut d = month_start(q.period.from);
    while d <= q.period.to {
        by_month.insert(d.format("%Y-%m").to_string(), Vec::new());
        d = month_end(d).succ_opt().unwrap_or(NaiveDate::MAX);
    }
    for a in aggs {
        if let Some(k) = &a.key {
            by_month.entry(k.clone()).or_default().push(a);
        }
    }
    let t = &engine.policy.thresholds;
    let months = by_month
        .into_iter()
        .map(|(month, aggs)| {
            let r = engine_sheet(&aggs, missed.get(&month).copied().unwrap_or(0)).rates(t);
            MonthPoint {
                month,
                records: aggs.iter().map(|a| count(a.records)).sum(),
                prescription_pass_rate: r.prescription_pass_rate.rate,
                record_pass_rate: r.record_pass_rate.rate,
                missed_reports: r.missed_reports.missed,
                antibiotic_share: r.antibiotic_share.share,
            }
        })
        .collect();
    Ok(Trend {
        period: q.period.wire(),
        targets: TrendTargets {
            prescription_pass_rate: t.prescription_pass_rate,
            record_pass_rate: t.record_pass_rate,
            missed_report_rate: t.missed_report_rate,
            antibiotic_share_max: t.antibiotic_share_max,
        },
        months,
    })
}

/// The rules that fire most (by hits), with QA's dismissal rate.
pub async fn rule_rates(store: &Store, q: &SheetQuery) -> Result<RuleRates, Error> {
    let mut rows = store.rule_stats(&q.filter).await?;
    rows.sort_by(|a, b| b.hits.cmp(&a.hits).then_with(|| a.rule.cmp(&b.rule)));
    let rules = rows
        .into_iter()
        .map(|r| RuleRate {
            item: RULES
                .iter()
                .find(|x| x.code == r.rule)
                .map(|x| x.item.to_owned()),
            hits: count(r.hits),
            records: count(r.records),
            reviewed_hits: count(r.reviewed_hits),
            dismissed: count(r.dismissed),
            dismissal_rate: (r.reviewed_hits > 0)
                .then(|| r.dismissed as f64 / r.reviewed_hits as f64),
            rule: r.rule,
        })
        .collect();
    Ok(RuleRates {
        period: q.period.wire(),
        rules,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_formula_safe() {
        assert_eq!(cell("呼吸内科"), "呼吸内科");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(num(2.0), "2");
        assert_eq!(num(83.333333), "83.33");
        assert_eq!(num(0.0), "0");
    }

    #[test]
    fn aggregates_rate_as_the_engine_rates() {
        let agg = |kind: &str, records, qualified, abx| Agg {
            kind: kind.into(),
            records,
            qualified,
            abx,
            ..Agg::default()
        };
        let sheet = engine_sheet(
            &[
                agg("prescription", 10, 8, 2),
                agg("outpatient_record", 4, 4, 0),
                agg("no_such_kind", 5, 0, 0),
            ],
            3,
        );
        assert_eq!(sheet.missed_reports, 3, "the visits' count");
        assert_eq!(sheet.total.documents, 14, "unknown kinds are not counted");
        assert_eq!(sheet.prescriptions_with_antibiotics, 2);
        let engine = Engine::default_engine();
        let r = Rates::from(&sheet.rates(&engine.policy.thresholds));
        assert_eq!(r.prescription_pass_rate.value, Some(80.0));
        assert_eq!(r.antibiotic_share.value, Some(20.0));
    }
}
