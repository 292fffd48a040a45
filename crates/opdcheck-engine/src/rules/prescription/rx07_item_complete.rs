//! RX-07: strength, dose, route, frequency and quantity complete.

use crate::declare_rule;
use crate::lookup::Frequency;
use crate::model::{Quantity, filled};
use crate::report::{Severity, Text};
use crate::rules::{Check, RxCtx, Sink};
use crate::units;

declare_rule! {
    /// ## What it checks
    /// Each western or 中成药 item states, one finding per missing or bad field:
    /// - `strength` (规格), with Arabic numerals ("0.25g×24粒", not "二十毫克");
    /// - `dose` (单次剂量): a value above 0 in a unit of `vocab.dose_units` (g, mg, ml, 片, 粒 …;
    ///   a per-kg dose such as "mg/kg" is not a dispensable dose unless the policy lists it);
    /// - `route` (用法);
    /// - `frequency` (频次) from `vocab.frequencies` (tid, bid, 每日3次, prn …);
    /// - `quantity` (数量): a value above 0 in a unit of `vocab.quantity_units` (盒, 粒, 支 …).
    ///
    /// Units compare ignoring ASCII case. A route or frequency that contains a vague phrase
    /// (遵医嘱 …) is RX-08's finding, not reported again here. Herbs are RX-23's: known herbs are
    /// skipped, and so are unknown names on a 中药饮片 prescription (`herbal` given).
    ///
    /// ## Why
    /// 处方管理办法 第6条(4)-(6) and 第7条: 药品剂量、规格、用法、用量要准确规范, 剂量使用法定剂量
    /// 单位, 用阿拉伯数字书写. The pharmacist dispenses and labels from these five fields; any gap
    /// leaves the patient to guess. The assessment table deducts a point (item 11).
    ///
    /// ## Bad
    /// ```json
    /// {"items": [{"frequency": "一天三顿", "quantity": {"value": 1, "unit": "堆"}}]}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"items": [{"frequency": "每日3次", "quantity": {"value": 24, "unit": "粒"}}]}
    /// ```
    pub static RULE = {
        code: "RX-07",
        item: "OPD-11",
        severity: Severity::Error,
        clause: "门诊医疗质量考核表 第11条; 处方管理办法 第6条(4)、第7条",
        title: ("规格、剂量、用法、频次、数量完整规范", "strength, dose, route, frequency and quantity complete"),
        check: Check::Prescription(check),
    }
}

fn check(ctx: &RxCtx, out: &mut Sink) {
    let vocab = &ctx.policy().vocab;
    for item in &ctx.items {
        if item.is_herb() || (ctx.doc.herbal.is_some() && item.drug().is_none()) {
            continue;
        }
        let i = item.index;
        let drug = item.written_name();
        let mut emit = |field: &str, zh: String, en: String, hint: Text| {
            out.emit(
                &RULE,
                format!("items[{i}].{field}"),
                Text::new(zh, en),
                hint,
            );
        };

        match filled(&item.item.strength) {
            None => emit(
                "strength",
                format!("{drug}未写规格"),
                format!("{drug}: the strength is missing"),
                Text::new(
                    "写明规格，如 0.25g×24粒",
                    "write the strength, e.g. 0.25g×24 capsules",
                ),
            ),
            Some(s) if !units::has_arabic_digit(s) => emit(
                "strength",
                format!("{drug}规格“{s}”须用阿拉伯数字书写"),
                format!("{drug}: the strength “{s}” must be written in Arabic numerals"),
                Text::new(
                    "用阿拉伯数字写规格，如 20mg",
                    "write the strength in Arabic numerals, e.g. 20mg",
                ),
            ),
            Some(_) => {}
        }

        if let Some((zh, en)) = amount_defect(item.item.dose.as_ref(), &vocab.dose_units) {
            emit(
                "dose",
                format!("{drug}单次剂量{zh}"),
                format!("{drug}: the single dose {en}"),
                Text::new(
                    "写明每次用量和法定单位，如 0.5 g、1 片",
                    "write the single dose with a legal unit, e.g. 0.5 g, 1 tablet",
                ),
            );
        }

        if filled(&item.item.route).is_none() {
            emit(
                "route",
                format!("{drug}未写用法（给药途径）"),
                format!("{drug}: the route is missing"),
                Text::new(
                    "写明给药途径，如 口服、静脉滴注",
                    "write the route, e.g. oral, IV drip",
                ),
            );
        }

        let freq_hint = || Text::new("写明频次，如 tid、每日3次", "write the frequency, e.g. tid");
        match item.frequency {
            Frequency::Missing => emit(
                "frequency",
                format!("{drug}未写用药频次"),
                format!("{drug}: the frequency is missing"),
                freq_hint(),
            ),
            Frequency::Unknown => {
                let text = filled(&item.item.frequency).unwrap_or("");
                if !has_vague_phrase(ctx, text) {
                    emit(
                        "frequency",
                        format!("{drug}频次“{text}”不规范"),
                        format!("{drug}: the frequency “{text}” is not a standard one"),
                        freq_hint(),
                    );
                }
            }
            Frequency::PerDay(_) | Frequency::NoDailyCount => {}
        }

        if let Some((zh, en)) = amount_defect(item.item.quantity.as_ref(), &vocab.quantity_units) {
            emit(
                "quantity",
                format!("{drug}数量{zh}"),
                format!("{drug}: the quantity {en}"),
                Text::new(
                    "写明发药总量和单位，如 1 盒、24 粒",
                    "write the total dispensed with its unit, e.g. 1 box, 24 capsules",
                ),
            );
        }
    }
}

