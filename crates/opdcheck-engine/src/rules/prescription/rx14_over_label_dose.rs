//! RX-14: over-label dose needs a reason and a second signature.

use crate::declare_rule;
use crate::formulary::Maxima;
use crate::lookup::Frequency;
use crate::model::{Signer, filled};
use crate::report::{Severity, Text};
use crate::rules::{Check, ItemCtx, RxCtx, Sink};
use crate::units::{Amount, Unit};

declare_rule! {
    /// ## What it checks
    /// Each item's single dose and daily dose (single dose × administrations per day) against the
    /// label maxima of its drug for the route class written (`max.oral`, `max.iv` … in the
    /// formulary). Doses are compared as active amounts (2 粒 × 0.25g = 500 mg; 5 ml of a
    /// "100ml:2g" suspension = 100 mg) and only with a maximum of the same dimension. For a child
    /// (under `limits.pediatric_age_years`) with a `weight_kg`, the per-kg maxima × weight apply,
    /// never above the adult maximum. A 中药饮片 without a route is taken as decocted, one 剂 a
    /// day (the dose is the daily amount).
    ///
    /// A dose over the maximum is an error unless the item has `over_label_reason` **and** the
    /// prescription has a signed `second_signature`. One finding per item, at `items[i].dose`.
    ///
    /// ## Why
    /// 处方管理办法 第6条(9): 药品用法用量应当按照药品说明书规定的常规用法用量使用，特殊情况需要超剂量
    /// 使用时，应当注明原因并再次签名. An overdose that nobody explained or confirmed is the commonest
    /// avoidable harm a prescription review catches; the assessment table deducts a point (item 14).
    ///
    /// ## Bad
    /// ```json
    /// {"items": [{"dose": {"value": 3, "unit": "g"}}]}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"items": [{"dose": {"value": 3, "unit": "g"}, "frequency": "st", "days": 1, "over_label_reason": "单剂量疗法，经上级医师确认"}], "second_signature": {"id": "D0003", "name": "王强", "signed_at": "2026-11-22T09:42", "signature_id": "SIG-D0003"}}
    /// ```
    pub static RULE = {
        code: "RX-14",
        item: "OPD-14",
        severity: Severity::Error,
        clause: "门诊医疗质量考核表 第14条; 处方管理办法 第6条(9)",
        title: ("超说明书剂量须注明原因并再次签名", "over-label dose needs a reason and a second signature"),
        check: Check::Prescription(check),
        overridable: true,
    }
}

/// A number without trailing zeros (at most 3 decimals).
fn num(v: f64) -> String {
    format!("{}", (v * 1000.0).round() / 1000.0)
}

/// An amount as a doctor writes it: 1.5g, 250mg, 80万U, 2粒.
fn amount_text(a: &Amount) -> String {
    match &a.unit {
        Unit::Mass if a.value >= 1000.0 => format!("{}g", num(a.value / 1000.0)),
        Unit::Mass if a.value < 1.0 => format!("{}μg", num(a.value * 1000.0)),
        Unit::Mass => format!("{}mg", num(a.value)),
        Unit::Volume => format!("{}ml", num(a.value)),
        Unit::Units if a.value >= 10_000.0 => format!("{}万U", num(a.value / 10_000.0)),
        Unit::Units => format!("{}U", num(a.value)),
        Unit::Count(u) => format!("{}{u}", num(a.value)),
    }
}

/// The active amount of a single dose; a dose in ml of a "100ml:2g" liquid is converted with
/// the concentration the strength states.
fn single_active(item: &ItemCtx) -> Option<Amount> {
    item.dose_active.clone().or_else(|| item.dose.clone())
}

/// The maximum that applies: per kg × weight for a weighed child (capped by the adult one),
/// else the adult one. The flag says it was computed from the weight.
fn limit(
    adult: Option<&Amount>,
    per_kg: Option<&Amount>,
    weight: Option<f64>,
) -> Option<(Amount, bool)> {
    if let (Some(k), Some(w)) = (per_kg, weight) {
        let by_weight = Amount {
            value: k.value * w,
            unit: k.unit.clone(),
        };
        return Some(match adult {
            Some(a) if a.unit == by_weight.unit && a.value < by_weight.value => (a.clone(), false),
            _ => (by_weight, true),
        });
    }
    adult.map(|a| (a.clone(), false))
}

/// `amount` is over `max` (same dimension only).
fn over(amount: &Amount, max: &Amount) -> bool {
    amount.unit == max.unit && amount.value > max.value * (1.0 + 1e-9)
}

