//! MR-04: emergency visit time to the minute.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, RecordCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "MR-04",
        item: "OPD-8/9",
        severity: Severity::Error,
        severity_note: "",
        case: None,
        clause: "门诊医疗质量考核表 第8、9条; 病历书写基本规范 第15条",
        overridable: false,
        title: ("急诊就诊时间具体到分钟", "emergency visit time to the minute"),
        check: Check::Record(check),
    }
}

fn check(_ctx: &RecordCtx, _out: &mut Sink) {}
