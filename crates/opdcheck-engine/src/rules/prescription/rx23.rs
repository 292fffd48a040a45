//! RX-23: herbal prescription: names, doses in g, 剂数 and usage.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, RxCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "RX-23",
        item: "OPD-11",
        severity: Severity::Error,
        severity_note: "",
        case: None,
        clause: "门诊医疗质量考核表 第11条; 处方管理办法 第6条(8)",
        overridable: false,
        title: ("中药饮片处方：药名、克数、剂数与用法", "herbal prescription: names, doses in g, 剂数 and usage"),
        check: Check::Prescription(check),
    }
}

fn check(_ctx: &RxCtx, _out: &mut Sink) {}
