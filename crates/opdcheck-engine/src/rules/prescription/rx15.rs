//! RX-15: an antibiotic needs an infection diagnosis.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, RxCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "RX-15",
        item: "OPD-14",
        severity: Severity::Error,
        severity_note: "",
        case: None,
        clause: "门诊医疗质量考核表 第14条; 抗菌药物临床应用管理办法 第6条",
        overridable: false,
        title: ("抗菌药物须有感染诊断", "an antibiotic needs an infection diagnosis"),
        check: Check::Prescription(check),
    }
}

fn check(_ctx: &RxCtx, _out: &mut Sink) {}
