//! IR-04: dates in order.

use chrono::{NaiveDateTime, Timelike};

use crate::datetime::{Precision, Stamp};
use crate::declare_rule;
use crate::report::{Severity, Text};
use crate::rules::{Check, InfectiousCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// The card's dates are in order: onset date ≤ diagnosis date ≤ report time, and a date
    /// of death is not before the onset. Onset and diagnosis are compared by date (the onset is
    /// a date); two times are compared to the coarser of the precisions they are written in,
    /// so `2026-11-22` and `2026-11-22T10:00` are in order. Findings are at `diagnosed_at`
    /// (diagnosed before the onset), `reported_at` (reported before the diagnosis, or before
    /// the onset when there is no diagnosis time) and `death_date`. Missing or unreadable dates
    /// are IR-01's.
    ///
    /// ## Why
    /// 传染病信息报告管理规范 requires the card to be filled in truthfully; dates out of order
    /// mean one of them is wrong, and the reporting deadline (IR-02) is computed from them. A
    /// defective report is charged 1 point per case (assessment table item 5).
    ///
    /// ## Bad
    /// ```json
    /// {"onset_date": "2026-11-25"}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"onset_date": "2026-11-20"}
    /// ```
    pub static RULE = {
        code: "IR-04",
        item: "OPD-5",
        severity: Severity::Error,
        clause: "门诊医疗质量考核表 第5条; 传染病信息报告管理规范",
        title: ("日期先后合理", "dates in order"),
        check: Check::Infectious(check),
        case: Some("defective"),
    }
}

/// A time cut to a precision.
fn cut(s: Stamp, p: Precision) -> NaiveDateTime {
    let t = s.at;
    match p {
        Precision::Day => s.date().and_time(chrono::NaiveTime::MIN),
        Precision::Hour => t.with_minute(0).and_then(|t| t.with_second(0)).unwrap_or(t),
        Precision::Minute => t.with_second(0).unwrap_or(t),
        Precision::Second => t,
    }
}

/// `a` is certainly later than `b`: compared to the coarser precision of the two.
fn later(a: Stamp, b: Stamp) -> bool {
    let p = a.precision.min(b.precision);
    cut(a, p) > cut(b, p)
}

/// A date as a day (for onset and death dates).
fn day(s: Stamp) -> Stamp {
    Stamp {
        at: s.at,
        precision: Precision::Day,
    }
}

/// A dated field of the card: its path, its name in both languages, and its text as written.
struct Dated<'a> {
    path: &'static str,
    zh: &'static str,
    en: &'static str,
    text: &'a Option<String>,
}

/// `first` is dated before `earlier`, which must come first: one finding at `first`.
fn out_of_order(out: &mut Sink, first: Dated, earlier: Dated) {
    let w = |v: &Option<String>| v.as_deref().unwrap_or("").trim().to_string();
    let (a, b) = (w(first.text), w(earlier.text));
    out.emit(
        &RULE,
        first.path,
        Text::new(
            format!("{}{a}早于{}{b}", first.zh, earlier.zh),
            format!("{} {a} is before the {} {b}", first.en, earlier.en),
        ),
        Text::new(
            format!("核对{}与{}", earlier.zh, first.zh),
            format!("check the {} and the {}", earlier.en, first.en),
        ),
    );
}

fn check(ctx: &InfectiousCtx, out: &mut Sink) {
    let d = ctx.doc;
    let onset = || Dated {
        path: "onset_date",
        zh: "发病日期",
        en: "onset date",
        text: &d.onset_date,
    };
    let diagnosis = || Dated {
        path: "diagnosed_at",
        zh: "诊断时间",
        en: "diagnosis time",
        text: &d.diagnosed_at,
    };
    let report = Dated {
        path: "reported_at",
        zh: "报告时间",
        en: "report time",
        text: &d.reported_at,
    };
    if let (Some(o), Some(dx)) = (ctx.onset, ctx.diagnosed)
        && later(day(o), dx)
    {
        out_of_order(out, diagnosis(), onset());
    }
    match (ctx.diagnosed, ctx.onset, ctx.reported) {
        (Some(dx), _, Some(r)) if later(dx, r) => out_of_order(out, report, diagnosis()),
        (None, Some(o), Some(r)) if later(day(o), r) => out_of_order(out, report, onset()),
        _ => {}
    }
    if let (Some(o), Some(death)) = (ctx.onset, ctx.death)
        && later(day(o), day(death))
    {
        let death = Dated {
            path: "death_date",
            zh: "死亡日期",
            en: "date of death",
            text: &d.death_date,
        };
        out_of_order(out, death, onset());
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::report::Severity;
    use crate::testing::*;

    #[test]
    fn flags_a_diagnosis_before_the_onset() {
        let r = infectious(json!({"onset_date": "2026-11-23"}));
        expect(&r, "IR-04", "OPD-5", Severity::Error, "diagnosed_at");
        // Onset on the day of diagnosis is in order.
        expect_none(&infectious(json!({"onset_date": "2026-11-22"})), "IR-04");
    }

    #[test]
    fn flags_a_report_before_the_diagnosis() {
        let r = infectious(json!({"reported_at": "2026-11-22T09:30"}));
        expect(&r, "IR-04", "OPD-5", Severity::Error, "reported_at");
        // Written to the day, the report may be later the same day.
        expect_none(&infectious(json!({"reported_at": "2026-11-22"})), "IR-04");
        let r = infectious(json!({"reported_at": "2026-11-21"}));
        expect(&r, "IR-04", "OPD-5", Severity::Error, "reported_at");
    }

    #[test]
    fn without_a_diagnosis_time_the_report_follows_the_onset() {
        let r = infectious(json!({"diagnosed_at": null, "reported_at": "2026-11-09T08:00"}));
        expect(&r, "IR-04", "OPD-5", Severity::Error, "reported_at");
        let r = infectious(json!({"diagnosed_at": null}));
        expect_none(&r, "IR-04");
    }

    #[test]
    fn death_not_before_the_onset() {
        let r = infectious(json!({"death_date": "2026-11-09"}));
        expect(&r, "IR-04", "OPD-5", Severity::Error, "death_date");
        expect_none(&infectious(json!({"death_date": "2026-11-10"})), "IR-04");
    }
}
