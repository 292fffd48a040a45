//! RX-06: standard generic drug name.

use crate::declare_rule;
use crate::formulary::NameStatus;
use crate::report::{Severity, Text};
use crate::rules::{Check, RxCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// Each item's drug name (`items[i].drug`) is a standard generic name of the formulary,
    /// written as in practice with salt and dosage form (盐酸氨溴索片, 注射用头孢曲松钠):
    /// - an **error** for a known abbreviation, code, old or brand name (an alias in the
    ///   formulary: VitC, NS, AMX, 心痛定 …); the finding names the standard name to write;
    /// - an **error** for a name that is only a code: ASCII letters, digits and punctuation
    ///   not in the formulary (GS, PNC, 5-FU, A123);
    /// - a **warning** for any other name not in the formulary: it may be a standard name the
    ///   formulary lacks, or a misspelling;
    /// - an **error** for an item without a drug name, except on a 中药饮片 prescription (RX-23
    ///   checks herb names).
    ///
    /// A concentration or volume written before a name, as almost every HIS dictionary writes
    /// solutions ("0.9%氯化钠注射液", "5%葡萄糖注射液", "250ml 0.9%氯化钠注射液"), is part of the
    /// standard name: the name after it is judged as above, so "0.9%NS" is still an
    /// abbreviation and "5%某某注射液" still unknown. So is a size written after the name, in
    /// brackets or not ("0.9%氯化钠注射液(100ml)", "氯化钠注射液（0.9%）", "0.9%氯化钠注射液
    /// 250ml:2.25g").
    ///
    /// ## Why
    /// 处方管理办法 第17条: 药品名称应当使用规范的中文名称书写 (the generic name); 第6条(4) forbids
    /// abbreviations the pharmacy cannot read unambiguously. "NS" and "GS" differ by a letter
    /// and mean different infusions. The assessment table deducts a point (item 11).
    ///
    /// ## Bad
    /// ```json
    /// {"items": [{}, {"$replace": {"drug": "VitC", "strength": "0.1g×100片", "dose": {"value": 0.1, "unit": "g"}, "route": "口服", "frequency": "tid", "days": 5, "quantity": {"value": 1, "unit": "瓶"}}}]}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"items": [{}, {"$replace": {"drug": "维生素C片", "strength": "0.1g×100片", "dose": {"value": 0.1, "unit": "g"}, "route": "口服", "frequency": "tid", "days": 5, "quantity": {"value": 1, "unit": "瓶"}}}]}
    /// ```
    pub static RULE = {
        code: "RX-06",
        item: "OPD-11",
        severity: Severity::Error,
        clause: "门诊医疗质量考核表 第11条; 处方管理办法 第6条(4)、第17条",
        title: ("药品名称规范", "standard generic drug name"),
        check: Check::Prescription(check),
        severity_note: "error for a known abbreviation, alias or code; warning for a name not in the formulary",
    }
}

fn check(ctx: &RxCtx, out: &mut Sink) {
    for item in &ctx.items {
        let path = format!("items[{}].drug", item.index);
        let written = item.written_name();
        if written.is_empty() {
            if !ctx.is_herbal() {
                out.emit(
                    &RULE,
                    path,
                    Text::new("药品名称未写", "the drug name is missing"),
                    Text::new("写明药品通用名", "write the generic name"),
                );
            }
            continue;
        }
        match item.name.status {
            NameStatus::Standard => {}
            NameStatus::Alias => {
                let standard = item.standard_name().unwrap_or_default();
                out.emit(
                    &RULE,
                    path,
                    Text::new(
                        format!("“{written}”不是规范药名，应写“{standard}”"),
                        format!("“{written}” is not a standard drug name: write “{standard}”"),
                    ),
                    Text::new(
                        format!("改写为通用名“{standard}”"),
                        format!("write the generic name “{standard}”"),
                    ),
                );
            }
            NameStatus::Unknown if is_code(written) => {
                out.emit(
                    &RULE,
                    path,
                    Text::new(
                        format!("“{written}”是缩写或代码，不是规范药名"),
                        format!("“{written}” is an abbreviation or code, not a drug name"),
                    ),
                    Text::new(
                        "写药品的中文通用名，不用英文缩写或代码",
                        "write the Chinese generic name, not an abbreviation or code",
                    ),
                );
            }
            NameStatus::Unknown => {
                out.emit(
                    &RULE,
                    path,
                    Text::new(
                        format!("“{written}”不在本院药品目录中"),
                        format!("“{written}” is not in the formulary"),
                    ),
                    Text::new(
                        "核对药品通用名是否规范、有无错别字",
                        "check the generic name: is it standard and spelt right?",
                    ),
                )
                .severity = Severity::Warning;
            }
        }
    }
}

