//! RX-14: over-label dose needs a reason and a second signature.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, RxCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "RX-14",
        item: "OPD-14",
        severity: Severity::Error,
        severity_note: "",
        case: None,
        clause: "门诊医疗质量考核表 第14条; 处方管理办法 第6条(9)",
        overridable: true,
        title: ("超说明书剂量须注明原因并再次签名", "over-label dose needs a reason and a second signature"),
        check: Check::Prescription(check),
    }
}

fn check(_ctx: &RxCtx, _out: &mut Sink) {}
