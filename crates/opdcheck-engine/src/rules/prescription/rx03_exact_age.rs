//! RX-03: exact age; newborns in days, infants in months.

use chrono::NaiveDate;

use crate::datetime;
use crate::declare_rule;
use crate::model::{AgeUnit, filled};
use crate::report::{Severity, Text};
use crate::rules::{Check, RxCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// The age is exact (实足年龄): a whole number with a unit (岁, 月, 天). A newborn under 28
    /// days is written in days (日龄); an infant under 1 year in months or days (月龄), never in
    /// years. When `birth_date` is given too, the age agrees with it on the prescription's issue
    /// date: the completed years, months or days in the unit written (someone 45 years and 11
    /// months old is 45 岁). A birth date that is not a real date or falls after the issue date
    /// is reported at `patient.birth_date`; every other defect at `patient.age`. A missing age is
    /// RX-01's; without an issue date the agreement is not checked.
    ///
    /// ## Why
    /// 处方管理办法 第6条(5): 年龄应当填写实足年龄，新生儿、婴幼儿写日、月龄. Doses of children are
    /// computed from age (and weight), so "0岁", "1.5岁" or an age that contradicts the birth date
    /// can lead to a wrong dose. The assessment table deducts a point (item 10).
    ///
    /// ## Bad
    /// ```json
    /// {"prescription_type": "pediatric", "patient": {"age": {"value": 0, "unit": "year"}, "birth_date": "2026-06-01", "weight_kg": 7.5}}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"prescription_type": "pediatric", "patient": {"age": {"value": 5, "unit": "month"}, "birth_date": "2026-06-01", "weight_kg": 7.5}}
    /// ```
    pub static RULE = {
        code: "RX-03",
        item: "OPD-10",
        severity: Severity::Error,
        clause: "门诊医疗质量考核表 第10条; 处方管理办法 第6条(5)",
        title: ("实足年龄，新生儿写日龄、婴幼儿写月龄", "exact age; newborns in days, infants in months"),
        check: Check::Prescription(check),
    }
}

/// Days under which a newborn's age is written in days (新生儿期).
const NEWBORN_DAYS: i64 = 28;

fn unit_text(unit: AgeUnit) -> (&'static str, &'static str) {
    match unit {
        AgeUnit::Year => ("岁", "years"),
        AgeUnit::Month => ("个月", "months"),
        AgeUnit::Day => ("天", "days"),
    }
}

fn check(ctx: &RxCtx, out: &mut Sink) {
    let p = &ctx.doc.patient;
    let on = ctx.issued.map(|s| s.date());
    let birth = birth_date(ctx, on, out);

    let Some(age) = &p.age else { return };
    let (value, unit) = match (age.value, age.unit) {
        (None, None) => return, // not given: RX-01
        (Some(v), Some(u)) => (v, u),
        _ => {
            out.emit(
                &RULE,
                "patient.age",
                Text::new(
                    "年龄须写数值和单位（岁、月或天）",
                    "the age needs a number and a unit (years, months or days)",
                ),
                Text::new(
                    "按实足年龄填写，如 45岁、5个月、12天",
                    "write the exact age, e.g. 45 years, 5 months, 12 days",
                ),
            );
            return;
        }
    };
    let (uzh, uen) = unit_text(unit);
    if value < 0.0 || value.fract() != 0.0 {
        out.emit(
            &RULE,
            "patient.age",
            Text::new(
                format!("年龄“{value}{uzh}”不是整数的实足年龄"),
                format!("the age “{value} {uen}” is not a whole number"),
            ),
            Text::new(
                "写整数并选合适的单位，如 1岁半写 18个月",
                "write a whole number in a fitting unit, e.g. 18 months for one and a half years",
            ),
        );
        return;
    }

    // Exact facts from the birth date on the issue date, when both are known.
    let exact = birth.zip(on).map(|(b, on)| {
        let days = datetime::days_between(b, on);
        let months = datetime::completed_months(b, on);
        (days, months)
    });
    let newborn = match exact {
        Some((days, _)) => days < NEWBORN_DAYS,
        None => unit == AgeUnit::Month && value == 0.0,
    };
    let infant = match exact {
        Some((_, months)) => months < 12,
        None => value == 0.0,
    };
    if newborn && unit != AgeUnit::Day {
        out.emit(
            &RULE,
            "patient.age",
            Text::new(
                format!("新生儿年龄须写日龄（天），不能写“{value}{uzh}”"),
                format!("a newborn's age is written in days, not “{value} {uen}”"),
            ),
            Text::new(
                "按出生天数填写，如 12天",
                "write the age in days, e.g. 12 days",
            ),
        );
        return;
    }
    if infant && unit == AgeUnit::Year {
        out.emit(
            &RULE,
            "patient.age",
            Text::new(
                format!("不满1岁的婴儿年龄须写月龄或日龄，不能写“{value}岁”"),
                format!("an infant under 1 year is aged in months or days, not “{value} years”"),
            ),
            Text::new(
                "按月龄或日龄填写，如 5个月",
                "write the age in months or days, e.g. 5 months",
            ),
        );
        return;
    }
    if let (Some((days, months)), Some(b)) = (exact, birth) {
        let completed = match unit {
            AgeUnit::Day => days,
            AgeUnit::Month => months,
            AgeUnit::Year => months / 12,
        };
        if value != completed as f64 {
            out.emit(
                &RULE,
                "patient.age",
                Text::new(
                    format!("年龄“{value}{uzh}”与出生日期{b}不符（开具日实足{completed}{uzh}）"),
                    format!(
                        "the age “{value} {uen}” disagrees with the birth date {b} ({completed} {uen} on the issue date)"
                    ),
                ),
                Text::new(
                    "按出生日期核对并填写实足年龄",
                    "check the birth date and write the exact age",
                ),
            );
        }
    }
}

