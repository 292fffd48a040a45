//! RQ-05: special examinations with signed consent.

use crate::declare_rule;
use crate::formulary::fold;
use crate::model::ExamRequest;
use crate::policy::Policy;
use crate::report::{Severity, Text};
use crate::rules::common::filled_entries;
use crate::rules::{Check, RequestCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// A contrast study (`contrast` true) or a requested item containing a word of
    /// `vocab.consent_exam_keywords` (增强, 造影, CTA, 胃镜, 肠镜, 穿刺, 活检 …; a plain scan,
    /// 平扫, is not one) has the patient's signed consent: `consent` with a name or id and a
    /// signature id or signing time. One finding per request, at `consent`, naming the study.
    ///
    /// ## Why
    /// Contrast media and invasive examinations carry real risks (contrast reactions,
    /// perforation, bleeding): 病历书写基本规范 第10条 requires the patient's written consent
    /// for special examinations, and the clinical assessment table deducts a point when it was
    /// not obtained (临床表 第8条).
    ///
    /// ## Bad
    /// ```json
    /// {"items": ["胸部CT增强"], "contrast": true}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"items": ["胸部CT增强"], "contrast": true, "consent": {"name": "张伟", "signed_at": "2026-11-22T09:36"}}
    /// ```
    pub static RULE = {
        code: "RQ-05",
        item: "CLN-8",
        severity: Severity::Error,
        clause: "临床医疗科室医疗质量通用考核表 第8条; 病历书写基本规范 第10条",
        title: ("特殊检查须签署知情同意", "special examinations with signed consent"),
        check: Check::Request(check),
    }
}

/// Whether `doc` is a special examination that needs the patient's consent (RQ-05's condition,
/// whatever the consent says): the app shows the consent field exactly when this holds, so the
/// field that fixes the finding is always there.
pub fn needs_consent(policy: &Policy, doc: &ExamRequest) -> bool {
    special_study(policy, doc).is_some()
}

/// The special study a request asks for, as the finding names it: an item with a consent
/// keyword, a contrast study, or a category that always needs consent (endoscopy).
fn special_study(policy: &Policy, doc: &ExamRequest) -> Option<(String, String)> {
    let keywords: Vec<String> = policy
        .vocab
        .consent_exam_keywords
        .iter()
        .map(|k| fold(k))
        .filter(|k| !k.is_empty())
        .collect();
    let special = filled_entries(&doc.items)
        .find(|(_, item)| {
            let item = fold(item);
            keywords.iter().any(|k| item.contains(k.as_str()))
        })
        .map(|(_, item)| item);
    Some(match special {
        Some(item) => (format!("“{item}”"), format!("“{item}”")),
        None if doc.contrast == Some(true) => ("增强/造影检查".into(), "the contrast study".into()),
        None if doc.category.is_some_and(|c| {
            policy
                .required
                .consent_categories
                .iter()
                .any(|k| k == c.as_str())
        }) =>
        {
            (
                "内镜等侵入性检查".into(),
                "an invasive (endoscopic) study".into(),
            )
        }
        None => return None,
    })
}

fn check(ctx: &RequestCtx, out: &mut Sink) {
    let doc = ctx.doc;
    if doc.consent.as_ref().is_some_and(|c| c.is_signed()) {
        return;
    }
    let Some((zh, en)) = special_study(ctx.policy(), doc) else {
        return;
    };
    out.emit(
        &RULE,
        "consent",
        Text::new(
            format!("{zh}属特殊检查，未见患者签署的知情同意书"),
            format!("{en} is a special examination but has no signed patient consent"),
        ),
        Text::new(
            "检查前告知风险，由患者或其近亲属签署知情同意书",
            "explain the risks and have the patient or a close relative sign the consent before the study",
        ),
    );
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::report::Severity;
    use crate::testing::*;

    #[test]
    fn flags_a_contrast_study_without_consent() {
        let r = request(json!({"items": ["胸部CT增强"], "contrast": true}));
        let f = expect(&r, "RQ-05", "CLN-8", Severity::Error, "consent");
        assert!(f.message.zh.contains("胸部CT增强"));
        let r = request(json!({"items": ["上腹部MRI"], "contrast": true}));
        expect(&r, "RQ-05", "CLN-8", Severity::Error, "consent");
    }

    #[test]
    fn flags_an_invasive_item_without_signed_consent() {
        let r = request(
            json!({"category": "endoscopy", "items": ["电子胃镜检查"], "body_site": "上消化道"}),
        );
        expect(&r, "RQ-05", "CLN-8", Severity::Error, "consent");
        let r = request(json!({"items": ["头颅cta"], "consent": {"name": "张伟"}}));
        expect(&r, "RQ-05", "CLN-8", Severity::Error, "consent");
        let r = request(json!({"items": ["胸部CT平扫", "甲状腺结节细针穿刺"]}));
        let f = expect(&r, "RQ-05", "CLN-8", Severity::Error, "consent");
        assert!(f.message.zh.contains("穿刺"));
    }

    #[test]
    fn passes_plain_scans_and_signed_consents() {
        expect_none(&request(json!({})), "RQ-05");
        expect_none(
            &request(json!({"items": ["头颅CT平扫"], "contrast": false})),
            "RQ-05",
        );
        expect_none(
            &request(json!({"items": ["胸部CT增强"], "contrast": true,
                "consent": {"name": "张伟", "signed_at": "2026-11-22T09:36"}})),
            "RQ-05",
        );
    }

    /// The predicate the app shows the consent field by is the rule's own condition: it holds
    /// for a 穿刺 pathology request and a CTA, not for a plain scan.
    #[test]
    fn needs_consent_is_the_rules_condition() {
        use super::needs_consent;
        let policy = &crate::Engine::default_engine().policy;
        let req = |v: serde_json::Value| -> crate::model::ExamRequest {
            serde_json::from_value(v).unwrap()
        };
        assert!(needs_consent(
            policy,
            &req(json!({"category": "pathology", "items": ["甲状腺结节细针穿刺"]}))
        ));
        assert!(needs_consent(
            policy,
            &req(json!({"category": "other", "items": ["头颅CTA"]}))
        ));
        assert!(!needs_consent(
            policy,
            &req(json!({"category": "imaging", "items": ["头颅CT平扫"]}))
        ));
    }

    #[test]
    fn an_endoscopy_request_needs_consent_whatever_its_wording() {
        let r = request(
            json!({"category": "endoscopy", "items": ["电子胃十二指肠检查"], "body_site": "上消化道"}),
        );
        expect(&r, "RQ-05", "CLN-8", Severity::Error, "consent");
    }
}
