//! RX-13: controlled-drug supply limits.

use crate::declare_rule;
use crate::formulary::Controlled;
use crate::lookup::Frequency;
use crate::model::filled;
use crate::policy::Policy;
use crate::report::{Finding, Severity, Text};
use crate::rules::{Check, ItemCtx, RxCtx, Sink};

use super::rx12_supply_days::{EPS, days_text, doses_in_quantity, longer_supply_reason, supply};

declare_rule! {
    /// ## What it checks
    /// Limits per prescription for 麻醉药品 and 精神药品 (the formulary's `ctrl` class), from the
    /// policy's `limits`:
    /// - 麻醉药品 and 第一类精神药品: an injection at most one dose (`narcotic_psych1_injection_doses`;
    ///   administrations = per day × `days`, else the doses `quantity` holds); a controlled- or
    ///   sustained-release form (缓释片, 控释片, 贴剂 …) at most 7 days
    ///   (`narcotic_psych1_controlled_release_days`); any other form at most 3 days
    ///   (`narcotic_psych1_other_days`);
    /// - the same for a 癌症疼痛 or 中、重度慢性疼痛 patient: an injection at most 3 days
    ///   (`pain_narcotic_psych1_injection_days`), a controlled-release form at most 15 days
    ///   (`pain_narcotic_psych1_controlled_release_days`), any other form at most 7 days
    ///   (`pain_narcotic_psych1_other_days`);
    /// - 第二类精神药品: at most 7 days (`psych2_days`); longer with a reason in
    ///   `diagnosis_note` from the policy's list (慢性病, 老年病, 特殊情况 …, as RX-12 reads it)
    ///   it is a warning asking to confirm it.
    ///
    /// The patient is a 癌症疼痛 or 中、重度慢性疼痛 patient when a diagnosis of the prescription
    /// matches the policy's `clinical.cancer_or_chronic_pain`: by its ICD-10 code (G89.3 肿瘤相关
    /// 性疼痛, R52.1 慢性顽固性疼痛) or by its name (癌痛, 癌性疼痛, 癌症疼痛, 中度/重度慢性疼痛 …),
    /// not right after a negation (非癌性疼痛). The pain itself must be diagnosed: a cancer
    /// diagnosis alone, or 慢性疼痛 (R52.2) without its severity, keeps the general limits.
    ///
    /// The supply is `days`, else derived from `quantity` as in RX-12 (no whole-pack allowance:
    /// controlled drugs are dispensed by the unit). The finding points at `items[i].days`, or
    /// `items[i].quantity` when the count comes from it. A prescription with a 麻醉药品 or
    /// 第一类精神药品 also needs the patient's `id_number` (one finding at `patient.id_number`).
    ///
    /// ## Why
    /// 处方管理办法 第23条: 为门（急）诊患者开具的麻醉药品注射剂，每张处方为一次常用量；控缓释制剂，
    /// 每张处方不得超过7日常用量；其他剂型，每张处方不得超过3日常用量 (the same for 第一类精神药品);
    /// 第二类精神药品一般每张处方不得超过7日常用量；对于慢性病或某些特殊情况的患者，处方用量可以
    /// 适当延长，医师应当注明理由. 第24条: 为门（急）诊癌症疼痛患者和中、重度慢性
    /// 疼痛患者开具的麻醉药品、第一类精神药品注射剂，每张处方不得超过3日常用量；控缓释制剂，每张处方
    /// 不得超过15日常用量；其他剂型，每张处方不得超过7日常用量. The patient's identity document
    /// number is recorded for these drugs. The assessment table deducts a point (item 13).
    ///
    /// ## Bad
    /// ```json
    /// {"prescription_type": "narcotic_psych1", "diagnoses": ["肾绞痛"], "diagnosis_codes": ["N23"], "items": {"$replace": [{"drug": "吗啡片", "strength": "10mg×10片", "dose": {"value": 10, "unit": "mg"}, "route": "口服", "frequency": "q4h", "days": 5, "quantity": {"value": 30, "unit": "片"}}]}}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"prescription_type": "narcotic_psych1", "diagnoses": ["肺恶性肿瘤", "癌性疼痛"], "diagnosis_codes": ["C34.9", null], "items": {"$replace": [{"drug": "吗啡片", "strength": "10mg×10片", "dose": {"value": 10, "unit": "mg"}, "route": "口服", "frequency": "q4h", "days": 5, "quantity": {"value": 30, "unit": "片"}}]}}
    /// ```
    pub static RULE = {
        code: "RX-13",
        item: "OPD-13",
        severity: Severity::Error,
        clause: "门诊医疗质量考核表 第13条; 处方管理办法 第23条、第24条",
        title: ("麻醉、精神药品处方限量", "controlled-drug supply limits"),
        check: Check::Prescription(check),
        severity_note: "error; warning for a 第二类精神药品 supply over 7 days with a stated reason",
    }
}

