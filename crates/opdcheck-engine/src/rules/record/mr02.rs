//! MR-02: initial-visit record complete.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, RecordCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "MR-02",
        item: "OPD-8",
        severity: Severity::Error,
        severity_note: "",
        case: None,
        clause: "门诊医疗质量考核表 第8条; 病历书写基本规范 第14条",
        overridable: false,
        title: ("初诊病历内容完整", "initial-visit record complete"),
        check: Check::Record(check),
    }
}

fn check(_ctx: &RecordCtx, _out: &mut Sink) {}
