//! MR-07: diagnosis is not “待查” alone.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, RecordCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "MR-07",
        item: "OPD-8/9",
        severity: Severity::Warning,
        severity_note: "",
        case: None,
        clause: "门诊医疗质量考核表 第8、9条; 病历书写基本规范 第14条",
        overridable: false,
        title: ("诊断不应仅为“待查”", "diagnosis is not “待查” alone"),
        check: Check::Record(check),
    }
}

fn check(_ctx: &RecordCtx, _out: &mut Sink) {}
