//! RX-02: a definite clinical diagnosis.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, RxCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "RX-02",
        item: "OPD-10",
        severity: Severity::Error,
        severity_note: "",
        case: None,
        clause: "门诊医疗质量考核表 第10条; 处方管理办法 第6条(1)",
        overridable: false,
        title: ("临床诊断明确", "a definite clinical diagnosis"),
        check: Check::Prescription(check),
    }
}

fn check(_ctx: &RxCtx, _out: &mut Sink) {}
