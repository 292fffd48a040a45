//! IR-01: report card complete.

use crate::datetime::{self, Precision};
use crate::declare_rule;
use crate::model::filled;
use crate::report::{Severity, Text};
use crate::rules::{Check, InfectiousCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// Every field the policy lists in `required.report_card` is filled in: by default the
    /// patient's name, guardian (患儿家长, only for a patient under `limits.pediatric_age_years`,
    /// 14 by default), id number, sex, age (an age or a birth date), phone, 病人属于, 现住址,
    /// 人群分类; the case class, onset date, diagnosis time, disease, the reporting physician's
    /// signature and the fill date. One finding per missing field, at the field's path.
    /// The diagnosis time must also be written at least to the hour (`2026-11-22T10`); a date
    /// alone, or a date field that is not a date, is a finding of its own at that field.
    /// Names in the list the engine does not know are ignored.
    ///
    /// ## Why
    /// 传染病信息报告管理规范 requires every item of the 传染病报告卡 to be filled in, the
    /// diagnosis time to the hour (the 2 h / 24 h deadline runs from it) and a guardian for a
    /// child under 14. A card with a missing item is a defective report: the assessment table
    /// deducts 1 point per case (item 5).
    ///
    /// ## Bad
    /// ```json
    /// {"patient": {"phone": null}, "diagnosed_at": "2026-11-22"}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"patient": {"phone": "13900000000"}, "diagnosed_at": "2026-11-22T10"}
    /// ```
    pub static RULE = {
        code: "IR-01",
        item: "OPD-5",
        severity: Severity::Error,
        clause: "门诊医疗质量考核表 第5条; 传染病信息报告管理规范(报告卡填写要求)",
        title: ("报告卡项目完整", "report card complete"),
        check: Check::Infectious(check),
        case: Some("defective"),
    }
}

/// What a required field holds.
enum Field<'a> {
    /// Not filled.
    Missing,
    /// Filled, nothing more to check.
    Filled,
    /// A date or date-time as written, to be read.
    Date(&'a str),
}

/// A required field's name in both languages and what it holds; `None` for a name the engine
/// does not know (ignored) and for a guardian the patient does not need.
fn field<'a>(
    ctx: &InfectiousCtx<'a>,
    name: &str,
) -> Option<(&'static str, &'static str, Field<'a>)> {
    let d = ctx.doc;
    let p = &d.patient;
    let text = |v: &'a Option<String>| match filled(v) {
        Some(_) => Field::Filled,
        None => Field::Missing,
    };
    let date = |v: &'a Option<String>| match filled(v) {
        Some(s) => Field::Date(s),
        None => Field::Missing,
    };
    let some = |b: bool| if b { Field::Filled } else { Field::Missing };
    Some(match name {
        "patient.name" => ("患者姓名", "patient name", text(&p.name)),
        "patient.guardian_name" => {
            let pediatric = ctx.policy().limits.pediatric_age_years;
            if !ctx.age.under_years(pediatric) {
                return None;
            }
            ("患儿家长姓名", "guardian's name", text(&p.guardian_name))
        }
        "patient.id_number" => ("有效证件号", "id number", text(&p.id_number)),
        "patient.sex" => ("性别", "sex", some(p.sex.is_some())),
        "patient.age" => {
            let age = p
                .age
                .as_ref()
                .is_some_and(|a| a.value.is_some() && a.unit.is_some());
            (
                "出生日期或年龄",
                "birth date or age",
                some(age || filled(&p.birth_date).is_some()),
            )
        }
        "patient.birth_date" => ("出生日期", "birth date", date(&p.birth_date)),
        "patient.employer" => ("工作单位", "employer", text(&p.employer)),
        "patient.phone" => ("联系电话", "phone", text(&p.phone)),
        "patient.residence_scope" => ("病人属于", "residence scope", text(&p.residence_scope)),
        "patient.current_address" => ("现住址", "current address", text(&p.current_address)),
        "patient.population_group" => ("人群分类", "population group", text(&p.population_group)),
        "report_type" => ("报告类别", "report type", some(d.report_type.is_some())),
        "case_class" => ("病例分类", "case class", some(d.case_class.is_some())),
        "disease" => ("疾病名称", "disease", text(&d.disease)),
        "disease_subtype" => ("疾病分型", "disease subtype", text(&d.disease_subtype)),
        "acute_or_chronic" => (
            "急性/慢性",
            "acute or chronic",
            some(d.acute_or_chronic.is_some()),
        ),
        "onset_date" => ("发病日期", "onset date", date(&d.onset_date)),
        "diagnosed_at" => ("诊断时间", "diagnosis time", date(&d.diagnosed_at)),
        "death_date" => ("死亡日期", "date of death", date(&d.death_date)),
        "reported_at" => ("报告时间", "report time", date(&d.reported_at)),
        "filled_at" => ("填卡日期", "fill date", date(&d.filled_at)),
        "reporting_physician" => (
            "报告医生签名",
            "reporting physician's signature",
            some(
                d.reporting_physician
                    .as_ref()
                    .is_some_and(|s| s.is_signed()),
            ),
        ),
        "reporting_unit" => ("报告单位", "reporting unit", text(&d.reporting_unit)),
        _ => return None,
    })
}

