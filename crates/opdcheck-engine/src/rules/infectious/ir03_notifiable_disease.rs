//! IR-03: notifiable disease, subtype and acute/chronic.

use crate::declare_rule;
use crate::model::filled;
use crate::policy::{Disease, DiseaseSubtype};
use crate::report::{Severity, Text};
use crate::rules::{Check, InfectiousCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// - `disease` is a notifiable disease of the policy's list (甲 2, 乙 27, 丙 11), written
    ///   by its name or an alias of the list (`肺结核`, `流感`). A blank disease is IR-01's.
    /// - When the list says the disease needs a subtype (肝炎 type, 肺结核 category, 梅毒 stage,
    ///   疟疾 type, 炭疽 type, 痢疾 type), `disease_subtype` is one of the subtype names of the
    ///   list (`乙型`, `病原学阳性`); the finding suggests the name when an alias was written.
    /// - When the disease, or the subtype written, is classed acute/chronic (乙肝, 丙肝,
    ///   血吸虫病), `acute_or_chronic` is given.
    ///
    /// ## Why
    /// 传染病防治法 第3条 lists the notifiable diseases; 传染病信息报告管理规范 requires the
    /// card's disease to be one of them, with the subtype the card form asks for and, for
    /// hepatitis B and C and schistosomiasis, acute or chronic. A card without them cannot be
    /// classified by the CDC: a defective report, 1 point per case (assessment table item 5).
    ///
    /// ## Bad
    /// ```json
    /// {"disease_subtype": "乙肝", "acute_or_chronic": null}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"disease_subtype": "乙型", "acute_or_chronic": "chronic"}
    /// ```
    pub static RULE = {
        code: "IR-03",
        item: "OPD-5",
        severity: Severity::Error,
        clause: "门诊医疗质量考核表 第5条; 传染病防治法 第3条; 传染病信息报告管理规范",
        title: ("病名、分型与急慢性", "notifiable disease, subtype and acute/chronic"),
        check: Check::Infectious(check),
        case: Some("defective"),
    }
}

/// The subtype a written subtype names (its name or an alias).
fn named_subtype<'p>(disease: &'p Disease, written: &str) -> Option<&'p DiseaseSubtype> {
    disease
        .subtypes
        .iter()
        .find(|s| s.name == written || s.aliases.iter().any(|a| a == written))
}