/// What is wrong with a dose or quantity: (zh, en) ending the sentence, or `None`.
fn amount_defect(q: Option<&Quantity>, units: &[String]) -> Option<(String, String)> {
    let Some(value) = q.and_then(|q| q.value) else {
        return Some(("未写".into(), "is missing".into()));
    };
    if value <= 0.0 {
        return Some((
            format!("“{value}”须大于0"),
            format!("“{value}” must be above 0"),
        ));
    }
    let Some(unit) = q.and_then(|q| filled(&q.unit)) else {
        return Some(("缺单位".into(), "has no unit".into()));
    };
    if !units.iter().any(|u| u.trim().eq_ignore_ascii_case(unit)) {
        return Some((
            format!("单位“{unit}”不规范"),
            format!("unit “{unit}” is not an allowed unit"),
        ));
    }
    None
}

/// The text holds a policy vague phrase: RX-08 reports it.
fn has_vague_phrase(ctx: &RxCtx, text: &str) -> bool {
    ctx.policy()
        .vocab
        .vague_phrases
        .iter()
        .any(|p| !p.is_empty() && text.contains(p.as_str()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::report::Severity;
    use crate::testing::*;

    #[test]
    fn flags_each_missing_field() {
        let r = rx(
            json!({"items": [{}, {"strength": null, "dose": null, "route": "", "frequency": null, "quantity": null}]}),
        );
        for field in ["strength", "dose", "route", "frequency", "quantity"] {
            expect(
                &r,
                "RX-07",
                "OPD-11",
                Severity::Error,
                &format!("items[1].{field}"),
            );
        }
        assert_eq!(r.findings.iter().filter(|f| f.rule == "RX-07").count(), 5);
    }

    #[test]
    fn flags_bad_values_and_units() {
        let r = rx(
            json!({"items": [{"strength": "零点二五克", "dose": {"value": 0}, "quantity": {"value": 1, "unit": "堆"}}]}),
        );
        expect(&r, "RX-07", "OPD-11", Severity::Error, "items[0].strength");
        expect(&r, "RX-07", "OPD-11", Severity::Error, "items[0].dose");
        let f = expect(&r, "RX-07", "OPD-11", Severity::Error, "items[0].quantity");
        assert!(f.message.zh.contains("堆"));
        let r = rx(json!({"items": [{"dose": {"value": 0.5, "unit": "勺"}}]}));
        let f = expect(&r, "RX-07", "OPD-11", Severity::Error, "items[0].dose");
        assert!(f.message.zh.contains("勺"));
        let r = rx(json!({"items": [{"dose": {"value": 0.5, "unit": null}}]}));
        expect(&r, "RX-07", "OPD-11", Severity::Error, "items[0].dose");
        let r = rx(json!({"items": [{"quantity": {"value": -1, "unit": "盒"}}]}));
        expect(&r, "RX-07", "OPD-11", Severity::Error, "items[0].quantity");
    }

    #[test]
    fn frequency_comes_from_the_vocabulary() {
        let r = rx(json!({"items": [{"frequency": "一天三顿"}]}));
        let f = expect(&r, "RX-07", "OPD-11", Severity::Error, "items[0].frequency");
        assert!(f.message.zh.contains("一天三顿"));
        for ok in ["TID", "每日3次", "一日三次", "prn", "q8h"] {
            expect_none(&rx(json!({"items": [{"frequency": ok}]})), "RX-07");
        }
    }

    #[test]
    fn leaves_vague_phrases_to_rx08() {
        let r = rx(json!({"items": [{"frequency": "遵医嘱", "route": "自用"}]}));
        expect_none(&r, "RX-07");
        expect(&r, "RX-08", "OPD-11", Severity::Error, "items[0].frequency");
    }

    #[test]
    fn skips_herbs() {
        let r = rx(json!({
            "items": {"$replace": [{"drug": "黄芪", "dose": {"value": 15, "unit": "g"}}, {"drug": "当归", "dose": {"value": 10, "unit": "g"}}]},
            "herbal": {"doses": 7, "usage": "水煎服，每日1剂，早晚分服"}
        }));
        expect_none(&r, "RX-07");
    }

    #[test]
    fn passes_complete_items_with_units_in_any_case() {
        expect_none(&rx(json!({})), "RX-07");
        expect_none(
            &rx(json!({"items": [{}, {"dose": {"value": 30, "unit": "MG"}}]})),
            "RX-07",
        );
    }
}
