//! RX-11: 中药饮片 on a prescription of its own.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, RxCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "RX-11",
        item: "OPD-12",
        severity: Severity::Error,
        severity_note: "",
        case: None,
        clause: "门诊医疗质量考核表 第12条; 处方管理办法 第6条(6)",
        overridable: false,
        title: ("中药饮片单独开具处方", "中药饮片 on a prescription of its own"),
        check: Check::Prescription(check),
    }
}

fn check(_ctx: &RxCtx, _out: &mut Sink) {}
