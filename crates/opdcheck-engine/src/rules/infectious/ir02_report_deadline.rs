//! IR-02: reported in time: 2 h / 24 h.

use chrono::{Duration, NaiveDateTime};

use crate::datetime::{Precision, Stamp};
use crate::declare_rule;
use crate::model::filled;
use crate::policy::{Disease, DiseaseSubtype};
use crate::report::{Severity, Text};
use crate::rules::{Check, InfectiousCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// The time from diagnosis (`diagnosed_at`) to report (`reported_at`) is within the
    /// disease's deadline in the notifiable-disease list: 2 h for 甲类, for 乙类 managed as 甲类
    /// (传染性非典型肺炎, 肺炭疽) and for new or unexplained diseases, 24 h for the others. A
    /// subtype with a deadline of its own overrides the disease's: 炭疽 is 24 h, but a card
    /// whose `disease_subtype` is 肺炭疽 is 2 h. A diagnosis time written only to the day or hour
    /// is taken at the end of that day or hour, so only a certainly late report is flagged.
    /// The rule is silent when either time is missing or unreadable (IR-01 and IR-04 report
    /// that) or the disease is not on the list (IR-03).
    ///
    /// ## Why
    /// 传染病防治法 and 传染病信息报告管理规范 set the reporting deadlines: 甲类 and 乙类 managed
    /// as 甲类 within 2 hours of diagnosis, other 乙类 and 丙类 within 24 hours. A late report is
    /// charged 2 points per case (assessment table item 5).
    ///
    /// ## Bad
    /// ```json
    /// {"reported_at": "2026-11-23T15:30"}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"reported_at": "2026-11-23T09:30"}
    /// ```
    pub static RULE = {
        code: "IR-02",
        item: "OPD-5",
        severity: Severity::Error,
        clause: "门诊医疗质量考核表 第5条; 传染病防治法; 传染病信息报告管理规范(报告时限)",
        title: ("报告及时：2小时/24小时", "reported in time: 2 h / 24 h"),
        check: Check::Infectious(check),
        case: Some("late"),
    }
}

/// The subtype the card's `disease_subtype` names (its name or an alias).
fn named_subtype<'p>(disease: &'p Disease, written: &str) -> Option<&'p DiseaseSubtype> {
    disease
        .subtypes
        .iter()
        .find(|s| s.name == written || s.aliases.iter().any(|a| a == written))
}

/// The latest moment a time written to its precision can stand for.
fn latest(s: Stamp) -> NaiveDateTime {
    match s.precision {
        Precision::Day => s.at + Duration::days(1) - Duration::seconds(1),
        Precision::Hour => s.at + Duration::hours(1) - Duration::seconds(1),
        Precision::Minute => s.at + Duration::seconds(59),
        Precision::Second => s.at,
    }
}

/// A delay in words: `25小时30分钟` / `25 h 30 min` under two days, else `3天2小时` / `3 d 2 h`.
fn delay_text(d: Duration) -> (String, String) {
    let minutes = d.num_minutes();
    let (hours, mins) = (minutes / 60, minutes % 60);
    if hours >= 48 {
        let (days, hours) = (hours / 24, hours % 24);
        (
            format!("{days}天{hours}小时"),
            format!("{days} d {hours} h"),
        )
    } else if mins == 0 {
        (format!("{hours}小时"), format!("{hours} h"))
    } else {
        (
            format!("{hours}小时{mins}分钟"),
            format!("{hours} h {mins} min"),
        )
    }
}

