//! The trend chart of the score sheet.

use leptos::prelude::*;
use opdcheck_engine::Engine;

use crate::model::{self as qa, Trend, chart_frame, chart_runs, chart_x, chart_y};
use opdcheck_web::labels::tr;

/// Pass rates by month, drawn as SVG: a line per rate and dashed target lines.
#[component]
pub(super) fn TrendChart(trend: Trend) -> impl IntoView {
    let (left, right, top, bottom) = chart_frame();
    let thresholds = &Engine::default_engine().policy.thresholds;
    let rx: Vec<Option<f64>> = trend
        .months
        .iter()
        .map(|m| m.prescription_pass_rate)
        .collect();
    let mr: Vec<Option<f64>> = trend.months.iter().map(|m| m.record_pass_rate).collect();
    let n = trend.months.len();
    let targets = [
        thresholds.prescription_pass_rate,
        thresholds.record_pass_rate,
    ];
    let floor = qa::chart_floor(&[rx.clone(), mr.clone()].concat(), &targets);
    let target_line = move |v: f64, class: &'static str| {
        let y = chart_y(v, floor);
        view! { <line class=class x1=left x2=right y1=y y2=y></line> }
    };
    view! {
        <svg class="chart" viewBox=format!("0 0 {} {}", qa::CHART_W, qa::CHART_H) role="img"
            aria-label=tr("合格率趋势图", "Pass rate trend")>
            <line class="axis" x1=left x2=left y1=top y2=bottom></line>
            <line class="axis" x1=left x2=right y1=bottom y2=bottom></line>
            {[floor, (floor + 100.0) / 2.0, 100.0].into_iter().map(|v| view! {
                <text class="tick" x=left - 6.0 y=chart_y(v, floor) + 4.0 text-anchor="end">{format!("{v}")}</text>
            }).collect_view()}
            {target_line(thresholds.prescription_pass_rate, "target rx")}
            {target_line(thresholds.record_pass_rate, "target mr")}
            {chart_runs(&rx, floor).into_iter().map(|p| view! { <polyline class="series rx" points=p></polyline> }).collect_view()}
            {chart_runs(&mr, floor).into_iter().map(|p| view! { <polyline class="series mr" points=p></polyline> }).collect_view()}
            {trend.months.iter().enumerate().map(|(i, m)| view! {
                <text class="tick" x=chart_x(i, n) y=bottom + 18.0 text-anchor="middle">{m.month.clone()}</text>
            }).collect_view()}
        </svg>
        <p class="legend">
            <span class="key rx"></span>{tr("处方合格率", "prescriptions")}
            <span class="key mr"></span>{tr("病历书写合格率", "records")}
            <span class="key target"></span>{tr("目标", "target")}
        </p>
        {(n == 0).then(|| view! { <p class="note">{tr("该时段没有记录。", "No records in this period.")}</p> })}
    }
}
