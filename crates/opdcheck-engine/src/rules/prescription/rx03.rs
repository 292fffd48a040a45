//! RX-03: exact age; newborns in days, infants in months.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, RxCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "RX-03",
        item: "OPD-10",
        severity: Severity::Error,
        severity_note: "",
        case: None,
        clause: "门诊医疗质量考核表 第10条; 处方管理办法 第6条(5)",
        overridable: false,
        title: ("实足年龄，新生儿写日龄、婴幼儿写月龄", "exact age; newborns in days, infants in months"),
        check: Check::Prescription(check),
    }
}

fn check(_ctx: &RxCtx, _out: &mut Sink) {}
