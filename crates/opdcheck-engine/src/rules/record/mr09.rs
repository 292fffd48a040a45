//! MR-09: a notifiable diagnosis records its report status.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, RecordCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "MR-09",
        item: "OPD-5",
        severity: Severity::Warning,
        severity_note: "",
        case: None,
        clause: "门诊医疗质量考核表 第5条; 传染病信息报告管理规范",
        overridable: false,
        title: ("法定传染病诊断须记录报告情况", "a notifiable diagnosis records its report status"),
        check: Check::Record(check),
    }
}

fn check(_ctx: &RecordCtx, _out: &mut Sink) {}
