//! RX-16: every correction signed and dated.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, RxCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "RX-16",
        item: "OPD-15",
        severity: Severity::Error,
        severity_note: "",
        case: None,
        clause: "门诊医疗质量考核表 第15条; 处方管理办法 第6条(3)",
        overridable: false,
        title: ("修改处签名并注明日期", "every correction signed and dated"),
        check: Check::Prescription(check),
    }
}

fn check(_ctx: &RxCtx, _out: &mut Sink) {}
