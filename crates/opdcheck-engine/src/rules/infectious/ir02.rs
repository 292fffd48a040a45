//! IR-02: reported in time: 2 h / 24 h.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, InfectiousCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "IR-02",
        item: "OPD-5",
        severity: Severity::Error,
        severity_note: "",
        case: Some("late"),
        clause: "门诊医疗质量考核表 第5条; 传染病防治法; 传染病信息报告管理规范(报告时限)",
        overridable: false,
        title: ("报告及时：2小时/24小时", "reported in time: 2 h / 24 h"),
        check: Check::Infectious(check),
    }
}

fn check(_ctx: &InfectiousCtx, _out: &mut Sink) {}
