//! MR-01: record front page complete.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, RecordCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "MR-01",
        item: "OPD-7",
        severity: Severity::Error,
        severity_note: "",
        case: None,
        clause: "门诊医疗质量考核表 第7条; 病历书写基本规范 第13条",
        overridable: false,
        title: ("门诊病历首页完整", "record front page complete"),
        check: Check::Record(check),
    }
}

fn check(_ctx: &RecordCtx, _out: &mut Sink) {}
