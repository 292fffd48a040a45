//! RX-08: no vague usage phrase.

use crate::declare_rule;
use crate::lookup::Frequency;
use crate::model::filled;
use crate::report::{Severity, Text};
use crate::rules::{Check, RxCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// The route (用法), frequency (频次) and notes (备注) of every item must not be a vague
    /// phrase from the policy's list: 遵医嘱, 按医嘱, 遵嘱, 自用, 按说明书, 同前 …
    ///
    /// ## Why
    /// The pharmacist and the patient must be able to read from the prescription itself how
    /// the drug is taken; "as directed" leaves it to memory. 处方管理办法 第6条(4) forbids
    /// "遵医嘱" and "自用" by name, and the assessment table deducts a point for it (item 11).
    ///
    /// ## Bad
    /// ```json
    /// {"items": [{"frequency": "遵医嘱"}]}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"items": [{"frequency": "tid"}]}
    /// ```
    pub static RULE = {
        code: "RX-08",
        item: "OPD-11",
        severity: Severity::Error,
        clause: "门诊医疗质量考核表 第11条; 处方管理办法 第6条(4)",
        title: ("用法不得使用含糊字句", "no vague usage phrase"),
        check: Check::Prescription(check),
    }
}

fn check(ctx: &RxCtx, out: &mut Sink) {
    let phrases = &ctx.policy().vocab.vague_phrases;
    for (i, it) in ctx.items.iter().enumerate() {
        let item = it.item;
        // A route or frequency the vocabulary knows is not vague: only the others are searched.
        let known_route = it.route.is_some();
        let known_frequency =
            matches!(it.frequency, Frequency::PerDay(_) | Frequency::NoDailyCount);
        for (field, value, known) in [
            ("route", &item.route, known_route),
            ("frequency", &item.frequency, known_frequency),
            ("notes", &item.notes, false),
        ] {
            let Some(text) = filled(value).filter(|_| !known) else {
                continue;
            };
            if let Some(p) = phrases.iter().find(|p| text.contains(p.as_str())) {
                let hint = match field {
                    "frequency" => Text::new("写明频次，如 tid", "write the frequency, e.g. tid"),
                    "route" => Text::new(
                        "写明给药途径，如 口服、静脉滴注",
                        "write the route, e.g. oral, IV drip",
                    ),
                    _ => Text::new(
                        "写明具体用法，或删去含糊字句",
                        "state the usage exactly, or remove the vague phrase",
                    ),
                };
                out.emit(
                    &RULE,
                    format!("items[{i}].{field}"),
                    Text::new(
                        format!("用法不得使用“{p}”等含糊字句"),
                        format!(
                            "usage must not be a vague phrase such as “{}”",
                            in_english(p)
                        ),
                    ),
                    hint,
                );
            }
        }
    }
}

/// The usual English for the common phrases; others are quoted as written.
fn in_english(phrase: &str) -> &str {
    match phrase {
        "遵医嘱" | "按医嘱" | "遵嘱" | "遵照医嘱" => "as directed",
        "自用" => "for own use",
        "按说明书" | "按说明" => "as the leaflet says",
        "同前" | "如前" | "照旧" => "as before",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::report::Severity;
    use crate::testing::*;

    #[test]
    fn flags_vague_frequency_route_and_notes() {
        let r = rx(json!({"items": [{}, {"frequency": "遵医嘱"}]}));
        let f = expect(&r, "RX-08", "OPD-11", Severity::Error, "items[1].frequency");
        // The wording of the report example in docs/format.md.
        assert_eq!(f.message.zh, "用法不得使用“遵医嘱”等含糊字句");
        assert_eq!(
            f.message.en,
            "usage must not be a vague phrase such as “as directed”"
        );
        assert_eq!(f.hint.en, "write the frequency, e.g. tid");
        let r = rx(json!({"items": [{"route": "自用"}]}));
        expect(&r, "RX-08", "OPD-11", Severity::Error, "items[0].route");
        let r = rx(json!({"items": [{"notes": "用法同前"}]}));
        expect(&r, "RX-08", "OPD-11", Severity::Error, "items[0].notes");
    }

    #[test]
    fn passes_exact_usage() {
        expect_none(
            &rx(json!({"items": [{"frequency": "bid", "notes": "饭后服用"}]})),
            "RX-08",
        );
    }
}
