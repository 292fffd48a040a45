//! RX-11: 中药饮片 on a prescription of its own.

use crate::declare_rule;
use crate::formulary::Category;
use crate::report::{Severity, Text};
use crate::rules::{Check, ItemCtx, RxCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// A prescription with a 中药饮片 item (a herb of the formulary) holds no western drug and
    /// no 中成药. Only names the formulary resolves count: an unknown name is neither (RX-06
    /// reports it). One finding per prescription, at the items table (`items`), naming one herb
    /// and one western or 中成药 item.
    ///
    /// ## Why
    /// 处方管理办法 第6条(6): 西药和中成药可以分别开具处方，也可以开具一张处方，中药饮片应当单独
    /// 开具处方. A decoction is dispensed, priced and used by 剂 and a separate slip; mixed in with
    /// tablets it is easily lost or misdispensed. The assessment table deducts a point (item 12).
    ///
    /// ## Bad
    /// ```json
    /// {"items": [{}, {"$replace": {"drug": "黄芪", "dose": {"value": 15, "unit": "g"}}}]}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"items": {"$replace": [{"drug": "黄芪", "dose": {"value": 15, "unit": "g"}}, {"drug": "炙甘草", "dose": {"value": 6, "unit": "g"}}]}, "herbal": {"doses": 7, "usage": "水煎服，每日1剂，早晚分服"}}
    /// ```
    pub static RULE = {
        code: "RX-11",
        item: "OPD-12",
        severity: Severity::Error,
        clause: "门诊医疗质量考核表 第12条; 处方管理办法 第6条(6)",
        title: ("中药饮片单独开具处方", "中药饮片 on a prescription of its own"),
        check: Check::Prescription(check),
    }
}

/// A known western drug or 中成药.
fn is_western_or_cpm(item: &ItemCtx) -> bool {
    item.drug()
        .is_some_and(|d| matches!(d.cat, Category::Western | Category::Cpm))
}

fn check(ctx: &RxCtx, out: &mut Sink) {
    let herb = ctx.items.iter().find(|i| i.is_herb());
    let other = ctx.items.iter().find(|i| is_western_or_cpm(i));
    let (Some(herb), Some(other)) = (herb, other) else {
        return;
    };
    let (h, o) = (herb.written_name(), other.written_name());
    out.emit(
        &RULE,
        "items",
        Text::new(
            format!("中药饮片（{h}）不得与西药、中成药（{o}）开在同一张处方"),
            format!(
                "中药饮片 ({h}) must not share a prescription with western or 中成药 drugs ({o})"
            ),
        ),
        Text::new(
            "中药饮片单独开具一张处方",
            "write the 中药饮片 on a prescription of their own",
        ),
    );
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::report::Severity;
    use crate::testing::*;

    fn herb(name: &str, grams: f64) -> Value {
        json!({"drug": name, "dose": {"value": grams, "unit": "g"}})
    }

    #[test]
    fn flags_a_herb_with_a_western_drug() {
        let r = rx(json!({"items": [{}, {"$replace": herb("黄芪", 15.0)}]}));
        let f = expect(&r, "RX-11", "OPD-12", Severity::Error, "items");
        assert!(f.message.zh.contains("黄芪") && f.message.zh.contains("阿莫西林胶囊"));
    }

    #[test]
    fn flags_a_herb_with_a_cpm_on_a_herbal_prescription() {
        let cpm = json!({"drug": "连花清瘟胶囊", "strength": "0.35g×24粒", "dose": {"value": 1.4, "unit": "g"}, "route": "口服", "frequency": "tid", "days": 3, "quantity": {"value": 1, "unit": "盒"}});
        let r = rx(json!({
            "items": {"$replace": [herb("黄芪", 15.0), herb("甘草", 6.0), cpm]},
            "herbal": {"doses": 7, "usage": "水煎服，每日1剂，早晚分服"}
        }));
        let f = expect(&r, "RX-11", "OPD-12", Severity::Error, "items");
        assert!(f.message.zh.contains("连花清瘟胶囊"));
    }

    #[test]
    fn passes_herbs_alone_and_western_alone() {
        let r = rx(json!({
            "items": {"$replace": [herb("黄芪", 15.0), herb("炙甘草", 6.0), herb("细辛", 3.0)]},
            "herbal": {"doses": 7, "usage": "水煎服，每日1剂，早晚分服"}
        }));
        expect_none(&r, "RX-11");
        expect_none(&rx(json!({})), "RX-11");
    }

    #[test]
    fn unknown_names_do_not_count() {
        // 不明饮片 is in no formulary: RX-06 reports it, RX-11 cannot say what it is.
        let r = rx(json!({"items": [{}, {"$replace": herb("不明饮片", 10.0)}]}));
        expect_none(&r, "RX-11");
    }
}
