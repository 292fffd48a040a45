//! RX-23: herbal prescription: names, doses in g, 剂数 and usage.

use crate::declare_rule;
use crate::model::filled;
use crate::report::{Severity, Text};
use crate::rules::{Check, RxCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// A prescription with 中药饮片 items (`herbal` given, or an item is a known herb):
    /// - each herb has a name (`items[i].drug`) and a dose (`items[i].dose`) with a value above 0
    ///   in grams (g, 克);
    /// - the number of doses, 剂数 (`herbal.doses`), is given and above 0;
    /// - the usage (`herbal.usage`, e.g. 水煎服，每日1剂，早晚分服) is given.
    ///
    /// Items known to be western or 中成药 are left to RX-07 (and RX-11 flags the mix); a name
    /// not in the formulary counts as a herb when no item is a known western or 中成药 drug.
    ///
    /// ## Why
    /// 处方管理办法 第6条(8): 中药饮片 are written by name with the dose in grams, and the
    /// prescription states the number of doses and how they are decocted and taken. Without
    /// them the pharmacy cannot weigh and dispense the formula; the assessment table deducts a
    /// point (item 11).
    ///
    /// ## Bad
    /// ```json
    /// {"items": {"$replace": [{"drug": "黄芪", "dose": {"value": 15, "unit": "g"}}, {"drug": "甘草", "dose": {"value": 6}}]}, "herbal": {"doses": 7}}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"items": {"$replace": [{"drug": "黄芪", "dose": {"value": 15, "unit": "g"}}, {"drug": "甘草", "dose": {"value": 6, "unit": "g"}}]}, "herbal": {"doses": 7, "usage": "水煎服，每日1剂，早晚分服"}}
    /// ```
    pub static RULE = {
        code: "RX-23",
        item: "OPD-11",
        severity: Severity::Error,
        clause: "门诊医疗质量考核表 第11条; 处方管理办法 第6条(8)",
        title: ("中药饮片处方：药名、克数、剂数与用法", "herbal prescription: names, doses in g, 剂数 and usage"),
        check: Check::Prescription(check),
    }
}

/// Units a herb dose may be written in (处方管理办法 第7条: 中药饮片以克(g)为单位).
const GRAM: [&str; 2] = ["g", "克"];

