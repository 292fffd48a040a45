//! RX-12: supply at most 7 days (emergency 3).

use crate::declare_rule;
use crate::formulary::Controlled;
use crate::lookup::Frequency;
use crate::model::filled;
use crate::policy::Policy;
use crate::report::{Severity, Text};
use crate::rules::{Check, ItemCtx, RxCtx, Sink};
use crate::units::{self, Amount, Unit};

declare_rule! {
    /// ## What it checks
    /// Each item's supply is at most `limits.max_days_general` days (7), or
    /// `limits.max_days_emergency` (3) on an emergency prescription. The supply is the item's
    /// `days`; when `days` is not given it is derived from `quantity` (packs opened with the pack
    /// size of the strength, "0.25g×24粒") ÷ (units per dose × administrations per day). A derived
    /// supply that is over the limit only because packs are whole (one pack fewer would not
    /// last the limit) is accepted.
    ///
    /// Over the limit it is an error, unless `diagnosis_note` states a reason from the policy's
    /// list (慢性病, 老年病, 特殊情况 …): then a warning asking to confirm it. The finding points at
    /// `items[i].days`, or `items[i].quantity` for a derived supply.
    ///
    /// A 中药饮片 prescription is limited the same way as a whole: its supply is its 剂数
    /// (`herbal.doses`) at one 剂 a day, unless `herbal.usage` says otherwise (每日2剂 or
    /// 2剂/日 halves it, 隔日1剂, 2日1剂 or 1剂/2日 doubles it); the finding points at `herbal.doses`. Its herbs' own
    /// `days` are not read.
    ///
    /// Not checked here: 麻醉药品 and 精神药品 (RX-13 has their own limits).
    ///
    /// ## Why
    /// 处方管理办法 第19条: 处方一般不得超过7日用量；急诊处方一般不得超过3日用量；对于某些慢性病、
    /// 老年病或特殊情况，处方用量可适当延长，但医师应当注明理由. The article makes no exception for
    /// 中药饮片, whose supply is counted in 剂 (one 剂 a day as a rule). The assessment table
    /// deducts a point when a longer supply has no reason in the diagnosis field (item 13).
    ///
    /// ## Bad
    /// ```json
    /// {"items": [{"days": 14, "quantity": {"value": 4, "unit": "盒"}}]}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"items": [{"days": 7, "quantity": {"value": 2, "unit": "盒"}}]}
    /// ```
    pub static RULE = {
        code: "RX-12",
        item: "OPD-13",
        severity: Severity::Error,
        clause: "门诊医疗质量考核表 第13条; 处方管理办法 第19条",
        title: ("处方用量：一般≤7日，急诊≤3日", "supply at most 7 days (emergency 3)"),
        check: Check::Prescription(check),
        severity_note: "error without a reason, warning with one",
        overridable: true,
    }
}

/// Slack for comparing derived (floating) day counts.
pub(super) const EPS: f64 = 1e-6;

/// How long an item lasts, and the field that says so.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Supply {
    pub days: f64,
    /// `days`, or `quantity` when derived from it.
    pub field: &'static str,
    /// For a quantity in whole packs: the days one pack fewer would last.
    pub one_pack_less: Option<f64>,
}

/// Doses a dispensed quantity holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Doses {
    pub doses: f64,
    /// Doses in one pack, when the quantity is in packs.
    pub per_pack: Option<f64>,
}

/// The doses `quantity` holds: units of the dosage form (packs opened with the strength's pack
/// size) ÷ units per dose; or, for a quantity in g/ml/U, quantity ÷ dose.
pub(super) fn doses_in_quantity(item: &ItemCtx, policy: &Policy) -> Option<Doses> {
    let q = item.item.quantity.as_ref()?;
    let (value, unit) = (q.value?, filled(&q.unit)?);
    if !(value.is_finite() && value > 0.0) {
        return None;
    }
    let (count, count_unit, pack) = if policy.vocab.pack_units.iter().any(|p| p == unit) {
        let (n, u) = units::pack_size(filled(&item.item.strength)?)?;
        (value * n, u, Some(n))
    } else {
        match units::normalise(value, unit)? {
            Amount {
                value,
                unit: Unit::Count(u),
            } => (value, u, None),
            total => {
                let dose = item
                    .dose
                    .as_ref()
                    .filter(|d| d.unit == total.unit && d.value > 0.0)?;
                return Some(Doses {
                    doses: total.value / dose.value,
                    per_pack: None,
                });
            }
        }
    };
    let (per_dose, dose_unit) = item.count_per_dose()?;
    if !per_dose.is_finite() || per_dose <= 0.0 || dose_unit.is_some_and(|u| u != count_unit) {
        return None;
    }
    Some(Doses {
        doses: count / per_dose,
        per_pack: pack.map(|n| n / per_dose),
    })
}

