//! RX-06: standard generic drug name.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, RxCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "RX-06",
        item: "OPD-11",
        severity: Severity::Error,
        severity_note: "error for a known abbreviation, alias or code; warning for a name not in the formulary",
        case: None,
        clause: "门诊医疗质量考核表 第11条; 处方管理办法 第6条(4)、第17条",
        overridable: false,
        title: ("药品名称规范", "standard generic drug name"),
        check: Check::Prescription(check),
    }
}

fn check(_ctx: &RxCtx, _out: &mut Sink) {}
