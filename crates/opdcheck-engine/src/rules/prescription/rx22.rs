//! RX-22: a systemic corticosteroid needs an indication.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, RxCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "RX-22",
        item: "CLN-7",
        severity: Severity::Warning,
        severity_note: "",
        case: None,
        clause: "临床医疗科室医疗质量通用考核表 第7条; 医院处方点评管理规范 第18条(2)",
        overridable: false,
        title: ("全身用糖皮质激素须有指征", "a systemic corticosteroid needs an indication"),
        check: Check::Prescription(check),
    }
}

fn check(_ctx: &RxCtx, _out: &mut Sink) {}
