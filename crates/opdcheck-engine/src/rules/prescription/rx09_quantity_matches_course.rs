//! RX-09: quantity agrees with dose × frequency × days.

use crate::declare_rule;
use crate::lookup::Frequency;
use crate::model::filled;
use crate::report::{Severity, Text};
use crate::rules::{Check, ItemCtx, RxCtx, Sink};
use crate::units::{self, Unit};

declare_rule! {
    /// ## What it checks
    /// The quantity dispensed (`items[i].quantity`) covers the course and not much more:
    /// needed = units per dose × administrations per day × `days`, counted in units of the
    /// dosage form (粒, 片, 支 …). Units per dose come from a count dose (2 粒) or from the
    /// dose ÷ the strength (0.5 g ÷ 0.25 g = 2). A quantity in whole packs (`vocab.pack_units`:
    /// 盒, 瓶 …) is converted with the pack size the strength states ("0.25g×24粒": 24 粒 per
    /// 盒; a pack word that is also the dosage unit, as 包 for granules "6g×10包", counts
    /// units); a quantity in g, ml or U is compared with the dose in the same dimension. The
    /// quantity must be at least what is needed and at most the largest of: needed rounded up
    /// to a whole unit, needed rounded up to whole packs (when the pack size is known), and
    /// needed plus `limits.quantity_tolerance_days` days' worth.
    ///
    /// Not checked (nothing to compare): herbs (RX-23) and unknown names on a 中药饮片
    /// prescription, prn/st frequencies, a missing or unknown dose, frequency, `days` or
    /// quantity, a pack quantity whose pack size the strength does not state, and a count
    /// unit that differs from the dose's (片 dose, 粒 quantity).
    ///
    /// ## Why
    /// 医院处方点评管理规范 第18条 counts 用法、用量不适宜 among inappropriate prescriptions, and
    /// 处方管理办法 第6条(6) asks for exact amounts: too little and the course is cut short, too
    /// much and drugs pile up at home or exceed the supply limits (RX-12). A mismatch is often a
    /// typing slip in the dose, the days or the quantity. A warning to review (item 11).
    ///
    /// ## Bad
    /// ```json
    /// {"items": [{"quantity": {"value": 3, "unit": "盒"}}]}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"items": [{"quantity": {"value": 24, "unit": "粒"}}]}
    /// ```
    pub static RULE = {
        code: "RX-09",
        item: "OPD-11",
        severity: Severity::Warning,
        clause: "门诊医疗质量考核表 第11条; 医院处方点评管理规范 第18条",
        title: ("数量与剂量×频次×天数相符", "quantity agrees with dose × frequency × days"),
        check: Check::Prescription(check),
    }
}

/// An item's course, in one counting unit.
struct Course {
    /// Units per dose.
    per_dose: f64,
    /// Units dispensed.
    dispensed: f64,
    /// The counting unit (粒, or the quantity's own unit: g, ml …).
    unit: String,
    /// Units per pack, when the quantity is counted in whole units and the pack size is known.
    pack: Option<f64>,
    /// Whole units (粒, 片): the need rounds up to one.
    countable: bool,
}

