//! The visit view: all documents of one visit edited together, each with its own findings, and
//! the cross-document findings (record ↔ prescriptions and requests, the same patient, missed
//! report cards, allergies) on top.

use leptos::prelude::*;

use crate::ui::{tr, trs};
use opdcheck_engine::model::{
    Document, ExamRequest, InfectiousReport, OutpatientRecord, Prescription, RxItem, Visit,
};
use opdcheck_engine::{Finding, Lang, Report};

use crate::countdown::{self, Deadline};
use crate::drafts::visit_as_signed;
use crate::fields::{anchor_in, dom_id};
use crate::ui::common::error_count;
use crate::ui::infectious::InfectiousForm;
use crate::ui::prescription::PrescriptionForm;
use crate::ui::record::RecordForm;
use crate::ui::request::RequestForm;
use crate::ui::summary::{ScoreBadge, SummaryPanel};
use crate::ui::{engine, lang, now_minutes, now_stamp};

/// Which document of the visit is open.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Tab {
    Record,
    Rx(usize),
    Rq(usize),
    Card(usize),
}

impl Tab {
    pub fn scope(self) -> String {
        match self {
            Tab::Record => "v-mr".into(),
            Tab::Rx(i) => format!("v-rx{i}"),
            Tab::Rq(i) => format!("v-rq{i}"),
            Tab::Card(i) => format!("v-ir{i}"),
        }
    }
}

/// The tab and path within it of a visit path (`prescriptions[1].items[0].drug`).
pub fn locate(path: &str) -> Option<(Tab, &str)> {
    let rest = |p: &str, prefix: &str| -> Option<(usize, usize)> {
        let r = p.strip_prefix(prefix)?.strip_prefix('[')?;
        let close = r.find(']')?;
        Some((r[..close].parse().ok()?, prefix.len() + close + 2))
    };
    if let Some(r) = path.strip_prefix("record") {
        return Some((Tab::Record, r.trim_start_matches('.')));
    }
    for (prefix, make) in [
        ("prescriptions", Tab::Rx as fn(usize) -> Tab),
        ("exam_requests", Tab::Rq as fn(usize) -> Tab),
        ("infectious_reports", Tab::Card as fn(usize) -> Tab),
    ] {
        if let Some((i, end)) = rest(path, prefix) {
            return Some((
                make(i),
                path.get(end..).unwrap_or("").trim_start_matches('.'),
            ));
        }
    }
    None
}

fn kind_of(tab: Tab) -> opdcheck_engine::DocKind {
    use opdcheck_engine::DocKind::*;
    match tab {
        Tab::Record => OutpatientRecord,
        Tab::Rx(_) => Prescription,
        Tab::Rq(_) => ExamRequest,
        Tab::Card(_) => InfectiousReport,
    }
}

