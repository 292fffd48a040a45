//! MR-06: every record amendment signed and dated.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, RecordCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "MR-06",
        item: "OPD-8/9",
        severity: Severity::Error,
        severity_note: "",
        case: None,
        clause: "门诊医疗质量考核表 第8、9条; 病历书写基本规范 第7条",
        overridable: false,
        title: ("病历修改签名并注明日期", "every record amendment signed and dated"),
        check: Check::Record(check),
    }
}

fn check(_ctx: &RecordCtx, _out: &mut Sink) {}
