//! XV-02: prescription diagnoses agree with the record.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, Sink, VisitCtx};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "XV-02",
        item: "OPD-10",
        severity: Severity::Error,
        severity_note: "",
        case: None,
        clause: "门诊医疗质量考核表 第10条; 处方管理办法 第6条(1)",
        overridable: false,
        title: ("处方诊断与病历一致", "prescription diagnoses agree with the record"),
        check: Check::Visit(check),
    }
}

fn check(_ctx: &VisitCtx, _out: &mut Sink) {}