#[component]
pub fn VisitPage(visit: RwSignal<Visit>) -> impl IntoView {
    let lang = lang();
    let start = visit.get_untracked();
    let visit_id = start.visit_id.clone();
    let id = start.id.clone();
    let record = RwSignal::new(start.record.clone().unwrap_or_else(|| OutpatientRecord {
        id: crate::ids::new_id(),
        visit_id: visit_id.clone(),
        ..Default::default()
    }));
    let rxs = RwSignal::new(
        start
            .prescriptions
            .iter()
            .cloned()
            .map(RwSignal::new)
            .collect::<Vec<_>>(),
    );
    let rqs = RwSignal::new(
        start
            .exam_requests
            .iter()
            .cloned()
            .map(RwSignal::new)
            .collect::<Vec<_>>(),
    );
    let cards = RwSignal::new(
        start
            .infectious_reports
            .iter()
            .cloned()
            .map(RwSignal::new)
            .collect::<Vec<_>>(),
    );
    let assembled = Memo::new(move |_| Visit {
        id: id.clone(),
        visit_id: visit_id.clone(),
        record: Some(record.get()),
        prescriptions: rxs.get().iter().map(|s| s.get()).collect(),
        exam_requests: rqs.get().iter().map(|s| s.get()).collect(),
        infectious_reports: cards.get().iter().map(|s| s.get()).collect(),
    });
    // The draft follows the forms (it is what is stored).
    Effect::new(move |_| {
        let v = assembled.get();
        if visit.with_untracked(|old| *old != v) {
            visit.set(v);
        }
    });
    let report: Memo<Report> = Memo::new(move |_| {
        let signed = assembled.with(|v| visit_as_signed(v, &now_minutes()));
        engine().check(&Document::Visit(signed))
    });
    // The report of one nested document, by its place in the visit's report order.
    let nested = move |tab: Tab| -> Signal<Report> {
        Signal::derive(move || {
            let (nrx, nrq) = (rxs.with(Vec::len), rqs.with(Vec::len));
            let k = match tab {
                Tab::Record => 0,
                Tab::Rx(i) => 1 + i,
                Tab::Rq(i) => 1 + nrx + i,
                Tab::Card(i) => 1 + nrx + nrq + i,
            };
            report
                .with(|r| r.documents.as_ref().and_then(|d| d.get(k)).cloned())
                .unwrap_or_else(|| Report {
                    ruleset: String::new(),
                    document: opdcheck_engine::report::DocumentRef {
                        kind: kind_of(tab),
                        id: String::new(),
                    },
                    findings: vec![],
                    score: Default::default(),
                    documents: None,
                    shadow: Vec::new(),
                    suppressed: 0,
                })
        })
    };
    let tab = RwSignal::new(Tab::Record);
    let cross = Signal::derive(move || report.with(|r| r.findings.clone()));
    let target = Callback::new(move |f: Finding| match locate(&f.path) {
        Some((t, rel)) => dom_id(&t.scope(), &anchor_in(kind_of(t), rel)),
        None => "visit-docs".into(),
    });
    // Choosing a cross-document finding opens its document first.
    let open_finding = move |f: &Finding| {
        if let Some((t, _)) = locate(&f.path) {
            tab.set(t);
        }
    };
    let base = move || {
        record.with(|r| {
            (
                r.patient.clone(),
                r.department.clone(),
                r.visit_id.clone(),
                r.diagnoses.clone(),
                r.diagnosis_codes.clone(),
            )
        })
    };
    let add_rx = move |_| {
        let (patient, department, visit_id, diagnoses, diagnosis_codes) = base();
        let n = rxs.with(Vec::len);
        rxs.update(|v| {
            v.push(RwSignal::new(Prescription {
                id: crate::ids::new_id(),
                visit_id,
                patient,
                department,
                diagnoses,
                diagnosis_codes,
                issued_at: Some(now_minutes()),
                items: vec![RxItem::default()],
                ..Default::default()
            }))
        });
        tab.set(Tab::Rx(n));
    };
    let add_rq = move |_| {
        let (patient, department, visit_id, diagnoses, _) = base();
        let n = rqs.with(Vec::len);
        rqs.update(|v| {
            v.push(RwSignal::new(ExamRequest {
                id: crate::ids::new_id(),
                visit_id,
                patient,
                department,
                diagnoses,
                requested_at: Some(now_minutes()),
                items: vec![String::new()],
                ..Default::default()
            }))
        });
        tab.set(Tab::Rq(n));
    };
    let add_card = move |_| {
        let (patient, department, visit_id, _, _) = base();
        let n = cards.with(Vec::len);
        cards.update(|v| {
            v.push(RwSignal::new(InfectiousReport {
                id: crate::ids::new_id(),
                visit_id,
                patient,
                department,
                ..Default::default()
            }))
        });
        tab.set(Tab::Card(n));
    };
    let tabs = Memo::new(move |_| {
        let mut t = vec![Tab::Record];
        t.extend((0..rxs.with(Vec::len)).map(Tab::Rx));
        t.extend((0..rqs.with(Vec::len)).map(Tab::Rq));
        t.extend((0..cards.with(Vec::len)).map(Tab::Card));
        t
    });
    let tab_label = move |t: Tab| -> String {
        let zh = lang.get() == Lang::Zh;
        match t {
            Tab::Record => {
                if zh {
                    "门诊病历".into()
                } else {
                    "Record".into()
                }
            }
            Tab::Rx(i) => {
                if zh {
                    format!("处方 {}", i + 1)
                } else {
                    format!("Prescription {}", i + 1)
                }
            }
            Tab::Rq(i) => {
                if zh {
                    format!("申请单 {}", i + 1)
                } else {
                    format!("Request {}", i + 1)
                }
            }
            Tab::Card(i) => {
                if zh {
                    format!("报告卡 {}", i + 1)
                } else {
                    format!("Report card {}", i + 1)
                }
            }
        }
    };
    let score_report = Signal::from(report);
    view! {
        <div class="visit">
            <header class="visit-head">
                <h2>{tr("就诊", "Visit")} " " <code>{move || assembled.with(|v| v.visit_id.clone().unwrap_or_default())}</code></h2>
                <ScoreBadge report=score_report />
                <div class="visit-add">
                    <button type="button" class="small" on:click=add_rx>{tr("＋ 处方", "+ prescription")}</button>
                    <button type="button" class="small" on:click=add_rq>{tr("＋ 申请单", "+ request")}</button>
                    <button type="button" class="small" on:click=add_card>{tr("＋ 传染病报告卡", "+ report card")}</button>
                </div>
            </header>
            <div class="cross">
                <SummaryPanel findings=cross target=target on_pick=Callback::new(move |f: Finding| open_finding(&f))
                    title=trs("跨文书检查".into(), "Cross-document checks".into()) />
            </div>
            <ReportsDue visit=assembled report=report />
            <nav class="tabs" role="tablist" id="visit-docs" tabindex="-1">
                <For each=move || tabs.get() key=|t| *t children=move |t| {
                    let r = nested(t);
                    view! {
                        <button type="button" role="tab" class="tab" aria-selected=move || (tab.get() == t).to_string()
                            on:click=move |_| tab.set(t)>
                            {move || tab_label(t)}
                            <span class="tab-errors" hidden=move || r.with(|r| error_count(r) == 0)>{move || r.with(error_count)}</span>
                        </button>
                    }
                } />
            </nav>
            <div class="tab-panel" role="tabpanel">
                {move || {
                    let t = tab.get();
                    let r = nested(t);
                    match t {
                        Tab::Record => view! { <RecordForm doc=record report=r scope=t.scope() nested=true /> }.into_any(),
                        Tab::Rx(i) => match rxs.with_untracked(|v| v.get(i).copied()) {
                            Some(doc) => view! { <PrescriptionForm doc=doc report=r scope=t.scope() nested=true /> }.into_any(),
                            None => ().into_any(),
                        },
                        Tab::Rq(i) => match rqs.with_untracked(|v| v.get(i).copied()) {
                            Some(doc) => view! { <RequestForm doc=doc report=r scope=t.scope() nested=true /> }.into_any(),
                            None => ().into_any(),
                        },
                        Tab::Card(i) => match cards.with_untracked(|v| v.get(i).copied()) {
                            Some(doc) => view! { <InfectiousForm doc=doc report=r scope=t.scope() nested=true /> }.into_any(),
                            None => ().into_any(),
                        },
                    }
                }}
            </div>
        </div>
    }
}

