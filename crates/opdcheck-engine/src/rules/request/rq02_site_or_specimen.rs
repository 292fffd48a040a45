//! RQ-02: body site or specimen given.

use crate::declare_rule;
use crate::model::{ExamCategory, filled};
use crate::report::{Severity, Text};
use crate::rules::{Check, RequestCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// A request whose `category` is in `required.site_categories` (imaging, ultrasound,
    /// endoscopy by default) gives the body site (`body_site`, 检查部位); one whose category is
    /// in `required.specimen_categories` (lab by default) gives the specimen (`specimen`, 标本).
    /// The finding points at the missing field. A request without a category is not checked.
    ///
    /// ## Why
    /// The assessment table asks for the site to stand out on the form (部位突出,
    /// 门诊表 第17条): the technician examines the site written there, and a lab cannot run a
    /// test without knowing the specimen (blood, urine, sputum …).
    ///
    /// ## Bad
    /// ```json
    /// {"body_site": ""}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"category": "lab", "items": ["血常规"], "body_site": null, "specimen": "静脉血"}
    /// ```
    pub static RULE = {
        code: "RQ-02",
        item: "OPD-17",
        severity: Severity::Error,
        clause: "门诊医疗质量考核表 第17条",
        title: ("检查部位/标本", "body site or specimen given"),
        check: Check::Request(check),
    }
}

/// The category as the policy names it, and in words.
fn category(c: ExamCategory) -> (&'static str, &'static str, &'static str) {
    match c {
        ExamCategory::Lab => ("lab", "检验", "lab test"),
        ExamCategory::Imaging => ("imaging", "影像检查", "imaging study"),
        ExamCategory::Ultrasound => ("ultrasound", "超声检查", "ultrasound"),
        ExamCategory::Ecg => ("ecg", "心电图检查", "ECG"),
        ExamCategory::Endoscopy => ("endoscopy", "内镜检查", "endoscopy"),
        ExamCategory::Pathology => ("pathology", "病理检查", "pathology"),
        ExamCategory::Other => ("other", "检查", "examination"),
    }
}

fn check(ctx: &RequestCtx, out: &mut Sink) {
    let Some(cat) = ctx.doc.category else { return };
    let (key, zh, en) = category(cat);
    let required = &ctx.policy().required;
    let listed = |list: &[String]| list.iter().any(|c| c == key);
    if listed(&required.site_categories) && filled(&ctx.doc.body_site).is_none() {
        out.emit(
            &RULE,
            "body_site",
            Text::new(
                format!("{zh}申请单未写明检查部位"),
                format!("the {en} request does not give the body site"),
            ),
            Text::new(
                "写明检查部位（及左右侧），如“胸部”“右膝关节”",
                "give the body site (and side), e.g. chest, right knee",
            ),
        );
    }
    if listed(&required.specimen_categories) && filled(&ctx.doc.specimen).is_none() {
        out.emit(
            &RULE,
            "specimen",
            Text::new(
                format!("{zh}申请单未写明标本"),
                format!("the {en} request does not give the specimen"),
            ),
            Text::new(
                "写明标本类型，如“静脉血”“中段尿”“痰”",
                "give the specimen, e.g. venous blood, midstream urine, sputum",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::report::Severity;
    use crate::testing::*;

    #[test]
    fn flags_a_missing_body_site() {
        let r = request(json!({"body_site": null}));
        let f = expect(&r, "RQ-02", "OPD-17", Severity::Error, "body_site");
        assert!(f.message.zh.contains("影像"));
        for cat in ["ultrasound", "endoscopy"] {
            let r = request(json!({"category": cat, "body_site": " "}));
            expect(&r, "RQ-02", "OPD-17", Severity::Error, "body_site");
        }
    }

    #[test]
    fn flags_a_lab_request_without_specimen() {
        let r = request(json!({"category": "lab", "items": ["血常规"], "body_site": null}));
        expect(&r, "RQ-02", "OPD-17", Severity::Error, "specimen");
        assert_eq!(r.all_findings().filter(|f| f.rule == "RQ-02").count(), 1);
    }

    #[test]
    fn passes_what_the_category_needs() {
        expect_none(&request(json!({})), "RQ-02");
        expect_none(
            &request(
                json!({"category": "lab", "items": ["血常规"], "body_site": null, "specimen": "静脉血"}),
            ),
            "RQ-02",
        );
        expect_none(
            &request(json!({"category": "ecg", "items": ["常规心电图"], "body_site": null})),
            "RQ-02",
        );
        expect_none(
            &request(json!({"category": null, "body_site": null})),
            "RQ-02",
        );
    }
}
