//! RX-12: supply at most 7 days (emergency 3).

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, RxCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "RX-12",
        item: "OPD-13",
        severity: Severity::Error,
        severity_note: "error without a reason, warning with one",
        case: None,
        clause: "门诊医疗质量考核表 第13条; 处方管理办法 第19条",
        overridable: true,
        title: ("处方用量：一般≤7日，急诊≤3日", "supply at most 7 days (emergency 3)"),
        check: Check::Prescription(check),
    }
}

fn check(_ctx: &RxCtx, _out: &mut Sink) {}