fn check(ctx: &RxCtx, out: &mut Sink) {
    let tolerance_days = ctx.policy().limits.quantity_tolerance_days;
    for item in &ctx.items {
        if item.is_herb() || (ctx.doc.herbal.is_some() && item.drug().is_none()) {
            continue;
        }
        let Frequency::PerDay(per_day) = item.frequency else {
            continue;
        };
        let Some(days) = item.item.days.filter(|d| *d > 0.0) else {
            continue;
        };
        let Some(quantity) = item.item.quantity.as_ref() else {
            continue;
        };
        let (Some(qv), Some(qu)) = (quantity.value.filter(|v| *v > 0.0), filled(&quantity.unit))
        else {
            continue;
        };
        let Some(c) = course(ctx, item, qv, qu) else {
            continue;
        };
        if per_day <= 0.0 || c.per_dose <= 0.0 {
            continue;
        }

        let needed = c.per_dose * per_day * days;
        let eps = 1e-3 * needed.max(1.0);
        let mut upper = needed + c.per_dose * per_day * tolerance_days;
        if c.countable {
            upper = upper.max((needed - eps).ceil());
        }
        if let Some(size) = c.pack.filter(|s| *s > 0.0) {
            upper = upper.max(((needed - eps) / size).ceil() * size);
        }
        let too_little = c.dispensed < needed - eps;
        if !too_little && c.dispensed <= upper + eps {
            continue;
        }

        let drug = item.written_name();
        let freq = filled(&item.item.frequency).unwrap_or("");
        let u = &c.unit;
        let written = if qu == u.as_str() {
            format!("{}{qu}", num(qv))
        } else {
            format!("{}{qu}（{}{u}）", num(qv), num(c.dispensed))
        };
        let written_en = if qu == u.as_str() {
            format!("{} {qu}", num(qv))
        } else {
            format!("{} {qu} ({} {u})", num(qv), num(c.dispensed))
        };
        let course_zh = format!(
            "每次{}{u}×{freq}×{}天需{}{u}",
            num(c.per_dose),
            num(days),
            num(needed)
        );
        let course_en = format!(
            "{} {u} per dose × {freq} × {} days needs {} {u}",
            num(c.per_dose),
            num(days),
            num(needed)
        );
        let (zh, en) = if too_little {
            (
                format!("{drug}数量{written}不足：{course_zh}"),
                format!("{drug}: the quantity {written_en} is too little: {course_en}"),
            )
        } else {
            (
                format!(
                    "{drug}数量{written}超过所需：{course_zh}，最多{}{u}",
                    num(upper)
                ),
                format!(
                    "{drug}: the quantity {written_en} is more than needed: {course_en}, at most {} {u}",
                    num(upper)
                ),
            )
        };
        out.emit(
            &RULE,
            format!("items[{}].quantity", item.index),
            Text::new(zh, en),
            Text::new(
                "核对单次剂量、频次、天数和总量，使其一致",
                "check the dose, frequency, days and quantity against each other",
            ),
        );
    }
}

/// The item's course counted in one unit, or `None` when the amounts cannot be compared.
fn course(ctx: &RxCtx, item: &ItemCtx, qv: f64, qu: &str) -> Option<Course> {
    let pack = filled(&item.item.strength).and_then(units::pack_size);
    // A pack unit that is also the dosage unit (1 包 of granules a dose, "6g×10包") counts units.
    let is_dosage_unit = pack.as_ref().is_some_and(|(_, u)| u == qu)
        || item
            .count_per_dose()
            .is_some_and(|(_, u)| u.as_deref() == Some(qu));
    let is_pack_unit = ctx.policy().vocab.pack_units.iter().any(|p| p == qu) && !is_dosage_unit;
    if is_pack_unit {
        let (size, unit) = pack?;
        let (per_dose, dose_unit) = item.count_per_dose()?;
        if dose_unit.is_some_and(|d| d != unit) {
            return None;
        }
        return Some(Course {
            per_dose,
            dispensed: qv * size,
            unit,
            pack: Some(size),
            countable: true,
        });
    }
    let q = units::normalise(qv, qu)?;
    match q.unit {
        Unit::Count(unit) => {
            let (per_dose, dose_unit) = item.count_per_dose()?;
            if dose_unit.is_some_and(|d| d != unit) {
                return None;
            }
            let pack = pack.filter(|(_, u)| *u == unit).map(|(s, _)| s);
            Some(Course {
                per_dose,
                dispensed: q.value,
                unit,
                pack,
                countable: true,
            })
        }
        dimension => {
            // g, ml, U: the dose in the same dimension, in the quantity's unit.
            let dose = item.dose.as_ref().filter(|d| d.unit == dimension)?;
            let factor = q.value / qv;
            Some(Course {
                per_dose: dose.value / factor,
                dispensed: qv,
                unit: qu.to_string(),
                pack: None,
                countable: false,
            })
        }
    }
}