/// The item's supply: `days` as written, else derived from `quantity` and the daily frequency.
pub(super) fn supply(item: &ItemCtx, policy: &Policy) -> Option<Supply> {
    if let Some(days) = item.item.days.filter(|d| d.is_finite() && *d > 0.0) {
        return Some(Supply {
            days,
            field: "days",
            one_pack_less: None,
        });
    }
    let Frequency::PerDay(per_day) = item.frequency else {
        return None;
    };
    if !per_day.is_finite() || per_day <= 0.0 {
        return None;
    }
    let d = doses_in_quantity(item, policy)?;
    Some(Supply {
        days: d.doses / per_day,
        field: "quantity",
        one_pack_less: d.per_pack.map(|p| (d.doses - p) / per_day),
    })
}

/// A day count for a message: whole when it is, else one decimal.
pub(super) fn days_text(days: f64) -> String {
    if (days - days.round()).abs() < 0.05 {
        format!("{}", days.round() as i64)
    } else {
        format!("{days:.1}")
    }
}

/// 剂 a day a 中药饮片 usage gives: 每日2剂 / 2剂/日 → 2, 隔日1剂 / 2日1剂 / 1剂/2日 → 0.5; 1 when it
/// says nothing (水煎服，早晚分服) or is not written.
pub(super) fn herbal_doses_per_day(usage: Option<&str>) -> f64 {
    fn numeral(c: char) -> Option<f64> {
        "0123456789".find(c).map(|i| i as f64).or_else(|| {
            "〇一二三四五六七八九"
                .chars()
                .position(|x| x == c)
                .map(|i| i as f64)
                .or((c == '两').then_some(2.0))
        })
    }
    let chars: Vec<char> = usage
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    for i in 2..chars.len() {
        // N剂 after 日 or 天: the 剂 a day (每日2剂), or per that many days (2日1剂, 隔日1剂).
        let (Some(count), '剂', '日' | '天') = (numeral(chars[i - 1]), chars[i], chars[i - 2])
        else {
            continue;
        };
        let days = match i.checked_sub(3).map(|j| chars[j]) {
            Some('隔') => 2.0,
            Some(c) => numeral(c).unwrap_or(1.0),
            None => 1.0,
        };
        if count > 0.0 && days > 0.0 {
            return count / days;
        }
    }
    for i in 1..chars.len().saturating_sub(2) {
        // N剂/日, N剂/天, N剂/2日: as HIS usages abbreviate it.
        let (Some(count), '剂', '/') = (numeral(chars[i - 1]), chars[i], chars[i + 1]) else {
            continue;
        };
        let (days, unit) = match numeral(chars[i + 2]) {
            Some(n) => (n, chars.get(i + 3)),
            None => (1.0, chars.get(i + 2)),
        };
        if matches!(unit, Some('日' | '天')) && count > 0.0 && days > 0.0 {
            return count / days;
        }
    }
    1.0
}

/// The policy's reason for a longer supply (慢性病, 老年病, 特殊情况 …) the diagnosis field
/// states, if any (第19条; 第23条 for 第二类精神药品, RX-13).
pub(super) fn longer_supply_reason<'a>(ctx: &RxCtx<'a>) -> Option<&'a str> {
    let note = filled(&ctx.doc.diagnosis_note)?;
    ctx.policy()
        .vocab
        .longer_supply_reasons
        .iter()
        .find(|w| !w.is_empty() && note.contains(w.as_str()))
        .map(String::as_str)
}

/// 麻醉药品, 第一类 and 第二类精神药品: RX-13 limits them.
fn is_rx13_controlled(item: &ItemCtx) -> bool {
    item.controlled().is_some_and(|c| {
        matches!(
            c,
            Controlled::Narcotic | Controlled::Psych1 | Controlled::Psych2
        )
    })
}

