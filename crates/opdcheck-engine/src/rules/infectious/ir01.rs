//! IR-01: report card complete.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, InfectiousCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "IR-01",
        item: "OPD-5",
        severity: Severity::Error,
        severity_note: "",
        case: Some("defective"),
        clause: "门诊医疗质量考核表 第5条; 传染病信息报告管理规范(报告卡填写要求)",
        overridable: false,
        title: ("报告卡项目完整", "report card complete"),
        check: Check::Infectious(check),
    }
}

fn check(_ctx: &InfectiousCtx, _out: &mut Sink) {}
