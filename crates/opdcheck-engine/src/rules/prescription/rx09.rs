//! RX-09: quantity agrees with dose × frequency × days.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, RxCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "RX-09",
        item: "OPD-11",
        severity: Severity::Warning,
        severity_note: "",
        case: None,
        clause: "门诊医疗质量考核表 第11条; 医院处方点评管理规范 第18条",
        overridable: false,
        title: ("数量与剂量×频次×天数相符", "quantity agrees with dose × frequency × days"),
        check: Check::Prescription(check),
    }
}

fn check(_ctx: &RxCtx, _out: &mut Sink) {}