/// Administrations an injection item covers, and the field that says so.
fn administrations(item: &ItemCtx, policy: &Policy) -> Option<(f64, &'static str)> {
    let days = item.item.days.filter(|d| d.is_finite() && *d > 0.0);
    if let (Frequency::PerDay(n), Some(days)) = (item.frequency, days) {
        return Some((n * days, "days"));
    }
    doses_in_quantity(item, policy).map(|d| (d.doses, "quantity"))
}

fn class_en(c: Controlled) -> &'static str {
    match c {
        Controlled::Narcotic => "a narcotic",
        Controlled::Psych1 => "a class I psychotropic",
        Controlled::Psych2 => "a class II psychotropic",
        Controlled::Toxic => "a toxic drug",
        Controlled::Radioactive => "a radiopharmaceutical",
    }
}

/// The diagnosis that makes the patient a 癌症疼痛 or 中、重度慢性疼痛 patient (第24条), if any.
fn cancer_or_chronic_pain<'a>(ctx: &RxCtx<'a>) -> Option<&'a str> {
    let policy = ctx.policy();
    ctx.diagnoses()
        .find(|(_, text, code)| policy.is_cancer_or_chronic_pain(text, *code))
        .map(|(_, text, _)| text)
}

fn check(ctx: &RxCtx, out: &mut Sink) {
    let policy = ctx.policy();
    let limits = &policy.limits;
    let mut needs_id: Option<&str> = None;
    // Only a prescription with a 麻醉药品 or 第一类精神药品 asks.
    let mut pain: Option<Option<&str>> = None;
    for item in &ctx.items {
        let Some(class) = item.controlled() else {
            continue;
        };
        let name = item.written_name();
        let path = |field: &str| format!("items[{}].{field}", item.index);
        let (cls_zh, cls_en) = (class.zh(), class_en(class));
        match class {
            Controlled::Narcotic | Controlled::Psych1 => {
                needs_id.get_or_insert(name);
                if let Some(diagnosis) = *pain.get_or_insert_with(|| cancer_or_chronic_pain(ctx)) {
                    // 第24条: days for every form, longer than 第23条's.
                    let (max, form_zh, form_en) = if item.is_injection(policy) {
                        (
                            limits.pain_narcotic_psych1_injection_days,
                            "注射剂",
                            " injection",
                        )
                    } else if item.is_controlled_release(policy) {
                        (
                            limits.pain_narcotic_psych1_controlled_release_days,
                            "控缓释制剂",
                            " (controlled-release form)",
                        )
                    } else {
                        (
                            limits.pain_narcotic_psych1_other_days,
                            "（其他剂型）",
                            " (other forms)",
                        )
                    };
                    let form_zh =
                        format!("{form_zh}，患者为癌症疼痛或中、重度慢性疼痛（“{diagnosis}”）");
                    let form_en = format!(
                        "{form_en} for a patient with cancer pain or moderate to severe chronic pain (“{diagnosis}”)"
                    );
                    days_over(
                        out,
                        item,
                        policy,
                        max,
                        (cls_zh, cls_en),
                        (&form_zh, &form_en),
                    );
                } else if item.is_injection(policy) {
                    let max = limits.narcotic_psych1_injection_doses;
                    let Some((n, field)) = administrations(item, policy) else {
                        continue;
                    };
                    if n > max + EPS {
                        let (n, max) = (days_text(n), days_text(max));
                        out.emit(
                            &RULE,
                            path(field),
                            Text::new(
                                format!("{name}为{cls_zh}注射剂，每张处方限{max}次常用量，现开{n}次"),
                                format!("{name} is {cls_en} injection: at most {max} dose(s) per prescription, {n} prescribed"),
                            ),
                            Text::new(
                                format!("每张处方只开{max}次常用量"),
                                format!("prescribe {max} dose(s) per prescription"),
                            ),
                        );
                    }
                } else {
                    let (max, form_zh, form_en) = if item.is_controlled_release(policy) {
                        (
                            limits.narcotic_psych1_controlled_release_days,
                            "（控缓释制剂）",
                            " (controlled-release form)",
                        )
                    } else {
                        (
                            limits.narcotic_psych1_other_days,
                            "（其他剂型）",
                            " (other forms)",
                        )
                    };
                    days_over(out, item, policy, max, (cls_zh, cls_en), (form_zh, form_en));
                }
            }
            Controlled::Psych2 => {
                let found = days_over(
                    out,
                    item,
                    policy,
                    limits.psych2_days,
                    (cls_zh, cls_en),
                    ("", ""),
                );
                // 第23条 lets a 第二类 supply be longer for a chronic or special case whose
                // reason the doctor states, as RX-12 does for other drugs.
                if let (Some(f), Some(r)) = (found, longer_supply_reason(ctx)) {
                    f.severity = Severity::Warning;
                    f.message.zh.push_str(&format!("；诊断栏已注明理由“{r}”"));
                    f.message
                        .en
                        .push_str(&format!("; the diagnosis field gives the reason “{r}”"));
                    f.hint = Text::new(
                        "确认延长用量的理由成立",
                        "confirm the reason justifies the longer supply",
                    );
                }
            }
            Controlled::Toxic | Controlled::Radioactive => {}
        }
    }
    if let Some(drug) = needs_id
        && filled(&ctx.doc.patient.id_number).is_none()
    {
        out.emit(
            &RULE,
            "patient.id_number",
            Text::new(
                format!("开具麻醉药品、第一类精神药品（{drug}）须填写患者身份证明编号"),
                format!("a narcotic or class I psychotropic ({drug}) needs the patient's identity document number"),
            ),
            Text::new(
                "填写患者身份证号（代办人另行登记）",
                "fill in the patient's ID number (register an agent's separately)",
            ),
        );
    }
}

