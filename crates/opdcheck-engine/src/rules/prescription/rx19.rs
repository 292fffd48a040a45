//! RX-19: no drug the patient is allergic to.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, RxCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "RX-19",
        item: "CLN-7",
        severity: Severity::Error,
        severity_note: "error for a class the patient is allergic to; warning for a cross-reactive class",
        case: None,
        clause: "临床医疗科室医疗质量通用考核表 第7条; 医院处方点评管理规范 第18条",
        overridable: false,
        title: ("不得使用过敏药物", "no drug the patient is allergic to"),
        check: Check::Prescription(check),
    }
}

fn check(_ctx: &RxCtx, _out: &mut Sink) {}
