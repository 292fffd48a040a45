//! MR-05: chief complaint states a duration and is short.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, RecordCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "MR-05",
        item: "OPD-8/9",
        severity: Severity::Warning,
        severity_note: "",
        case: None,
        clause: "门诊医疗质量考核表 第8、9条; 病历书写基本规范 第14条",
        overridable: false,
        title: ("主诉含持续时间且简明", "chief complaint states a duration and is short"),
        check: Check::Record(check),
    }
}

fn check(_ctx: &RecordCtx, _out: &mut Sink) {}
