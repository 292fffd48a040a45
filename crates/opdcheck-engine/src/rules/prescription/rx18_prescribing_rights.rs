//! RX-18: prescribing rights and antibiotic tier.

use crate::declare_rule;
use crate::formulary::Controlled;
use crate::model::{Title, filled};
use crate::policy::{AbxTier, Prescriber};
use crate::report::{Severity, Text};
use crate::rules::{Check, RxCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// The prescriber stays within their rights:
    /// - when the policy has a prescriber registry (`prescribers`), the prescriber (by
    ///   `prescriber.id`) is registered and has prescribing rights;
    /// - each antibiotic's tier (formulary `abx`) is within the prescriber's tier: the registry's
    ///   `antibiotic_tier`, else `antibiotics.tier_by_title` for the registry's title or the
    ///   signer's `title` (住院医师 非限制使用级, 主治医师 限制使用级, 副主任医师及以上 特殊使用级);
    ///   with no title known the tier is not checked;
    /// - no 特殊使用级 antibiotic in outpatient care unless `antibiotics.special_allowed_in_outpatient`;
    /// - 麻醉药品 and 第一类精神药品 only by a prescriber the registry gives `narcotic_psych1_rights`
    ///   (checked only when the policy has a registry).
    ///
    /// ## Why
    /// Practising beyond one's scope is deducted under the clinical table (item 1).
    /// 处方管理办法 第11条: 麻醉药品和第一类精神药品处方权 needs its own authorisation;
    /// 抗菌药物临床应用管理办法 第24条 ties each antibiotic tier to a professional title, and
    /// 第28条 keeps 特殊使用级 antibiotics out of outpatient prescriptions.
    ///
    /// ## Bad
    /// ```json
    /// {"prescriber": {"title": "resident"}, "items": [{"drug": "注射用头孢曲松钠", "strength": "1g", "dose": {"value": 1, "unit": "g"}, "route": "静脉滴注", "frequency": "qd", "days": 3, "quantity": {"value": 3, "unit": "支"}}]}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"prescriber": {"title": "attending"}, "items": [{"drug": "注射用头孢曲松钠", "strength": "1g", "dose": {"value": 1, "unit": "g"}, "route": "静脉滴注", "frequency": "qd", "days": 3, "quantity": {"value": 3, "unit": "支"}}]}
    /// ```
    pub static RULE = {
        code: "RX-18",
        item: "CLN-1",
        severity: Severity::Error,
        clause: "临床医疗科室医疗质量通用考核表 第1条; 抗菌药物临床应用管理办法 第24条、第28条; 处方管理办法 第11条",
        title: ("处方权限与抗菌药物分级", "prescribing rights and antibiotic tier"),
        check: Check::Prescription(check),
    }
}

fn title_name(t: Title) -> (&'static str, &'static str) {
    match t {
        Title::Resident => ("住院医师", "resident"),
        Title::Attending => ("主治医师", "attending physician"),
        Title::AssociateChief => ("副主任医师", "associate chief physician"),
        Title::Chief => ("主任医师", "chief physician"),
        Title::Assistant => ("执业助理医师", "assistant physician"),
    }
}

fn tier_en(t: AbxTier) -> &'static str {
    match t {
        AbxTier::Nonrestricted => "non-restricted",
        AbxTier::Restricted => "restricted",
        AbxTier::Special => "special-use",
    }
}

/// How a message names a registered prescriber: the name, or the id alone when the registry
/// gives no name (the public policy a page gets without signing in has none).
fn named(p: &Prescriber) -> String {
    match p.name.trim() {
        "" => format!("“{}”", p.id.trim()),
        name => name.to_owned(),
    }
}