/// The report cards the visit still owes (XV-04), each with the time left from the visit time:
/// the doctor sees the deadline the server will judge the visit by. Ticks every second.
#[component]
fn ReportsDue(visit: Memo<Visit>, report: Memo<Report>) -> impl IntoView {
    let lang = lang();
    let now = RwSignal::new(now_stamp());
    if let Ok(handle) = set_interval_with_handle(
        move || now.set(now_stamp()),
        std::time::Duration::from_secs(1),
    ) {
        on_cleanup(move || handle.clear());
    }
    let due = Memo::new(move |_| {
        visit.with(|v| report.with(|r| countdown::reports_due(&engine(), v, r, &now.get())))
    });
    let line = move |d: &countdown::ReportDue| -> (String, &'static str) {
        let name = &d.disease;
        match (&d.deadline, lang.get()) {
            (Deadline::Running { hours, left_secs }, Lang::Zh) if *left_secs >= 0 => (
                format!(
                    "⏱ {name}：须在就诊后{hours}小时内填报传染病报告卡，还剩 {}",
                    countdown::clock(*left_secs)
                ),
                if *left_secs < 3600 { "soon" } else { "" },
            ),
            (Deadline::Running { hours, left_secs }, Lang::En) if *left_secs >= 0 => (
                format!(
                    "⏱ {name}: file a report card within {hours} h of the visit, {} left",
                    countdown::clock(*left_secs)
                ),
                if *left_secs < 3600 { "soon" } else { "" },
            ),
            (Deadline::Running { hours, left_secs }, Lang::Zh) => (
                format!(
                    "⚠ {name}：已超过就诊后{hours}小时报告时限 {}，将计为漏报",
                    countdown::clock(*left_secs)
                ),
                "overdue",
            ),
            (Deadline::Running { hours, left_secs }, Lang::En) => (
                format!(
                    "⚠ {name}: {} past the {hours} h deadline; counted as a missed report",
                    countdown::clock(*left_secs)
                ),
                "overdue",
            ),
            (d, Lang::Zh) => (
                format!(
                    "{name}：须在就诊后{}小时内填报传染病报告卡（病历填写就诊时间后开始倒计时）",
                    hours_of(d)
                ),
                "",
            ),
            (d, Lang::En) => (
                format!(
                    "{name}: file a report card within {} h of the visit (the countdown starts once the record has its visit time)",
                    hours_of(d)
                ),
                "",
            ),
        }
    };
    view! {
        <ul class="reports-due" role="timer" aria-live="off" hidden=move || due.with(Vec::is_empty)>
            {move || due.get().iter().map(|d| {
                let (text, state) = line(d);
                view! { <li class="countdown" data-state=state>{text}</li> }
            }).collect_view()}
        </ul>
    }
}

fn hours_of(d: &Deadline) -> u32 {
    match d {
        Deadline::Hours(h)
        | Deadline::Running { hours: h, .. }
        | Deadline::Reported { hours: h, .. } => *h,
        Deadline::Unknown => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_visit_paths() {
        assert_eq!(
            locate("record.diagnoses[1]"),
            Some((Tab::Record, "diagnoses[1]"))
        );
        assert_eq!(locate("record"), Some((Tab::Record, "")));
        assert_eq!(
            locate("prescriptions[1].items[0].drug"),
            Some((Tab::Rx(1), "items[0].drug"))
        );
        assert_eq!(locate("exam_requests[0]"), Some((Tab::Rq(0), "")));
        assert_eq!(
            locate("infectious_reports[2].disease"),
            Some((Tab::Card(2), "disease"))
        );
        assert_eq!(locate("visit_id"), None);
    }
}