fn check(ctx: &InfectiousCtx, out: &mut Sink) {
    for name in &ctx.policy().required.report_card {
        let Some((zh, en, value)) = field(ctx, name) else {
            continue;
        };
        match value {
            Field::Filled => {}
            Field::Missing => {
                out.emit(
                    &RULE,
                    name.as_str(),
                    Text::new(format!("报告卡缺{zh}"), format!("the card lacks the {en}")),
                    Text::new(format!("填写{zh}"), format!("fill in the {en}")),
                );
            }
            Field::Date(written) => match datetime::parse(written) {
                None => {
                    out.emit(
                        &RULE,
                        name.as_str(),
                        Text::new(
                            format!("{zh}“{written}”不是有效日期"),
                            format!("the {en} “{written}” is not a valid date"),
                        ),
                        Text::new(
                            "按 YYYY-MM-DD 或 YYYY-MM-DDTHH:MM 填写",
                            "write it as YYYY-MM-DD or YYYY-MM-DDTHH:MM",
                        ),
                    );
                }
                Some(s) if name == "diagnosed_at" && s.precision < Precision::Hour => {
                    out.emit(
                        &RULE,
                        name.as_str(),
                        Text::new(
                            format!("诊断时间“{written}”未精确到小时"),
                            format!("the diagnosis time “{written}” is not given to the hour"),
                        ),
                        Text::new(
                            "诊断时间写到小时，如 2026-11-22T10:00",
                            "give the diagnosis time to the hour, e.g. 2026-11-22T10:00",
                        ),
                    );
                }
                Some(_) => {}
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::report::Severity;
    use crate::testing::*;

    #[test]
    fn flags_each_missing_field() {
        let r = infectious(json!({
            "patient": {"phone": null, "current_address": " ", "sex": null},
            "case_class": null,
            "onset_date": null,
        }));
        for path in [
            "patient.phone",
            "patient.current_address",
            "patient.sex",
            "case_class",
            "onset_date",
        ] {
            expect(&r, "IR-01", "OPD-5", Severity::Error, path);
        }
        assert_eq!(r.findings.iter().filter(|f| f.rule == "IR-01").count(), 5);
    }

    #[test]
    fn age_is_satisfied_by_age_or_birth_date() {
        let r = infectious(json!({"patient": {"age": null}}));
        expect_none(&r, "IR-01");
        let r = infectious(json!({"patient": {"birth_date": null}}));
        expect_none(&r, "IR-01");
        let r = infectious(json!({"patient": {"age": null, "birth_date": null}}));
        expect(&r, "IR-01", "OPD-5", Severity::Error, "patient.age");
    }

    #[test]
    fn guardian_only_for_a_child() {
        let child = json!({"birth_date": "2020-05-01", "age": {"value": 6, "unit": "year"}});
        let r = infectious(json!({"patient": child}));
        expect(
            &r,
            "IR-01",
            "OPD-5",
            Severity::Error,
            "patient.guardian_name",
        );
        let mut with_guardian = child.clone();
        with_guardian["guardian_name"] = json!("李娜");
        expect_none(&infectious(json!({"patient": with_guardian})), "IR-01");
        // The clean card's patient is 38: no guardian needed.
        expect_none(&infectious(json!({})), "IR-01");
    }

    #[test]
    fn reporting_physician_must_sign() {
        let r =
            infectious(json!({"reporting_physician": {"signed_at": null, "signature_id": null}}));
        expect(&r, "IR-01", "OPD-5", Severity::Error, "reporting_physician");
    }

    #[test]
    fn diagnosis_time_to_the_hour() {
        let r = infectious(json!({"diagnosed_at": "2026-11-22"}));
        let f = expect(&r, "IR-01", "OPD-5", Severity::Error, "diagnosed_at");
        assert!(f.message.zh.contains("小时"));
        expect_none(
            &infectious(json!({"diagnosed_at": "2026-11-22T10"})),
            "IR-01",
        );
        let r = infectious(json!({"diagnosed_at": "上午十点"}));
        expect(&r, "IR-01", "OPD-5", Severity::Error, "diagnosed_at");
        let r = infectious(json!({"diagnosed_at": null}));
        expect(&r, "IR-01", "OPD-5", Severity::Error, "diagnosed_at");
    }

    #[test]
    fn a_fill_date_that_is_not_a_date() {
        let r = infectious(json!({"filled_at": "2026-13-40"}));
        expect(&r, "IR-01", "OPD-5", Severity::Error, "filled_at");
    }
}
