//! RX-04: weight given when needed.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, RxCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "RX-04",
        item: "OPD-10",
        severity: Severity::Error,
        severity_note: "error under 1 year or when an item is dosed per kg; warning for other pediatric prescriptions",
        case: None,
        clause: "门诊医疗质量考核表 第10条; 处方管理办法 第6条(5)",
        overridable: false,
        title: ("必要时注明体重", "weight given when needed"),
        check: Check::Prescription(check),
    }
}

fn check(_ctx: &RxCtx, _out: &mut Sink) {}