fn check(ctx: &InfectiousCtx, out: &mut Sink) {
    let Some(written) = filled(&ctx.doc.disease) else {
        return;
    };
    let Some(disease) = ctx.disease else {
        // A diagnosis such as 乙肝 names a listed disease the card must write by its name.
        let hint = match ctx.policy().notifiable(written, None) {
            Some(n) => {
                let sub = n.subtype.map(|s| s.name.as_str());
                Text::new(
                    match sub {
                        Some(s) => format!("病名填“{}”，分型填“{s}”", n.disease.name),
                        None => format!("病名填“{}”", n.disease.name),
                    },
                    match sub {
                        Some(s) => format!("write “{}” with the subtype “{s}”", n.disease.name),
                        None => format!("write “{}”", n.disease.name),
                    },
                )
            }
            None => Text::new(
                "按法定传染病目录填写病名；非法定传染病无需填报告卡",
                "write the disease as the notifiable-disease list names it; a disease not on the list needs no card",
            ),
        };
        out.emit(
            &RULE,
            "disease",
            Text::new(
                format!("“{written}”不是法定传染病目录中的病名"),
                format!("“{written}” is not a disease of the notifiable-disease list"),
            ),
            hint,
        );
        return;
    };

    let written_sub = filled(&ctx.doc.disease_subtype);
    let subtype = written_sub.and_then(|s| named_subtype(disease, s));
    if disease.subtype_required
        && !disease
            .subtypes
            .iter()
            .any(|s| Some(s.name.as_str()) == written_sub)
    {
        let names: Vec<&str> = disease.subtypes.iter().map(|s| s.name.as_str()).collect();
        let choices = names.join("、");
        let message = match written_sub {
            None => Text::new(
                format!("{}须填写分型", disease.name),
                format!("{} needs its subtype", disease.name),
            ),
            Some(w) => Text::new(
                format!("{}的分型“{w}”不在目录中", disease.name),
                format!("“{w}” is not a subtype of {} on the list", disease.name),
            ),
        };
        let hint = match subtype {
            Some(s) => Text::new(
                format!("分型填“{}”", s.name),
                format!("write the subtype as “{}”", s.name),
            ),
            None => Text::new(
                format!("从以下分型中选填：{choices}"),
                format!("choose one of: {}", names.join(", ")),
            ),
        };
        out.emit(&RULE, "disease_subtype", message, hint);
    }

    let acute_chronic = disease.acute_chronic || subtype.is_some_and(|s| s.acute_chronic);
    if acute_chronic && ctx.doc.acute_or_chronic.is_none() {
        let name = match subtype {
            Some(s) => format!("{}（{}）", disease.name, s.name),
            None => disease.name.clone(),
        };
        out.emit(
            &RULE,
            "acute_or_chronic",
            Text::new(
                format!("{name}须注明急性或慢性"),
                format!("{name}: the card must say acute or chronic"),
            ),
            Text::new(
                "勾选急性、慢性或未分类",
                "tick acute, chronic or unclassified",
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
    fn flags_a_disease_not_on_the_list() {
        let r = infectious(json!({"disease": "水痘", "disease_subtype": null}));
        expect(&r, "IR-03", "OPD-5", Severity::Error, "disease");
        // A subtype alias written as the disease: the hint names the listed disease.
        let r = infectious(json!({"disease": "乙肝"}));
        let f = expect(&r, "IR-03", "OPD-5", Severity::Error, "disease");
        assert!(f.hint.zh.contains("病毒性肝炎"), "{}", f.hint.zh);
    }

    #[test]
    fn accepts_names_and_aliases_of_the_list() {
        expect_none(&infectious(json!({})), "IR-03");
        let flu = json!({"disease": "流感", "disease_subtype": null, "acute_or_chronic": null});
        expect_none(&infectious(flu), "IR-03");
    }

    #[test]
    fn a_required_subtype() {
        let r = infectious(json!({"disease_subtype": null}));
        expect(&r, "IR-03", "OPD-5", Severity::Error, "disease_subtype");
        let r = infectious(
            json!({"disease": "肺结核", "disease_subtype": "阳性", "acute_or_chronic": null}),
        );
        expect(&r, "IR-03", "OPD-5", Severity::Error, "disease_subtype");
        let r = infectious(
            json!({"disease": "肺结核", "disease_subtype": "病原学阳性", "acute_or_chronic": null}),
        );
        expect_none(&r, "IR-03");
        // An alias is not the subtype name: the hint gives the name.
        let r = infectious(json!({"disease_subtype": "乙肝"}));
        let f = expect(&r, "IR-03", "OPD-5", Severity::Error, "disease_subtype");
        assert!(f.hint.zh.contains("乙型"), "{}", f.hint.zh);
    }

    #[test]
    fn acute_or_chronic_for_hepatitis_b_and_schistosomiasis() {
        let r = infectious(json!({"acute_or_chronic": null}));
        expect(&r, "IR-03", "OPD-5", Severity::Error, "acute_or_chronic");
        let r = infectious(json!({"disease_subtype": "甲型", "acute_or_chronic": null}));
        expect_none(&r, "IR-03");
        let r = infectious(
            json!({"disease": "血吸虫病", "disease_subtype": null, "acute_or_chronic": null}),
        );
        expect(&r, "IR-03", "OPD-5", Severity::Error, "acute_or_chronic");
        let r = infectious(
            json!({"disease": "血吸虫病", "disease_subtype": null, "acute_or_chronic": "急性"}),
        );
        expect_none(&r, "IR-03");
    }
}
