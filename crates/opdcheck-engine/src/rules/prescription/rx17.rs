//! RX-17: closed and signed with the registered signature.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, RxCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "RX-17",
        item: "OPD-16",
        severity: Severity::Error,
        severity_note: "",
        case: None,
        clause: "门诊医疗质量考核表 第16条; 处方管理办法 第6条(11)(12)",
        overridable: false,
        title: ("处方完毕并按备案样式签名", "closed and signed with the registered signature"),
        check: Check::Prescription(check),
    }
}

fn check(_ctx: &RxCtx, _out: &mut Sink) {}
