//! RX-13: controlled-drug supply limits.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, RxCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "RX-13",
        item: "OPD-13",
        severity: Severity::Error,
        severity_note: "",
        case: None,
        clause: "门诊医疗质量考核表 第13条; 处方管理办法 第23条、第24条",
        overridable: false,
        title: ("麻醉、精神药品处方限量", "controlled-drug supply limits"),
        check: Check::Prescription(check),
    }
}

fn check(_ctx: &RxCtx, _out: &mut Sink) {}