fn check(ctx: &RxCtx, out: &mut Sink) {
    if !ctx.is_herbal() {
        return;
    }
    // A known western or 中成药 item makes an unknown name ambiguous: leave it to RX-07.
    let mixed = ctx.items.iter().any(|i| i.drug().is_some() && !i.is_herb());
    for item in &ctx.items {
        let herb = item.is_herb() || (item.drug().is_none() && !mixed);
        if !herb {
            continue;
        }
        let i = item.index;
        let name = match filled(&item.item.drug) {
            Some(n) => n.to_string(),
            None => {
                out.emit(
                    &RULE,
                    format!("items[{i}].drug"),
                    Text::new(
                        format!("第{}味中药未写药名", i + 1),
                        format!("herb {} has no name", i + 1),
                    ),
                    Text::new("写明饮片名称", "write the herb's name"),
                );
                format!("第{}味中药", i + 1)
            }
        };
        let dose = item.item.dose.as_ref();
        let value = dose.and_then(|d| d.value);
        let unit = dose.and_then(|d| filled(&d.unit));
        let defect = match (value, unit) {
            (None, _) => Some(Text::new(
                format!("{name}未写剂量（克数）"),
                format!("{name}: no dose in grams"),
            )),
            (Some(v), _) if v <= 0.0 => Some(Text::new(
                format!("{name}剂量须大于0（现为{v}）"),
                format!("{name}: the dose must be above 0 ({v} given)"),
            )),
            (Some(_), None) => Some(Text::new(
                format!("{name}剂量未写单位，应以克(g)为单位"),
                format!("{name}: the dose has no unit; write it in grams (g)"),
            )),
            (Some(_), Some(u)) if !GRAM.contains(&u) => Some(Text::new(
                format!("{name}剂量应以克(g)为单位（现为“{u}”）"),
                format!("{name}: the dose must be in grams (g), not “{u}”"),
            )),
            _ => None,
        };
        if let Some(message) = defect {
            out.emit(
                &RULE,
                format!("items[{i}].dose"),
                message,
                Text::new(
                    "以克为单位写明剂量，如 15g",
                    "write the dose in grams, e.g. 15 g",
                ),
            );
        }
    }

    let herbal = ctx.doc.herbal.as_ref();
    match herbal.and_then(|h| h.doses) {
        Some(n) if n > 0.0 => {}
        found => {
            let (zh, en) = match found {
                Some(n) => (
                    format!("剂数须大于0（现为{n}）"),
                    format!("the number of doses must be above 0 ({n} given)"),
                ),
                None => (
                    "未写剂数".to_string(),
                    "the number of doses (剂数) is missing".to_string(),
                ),
            };
            out.emit(
                &RULE,
                "herbal.doses",
                Text::new(zh, en),
                Text::new("写明剂数，如 7剂", "write the number of doses, e.g. 7"),
            );
        }
    }
    if herbal.and_then(|h| filled(&h.usage)).is_none() {
        out.emit(
            &RULE,
            "herbal.usage",
            Text::new("未写中药饮片用法", "the herbal usage is missing"),
            Text::new(
                "写明煎服方法，如 水煎服，每日1剂，早晚分服",
                "write how it is decocted and taken, e.g. decoct in water, 1 dose a day, morning and evening",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::report::Severity;
    use crate::testing::*;

    /// A herbal prescription: the clean sample's items replaced by `items`, with `herbal`.
    fn herbal(items: Value, herbal: Value) -> Value {
        json!({"items": {"$replace": items}, "herbal": herbal})
    }

    fn usage() -> Value {
        json!({"doses": 7, "usage": "水煎服，每日1剂，早晚分服"})
    }

    fn herbs() -> Value {
        json!([
            {"drug": "黄芪", "dose": {"value": 15, "unit": "g"}},
            {"drug": "炙甘草", "dose": {"value": 6, "unit": "克"}},
            {"drug": "细辛", "dose": {"value": 3, "unit": "g"}, "notes": "先煎"}
        ])
    }

    #[test]
    fn flags_a_herb_without_a_name_or_a_gram_dose() {
        let r = rx(herbal(
            json!([
                {"drug": "黄芪", "dose": {"value": 15, "unit": "g"}},
                {"dose": {"value": 6, "unit": "g"}},
                {"drug": "细辛", "dose": {"value": 3, "unit": "钱"}},
                {"drug": "甘草"},
                {"drug": "当归", "dose": {"value": 0, "unit": "g"}}
            ]),
            usage(),
        ));
        expect(&r, "RX-23", "OPD-11", Severity::Error, "items[1].drug");
        let f = expect(&r, "RX-23", "OPD-11", Severity::Error, "items[2].dose");
        assert!(f.message.zh.contains("钱"));
        expect(&r, "RX-23", "OPD-11", Severity::Error, "items[3].dose");
        // 当归 is not in the formulary: with no western item it is still read as a herb.
        expect(&r, "RX-23", "OPD-11", Severity::Error, "items[4].dose");
        assert!(r.all_findings().all(|f| f.path != "items[0].dose"));
    }

    #[test]
    fn flags_missing_doses_and_usage() {
        let r = rx(herbal(herbs(), json!({"doses": 0})));
        expect(&r, "RX-23", "OPD-11", Severity::Error, "herbal.doses");
        expect(&r, "RX-23", "OPD-11", Severity::Error, "herbal.usage");
        // Herbs written without the `herbal` block at all.
        let r = rx(json!({"items": {"$replace": herbs()}}));
        expect(&r, "RX-23", "OPD-11", Severity::Error, "herbal.doses");
        expect(&r, "RX-23", "OPD-11", Severity::Error, "herbal.usage");
    }

    #[test]
    fn passes_a_complete_herbal_prescription() {
        expect_none(&rx(herbal(herbs(), usage())), "RX-23");
    }

    #[test]
    fn leaves_western_items_alone() {
        expect_none(&rx(json!({})), "RX-23");
        // A mixed prescription (RX-11's finding): the western items need no gram dose.
        let r = rx(
            json!({"items": [{}, {}, {"drug": "黄芪", "dose": {"value": 15, "unit": "g"}}], "herbal": usage()}),
        );
        expect_none(&r, "RX-23");
    }
}
