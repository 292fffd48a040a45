//! The visits view's logic: the list's query and state choices, the time left before a missing
//! report card's deadline (against the browser's clock), the key fields of each document shown
//! side by side, and the visit review's request. The API's visit shapes are
//! `opdcheck_api::visits`'s (re-exported here). Pure, so it is tested natively; `ui::visits`
//! only binds it to the page.

use opdcheck_api::visits as wire;
use serde_json::Value;

use crate::model::{Decision, ReviewDraft};

pub use opdcheck_api::visits::{
    AssembledVisit, ReportState, VisitDetail, VisitDocument, VisitPage, VisitReview,
    VisitReviewResponse, VisitSummary,
};

/// Rows per page of the list.
pub const PER_PAGE: u32 = 50;

/// The state filter's choices as the view offers them (value, zh, en): overdue first, the
/// default, because a missed report is what QA must act on; `""` lists every visit.
pub const STATES: [(&str, &str, &str); 5] = [
    ("overdue", "已超时未报", "overdue"),
    ("due", "待上报", "due"),
    ("reported", "已上报", "reported"),
    ("none", "无需上报", "nothing to report"),
    ("", "全部", "all"),
];

/// The list's filter as the view holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitFilter {
    /// One of [`STATES`]' values.
    pub state: String,
    /// Only visits with cross-document findings.
    pub findings: bool,
    /// The visit date's period, `YYYY-MM-DD`.
    pub from: String,
    pub to: String,
    pub page: u32,
}

impl VisitFilter {
    /// Overdue visits of the three months ending with `today`'s (a clinic date `YYYY-MM-DD…`):
    /// a report missed at the end of last month is still listed early in this one.
    pub fn new(today: &str) -> VisitFilter {
        VisitFilter {
            state: "overdue".into(),
            findings: false,
            from: crate::model::months_back(today, 2),
            to: crate::model::month_of(today).1,
            page: 1,
        }
    }

    /// `GET /api/v1/visits`'s query.
    pub fn query(&self) -> Vec<(&'static str, String)> {
        let mut q = vec![
            ("from", self.from.clone()),
            ("to", self.to.clone()),
            ("page", self.page.to_string()),
            ("per_page", PER_PAGE.to_string()),
        ];
        if !self.state.is_empty() {
            q.push(("state", self.state.clone()));
        }
        if self.findings {
            q.push(("findings", "true".into()));
        }
        q
    }

    /// Pages of `total` rows.
    pub fn pages(total: u64) -> u32 {
        u32::try_from(total.div_ceil(u64::from(PER_PAGE)).max(1)).unwrap_or(u32::MAX)
    }
}

/// Seconds from `now` (Unix seconds, the browser's clock) to `due_at` (a UTC stamp as the server
/// writes it, `2026-11-23T01:10:00.000000Z`); negative once past. `None` when it is not a time.
pub fn seconds_left(due_at: &str, now: i64) -> Option<i64> {
    let due = opdcheck_engine::datetime::parse(due_at)?;
    // The server writes UTC with `Z`, which the parse drops: the naive time is UTC.
    if !due_at.trim_end().ends_with('Z') {
        return None;
    }
    Some(due.at.and_utc().timestamp() - now)
}

/// `3天4小时`, `5小时12分`, `12分` / `3 d 4 h`, `5 h 12 min`, `12 min` (under a minute: `<1`).
fn span(secs: i64) -> (String, String) {
    let s = secs.unsigned_abs();
    let (d, h, m) = (s / 86_400, s / 3600 % 24, s / 60 % 60);
    if d > 0 {
        (format!("{d}天{h}小时"), format!("{d} d {h} h"))
    } else if h > 0 {
        (format!("{h}小时{m}分"), format!("{h} h {m} min"))
    } else if m > 0 {
        (format!("{m}分"), format!("{m} min"))
    } else {
        ("不足1分".into(), "<1 min".into())
    }
}

/// What a row says about the visit's report card (zh, en), at `now`: the time left for a due
/// card, how long overdue for a missed one. The state is the server's (judged when the list was
/// read); the clock only says how much time is left, so a card that became overdue since says
/// so rather than a negative time left.
pub fn report_label(state: ReportState, due_at: Option<&str>, now: i64) -> (String, String) {
    let left = due_at.and_then(|d| seconds_left(d, now));
    match (state, left) {
        (ReportState::None, _) => ("无需上报".into(), "nothing to report".into()),
        (ReportState::Reported, _) => ("已上报".into(), "reported".into()),
        (ReportState::Due | ReportState::Overdue, Some(s)) if s > 0 => {
            let (zh, en) = span(s);
            (format!("剩余 {zh}"), format!("{en} left"))
        }
        (ReportState::Due | ReportState::Overdue, Some(s)) => {
            let (zh, en) = span(s);
            (format!("已超时 {zh}"), format!("overdue by {en}"))
        }
        (ReportState::Overdue, None) => (
            "已超时（无就诊时间）".into(),
            "overdue (no visit time)".into(),
        ),
        (ReportState::Due, None) => ("待上报".into(), "due".into()),
    }
}

