//! IR-04: dates in order.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, InfectiousCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "IR-04",
        item: "OPD-5",
        severity: Severity::Error,
        severity_note: "",
        case: Some("defective"),
        clause: "门诊医疗质量考核表 第5条; 传染病信息报告管理规范",
        overridable: false,
        title: ("日期先后合理", "dates in order"),
        check: Check::Infectious(check),
    }
}

fn check(_ctx: &InfectiousCtx, _out: &mut Sink) {}
