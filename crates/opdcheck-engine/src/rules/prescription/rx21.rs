//! RX-21: an antibiotic combination needs a reason.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, RxCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "RX-21",
        item: "CLN-7",
        severity: Severity::Warning,
        severity_note: "",
        case: None,
        clause: "临床医疗科室医疗质量通用考核表 第7条; 医院处方点评管理规范 第18条(5)",
        overridable: true,
        title: ("抗菌药物联合使用须有理由", "an antibiotic combination needs a reason"),
        check: Check::Prescription(check),
    }
}

fn check(_ctx: &RxCtx, _out: &mut Sink) {}
