//! RX-20: no duplicate therapy.

use crate::declare_rule;
use crate::report::{Severity, Text};
use crate::rules::{Check, ItemCtx, RxCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// No duplicate therapy: the same generic drug twice (one formulary entry, whatever the salt
    /// or dosage form written), or two drugs of one duplication class (the formulary's `dup`,
    /// named in `duplication_classes`: two NSAIDs, two PPIs …). The finding points at the later
    /// item (`items[j].drug`) and names both. Infusion vehicles (氯化钠, 葡萄糖 …) may appear more
    /// than once.
    ///
    /// ## Why
    /// Two drugs with the same action add up the dose and the adverse effects without adding
    /// benefit. 医院处方点评管理规范 第18条(6) counts 重复给药 as 不适宜处方, and the clinical
    /// table (item 7) deducts for duplicate therapy.
    ///
    /// ## Bad
    /// ```json
    /// {"items": [{}, {"drug": "布洛芬片", "strength": "0.2g×24片", "dose": {"value": 0.2, "unit": "g"}, "route": "口服", "frequency": "tid", "days": 3, "quantity": {"value": 1, "unit": "盒"}}, {"drug": "对乙酰氨基酚片", "strength": "0.5g×12片", "dose": {"value": 0.5, "unit": "g"}, "route": "口服", "frequency": "tid", "days": 3, "quantity": {"value": 1, "unit": "盒"}}]}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"items": [{}, {"drug": "布洛芬片", "strength": "0.2g×24片", "dose": {"value": 0.2, "unit": "g"}, "route": "口服", "frequency": "tid", "days": 3, "quantity": {"value": 1, "unit": "盒"}}]}
    /// ```
    pub static RULE = {
        code: "RX-20",
        item: "CLN-7",
        severity: Severity::Warning,
        clause: "临床医疗科室医疗质量通用考核表 第7条; 医院处方点评管理规范 第18条(6)",
        title: ("重复用药", "no duplicate therapy"),
        check: Check::Prescription(check),
    }
}

/// "第2项“布洛芬片”".
fn label(item: &ItemCtx) -> (String, String) {
    let name = item.written_name();
    (
        format!("第{}项“{name}”", item.index + 1),
        format!("item {} “{name}”", item.index + 1),
    )
}

fn check(ctx: &RxCtx, out: &mut Sink) {
    let policy = ctx.policy();
    for (j, later) in ctx.items.iter().enumerate() {
        let Some(dj) = later.drug() else { continue };
        for earlier in &ctx.items[..j] {
            let Some(di) = earlier.drug() else { continue };
            let same = earlier.name.index == later.name.index;
            let same_class = matches!((&di.dup, &dj.dup), (Some(ci), Some(cj)) if ci == cj);
            let duplicate = if same { !dj.vehicle } else { same_class };
            if !duplicate {
                continue;
            }
            let (a, b) = (label(earlier), label(later));
            let message = if same {
                Text::new(
                    format!("{}与{}为同一药品（{}），重复用药", a.0, b.0, dj.name),
                    format!(
                        "{} and {} are the same drug ({}): duplicate therapy",
                        a.1, b.1, dj.en
                    ),
                )
            } else {
                match (&di.dup, &dj.dup) {
                    (Some(ci), Some(cj)) if ci == cj => {
                        let (zh, en) = policy
                            .duplication_classes
                            .get(cj)
                            .map_or((cj.as_str(), cj.as_str()), |c| {
                                (c.zh.as_str(), c.en.as_str())
                            });
                        Text::new(
                            format!("{}与{}同属{zh}，重复用药", a.0, b.0),
                            format!("{} and {} are both {en}: duplicate therapy", a.1, b.1),
                        )
                    }
                    _ => continue,
                }
            };
            out.emit(
                &RULE,
                format!("items[{}].drug", later.index),
                message,
                Text::new("保留其中一种药品", "keep only one of them"),
            );
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::report::Severity;
    use crate::testing::*;

    fn item(drug: &str, strength: &str, dose: f64) -> Value {
        json!({"drug": drug, "strength": strength, "dose": {"value": dose, "unit": "g"}, "route": "口服", "frequency": "tid", "days": 3, "quantity": {"value": 1, "unit": "盒"}})
    }

    #[test]
    fn flags_two_drugs_of_one_class() {
        let r = rx(
            json!({"items": [{}, item("布洛芬片", "0.2g×24片", 0.2), item("对乙酰氨基酚片", "0.5g×12片", 0.5)]}),
        );
        let f = expect(&r, "RX-20", "CLN-7", Severity::Warning, "items[2].drug");
        assert!(f.message.zh.contains("布洛芬片") && f.message.zh.contains("对乙酰氨基酚片"));
        assert!(f.message.zh.contains("非甾体抗炎药"));
    }

    #[test]
    fn flags_the_same_generic_in_two_forms() {
        let r = rx(json!({"items": [{}, {}, item("阿莫西林颗粒", "0.125g×12袋", 0.5)]}));
        let f = expect(&r, "RX-20", "CLN-7", Severity::Warning, "items[2].drug");
        assert!(f.message.zh.contains("同一药品（阿莫西林）"));
        assert!(f.message.zh.contains("第1项") && f.message.zh.contains("第3项"));
    }

    #[test]
    fn passes_drugs_of_different_classes_and_repeated_vehicles() {
        expect_none(&rx(json!({})), "RX-20");
        expect_none(
            &rx(json!({"items": [{}, {}, item("布洛芬片", "0.2g×24片", 0.2)]})),
            "RX-20",
        );
        let ns = json!({"drug": "氯化钠注射液", "strength": "100ml:0.9g", "dose": {"value": 100, "unit": "ml"}, "route": "静脉滴注", "frequency": "qd", "days": 1, "quantity": {"value": 1, "unit": "瓶"}});
        expect_none(&rx(json!({"items": [{}, {}, ns.clone(), ns]})), "RX-20");
    }
}