fn check(ctx: &RxCtx, out: &mut Sink) {
    let policy = ctx.policy();
    let registry = &policy.prescribers;
    let signer = ctx.doc.prescriber.as_ref();
    let id = signer.and_then(|s| filled(&s.id));
    let registered: Option<&Prescriber> = id.and_then(|id| registry.iter().find(|p| p.id == id));

    // (a) Registered with prescribing rights (only with a registry; a missing prescriber is RX-17's).
    if !registry.is_empty() && signer.is_some() {
        let defect = match (id, registered) {
            (None, _) => Some(Text::new(
                "未填写处方医师工号，无法核对处方权",
                "the prescriber's id is missing: prescribing rights cannot be verified",
            )),
            (Some(id), None) => Some(Text::new(
                format!("处方医师“{id}”未在本院登记处方权"),
                format!("prescriber “{id}” is not registered with prescribing rights"),
            )),
            (Some(id), Some(p)) if !p.prescribing_rights => Some(match Some(p.name.trim()).filter(|n| !n.is_empty()) {
                Some(name) => Text::new(
                    format!("处方医师“{id}”（{name}）无处方权"),
                    format!("prescriber “{id}” ({name}) has no prescribing rights"),
                ),
                None => Text::new(
                    format!("处方医师“{id}”无处方权"),
                    format!("prescriber “{id}” has no prescribing rights"),
                ),
            }),
            _ => None,
        };
        if let Some(message) = defect {
            out.emit(
                &RULE,
                "prescriber.id",
                message,
                Text::new(
                    "由已登记处方权的医师开具并签名",
                    "have a registered prescriber with prescribing rights issue and sign it",
                ),
            );
        }
    }

    // The prescriber's antibiotic tier: the registry's, else the title's.
    let title = registered
        .map(|p| p.title)
        .or_else(|| signer.and_then(|s| s.title));
    let allowed = registered
        .and_then(|p| p.antibiotic_tier)
        .or_else(|| title.and_then(|t| policy.antibiotics.max_tier(t)));

    for item in &ctx.items {
        let Some(drug) = item.drug() else { continue };
        let path = format!("items[{}].drug", item.index);
        let written = item.written_name();

        if let Some(tier) = drug.abx {
            if tier == AbxTier::Special && !policy.antibiotics.special_allowed_in_outpatient {
                // (c) Nobody may prescribe it in outpatient care: the tier check is moot.
                out.emit(
                    &RULE,
                    path.clone(),
                    Text::new(
                        format!("{written}为特殊使用级抗菌药物，不得在门诊处方使用"),
                        format!(
                            "{written} is a special-use antibiotic and may not be prescribed in outpatient care"
                        ),
                    ),
                    Text::new(
                        "改用非限制或限制使用级抗菌药物，或收住院经会诊后使用",
                        "use a non-restricted or restricted antibiotic, or admit the patient and use it after consultation",
                    ),
                );
            } else if let Some(max) = allowed.filter(|max| tier > *max) {
                // (b) Above the prescriber's tier.
                let who = match (registered.and_then(|p| p.antibiotic_tier), title) {
                    (None, Some(t)) => title_name(t),
                    _ => ("该医师", "this prescriber"),
                };
                out.emit(
                    &RULE,
                    path.clone(),
                    Text::new(
                        format!(
                            "{written}为{}抗菌药物，超出{}的处方权限（{}）",
                            tier.zh(),
                            who.0,
                            max.zh()
                        ),
                        format!(
                            "{written} is a {} antibiotic, beyond the {} tier allowed to the {}",
                            tier_en(tier),
                            tier_en(max),
                            who.1
                        ),
                    ),
                    Text::new(
                        format!("由具有{}抗菌药物处方权的医师开具", tier.zh()),
                        format!(
                            "have a prescriber with {} antibiotic rights issue it",
                            tier_en(tier)
                        ),
                    ),
                );
            }
        }

        // (d) 麻醉/精一 need that right (only with a registry, for a registered prescriber).
        if let (Some(ctrl @ (Controlled::Narcotic | Controlled::Psych1)), Some(p)) =
            (item.controlled(), registered)
            && !p.narcotic_psych1_rights
        {
            out.emit(
                &RULE,
                path,
                Text::new(
                    format!(
                        "{written}为{}，处方医师{}无麻醉药品和第一类精神药品处方权",
                        ctrl.zh(),
                        named(p)
                    ),
                    format!(
                        "{written} is a narcotic or class-1 psychotropic drug; prescriber {} has no right to prescribe them",
                        named(p)
                    ),
                ),
                Text::new(
                    "由具有麻醉药品和第一类精神药品处方权的医师开具",
                    "have a prescriber with narcotic and class-1 psychotropic rights issue it",
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::model::DocKind;
    use crate::report::{Report, Severity};
    use crate::testing::*;
    use crate::{Engine, parse_document};

    fn ceftriaxone() -> Value {
        json!({"drug": "注射用头孢曲松钠", "strength": "1g", "dose": {"value": 1, "unit": "g"}, "route": "静脉滴注", "frequency": "qd", "days": 3, "quantity": {"value": 3, "unit": "支"}})
    }

    fn morphine() -> Value {
        json!({"drug": "吗啡片", "strength": "10mg×10片", "dose": {"value": 10, "unit": "mg"}, "route": "口服", "frequency": "q12h", "days": 3, "quantity": {"value": 6, "unit": "片"}})
    }

    fn vancomycin() -> Value {
        json!({"drug": "注射用万古霉素", "strength": "0.5g", "dose": {"value": 0.5, "unit": "g"}, "route": "静脉滴注", "frequency": "q12h", "days": 3, "quantity": {"value": 6, "unit": "支"}})
    }

    /// Check a patch on the clean prescription with a custom engine.
    fn check_with(engine: &Engine, p: Value) -> Report {
        let doc = parse_document(&patched(DocKind::Prescription, p).to_string()).unwrap();
        engine.check(&doc)
    }

    /// An engine whose registry holds `prescriber` (D0012 unless it says otherwise).
    fn registry(prescriber: Value) -> Engine {
        let mut p = json!({"id": "D0012", "name": "李明", "title": "resident", "signature_id": "SIG-D0012"});
        patch(&mut p, prescriber);
        Engine::with_policy_override(&json!({ "prescribers": [p] }).to_string()).unwrap()
    }

    /// The default policy (万古霉素 is 特殊使用级 in its formulary), with special-use antibiotics
    /// allowed in outpatient care or not.
    fn with_special(special_allowed: bool) -> Engine {
        let mut v = crate::policy::default_policy_value();
        v["antibiotics"]["special_allowed_in_outpatient"] = json!(special_allowed);
        Engine::from_value(&v).unwrap()
    }

    #[test]
    fn flags_an_antibiotic_above_the_signers_title() {
        let r = rx(json!({"prescriber": {"title": "resident"}, "items": [ceftriaxone()]}));
        let f = expect(&r, "RX-18", "CLN-1", Severity::Error, "items[0].drug");
        assert!(f.message.zh.contains("限制使用级") && f.message.zh.contains("住院医师"));
    }

    #[test]
    fn passes_within_the_tier_or_without_a_title() {
        expect_none(
            &rx(json!({"prescriber": {"title": "attending"}, "items": [ceftriaxone()]})),
            "RX-18",
        );
        expect_none(&rx(json!({"prescriber": {"title": "resident"}})), "RX-18");
        // No title known and no registry: the tier is not checked.
        expect_none(
            &rx(json!({"prescriber": {"title": null}, "items": [ceftriaxone()]})),
            "RX-18",
        );
    }

    #[test]
    fn the_registrys_title_and_tier_win_over_the_signers() {
        // Signed as attending, registered as resident.
        let r = check_with(&registry(json!({})), json!({"items": [ceftriaxone()]}));
        expect(&r, "RX-18", "CLN-1", Severity::Error, "items[0].drug");
        // Registered resident given the restricted tier.
        let e = registry(json!({"antibiotic_tier": "restricted"}));
        expect_none(&check_with(&e, json!({"items": [ceftriaxone()]})), "RX-18");
    }

    #[test]
    fn flags_an_unregistered_prescriber_or_one_without_rights() {
        let r = check_with(&registry(json!({"id": "D0099"})), json!({}));
        let f = expect(&r, "RX-18", "CLN-1", Severity::Error, "prescriber.id");
        assert!(f.message.zh.contains("D0012"));
        let r = check_with(&registry(json!({"prescribing_rights": false})), json!({}));
        expect(&r, "RX-18", "CLN-1", Severity::Error, "prescriber.id");
        let r = check_with(&registry(json!({})), json!({"prescriber": {"id": null}}));
        expect(&r, "RX-18", "CLN-1", Severity::Error, "prescriber.id");
        expect_none(&check_with(&registry(json!({})), json!({})), "RX-18");
    }

    #[test]
    fn a_registry_without_names_names_the_prescriber_by_id() {
        // As the public policy carries the registry: no name, no signature id.
        let anonymous = json!({"name": "", "signature_id": ""});
        let mut no_rights = anonymous.clone();
        patch(&mut no_rights, json!({"prescribing_rights": false}));
        let r = check_with(&registry(no_rights), json!({}));
        let f = expect(&r, "RX-18", "CLN-1", Severity::Error, "prescriber.id");
        assert_eq!(f.message.zh, "处方医师“D0012”无处方权");
        assert_eq!(f.message.en, "prescriber “D0012” has no prescribing rights");
        let r = check_with(&registry(anonymous.clone()), json!({"items": [{}, morphine()]}));
        let f = expect(&r, "RX-18", "CLN-1", Severity::Error, "items[1].drug");
        assert!(f.message.zh.contains("处方医师“D0012”无麻醉药品"), "{}", f.message.zh);
        assert!(!f.message.zh.contains("处方医师无"), "{}", f.message.zh);
        // With its rights the nameless entry passes.
        expect_none(&check_with(&registry(anonymous), json!({})), "RX-18");
        // A named one is still named.
        let r = check_with(&registry(json!({"prescribing_rights": false})), json!({}));
        let f = expect(&r, "RX-18", "CLN-1", Severity::Error, "prescriber.id");
        assert_eq!(f.message.zh, "处方医师“D0012”（李明）无处方权");
    }

    #[test]
    fn narcotics_need_the_registered_right() {
        let r = check_with(&registry(json!({})), json!({"items": [{}, morphine()]}));
        expect(&r, "RX-18", "CLN-1", Severity::Error, "items[1].drug");
        let e = registry(json!({"narcotic_psych1_rights": true}));
        expect_none(&check_with(&e, json!({"items": [{}, morphine()]})), "RX-18");
        // Without a registry the right is not checked.
        expect_none(&rx(json!({"items": [{}, morphine()]})), "RX-18");
    }

    #[test]
    fn no_special_use_antibiotic_in_outpatient_care() {
        let r = check_with(
            &with_special(false),
            json!({"prescriber": {"title": "chief"}, "items": [vancomycin()]}),
        );
        let f = expect(&r, "RX-18", "CLN-1", Severity::Error, "items[0].drug");
        assert!(f.message.zh.contains("特殊使用级"));
        // Where the policy allows it, the title's tier still applies.
        let e = with_special(true);
        expect_none(
            &check_with(
                &e,
                json!({"prescriber": {"title": "chief"}, "items": [vancomycin()]}),
            ),
            "RX-18",
        );
        let r = check_with(
            &e,
            json!({"prescriber": {"title": "attending"}, "items": [vancomycin()]}),
        );
        expect(&r, "RX-18", "CLN-1", Severity::Error, "items[0].drug");
    }
}
