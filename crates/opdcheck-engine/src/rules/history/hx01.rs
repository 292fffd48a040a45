//! HX-01: three visits without a diagnosis call for a consultation.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, HistoryCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "HX-01",
        item: "CLN-18",
        severity: Severity::Warning,
        severity_note: "",
        case: None,
        clause: "临床医疗科室医疗质量通用考核表 第18条; 医院规章(种子001 规范行医第10条)",
        overridable: false,
        title: ("三次就诊未明确诊断应请会诊", "three visits without a diagnosis call for a consultation"),
        check: Check::History(check),
    }
}

fn check(_ctx: &HistoryCtx, _out: &mut Sink) {}