fn check(ctx: &RxCtx, out: &mut Sink) {
    let policy = ctx.policy();
    let weight = ctx.doc.patient.weight_kg.filter(|w| {
        w.is_finite() && *w > 0.0 && ctx.age.under_years(policy.limits.pediatric_age_years)
    });
    let second_signed = ctx
        .doc
        .second_signature
        .as_ref()
        .is_some_and(Signer::is_signed);
    for item in &ctx.items {
        let Some(index) = item.name.index else {
            continue;
        };
        let route = match item.route {
            Some(r) => r,
            None if item.is_herb() => "decoction",
            None => continue,
        };
        let Some(m) = ctx.engine.formulary.maxima(index, route) else {
            continue;
        };
        let Some(single) = single_active(item) else {
            continue;
        };
        let daily = match item.frequency {
            Frequency::PerDay(n) => Some(Amount {
                value: single.value * n,
                unit: single.unit.clone(),
            }),
            _ if item.is_herb() => Some(single.clone()),
            _ => None,
        };
        let excesses = excesses(m, &single, daily.as_ref(), weight);
        if excesses.is_empty() {
            continue;
        }
        let reason = filled(&item.item.over_label_reason).is_some();
        if reason && second_signed {
            continue;
        }
        let (missing_zh, missing_en) = match (reason, second_signed) {
            (false, false) => (
                "未注明超量原因，也无医师再次签名",
                "no reason recorded and no second signature",
            ),
            (false, true) => ("未注明超量原因", "no reason recorded"),
            _ => ("无医师再次签名", "no second signature"),
        };
        let name = item.written_name();
        let (zh, en): (Vec<_>, Vec<_>) = excesses.into_iter().unzip();
        out.emit(
            &RULE,
            format!("items[{}].dose", item.index),
            Text::new(
                format!("{name}{}；{missing_zh}", zh.join("，")),
                format!("{name}: {}; {missing_en}", en.join("; ")),
            ),
            Text::new(
                "核实剂量；确需超量时注明原因，并由医师再次签名",
                "check the dose; if it is intended, record the reason and have a physician sign again",
            ),
        );
    }
}