/// A number for a message: at most two decimals, no trailing zeros.
fn num(x: f64) -> String {
    let s = format!("{:.2}", x);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::report::Severity;
    use crate::testing::*;

    /// The clean prescription's amoxicillin: 0.5 g (2 粒) tid for 4 days = 24 粒, 24 粒 a 盒.
    fn amoxicillin(patch: Value) -> crate::Report {
        rx(json!({"items": [patch]}))
    }

    #[test]
    fn warns_on_too_little() {
        let r = amoxicillin(json!({"days": 5}));
        let f = expect(
            &r,
            "RX-09",
            "OPD-11",
            Severity::Warning,
            "items[0].quantity",
        );
        assert!(
            f.message.zh.contains("不足") && f.message.zh.contains("需30粒"),
            "{}",
            f.message.zh
        );
        let r = amoxicillin(json!({"quantity": {"value": 20, "unit": "粒"}}));
        expect(
            &r,
            "RX-09",
            "OPD-11",
            Severity::Warning,
            "items[0].quantity",
        );
    }

    #[test]
    fn warns_on_more_than_whole_packs_or_tolerance() {
        let r = amoxicillin(json!({"quantity": {"value": 2, "unit": "盒"}}));
        let f = expect(
            &r,
            "RX-09",
            "OPD-11",
            Severity::Warning,
            "items[0].quantity",
        );
        assert!(
            f.message.zh.contains("2盒（48粒）超过所需"),
            "{}",
            f.message.zh
        );
        // Loose count: needed 24 + 1 day (6) tolerated, 31 is too many.
        let r = amoxicillin(json!({"quantity": {"value": 31, "unit": "粒"}}));
        expect(
            &r,
            "RX-09",
            "OPD-11",
            Severity::Warning,
            "items[0].quantity",
        );
        expect_none(
            &amoxicillin(json!({"quantity": {"value": 30, "unit": "粒"}})),
            "RX-09",
        );
    }

    #[test]
    fn rounds_up_to_whole_packs() {
        // Ambroxol 1 片 tid × 5 days = 15 片; one 盒 of 20 is the least whole pack.
        expect_none(&rx(json!({})), "RX-09");
        let r = rx(json!({"items": [{}, {"days": 7}]}));
        expect(
            &r,
            "RX-09",
            "OPD-11",
            Severity::Warning,
            "items[1].quantity",
        );
        expect_none(
            &rx(json!({"items": [{}, {"days": 7, "quantity": {"value": 2, "unit": "盒"}}]})),
            "RX-09",
        );
    }

    #[test]
    fn counts_a_count_dose_and_a_volume() {
        let r = amoxicillin(json!({"dose": {"value": 1, "unit": "粒"}, "quantity": {"value": 2}}));
        let f = expect(
            &r,
            "RX-09",
            "OPD-11",
            Severity::Warning,
            "items[0].quantity",
        );
        assert!(f.message.zh.contains("需12粒"), "{}", f.message.zh);
        let syrup = json!({"drug": "氨溴索口服溶液", "strength": "100ml:0.6g", "dose": {"value": 10, "unit": "ml"}, "route": "口服", "frequency": "tid", "days": 3, "quantity": {"value": 60, "unit": "ml"}});
        let r = rx(json!({"items": [{}, {"$replace": syrup}]}));
        expect(
            &r,
            "RX-09",
            "OPD-11",
            Severity::Warning,
            "items[1].quantity",
        );
    }

    #[test]
    fn a_pack_unit_that_is_the_dosage_unit_counts_units() {
        // 1 包 a dose, tid × 2 days = 6 包; "6 包" is six sachets, not six packs of 10.
        let granules = json!({"drug": "连花清瘟颗粒", "strength": "6g×10包", "dose": {"value": 1, "unit": "包"}, "route": "口服", "frequency": "tid", "days": 2, "quantity": {"value": 6, "unit": "包"}});
        expect_none(&rx(json!({"items": [{}, {"$replace": granules}]})), "RX-09");
    }

    #[test]
    fn skips_what_cannot_be_compared() {
        for patch in [
            json!({"frequency": "prn"}),
            json!({"frequency": "st"}),
            json!({"days": null}),
            json!({"strength": "0.25g", "quantity": {"value": 5, "unit": "盒"}}),
            json!({"dose": {"value": 2, "unit": "片"}, "quantity": {"value": 99, "unit": "粒"}}),
        ] {
            expect_none(&amoxicillin(patch.clone()), "RX-09");
        }
        let r = rx(json!({
            "items": {"$replace": [{"drug": "黄芪", "dose": {"value": 15, "unit": "g"}, "frequency": "qd", "days": 7, "quantity": {"value": 1, "unit": "g"}}]},
            "herbal": {"doses": 7, "usage": "水煎服，每日1剂，早晚分服"}
        }));
        expect_none(&r, "RX-09");
    }
}
