//! RX-07: strength, dose, route, frequency and quantity complete.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, RxCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "RX-07",
        item: "OPD-11",
        severity: Severity::Error,
        severity_note: "",
        case: None,
        clause: "门诊医疗质量考核表 第11条; 处方管理办法 第6条(4)、第7条",
        overridable: false,
        title: ("规格、剂量、用法、频次、数量完整规范", "strength, dose, route, frequency and quantity complete"),
        check: Check::Prescription(check),
    }
}

fn check(_ctx: &RxCtx, _out: &mut Sink) {}
