//! RX-05: prescription type fits its content.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, RxCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "RX-05",
        item: "OPD-10",
        severity: Severity::Warning,
        severity_note: "",
        case: None,
        clause: "处方管理办法 第5条、附件1(处方颜色与类别)",
        overridable: false,
        title: ("处方类别与内容相符", "prescription type fits its content"),
        check: Check::Prescription(check),
    }
}

fn check(_ctx: &RxCtx, _out: &mut Sink) {}