fn check(ctx: &RxCtx, out: &mut Sink) {
    let policy = ctx.policy();
    let (limit, kind_zh, kind_en) = if ctx.is_emergency() {
        (
            policy.limits.max_days_emergency,
            "急诊处方",
            " of an emergency prescription",
        )
    } else {
        (policy.limits.max_days_general, "", "")
    };
    let reason = longer_supply_reason(ctx);
    // Up to three of the policy's reason words for the hint, skipping near-duplicates
    // (慢病 after 慢性病).
    let mut examples: Vec<&str> = Vec::new();
    for w in &policy.vocab.longer_supply_reasons {
        let first = w.chars().next();
        if examples.len() < 3
            && first.is_some()
            && !examples.iter().any(|e| e.chars().next() == first)
        {
            examples.push(w);
        }
    }
    let over = |days: f64, one_pack_less: Option<f64>| {
        days > limit + EPS && one_pack_less.is_none_or(|d| d >= limit - EPS)
    };
    let max = days_text(limit);
    let emit = |out: &mut Sink, path: String, (what_zh, what_en): (String, String)| match reason {
        Some(r) => {
            out.emit(
                &RULE,
                path,
                Text::new(
                    format!("{what_zh}，超过{kind_zh}{max}日限量；诊断栏已注明理由“{r}”"),
                    format!("{what_en}, over the {max}-day limit{kind_en}; the diagnosis field gives the reason “{r}”"),
                ),
                Text::new(
                    "确认延长用量的理由成立",
                    "confirm the reason justifies the longer supply",
                ),
            )
            .severity = Severity::Warning;
        }
        None => {
            out.emit(
                &RULE,
                path,
                Text::new(
                    format!("{what_zh}，超过{kind_zh}{max}日限量，且诊断栏未注明延长理由"),
                    format!("{what_en}, over the {max}-day limit{kind_en}, and the diagnosis field gives no reason"),
                ),
                Text::new(
                    format!(
                        "减至{max}日用量以内；确需延长时在诊断栏注明理由（如{}）",
                        examples.join("、")
                    ),
                    format!(
                        "reduce the supply to {max} days, or state the reason in the diagnosis field (e.g. {})",
                        examples.join(", ")
                    ),
                ),
            );
        }
    };

    // A 中药饮片 prescription as a whole: its 剂数 at the usage's 剂 a day.
    if let Some(h) = &ctx.doc.herbal
        && let Some(n) = h.doses.filter(|n| n.is_finite() && *n > 0.0)
    {
        let per_day = herbal_doses_per_day(filled(&h.usage));
        let days = n / per_day;
        if over(days, None) {
            let (n, days) = (days_text(n), days_text(days));
            let what = if per_day == 1.0 {
                (
                    format!("中药饮片{n}剂（每日1剂），即{days}日用量"),
                    format!("the herbal prescription: {n} doses at one a day, {days} days' supply"),
                )
            } else {
                (
                    format!("中药饮片{n}剂，按用法折算{days}日用量"),
                    format!("the herbal prescription: {n} doses, {days} days' supply by its usage"),
                )
            };
            emit(out, "herbal.doses".to_string(), what);
        }
    }

    let herbal = ctx.is_herbal();
    for item in &ctx.items {
        // On a 中药饮片 prescription an unknown name is most likely a herb too; the herbs are
        // counted by 剂数 above.
        if item.is_herb() || (herbal && item.drug().is_none()) || is_rx13_controlled(item) {
            continue;
        }
        let Some(s) = supply(item, policy) else {
            continue;
        };
        if !over(s.days, s.one_pack_less) {
            continue;
        }
        let name = item.written_name();
        let days = days_text(s.days);
        let what = if s.field == "days" {
            (
                format!("{name}用量{days}日"),
                format!("{name}: {days} days' supply"),
            )
        } else {
            (
                format!("{name}按开具数量折算约{days}日用量"),
                format!("{name}: the quantity lasts about {days} days"),
            )
        };
        emit(out, format!("items[{}].{}", item.index, s.field), what);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::report::Severity;
    use crate::testing::*;

    #[test]
    fn flags_a_long_supply_without_a_reason() {
        let r = rx(json!({"items": [{}, {"days": 14, "quantity": {"value": 3, "unit": "盒"}}]}));
        let f = expect(&r, "RX-12", "OPD-13", Severity::Error, "items[1].days");
        assert!(f.message.zh.contains("14日") && f.message.zh.contains("7日"));
        assert!(
            f.hint.zh.contains("慢性病、老年病、特殊情况"),
            "{}",
            f.hint.zh
        );
    }

    #[test]
    fn a_reason_in_the_diagnosis_field_makes_it_a_warning() {
        let r = rx(json!({
            "diagnosis_note": "慢性病，需长期用药",
            "items": [{}, {"days": 14, "quantity": {"value": 3, "unit": "盒"}}]
        }));
        expect(&r, "RX-12", "OPD-13", Severity::Warning, "items[1].days");
        assert!(r.score.qualified);
    }

    #[test]
    fn emergency_prescriptions_have_three_days() {
        let r = rx(json!({"prescription_type": "emergency", "items": [{"days": 4}]}));
        let f = expect(&r, "RX-12", "OPD-13", Severity::Error, "items[0].days");
        assert!(f.message.zh.contains("急诊处方3日"));
        expect_none(
            &rx(json!({"prescription_type": "emergency", "items": [{"days": 3}, {"days": 3}]})),
            "RX-12",
        );
    }

    #[test]
    fn derives_the_supply_from_the_quantity() {
        // 0.5 g = 2 粒 tid: 6 粒 a day; 3 盒 × 24 粒 = 72 粒 = 12 days (2 盒 would last 8).
        let r = rx(json!({"items": [{"days": null, "quantity": {"value": 3, "unit": "盒"}}]}));
        let f = expect(&r, "RX-12", "OPD-13", Severity::Error, "items[0].quantity");
        assert!(f.message.zh.contains("12日"), "{}", f.message.zh);
        // Counted units: 60 粒 = 10 days.
        let r = rx(json!({"items": [{"days": null, "quantity": {"value": 60, "unit": "粒"}}]}));
        expect(&r, "RX-12", "OPD-13", Severity::Error, "items[0].quantity");
    }

    #[test]
    fn whole_packs_may_round_a_supply_up() {
        // 2 盒 = 48 粒 = 8 days, but 1 盒 (4 days) would not last the week.
        let r = rx(json!({"items": [{"days": null, "quantity": {"value": 2, "unit": "盒"}}]}));
        expect_none(&r, "RX-12");
        // Without days, frequency or pack size the supply is unknown: nothing to say.
        let r = rx(
            json!({"items": [{"days": null, "strength": "0.25g", "quantity": {"value": 3, "unit": "盒"}}]}),
        );
        expect_none(&r, "RX-12");
    }

    #[test]
    fn passes_seven_days() {
        expect_none(&rx(json!({"items": [{"days": 7}, {"days": 7}]})), "RX-12");
    }

    fn herbs(doses: f64, usage: &str) -> Value {
        let herbs: Vec<Value> = ["黄芪", "甘草"]
            .iter()
            .map(|h| json!({"drug": h, "dose": {"value": 10, "unit": "g"}, "days": 14}))
            .collect();
        json!({"items": {"$replace": herbs}, "herbal": {"doses": doses, "usage": usage}})
    }

    #[test]
    fn herbal_prescriptions_count_their_doses_as_days() {
        let r = rx(herbs(14.0, "水煎服，每日1剂，早晚分服"));
        let f = expect(&r, "RX-12", "OPD-13", Severity::Error, "herbal.doses");
        assert!(
            f.message.zh.contains("14剂") && f.message.zh.contains("7日"),
            "{}",
            f.message.zh
        );
        assert_eq!(r.findings.iter().filter(|f| f.rule == "RX-12").count(), 1);
        // With the reason in the diagnosis field it is a warning.
        let mut p = herbs(14.0, "水煎服，每日1剂");
        p["diagnosis_note"] = json!("慢性病，需长期调理");
        expect(&rx(p), "RX-12", "OPD-13", Severity::Warning, "herbal.doses");
        // 7 剂, or 14 剂 at two a day, is a week; 4 剂 on an emergency prescription is not.
        expect_none(&rx(herbs(7.0, "水煎服，每日1剂，早晚分服")), "RX-12");
        expect_none(&rx(herbs(14.0, "水煎服，每日2剂")), "RX-12");
        expect_none(&rx(herbs(14.0, "2剂/日，水煎服")), "RX-12");
        let mut p = herbs(4.0, "水煎服");
        p["prescription_type"] = json!("emergency");
        expect(&rx(p), "RX-12", "OPD-13", Severity::Error, "herbal.doses");
        // 5 剂 every other day lasts 10 days.
        let r = rx(herbs(5.0, "水煎服，隔日1剂"));
        let f = expect(&r, "RX-12", "OPD-13", Severity::Error, "herbal.doses");
        assert!(f.message.zh.contains("10日"), "{}", f.message.zh);
    }

    #[test]
    fn herbal_usages_give_doses_a_day() {
        use super::herbal_doses_per_day as per_day;
        assert_eq!(per_day(Some("水煎服，每日1剂，早晚分服")), 1.0);
        assert_eq!(per_day(Some("水煎服，日一剂")), 1.0);
        assert_eq!(per_day(Some("每日 2 剂，分4次服")), 2.0);
        assert_eq!(per_day(Some("两日一剂")), 0.5);
        assert_eq!(per_day(Some("每2天1剂")), 0.5);
        assert_eq!(per_day(Some("隔日1剂")), 0.5);
        assert_eq!(per_day(Some("2剂/日，水煎服")), 2.0);
        assert_eq!(per_day(Some("1剂/2日")), 0.5);
        assert_eq!(per_day(Some("1剂/天")), 1.0);
        assert_eq!(per_day(Some("2剂/")), 1.0);
        assert_eq!(per_day(Some("水煎服")), 1.0);
        assert_eq!(per_day(None), 1.0);
    }

    #[test]
    fn skips_controlled_drugs() {
        // 地西泮 is a 精二 drug: RX-13 limits it, not RX-12.
        let r = rx(json!({
            "prescription_type": "psych2",
            "items": [{}, {"$replace": {"drug": "地西泮片", "strength": "5mg×20片", "dose": {"value": 5, "unit": "mg"}, "route": "口服", "frequency": "qn", "days": 14, "quantity": {"value": 14, "unit": "片"}}}]
        }));
        expect_none(&r, "RX-12");
    }
}
