//! Periods of the documents' own dates and the sheet endpoints' query (`from`, `to`, `kinds`,
//! `departments`, `doctors`, `group`).

use chrono::{Datelike, NaiveDate};
use opdcheck_api::qa::{SheetGroup, SheetParams};
use opdcheck_engine::DocKind;

use super::bad;
use crate::error::Error;
use crate::store::{Filter, Param};

/// A date `YYYY-MM-DD`, located at `path` when it is not one.
pub fn date(v: &str, path: &str) -> Result<NaiveDate, Error> {
    NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").map_err(|_| {
        bad(
            "bad_parameter",
            format!("`{path}` must be a date YYYY-MM-DD"),
            path,
        )
    })
}

/// A period of the documents' own dates, both days included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// `from` ≤ `to`, at most 20 years; a bad one is located at `path`.
    pub fn new(from: NaiveDate, to: NaiveDate, path: &str) -> Result<Period, Error> {
        if from > to {
            return Err(bad("bad_parameter", "`from` is after `to`", path));
        }
        if (to - from).num_days() > 366 * 20 {
            return Err(bad(
                "bad_parameter",
                "the period is longer than 20 years",
                path,
            ));
        }
        Ok(Period { from, to })
    }

    /// Months in the period for sample sizes: days / 30.44, rounded, at least 1.
    pub fn months(&self) -> i64 {
        let days = (self.to - self.from).num_days() + 1;
        ((days as f64 / 30.4375).round() as i64).max(1)
    }

    pub fn wire(&self) -> opdcheck_api::qa::Period {
        opdcheck_api::qa::Period {
            from: self.from.to_string(),
            to: self.to.to_string(),
        }
    }

    /// `doc_at` within the period (a date, or a date-time that sorts below `<to>T~`).
    pub fn filter(&self, filter: &mut Filter) {
        filter.and("doc_at >= $?", Param::Text(self.from.to_string()));
        filter.and("doc_at < $?", Param::Text(format!("{}T~", self.to)));
    }
}

pub fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

pub fn month_end(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|n| n.pred_opt())
        .unwrap_or(d)
}

/// Kinds by name, without repeats; a bad one is located at `path[i]` (a body's array) or at
/// `path` (a query parameter, `indexed` false).
pub fn kinds_of(list: &[String], path: &str, indexed: bool) -> Result<Vec<DocKind>, Error> {
    let mut kinds = Vec::new();
    for (i, k) in list.iter().enumerate() {
        let kind = DocKind::from_name(k.trim()).ok_or_else(|| {
            let at = if indexed {
                format!("{path}[{i}]")
            } else {
                path.to_owned()
            };
            bad("bad_parameter", format!("unknown kind `{k}`"), at)
        })?;
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    Ok(kinds)
}

/// `kind IN (…)` for the kinds given (none: no condition).
pub fn filter_kinds(filter: &mut Filter, kinds: &[DocKind]) {
    let names: Vec<String> = kinds.iter().map(|k| k.as_str().to_owned()).collect();
    filter.and_in("kind", &names);
}

/// What the sheet endpoints read from the query.
#[derive(Debug)]
pub struct SheetQuery {
    pub period: Period,
    pub filter: Filter,
    pub group: SheetGroup,
}

fn list_param(v: Option<&str>) -> Vec<String> {
    v.map(|s| {
        s.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    })
    .unwrap_or_default()
}

/// A query parameter, trimmed; blank is none.
fn get(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The period of `from`/`to` (default: `default_months` months ending with the current one),
/// located at `from` / `to`.
pub fn period_param(
    from: &Option<String>,
    to: &Option<String>,
    default_months: u32,
) -> Result<Period, Error> {
    let today = chrono::Utc::now().date_naive();
    let to = match get(to) {
        Some(v) => date(&v, "to")?,
        None => month_end(today),
    };
    let from = match get(from) {
        Some(v) => date(&v, "from")?,
        None => {
            let mut d = month_start(to);
            for _ in 1..default_months {
                d = month_start(d.pred_opt().unwrap_or(d));
            }
            d
        }
    };
    Period::new(from, to, "from")
}

/// `from`/`to` (default: `default_months` months ending with the current one), `kinds`,
/// `departments`, `doctors` (comma-separated), `group`.
pub fn sheet_query(q: &SheetParams, default_months: u32) -> Result<SheetQuery, Error> {
    let period = period_param(&q.from, &q.to, default_months)?;
    let mut filter = Filter::default();
    period.filter(&mut filter);
    let kinds = kinds_of(&list_param(q.kinds.as_deref()), "kinds", false)?;
    filter_kinds(&mut filter, &kinds);
    filter.and_in("department", &list_param(q.departments.as_deref()));
    filter.and_in("doctor", &list_param(q.doctors.as_deref()));
    let group = match get(&q.group).as_deref() {
        None | Some("department") => SheetGroup::Department,
        Some("doctor") => SheetGroup::Doctor,
        Some("kind") => SheetGroup::Kind,
        Some("document") => SheetGroup::Document,
        Some(_) => {
            return Err(bad(
                "bad_parameter",
                "`group` must be department, doctor, kind or document",
                "group",
            ));
        }
    };
    Ok(SheetQuery {
        period,
        filter,
        group,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn months_round_and_month_ends() {
        let p = Period::new(d("2026-10-01"), d("2026-10-31"), "to").unwrap();
        assert_eq!(p.months(), 1);
        let p = Period::new(d("2026-01-01"), d("2026-03-31"), "to").unwrap();
        assert_eq!(p.months(), 3);
        assert_eq!(month_end(d("2028-02-10")), d("2028-02-29"));
        assert_eq!(month_end(d("2026-12-10")), d("2026-12-31"));
        assert!(Period::new(d("2026-10-31"), d("2026-10-01"), "to").is_err());
    }

    #[test]
    fn the_sheet_query_is_located() {
        let q = |from: &str, group: &str| SheetParams {
            from: Some(from.into()),
            to: Some("2026-10-31".into()),
            group: Some(group.into()),
            ..SheetParams::default()
        };
        let path = |r: Result<SheetQuery, Error>| match r {
            Err(Error::Api { path, .. }) => path,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            path(sheet_query(&q("x", "kind"), 1)).as_deref(),
            Some("from")
        );
        assert_eq!(
            path(sheet_query(&q("2026-10-01", "ward"), 1)).as_deref(),
            Some("group")
        );
        let ok = sheet_query(&q("2026-10-01", "document"), 1).unwrap();
        assert_eq!(ok.group, SheetGroup::Document);
    }
}