/// A days limit on one item: emit when its supply exceeds `max`, and give the finding.
fn days_over<'s>(
    out: &'s mut Sink,
    item: &ItemCtx,
    policy: &Policy,
    max: f64,
    (cls_zh, cls_en): (&str, &str),
    (form_zh, form_en): (&str, &str),
) -> Option<&'s mut Finding> {
    let s = supply(item, policy)?;
    if s.days <= max + EPS {
        return None;
    }
    let name = item.written_name();
    let (days, max) = (days_text(s.days), days_text(max));
    let (now_zh, now_en) = if s.field == "days" {
        (format!("现开{days}日"), format!("{days} days prescribed"))
    } else {
        (
            format!("按开具数量折算约{days}日"),
            format!("the quantity lasts about {days} days"),
        )
    };
    out.emit(
        &RULE,
        format!("items[{}].{}", item.index, s.field),
        Text::new(
            format!("{name}为{cls_zh}{form_zh}，每张处方不得超过{max}日常用量，{now_zh}"),
            format!("{name} is {cls_en}{form_en}: at most {max} days per prescription, {now_en}"),
        ),
        Text::new(
            format!("减至{max}日常用量以内"),
            format!("reduce the supply to {max} days"),
        ),
    )
    .into()
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::report::Severity;
    use crate::testing::*;

    /// A prescription of one controlled item (a patch on the clean one), for acute pain: the
    /// general limits of 第23条.
    fn one(kind: &str, item: Value) -> Value {
        json!({"prescription_type": kind, "diagnoses": ["肾绞痛"], "diagnosis_codes": ["N23"], "items": {"$replace": [item]}})
    }

    /// The same for a patient with the diagnosis (text, ICD-10 code): 第24条 when it is cancer
    /// pain or moderate to severe chronic pain.
    fn for_pain(diagnosis: &str, code: Option<&str>, item: Value) -> Value {
        json!({"prescription_type": "narcotic_psych1", "diagnoses": ["肺恶性肿瘤", diagnosis], "diagnosis_codes": ["C34.9", code], "items": {"$replace": [item]}})
    }

    fn morphine_injection(frequency: &str, days: Value, ampoules: f64) -> Value {
        json!({"drug": "吗啡注射液", "strength": "1ml:10mg", "dose": {"value": 10, "unit": "mg"}, "route": "皮下注射", "frequency": frequency, "days": days, "quantity": {"value": ampoules, "unit": "支"}})
    }

    fn tablets(drug: &str, strength: &str, mg: f64, frequency: &str, days: f64) -> Value {
        json!({"drug": drug, "strength": strength, "dose": {"value": mg, "unit": "mg"}, "route": "口服", "frequency": frequency, "days": days})
    }

    #[test]
    fn narcotic_injection_one_dose() {
        let r = rx(one(
            "narcotic_psych1",
            morphine_injection("q6h", json!(1), 4.0),
        ));
        let f = expect(&r, "RX-13", "OPD-13", Severity::Error, "items[0].days");
        assert!(f.message.zh.contains("4次"), "{}", f.message.zh);
        // No daily count: the quantity says how many doses.
        let r = rx(one(
            "narcotic_psych1",
            morphine_injection("st", Value::Null, 2.0),
        ));
        expect(&r, "RX-13", "OPD-13", Severity::Error, "items[0].quantity");
        let r = rx(one(
            "narcotic_psych1",
            morphine_injection("st", Value::Null, 1.0),
        ));
        expect_none(&r, "RX-13");
    }

    #[test]
    fn narcotic_controlled_release_seven_days() {
        let cr = |days| tablets("吗啡缓释片", "30mg×10片", 30.0, "q12h", days);
        let r = rx(one("narcotic_psych1", cr(10.0)));
        let f = expect(&r, "RX-13", "OPD-13", Severity::Error, "items[0].days");
        assert!(f.message.zh.contains("7日"));
        expect_none(&rx(one("narcotic_psych1", cr(7.0))), "RX-13");
    }

    #[test]
    fn narcotic_other_forms_three_days() {
        let tab = |days| tablets("吗啡片", "10mg×10片", 10.0, "q4h", days);
        let r = rx(one("narcotic_psych1", tab(5.0)));
        let f = expect(&r, "RX-13", "OPD-13", Severity::Error, "items[0].days");
        assert!(f.message.zh.contains("3日"));
        expect_none(&rx(one("narcotic_psych1", tab(3.0))), "RX-13");
        // Derived from the quantity: 30 片 at 6 a day = 5 days.
        let mut derived = tab(0.0);
        derived["days"] = Value::Null;
        derived["quantity"] = json!({"value": 3, "unit": "盒"});
        let r = rx(one("narcotic_psych1", derived));
        expect(&r, "RX-13", "OPD-13", Severity::Error, "items[0].quantity");
    }

    #[test]
    fn cancer_pain_injection_three_days() {
        // 10 mg q6h for 4 days: within 第23条 it would be one dose; for cancer pain, 3 days.
        let inj = |days: f64| morphine_injection("q6h", json!(days), days * 4.0);
        let r = rx(for_pain("癌性疼痛", None, inj(4.0)));
        let f = expect(&r, "RX-13", "OPD-13", Severity::Error, "items[0].days");
        assert!(
            f.message.zh.contains("3日") && f.message.zh.contains("癌性疼痛"),
            "{}",
            f.message.zh
        );
        expect_none(&rx(for_pain("癌性疼痛", None, inj(3.0))), "RX-13");
        // The general limit is still one dose.
        expect(
            &rx(one("narcotic_psych1", inj(3.0))),
            "RX-13",
            "OPD-13",
            Severity::Error,
            "items[0].days",
        );
    }

    #[test]
    fn cancer_pain_controlled_release_fifteen_days() {
        let cr = |days| tablets("吗啡缓释片", "30mg×10片", 30.0, "q12h", days);
        let r = rx(for_pain("癌痛", None, cr(16.0)));
        let f = expect(&r, "RX-13", "OPD-13", Severity::Error, "items[0].days");
        assert!(f.message.zh.contains("15日"), "{}", f.message.zh);
        expect_none(&rx(for_pain("癌痛", None, cr(15.0))), "RX-13");
    }

    #[test]
    fn chronic_pain_other_forms_seven_days_recognised_by_name_or_code() {
        let tab = |days| tablets("吗啡片", "10mg×10片", 10.0, "q4h", days);
        // By name: 重度慢性疼痛; by code only: R52.1 (慢性顽固性疼痛), G89.3.
        for (text, code) in [
            ("重度慢性疼痛", None),
            ("慢性疼痛", Some("R52.1")),
            ("疼痛", Some("G89.3")),
        ] {
            let r = rx(for_pain(text, code, tab(8.0)));
            let f = expect(&r, "RX-13", "OPD-13", Severity::Error, "items[0].days");
            assert!(f.message.zh.contains("7日"), "{text}: {}", f.message.zh);
            expect_none(&rx(for_pain(text, code, tab(7.0))), "RX-13");
        }
        // A cancer alone, or chronic pain without its severity, keeps 第23条's 3 days.
        for (text, code) in [("骨转移", Some("C79.5")), ("慢性疼痛", Some("R52.2"))] {
            let r = rx(for_pain(text, code, tab(5.0)));
            let f = expect(&r, "RX-13", "OPD-13", Severity::Error, "items[0].days");
            assert!(f.message.zh.contains("3日"), "{text}: {}", f.message.zh);
        }
    }

    #[test]
    fn psych2_seven_days() {
        let dz = |days| tablets("地西泮片", "5mg×20片", 5.0, "qn", days);
        let r = rx(one("psych2", dz(14.0)));
        expect(&r, "RX-13", "OPD-13", Severity::Error, "items[0].days");
        expect_none(&rx(one("psych2", dz(7.0))), "RX-13");
        // 第23条: longer for a chronic case whose reason the diagnosis field states.
        let mut p = one("psych2", dz(14.0));
        p["diagnosis_note"] = json!("慢性病，长期失眠");
        let f = expect(&rx(p), "RX-13", "OPD-13", Severity::Warning, "items[0].days");
        assert!(f.message.zh.contains("已注明理由“慢性病”"), "{}", f.message.zh);
        // Not for a 麻醉药品 or 第一类精神药品.
        let mut p = one(
            "narcotic_psych1",
            tablets("吗啡片", "10mg×10片", 10.0, "q4h", 5.0),
        );
        p["diagnosis_note"] = json!("慢性病");
        expect(&rx(p), "RX-13", "OPD-13", Severity::Error, "items[0].days");
    }

    /// 咪达唑仑 is 第二类 (精神药品品种目录 2013): 7 days, no identity number; it was marked
    /// 第一类, which gave a legal 精二 prescription two errors here. Its injection is 第一类
    /// since 2024-07-01 (2024年第51号公告): one dose, and the identity number.
    #[test]
    fn midazolam_is_a_class_two_psychotropic() {
        let mdz = |days| tablets("咪达唑仑片", "15mg", 15.0, "qn", days);
        let mut p = one("psych2", mdz(7.0));
        p["patient"] = json!({"id_number": null});
        let r = rx(p);
        expect_none(&r, "RX-13");
        expect_none(&r, "RX-05");
        let r = rx(one("psych2", mdz(8.0)));
        let f = expect(&r, "RX-13", "OPD-13", Severity::Error, "items[0].days");
        assert!(f.message.zh.contains("第二类精神药品"), "{}", f.message.zh);

        let injection = |ampoules: f64| json!({"drug": "咪达唑仑注射液", "strength": "1ml:5mg", "dose": {"value": 5, "unit": "mg"}, "route": "肌内注射", "frequency": "st", "quantity": {"value": ampoules, "unit": "支"}});
        let r = rx(one("narcotic_psych1", injection(1.0)));
        expect_none(&r, "RX-13");
        expect_none(&r, "RX-05");
        let r = rx(one("narcotic_psych1", injection(2.0)));
        let f = expect(&r, "RX-13", "OPD-13", Severity::Error, "items[0].quantity");
        assert!(f.message.zh.contains("第一类精神药品"), "{}", f.message.zh);
        let mut p = one("narcotic_psych1", injection(1.0));
        p["patient"] = json!({"id_number": null});
        expect(&rx(p), "RX-13", "OPD-13", Severity::Error, "patient.id_number");
    }

    #[test]
    fn narcotics_need_the_id_number() {
        let mut p = one(
            "narcotic_psych1",
            morphine_injection("st", Value::Null, 1.0),
        );
        p["patient"] = json!({"id_number": null});
        let r = rx(p);
        let f = expect(&r, "RX-13", "OPD-13", Severity::Error, "patient.id_number");
        assert!(f.message.zh.contains("吗啡注射液"));
        // 精二 does not need it.
        let mut p = one("psych2", tablets("地西泮片", "5mg×20片", 5.0, "qn", 7.0));
        p["patient"] = json!({"id_number": ""});
        expect_none(&rx(p), "RX-13");
    }

    #[test]
    fn ordinary_drugs_are_not_concerned() {
        expect_none(&rx(json!({"items": [{"days": 7}]})), "RX-13");
    }
}
