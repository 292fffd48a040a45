//! RX-18: prescribing rights and antibiotic tier.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, RxCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "RX-18",
        item: "CLN-1",
        severity: Severity::Error,
        severity_note: "",
        case: None,
        clause: "临床医疗科室医疗质量通用考核表 第1条; 抗菌药物临床应用管理办法 第24条、第28条; 处方管理办法 第11条",
        overridable: false,
        title: ("处方权限与抗菌药物分级", "prescribing rights and antibiotic tier"),
        check: Check::Prescription(check),
    }
}

fn check(_ctx: &RxCtx, _out: &mut Sink) {}