/// The birth date when it is a real date not after the issue date; reports it otherwise.
fn birth_date(ctx: &RxCtx, on: Option<NaiveDate>, out: &mut Sink) -> Option<NaiveDate> {
    let text = filled(&ctx.doc.patient.birth_date)?;
    let Some(b) = datetime::parse(text).map(|s| s.date()) else {
        out.emit(
            &RULE,
            "patient.birth_date",
            Text::new(
                format!("出生日期“{text}”不是有效日期"),
                format!("the birth date “{text}” is not a valid date"),
            ),
            Text::new(
                "按 YYYY-MM-DD 填写出生日期",
                "write the birth date as YYYY-MM-DD",
            ),
        );
        return None;
    };
    if on.is_some_and(|on| b > on) {
        out.emit(
            &RULE,
            "patient.birth_date",
            Text::new(
                format!("出生日期{b}晚于开具日期"),
                format!("the birth date {b} is after the issue date"),
            ),
            Text::new("核对出生日期", "check the birth date"),
        );
        return None;
    }
    Some(b)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::report::Severity;
    use crate::testing::*;

    fn age(value: serde_json::Value, unit: &str, birth: Option<&str>) -> crate::Report {
        rx(json!({"patient": {"age": {"value": value, "unit": unit}, "birth_date": birth}}))
    }

    #[test]
    fn flags_an_age_that_is_not_a_whole_number_with_a_unit() {
        let r = age(json!(45.5), "year", None);
        let f = expect(&r, "RX-03", "OPD-10", Severity::Error, "patient.age");
        assert!(f.message.zh.contains("45.5岁"));
        let r = rx(json!({"patient": {"age": {"value": 45, "unit": null}}}));
        expect(&r, "RX-03", "OPD-10", Severity::Error, "patient.age");
        let r = rx(json!({"patient": {"age": {"value": null, "unit": "year"}}}));
        expect(&r, "RX-03", "OPD-10", Severity::Error, "patient.age");
    }

    #[test]
    fn newborns_in_days() {
        // Born 10 days before the issue date (2026-11-22).
        let r = age(json!(0), "month", Some("2026-11-12"));
        let f = expect(&r, "RX-03", "OPD-10", Severity::Error, "patient.age");
        assert!(f.message.zh.contains("日龄"));
        let r = age(json!(0), "month", None);
        expect(&r, "RX-03", "OPD-10", Severity::Error, "patient.age");
        expect_none(&age(json!(10), "day", Some("2026-11-12")), "RX-03");
    }

    #[test]
    fn infants_in_months_or_days() {
        let r = age(json!(0), "year", None);
        let f = expect(&r, "RX-03", "OPD-10", Severity::Error, "patient.age");
        assert!(f.message.zh.contains("月龄"));
        let r = age(json!(1), "year", Some("2026-02-01"));
        expect(&r, "RX-03", "OPD-10", Severity::Error, "patient.age");
        expect_none(&age(json!(9), "month", Some("2026-02-01")), "RX-03");
        expect_none(&age(json!(294), "day", Some("2026-02-01")), "RX-03");
        expect_none(&age(json!(18), "month", None), "RX-03");
    }

    #[test]
    fn agrees_with_the_birth_date_in_completed_units() {
        // 45 years 11 months on 2026-11-22.
        expect_none(&age(json!(45), "year", Some("1980-12-10")), "RX-03");
        let r = age(json!(46), "year", Some("1980-12-10"));
        let f = expect(&r, "RX-03", "OPD-10", Severity::Error, "patient.age");
        assert!(f.message.zh.contains("实足45岁"));
        // The birthday is on the issue date: completed.
        expect_none(&age(json!(45), "year", Some("1981-11-22")), "RX-03");
        expect_none(&age(json!(4), "month", Some("2026-07-22")), "RX-03");
        let r = age(json!(5), "month", Some("2026-07-23"));
        expect(&r, "RX-03", "OPD-10", Severity::Error, "patient.age");
    }

    #[test]
    fn flags_a_bad_birth_date() {
        let r = age(json!(45), "year", Some("1981-02-30"));
        expect(&r, "RX-03", "OPD-10", Severity::Error, "patient.birth_date");
        let r = age(json!(0), "day", Some("2026-11-23"));
        expect(&r, "RX-03", "OPD-10", Severity::Error, "patient.birth_date");
    }

    #[test]
    fn passes_the_clean_age_and_a_birth_date_alone() {
        expect_none(&rx(json!({})), "RX-03");
        expect_none(
            &rx(json!({"patient": {"age": null, "birth_date": "1981-01-01"}})),
            "RX-03",
        );
    }
}