/// What is over the label: (zh, en) clauses for the single and the daily dose.
fn excesses(
    m: &Maxima,
    single: &Amount,
    daily: Option<&Amount>,
    weight: Option<f64>,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let by_weight = |w: bool| match (w, weight) {
        (true, Some(kg)) => (
            format!("（按体重{}kg计）", num(kg)),
            format!(" (by weight, {} kg)", num(kg)),
        ),
        _ => (String::new(), String::new()),
    };
    if let Some((max, w)) = limit(m.single.as_ref(), m.kg_single.as_ref(), weight)
        && over(single, &max)
    {
        let (bz, be) = by_weight(w);
        let (a, b) = (amount_text(single), amount_text(&max));
        out.push((
            format!("单次剂量{a}超过说明书单次最大量{b}{bz}"),
            format!("single dose {a} exceeds the label maximum {b}{be}"),
        ));
    }
    if let (Some(daily), Some((max, w))) =
        (daily, limit(m.daily.as_ref(), m.kg_daily.as_ref(), weight))
        && over(daily, &max)
    {
        let (bz, be) = by_weight(w);
        let (a, b) = (amount_text(daily), amount_text(&max));
        out.push((
            format!("日剂量{a}超过说明书日最大量{b}{bz}"),
            format!("daily dose {a} exceeds the label maximum {b} a day{be}"),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::report::Severity;
    use crate::testing::*;

    fn second() -> Value {
        json!({"id": "D0003", "name": "王强", "signed_at": "2026-11-22T09:42", "signature_id": "SIG-D0003"})
    }

    #[test]
    fn flags_an_excessive_single_dose() {
        let r = rx(json!({"items": [{"dose": {"value": 3, "unit": "g"}}]}));
        let f = expect(&r, "RX-14", "OPD-14", Severity::Error, "items[0].dose");
        assert!(f.message.zh.contains("单次剂量3g"), "{}", f.message.zh);
    }

    #[test]
    fn counts_units_of_the_form_with_the_strength() {
        // 12 粒 × 0.25 g = 3 g.
        let r = rx(json!({"items": [{"dose": {"value": 12, "unit": "粒"}}]}));
        let f = expect(&r, "RX-14", "OPD-14", Severity::Error, "items[0].dose");
        assert!(f.message.zh.contains("3g"), "{}", f.message.zh);
    }

    #[test]
    fn flags_an_excessive_daily_dose() {
        // 氨溴索 60 mg every 2 hours: 720 mg a day.
        let r =
            rx(json!({"items": [{}, {"dose": {"value": 60, "unit": "mg"}, "frequency": "q2h"}]}));
        let f = expect(&r, "RX-14", "OPD-14", Severity::Error, "items[1].dose");
        assert!(f.message.zh.contains("日剂量720mg"), "{}", f.message.zh);
    }

    #[test]
    fn needs_both_the_reason_and_the_second_signature() {
        let reason = "单剂量疗法，经上级医师确认";
        let r = rx(
            json!({"items": [{"dose": {"value": 3, "unit": "g"}, "over_label_reason": reason}]}),
        );
        let f = expect(&r, "RX-14", "OPD-14", Severity::Error, "items[0].dose");
        assert!(f.message.zh.contains("无医师再次签名"));
        let r = rx(
            json!({"items": [{"dose": {"value": 3, "unit": "g"}}], "second_signature": second()}),
        );
        let f = expect(&r, "RX-14", "OPD-14", Severity::Error, "items[0].dose");
        assert!(f.message.zh.contains("未注明超量原因"));
        // An unsigned second signature does not count.
        let r = rx(
            json!({"items": [{"dose": {"value": 3, "unit": "g"}, "over_label_reason": reason}], "second_signature": {"name": "王强"}}),
        );
        expect(&r, "RX-14", "OPD-14", Severity::Error, "items[0].dose");
        let r = rx(
            json!({"items": [{"dose": {"value": 3, "unit": "g"}, "over_label_reason": reason}], "second_signature": second()}),
        );
        expect_none(&r, "RX-14");
    }

    fn child_ibuprofen(dose: Value, strength: &str, weight: Value) -> Value {
        json!({
            "prescription_type": "pediatric",
            "patient": {"age": {"value": 2, "unit": "year"}, "weight_kg": weight},
            "diagnoses": ["发热"], "diagnosis_codes": [null],
            "items": {"$replace": [{"drug": "布洛芬混悬液", "strength": strength, "dose": dose, "route": "口服", "frequency": "prn", "quantity": {"value": 1, "unit": "瓶"}}]}
        })
    }

    #[test]
    fn a_child_is_dosed_by_weight() {
        // 0.4 g for a 10 kg child is 40 mg/kg: fine for an adult, not for this child.
        let r = rx(child_ibuprofen(
            json!({"value": 0.4, "unit": "g"}),
            "100ml:2g",
            json!(10),
        ));
        let f = expect(&r, "RX-14", "OPD-14", Severity::Error, "items[0].dose");
        assert!(f.message.zh.contains("按体重10kg计"), "{}", f.message.zh);
        // The same in ml of the suspension: 20 ml × 20 mg/ml = 400 mg.
        let r = rx(child_ibuprofen(
            json!({"value": 20, "unit": "ml"}),
            "100ml:2g",
            json!(10),
        ));
        expect(&r, "RX-14", "OPD-14", Severity::Error, "items[0].dose");
        // 4 ml = 80 mg = 8 mg/kg.
        let r = rx(child_ibuprofen(
            json!({"value": 4, "unit": "ml"}),
            "100ml:2g",
            json!(10),
        ));
        expect_none(&r, "RX-14");
        // Without a weight only the adult maximum can be checked (RX-04 asks for the weight).
        let r = rx(child_ibuprofen(
            json!({"value": 0.4, "unit": "g"}),
            "100ml:2g",
            Value::Null,
        ));
        expect_none(&r, "RX-14");
    }

    #[test]
    fn a_decocted_herb_against_its_daily_maximum() {
        let r = rx(json!({
            "items": {"$replace": [{"drug": "黄芪", "dose": {"value": 15, "unit": "g"}}, {"drug": "细辛", "dose": {"value": 10, "unit": "g"}}]},
            "herbal": {"doses": 7, "usage": "水煎服，每日1剂，早晚分服"}
        }));
        expect(&r, "RX-14", "OPD-14", Severity::Error, "items[1].dose");
        expect_none(
            &rx(json!({
                "items": {"$replace": [{"drug": "黄芪", "dose": {"value": 15, "unit": "g"}}, {"drug": "细辛", "dose": {"value": 3, "unit": "g"}}]},
                "herbal": {"doses": 7, "usage": "水煎服，每日1剂，早晚分服"}
            })),
            "RX-14",
        );
    }

    #[test]
    fn passes_label_doses_and_incomparable_ones() {
        expect_none(&rx(json!({})), "RX-14");
        // A count with no strength to convert it cannot be compared with a mass.
        let r = rx(json!({"items": [{"strength": null, "dose": {"value": 20, "unit": "粒"}}]}));
        expect_none(&r, "RX-14");
    }
}
