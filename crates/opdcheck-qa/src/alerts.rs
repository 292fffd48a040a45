//! The alert-quality page's logic (提示质量): the query (a month, rows by rule, department or
//! drug), the table's lines as the page shows them (rates as %, 无数据 where a rate has nothing
//! under it, never a figure over nothing), and their order. The figures are the server's
//! (`GET /api/v1/alerts`, `opdcheck_api::alerts`); pure, so it is tested natively.

use opdcheck_engine::Severity;

pub use opdcheck_api::alerts::{AlertGroup, AlertQuality, AlertRow, ReasonCount};

use crate::model::month_of;

/// The page's choices: the month (`YYYY-MM`, as `<input type="month">` gives it) and the
/// grouping beside the rule.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertForm {
    pub month: String,
    pub by: AlertGroup,
}

impl AlertForm {
    /// The current month of a `YYYY-MM-DD…` stamp, by rule.
    pub fn new(today: &str) -> AlertForm {
        AlertForm {
            month: today.get(..7).unwrap_or("2026-01").to_string(),
            by: AlertGroup::Rule,
        }
    }

    /// The month's first and last day (a month the picker cleared falls back to nothing
    /// sent, so the server's default — the current month — applies).
    pub fn period(&self) -> Option<(String, String)> {
        let m = self.month.as_bytes();
        let ok = m.len() == 7
            && m[4] == b'-'
            && m.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || c.is_ascii_digit());
        ok.then(|| month_of(&format!("{}-01", self.month)))
    }

    /// The query of `GET /api/v1/alerts` and `/api/v1/alerts.csv` (the same for both).
    pub fn query(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some((from, to)) = self.period() {
            q.push(("from", from));
            q.push(("to", to));
        }
        q.push(("by", self.by.as_str().to_string()));
        q
    }

    /// The downloaded file's name: `opdcheck-alerts-2026-11-department.csv`.
    pub fn csv_name(&self) -> String {
        format!("opdcheck-alerts-{}-{}.csv", self.month, self.by.as_str())
    }
}

/// `0.125` → `12.5 %`; none when there is nothing to rate (the page says 无数据).
pub fn rate(fraction: Option<f64>) -> Option<String> {
    fraction.map(|f| format!("{:.1} %", f * 100.0))
}

/// Findings per 100 documents: `33.3`; none without documents.
pub fn per_100(v: Option<f64>) -> Option<String> {
    v.map(|v| format!("{v:.1}"))
}

/// How the table is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// By rule code, then group (the server's order).
    #[default]
    Rule,
    /// Most findings per 100 documents first.
    Rate,
    /// Most often kept by doctors first.
    Override,
    /// Most often dismissed by QA first.
    Dismissal,
    /// Most shadow findings first.
    Shadow,
}

impl SortKey {
    pub const ALL: [SortKey; 5] = [
        SortKey::Rule,
        SortKey::Rate,
        SortKey::Override,
        SortKey::Dismissal,
        SortKey::Shadow,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Rule => "rule",
            SortKey::Rate => "rate",
            SortKey::Override => "override",
            SortKey::Dismissal => "dismissal",
            SortKey::Shadow => "shadow",
        }
    }

    pub fn parse(s: &str) -> SortKey {
        SortKey::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .unwrap_or_default()
    }

    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            SortKey::Rule => ("规则编号", "rule code"),
            SortKey::Rate => ("触发率", "firing rate"),
            SortKey::Override => ("医生保留率", "override rate"),
            SortKey::Dismissal => ("质控驳回率", "dismissal rate"),
            SortKey::Shadow => ("影子发现数", "shadow findings"),
        }
    }
}

/// Order the rows: by rule code and group, or by a figure, highest first — a rate with nothing
/// under it last (it is no rate, not zero), ties by rule code and group.
pub fn sort_rows(rows: &mut [AlertRow], key: SortKey) {
    let figure = |r: &AlertRow| -> Option<f64> {
        match key {
            SortKey::Rule => None,
            SortKey::Rate => r.per_100,
            SortKey::Override => r.override_rate,
            SortKey::Dismissal => r.dismissal_rate,
            SortKey::Shadow => Some(r.shadow as f64),
        }
    };
    rows.sort_by(|a, b| {
        let by_figure = match (figure(a), figure(b)) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        by_figure
            .then_with(|| a.rule.cmp(&b.rule))
            .then_with(|| a.group.cmp(&b.group))
    });
}

/// One row as the table shows it; `None` where the page says 无数据.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertLine {
    pub rule: String,
    /// The rule's one-line title (zh, en) from the engine's catalog; the code alone for a rule
    /// this build does not know.
    pub title: (String, String),
    /// The catalog's severity class for the row's colour.
    pub severity: Option<Severity>,
    /// The department or drug; none with `by=rule` (or a finding without one: 未注明).
    pub group: Option<String>,
    pub documents: u64,
    pub fired: u64,
    pub per_100: Option<String>,
    pub overridden: u64,
    pub override_rate: Option<String>,
    /// (choice, label, count): 「临床需要，已评估 ×3」, most first (the server's order).
    pub reasons: Vec<(Option<String>, String, u64)>,
    pub confirmed: u64,
    pub dismissed: u64,
    pub dismissal_rate: Option<String>,
    pub shadow: u64,
    pub shadow_confirmed: u64,
    pub shadow_dismissed: u64,
    pub precision: Option<String>,
}

impl AlertLine {
    pub fn of(r: &AlertRow) -> AlertLine {
        let rule = opdcheck_engine::rules::rule(&r.rule);
        AlertLine {
            rule: r.rule.clone(),
            title: rule.map_or_else(
                || (r.rule.clone(), r.rule.clone()),
                |x| (x.title.0.to_string(), x.title.1.to_string()),
            ),
            severity: rule.map(|x| x.severity),
            group: r.group.clone(),
            documents: r.documents,
            fired: r.fired,
            per_100: per_100(r.per_100),
            overridden: r.overridden,
            override_rate: rate(r.override_rate),
            reasons: r
                .reasons
                .iter()
                .map(|c| (c.choice.clone(), c.label.clone(), c.count))
                .collect(),
            confirmed: r.confirmed,
            dismissed: r.dismissed,
            dismissal_rate: rate(r.dismissal_rate),
            shadow: r.shadow,
            shadow_confirmed: r.shadow_confirmed,
            shadow_dismissed: r.shadow_dismissed,
            precision: rate(r.precision),
        }
    }
}

/// The table's lines in the chosen order.
pub fn lines(q: &AlertQuality, key: SortKey) -> Vec<AlertLine> {
    let mut rows = q.rows.clone();
    sort_rows(&mut rows, key);
    rows.iter().map(AlertLine::of).collect()
}

/// The grouping's column heading.
pub fn group_heading(by: AlertGroup) -> (&'static str, &'static str) {
    match by {
        AlertGroup::Rule => ("", ""),
        AlertGroup::Department => ("科室", "Department"),
        AlertGroup::Drug => ("药品", "Drug"),
    }
}

#[cfg(test)]
mod tests;