/// Only ASCII letters, digits, punctuation and spaces (full-width folded): a code or an
/// abbreviation, not a Chinese name.
fn is_code(name: &str) -> bool {
    let folded = crate::formulary::fold(name);
    folded.chars().any(|c| c.is_ascii_alphanumeric())
        && folded
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c.is_ascii_punctuation() || c == '·')
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::report::Severity;
    use crate::testing::*;

    fn with_drug(drug: &str) -> Value {
        json!({"items": [{}, {"drug": drug}]})
    }

    #[test]
    fn error_for_an_alias_with_the_standard_name() {
        let r = rx(with_drug("VitC"));
        let f = expect(&r, "RX-06", "OPD-11", Severity::Error, "items[1].drug");
        assert!(f.message.zh.contains("维生素C") && f.hint.zh.contains("维生素C"));
        // A brand name with a dosage form keeps the form in the suggestion.
        let r = rx(with_drug("心痛定片"));
        let f = expect(&r, "RX-06", "OPD-11", Severity::Error, "items[1].drug");
        assert!(f.message.zh.contains("硝苯地平片"), "{}", f.message.zh);
        let r = rx(with_drug("NS"));
        let f = expect(&r, "RX-06", "OPD-11", Severity::Error, "items[1].drug");
        assert!(f.message.zh.contains("氯化钠"));
    }

    #[test]
    fn error_for_a_pure_code() {
        for code in ["A123", "ＸＹ-7", "R2-D2"] {
            let r = rx(with_drug(code));
            let f = expect(&r, "RX-06", "OPD-11", Severity::Error, "items[1].drug");
            assert!(f.message.zh.contains("代码"), "{code}");
        }
    }

    #[test]
    fn warning_for_a_name_not_in_the_formulary() {
        let r = rx(with_drug("某某胶囊"));
        let f = expect(&r, "RX-06", "OPD-11", Severity::Warning, "items[1].drug");
        assert!(f.message.zh.contains("某某胶囊"));
    }

    #[test]
    fn error_for_a_missing_name_outside_herbal_prescriptions() {
        let r = rx(json!({"items": [{}, {"drug": " "}]}));
        expect(&r, "RX-06", "OPD-11", Severity::Error, "items[1].drug");
        let r = rx(json!({
            "items": {"$replace": [{"drug": "黄芪", "dose": {"value": 15, "unit": "g"}}, {"drug": null, "dose": {"value": 6, "unit": "g"}}]},
            "herbal": {"doses": 7, "usage": "水煎服，每日1剂，早晚分服"}
        }));
        expect_none(&r, "RX-06");
    }

    #[test]
    fn passes_a_size_before_or_after_a_standard_name() {
        for name in [
            "0.9%氯化钠注射液",
            "5%葡萄糖注射液",
            "10%葡萄糖注射液",
            "０.９％氯化钠注射液",
            "250ml 0.9%氯化钠注射液",
            "100ml:0.9%氯化钠注射液",
            "10%氯化钾注射液",
            "5%葡萄糖氯化钠注射液",
            // A size after the name, as HIS dictionaries add it.
            "0.9%氯化钠注射液（100ml）",
            "0.9%氯化钠注射液(250ML)",
            "0.9%氯化钠注射液 100ml",
            "氯化钠注射液(0.9%)",
            "0.9%氯化钠注射液 250ml:2.25g",
            "5%葡萄糖注射液（250ml:12.5g）",
        ] {
            expect_none(&rx(with_drug(name)), "RX-06");
        }
    }

    #[test]
    fn a_concentration_does_not_make_any_name_standard() {
        // An abbreviation after it is still one, with the standard name suggested.
        let r = rx(with_drug("0.9%NS"));
        let f = expect(&r, "RX-06", "OPD-11", Severity::Error, "items[1].drug");
        assert!(f.message.zh.contains("氯化钠"), "{}", f.message.zh);
        // Codes, unknown names, and a number alone stay what they were.
        for code in ["0.9%", "5%ABC", "10ml"] {
            expect(
                &rx(with_drug(code)),
                "RX-06",
                "OPD-11",
                Severity::Error,
                "items[1].drug",
            );
        }
        for unknown in [
            "5%某某注射液",
            "0.9.9%氯化钠注射液",
            "%氯化钠注射液",
            "0.9%氯化钠注射液甲",
            "某某注射液(100ml)",
            "氯化钠注射液(100ml)甲",
            "氯化钠注射液(用法100ml)",
            "氯化钠注射液(100ml:)",
        ] {
            expect(
                &rx(with_drug(unknown)),
                "RX-06",
                "OPD-11",
                Severity::Warning,
                "items[1].drug",
            );
        }
    }

    #[test]
    fn passes_standard_names_as_written_in_practice() {
        for name in [
            "维生素C片",
            "注射用头孢曲松钠",
            "硝苯地平控释片",
            "盐酸二甲双胍缓释片",
            "炙甘草",
        ] {
            expect_none(&rx(with_drug(name)), "RX-06");
        }
    }
}