/// A state's word (zh, en).
pub fn state_label(state: ReportState) -> (&'static str, &'static str) {
    match state {
        ReportState::None => ("无需上报", "nothing to report"),
        ReportState::Reported => ("已上报", "reported"),
        ReportState::Due => ("待上报", "due"),
        ReportState::Overdue => ("超时未报（漏报）", "overdue (missed)"),
    }
}

fn text_at<'a>(doc: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(doc, |v, k| v.get(k))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn list_at(doc: &Value, key: &str, field: Option<&str>) -> Option<String> {
    let items: Vec<&str> = doc
        .get(key)?
        .as_array()?
        .iter()
        .filter_map(|v| match field {
            Some(f) => v.get(f).and_then(Value::as_str),
            None => v.as_str(),
        })
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    (!items.is_empty()).then(|| items.join("；"))
}

/// The fields QA compares across a visit's documents (zh label, en label, value), by kind:
/// diagnoses, drugs, exams, the card's disease, and who signed when. Only fields the document
/// fills: an empty one is left out, never shown as a made-up value.
pub fn key_fields(kind: &str, doc: &Value) -> Vec<(&'static str, &'static str, String)> {
    let mut out = Vec::new();
    let mut push = |zh, en, v: Option<String>| {
        if let Some(v) = v {
            out.push((zh, en, v));
        }
    };
    let text = |path: &[&str]| text_at(doc, path).map(str::to_owned);
    match kind {
        "outpatient_record" => {
            push("就诊时间", "Visit time", text(&["visit_at"]));
            push("主诉", "Chief complaint", text(&["chief_complaint"]));
            push("诊断", "Diagnoses", list_at(doc, "diagnoses", None));
            push(
                "传染病报告",
                "Infectious report",
                text(&["infectious_report_status"]),
            );
            push("医师", "Physician", text(&["physician", "id"]));
        }
        "prescription" => {
            push("开具时间", "Issued", text(&["issued_at"]));
            push("诊断", "Diagnoses", list_at(doc, "diagnoses", None));
            push("药品", "Drugs", list_at(doc, "items", Some("drug")));
            push("医师", "Prescriber", text(&["prescriber", "id"]));
        }
        "exam_request" => {
            push("申请时间", "Requested", text(&["requested_at"]));
            push("项目", "Exams", list_at(doc, "items", None));
            push("诊断", "Diagnoses", list_at(doc, "diagnoses", None));
        }
        "infectious_report" => {
            push("病种", "Disease", text(&["disease"]));
            push("亚型", "Subtype", text(&["disease_subtype"]));
            push("诊断时间", "Diagnosed", text(&["diagnosed_at"]));
            push("报告时间", "Reported", text(&["reported_at"]));
            push(
                "报告医师",
                "Reported by",
                text(&["reporting_physician", "id"]),
            );
        }
        _ => {}
    }
    out
}

/// The review draft of a visit: QA's current review of this assembly (else nothing decided).
pub fn draft_of(visit: &AssembledVisit) -> ReviewDraft {
    let mut d = ReviewDraft::default();
    if let Some(r) = visit
        .review
        .as_ref()
        .filter(|r| r.assembled_at == visit.assembled_at)
    {
        d.set_decisions(&r.findings);
        d.note = r.note.clone().unwrap_or_default();
    }
    d
}

/// The `PUT /api/v1/visits/{visit_id}/review` request: `document` names which patient's visit
/// (any of its documents); only decisions on the visit's current findings are sent.
pub fn review_put(d: &ReviewDraft, visit: &AssembledVisit) -> Option<wire::VisitReviewPut> {
    let document = visit.documents.first()?.id.clone();
    let findings = d
        .finding_decisions()
        .into_iter()
        .filter(|f| {
            !f.shadow
                && visit
                    .findings
                    .iter()
                    .any(|x| x.rule == f.rule && x.path == f.path)
        })
        .collect();
    Some(wire::VisitReviewPut {
        document,
        findings,
        note: Some(d.note.trim().to_owned()).filter(|n| !n.is_empty()),
    })
}

/// How many of the visit's findings QA has not decided yet.
pub fn undecided(d: &ReviewDraft, visit: &AssembledVisit) -> usize {
    visit
        .findings
        .iter()
        .filter(|f| d.decision(&f.rule, &f.path) == Decision::Undecided)
        .count()
}

#[cfg(test)]
mod tests;
