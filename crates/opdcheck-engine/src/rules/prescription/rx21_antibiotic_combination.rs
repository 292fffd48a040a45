//! RX-21: an antibiotic combination needs a reason.

use crate::declare_rule;
use crate::model::filled;
use crate::report::{Severity, Text};
use crate::rules::{Check, RxCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// Two or more different antibiotics (formulary `abx`) given by a systemic route (the
    /// policy's `systemic_routes`: oral, injection …) need `combination_reason`. Topical
    /// antibiotics do not count, nor does the same antibiotic written twice (that is RX-20).
    /// The finding points at `combination_reason`; a recorded reason accepts it.
    ///
    /// ## Why
    /// Most outpatient infections need one antibiotic; a combination widens resistance and
    /// adverse effects and is justified only in defined situations (mixed or severe infection,
    /// resistant organism). 医院处方点评管理规范 第18条(5) counts 无正当理由联合用药 as 不适宜处方;
    /// the clinical table (item 7) deducts for an unjustified combination (抗菌素不合理联合使用扣1分).
    ///
    /// A warning, since a combination may be justified without the reason written: it does not
    /// deduct in the document's own score. CLN-7 lists RX-21 among its `confirmed_warnings`, so
    /// once QA confirms the finding the review charges CLN-7 (once per document).
    ///
    /// ## Bad
    /// ```json
    /// {"items": [{}, {"drug": "注射用头孢曲松钠", "strength": "1g", "dose": {"value": 1, "unit": "g"}, "route": "静脉滴注", "frequency": "qd", "days": 3, "quantity": {"value": 3, "unit": "支"}}]}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"items": [{}, {"drug": "注射用头孢曲松钠", "strength": "1g", "dose": {"value": 1, "unit": "g"}, "route": "静脉滴注", "frequency": "qd", "days": 3, "quantity": {"value": 3, "unit": "支"}}], "combination_reason": "重症社区获得性肺炎，需覆盖混合感染"}
    /// ```
    pub static RULE = {
        code: "RX-21",
        item: "CLN-7",
        severity: Severity::Warning,
        clause: "临床医疗科室医疗质量通用考核表 第7条; 医院处方点评管理规范 第18条(5)",
        title: ("抗菌药物联合使用须有理由", "an antibiotic combination needs a reason"),
        check: Check::Prescription(check),
        overridable: true,
    }
}

fn check(ctx: &RxCtx, out: &mut Sink) {
    if filled(&ctx.doc.combination_reason).is_some() {
        return;
    }
    let policy = ctx.policy();
    let mut seen: Vec<Option<usize>> = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    for item in &ctx.items {
        if item.is_antibiotic() && item.is_systemic(policy) && !seen.contains(&item.name.index) {
            seen.push(item.name.index);
            names.push(item.written_name());
        }
    }
    if names.len() < 2 {
        return;
    }
    let n = names.len();
    out.emit(
        &RULE,
        "combination_reason",
        Text::new(
            format!(
                "联合使用{n}种全身用抗菌药物（{}），未写明联合用药理由",
                names.join("、")
            ),
            format!(
                "{n} systemic antibiotics combined ({}) without a stated reason",
                names.join(", ")
            ),
        ),
        Text::new(
            "写明联合用药理由（如混合感染、重症感染），或减为一种抗菌药物",
            "state why they are combined (e.g. mixed or severe infection), or keep one antibiotic",
        ),
    );
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::report::Severity;
    use crate::testing::*;

    fn ceftriaxone(route: &str) -> Value {
        json!({"drug": "注射用头孢曲松钠", "strength": "1g", "dose": {"value": 1, "unit": "g"}, "route": route, "frequency": "qd", "days": 3, "quantity": {"value": 3, "unit": "支"}})
    }

    #[test]
    fn flags_two_systemic_antibiotics_without_a_reason() {
        let r = rx(json!({"items": [{}, ceftriaxone("静脉滴注")]}));
        let f = expect(
            &r,
            "RX-21",
            "CLN-7",
            Severity::Warning,
            "combination_reason",
        );
        assert!(f.overridable);
        assert!(f.message.zh.contains("阿莫西林胶囊") && f.message.zh.contains("注射用头孢曲松钠"));
    }

    #[test]
    fn passes_with_a_reason() {
        let r =
            rx(json!({"items": [{}, ceftriaxone("静脉滴注")], "combination_reason": "混合感染"}));
        expect_none(&r, "RX-21");
        assert_eq!(confirmed_review(&r, "RX-21"), (0.0, true));
    }

    /// The table: 抗菌素不合理联合使用扣1分 (CLN-7). Not in the doctor's live score; charged
    /// once QA confirms the finding.
    #[test]
    fn deducts_clinical_item_7_once_qa_confirms_it() {
        let r = rx(json!({"items": [{}, ceftriaxone("静脉滴注")]}));
        expect(
            &r,
            "RX-21",
            "CLN-7",
            Severity::Warning,
            "combination_reason",
        );
        assert_eq!((r.score.deduction, r.score.qualified), (0.0, true));
        assert_eq!(confirmed_review(&r, "RX-21"), (1.0, false));
    }

    #[test]
    fn passes_one_antibiotic_a_topical_one_or_the_same_one_twice() {
        expect_none(&rx(json!({})), "RX-21");
        // Not a systemic route: does not count towards a combination.
        expect_none(&rx(json!({"items": [{}, ceftriaxone("外用")]})), "RX-21");
        let amoxicillin_again = json!({"drug": "阿莫西林颗粒", "strength": "0.125g×12袋", "dose": {"value": 0.5, "unit": "g"}, "route": "口服", "frequency": "tid", "days": 3, "quantity": {"value": 1, "unit": "盒"}});
        expect_none(&rx(json!({"items": [{}, amoxicillin_again]})), "RX-21");
    }
}