fn check(ctx: &InfectiousCtx, out: &mut Sink) {
    let (Some(disease), Some(diagnosed), Some(reported)) =
        (ctx.disease, ctx.diagnosed, ctx.reported)
    else {
        return;
    };
    let subtype = filled(&ctx.doc.disease_subtype).and_then(|s| named_subtype(disease, s));
    let (hours, name) = match subtype.and_then(|s| s.hours.map(|h| (h, &s.name))) {
        Some((h, sub)) => (h, sub.as_str()),
        None => (disease.hours, disease.name.as_str()),
    };
    let delay = reported.at - latest(diagnosed);
    if delay <= Duration::hours(i64::from(hours)) {
        return;
    }
    // A diagnosis time to the minute gives the delay exactly; a coarser one a lower bound.
    let (zh, en) = if diagnosed.precision >= Precision::Minute {
        delay_text(reported.at - diagnosed.at)
    } else {
        let (zh, en) = delay_text(delay);
        (format!("至少{zh}"), format!("at least {en}"))
    };
    out.emit(
        &RULE,
        "reported_at",
        Text::new(
            format!("{name}应于诊断后{hours}小时内报告，实际诊断后{zh}才报告"),
            format!(
                "{name} must be reported within {hours} h of diagnosis; reported {en} after it"
            ),
        ),
        Text::new(
            format!("诊断后{hours}小时内网络直报；迟报须说明原因"),
            format!("report online within {hours} h of diagnosis; record why the report was late"),
        ),
    );
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::report::Severity;
    use crate::testing::*;

    #[test]
    fn flags_a_report_after_24_hours() {
        let r = infectious(json!({"reported_at": "2026-11-23T10:30"}));
        let f = expect(&r, "IR-02", "OPD-5", Severity::Error, "reported_at");
        assert!(f.message.zh.contains("24小时"), "{}", f.message.zh);
        assert!(f.message.zh.contains("24小时30分钟"), "{}", f.message.zh);
    }

    #[test]
    fn passes_within_24_hours() {
        expect_none(&infectious(json!({})), "IR-02");
        expect_none(
            &infectious(json!({"reported_at": "2026-11-23T10:00"})),
            "IR-02",
        );
    }

    #[test]
    fn class_a_within_2_hours() {
        let cholera = json!({"disease": "霍乱", "disease_subtype": null, "acute_or_chronic": null});
        let mut late = cholera.clone();
        late["reported_at"] = json!("2026-11-22T12:30");
        let f = expect(
            &infectious(late),
            "IR-02",
            "OPD-5",
            Severity::Error,
            "reported_at",
        );
        assert!(f.message.zh.contains("2小时内"), "{}", f.message.zh);
        assert!(f.message.zh.contains("2小时30分钟"), "{}", f.message.zh);
        let mut on_time = cholera;
        on_time["reported_at"] = json!("2026-11-22T11:30");
        expect_none(&infectious(on_time), "IR-02");
    }

    #[test]
    fn a_subtype_deadline_overrides_the_disease() {
        let anthrax = |subtype: &str| {
            json!({"disease": "炭疽", "disease_subtype": subtype, "acute_or_chronic": null,
                   "reported_at": "2026-11-22T13:00"})
        };
        let r = infectious(anthrax("肺炭疽"));
        expect(&r, "IR-02", "OPD-5", Severity::Error, "reported_at");
        expect_none(&infectious(anthrax("皮肤炭疽")), "IR-02");
    }

    #[test]
    fn a_diagnosis_time_to_the_day_counts_from_its_end() {
        // Diagnosed some time on 22 November: a report on the 23rd at 15:30 may be in time.
        let r =
            infectious(json!({"diagnosed_at": "2026-11-22", "reported_at": "2026-11-23T15:30"}));
        expect_none(&r, "IR-02");
        let r =
            infectious(json!({"diagnosed_at": "2026-11-22", "reported_at": "2026-11-24T01:00"}));
        expect(&r, "IR-02", "OPD-5", Severity::Error, "reported_at");
    }

    #[test]
    fn silent_without_times_or_a_listed_disease() {
        expect_none(&infectious(json!({"reported_at": null})), "IR-02");
        expect_none(
            &infectious(json!({"diagnosed_at": "昨天", "reported_at": "2026-12-30T10:00"})),
            "IR-02",
        );
        expect_none(
            &infectious(json!({"disease": "水痘", "reported_at": "2026-12-30T10:00"})),
            "IR-02",
        );
    }
}
