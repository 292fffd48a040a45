//! RX-16: every correction signed and dated.

use crate::datetime;
use crate::declare_rule;
use crate::model::filled;
use crate::report::{Severity, Text};
use crate::rules::{Check, RxCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// Every entry of `amendments` (the electronic form of a correction on the prescription)
    /// names who made it (`by`) and when (`at`, a date-time the interchange format can read:
    /// `YYYY-MM-DDTHH:MM`). A missing signer is reported at `amendments[i].by`, a missing or
    /// unreadable time at `amendments[i].at`.
    ///
    /// ## Why
    /// 处方管理办法 第6条(3): 字迹清楚，不得涂改；如需修改，应当在修改处签名并注明修改日期. An
    /// unsigned or undated change cannot be told from tampering; the assessment table deducts two
    /// points (item 15).
    ///
    /// ## Bad
    /// ```json
    /// {"amendments": [{"path": "items[0].dose", "before": {"value": 0.25, "unit": "g"}, "after": {"value": 0.5, "unit": "g"}, "at": "2026-11-22T09:38"}]}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"amendments": [{"path": "items[0].dose", "before": {"value": 0.25, "unit": "g"}, "after": {"value": 0.5, "unit": "g"}, "by": "D0012", "at": "2026-11-22T09:38"}]}
    /// ```
    pub static RULE = {
        code: "RX-16",
        item: "OPD-15",
        severity: Severity::Error,
        clause: "门诊医疗质量考核表 第15条; 处方管理办法 第6条(3)",
        title: ("修改处签名并注明日期", "every correction signed and dated"),
        check: Check::Prescription(check),
    }
}

fn check(ctx: &RxCtx, out: &mut Sink) {
    for (i, a) in ctx.doc.amendments.iter().enumerate() {
        let what = filled(&a.path)
            .map(|p| (format!("（{p}）"), format!(" ({p})")))
            .unwrap_or_default();
        if filled(&a.by).is_none() {
            out.emit(
                &RULE,
                format!("amendments[{i}].by"),
                Text::new(
                    format!("第{}处修改{}未签名", i + 1, what.0),
                    format!("correction {}{} is not signed", i + 1, what.1),
                ),
                Text::new(
                    "由修改医师在修改处签名",
                    "have the physician who made it sign the correction",
                ),
            );
        }
        let (zh, en) = match filled(&a.at) {
            None => ("未注明修改日期".to_string(), "is not dated".to_string()),
            Some(at) if datetime::parse(at).is_none() => (
                format!("的修改时间“{at}”无法识别"),
                format!("has an unreadable date-time “{at}”"),
            ),
            Some(_) => continue,
        };
        out.emit(
            &RULE,
            format!("amendments[{i}].at"),
            Text::new(
                format!("第{}处修改{}{zh}", i + 1, what.0),
                format!("correction {}{} {en}", i + 1, what.1),
            ),
            Text::new(
                "注明修改日期和时间，如 2026-11-22T09:41",
                "record the date and time of the correction, e.g. 2026-11-22T09:41",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::report::Severity;
    use crate::testing::*;

    fn amendment(by: Value, at: Value) -> Value {
        json!({"amendments": [{"path": "items[0].dose", "before": {"value": 0.25, "unit": "g"}, "after": {"value": 0.5, "unit": "g"}, "by": by, "at": at}]})
    }

    #[test]
    fn flags_an_unsigned_correction() {
        let r = rx(amendment(json!(" "), json!("2026-11-22T09:38")));
        let f = expect(&r, "RX-16", "OPD-15", Severity::Error, "amendments[0].by");
        assert!(f.message.zh.contains("items[0].dose"));
        expect_none(
            &rx(amendment(json!("D0012"), json!("2026-11-22T09:38"))),
            "RX-16",
        );
    }

    #[test]
    fn flags_an_undated_or_unreadable_time() {
        let r = rx(amendment(json!("D0012"), Value::Null));
        let f = expect(&r, "RX-16", "OPD-15", Severity::Error, "amendments[0].at");
        assert!(f.message.zh.contains("未注明修改日期"));
        let r = rx(amendment(json!("D0012"), json!("刚才")));
        let f = expect(&r, "RX-16", "OPD-15", Severity::Error, "amendments[0].at");
        assert!(f.message.zh.contains("刚才"));
    }

    #[test]
    fn one_finding_per_missing_field() {
        let r = rx(amendment(Value::Null, Value::Null));
        expect(&r, "RX-16", "OPD-15", Severity::Error, "amendments[0].by");
        expect(&r, "RX-16", "OPD-15", Severity::Error, "amendments[0].at");
        assert_eq!(r.findings.iter().filter(|f| f.rule == "RX-16").count(), 2);
    }

    #[test]
    fn no_amendments_no_finding() {
        expect_none(&rx(json!({})), "RX-16");
    }
}
