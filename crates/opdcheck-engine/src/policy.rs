//! The policy: everything a hospital may tune, as data.
//!
//! The default policy is embedded at build time from `data/*.json` (policy, clinical
//! vocabularies, notifiable diseases, formulary). A policy file overrides it by deep merge: an
//! object merges key by key, anything else (numbers, strings, arrays) replaces the default. So a
//! hospital writes only what it changes, e.g. `{"limits": {"max_drugs": 4}}`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::formulary::Formulary;
use crate::model::Title;
use crate::parse::InputError;
pub use crate::vocab::{AbxTier, Vocab};

pub const DEFAULT_POLICY_JSON: &str = include_str!("../data/policy.json");
pub const DEFAULT_CLINICAL_JSON: &str = include_str!("../data/clinical.json");
pub const DEFAULT_DISEASES_JSON: &str = include_str!("../data/diseases.json");
pub const DEFAULT_FORMULARY_JSON: &str = include_str!("../data/formulary.json");

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub version: String,
    pub limits: Limits,
    pub required: Required,
    pub vocab: Vocab,
    pub items: BTreeMap<String, AssessmentItem>,
    pub thresholds: Thresholds,
    pub sampling: Sampling,
    pub antibiotics: AntibioticPolicy,
    pub duplication_classes: BTreeMap<String, ClassInfo>,
    pub allergy_classes: BTreeMap<String, AllergyClass>,
    /// Prescriber registry; empty by default (then RX-17's signature check and RX-18's
    /// registration check are skipped).
    #[serde(default)]
    pub prescribers: Vec<Prescriber>,
    /// The hospital's tuning of its alerts: reasons, overridable errors, scoped entries.
    #[serde(default)]
    pub alerts: crate::alert_policy::Alerts,
    pub clinical: Clinical,
    pub diseases: Diseases,
    pub formulary: Formulary,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// RX-10: drugs per prescription.
    pub max_drugs: usize,
    /// RX-12: supply days, general and emergency prescriptions.
    pub max_days_general: f64,
    pub max_days_emergency: f64,
    /// RX-13: controlled drugs.
    pub narcotic_psych1_injection_doses: f64,
    pub narcotic_psych1_controlled_release_days: f64,
    pub narcotic_psych1_other_days: f64,
    pub psych2_days: f64,
    /// RX-13: 麻醉药品 and 第一类精神药品 for 癌症疼痛 and 中、重度慢性疼痛 patients (处方管理办法
    /// 第24条; the diagnoses `clinical.cancer_or_chronic_pain` recognises): injection,
    /// controlled-release and other forms, days.
    pub pain_narcotic_psych1_injection_days: f64,
    pub pain_narcotic_psych1_controlled_release_days: f64,
    pub pain_narcotic_psych1_other_days: f64,
    /// RX-05, IR-01: under this age (years) a prescription is pediatric and a card needs a guardian.
    pub pediatric_age_years: f64,
    /// MR-05: chief complaint length in characters.
    pub chief_complaint_max_chars: usize,
    /// RX-09: extra days of supply tolerated when the pack size is unknown.
    pub quantity_tolerance_days: f64,
    /// HX-01: visits, or days, without a definite diagnosis before a consultation is expected.
    pub history_visits_without_diagnosis: usize,
    pub history_days_without_diagnosis: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Required {
    /// RX-01: header fields required besides the fixed ones.
    pub prescription_institution: bool,
    pub prescription_fee_category: bool,
    /// MR-01: front-page fields. `patient.age` is satisfied by an age or a birth date,
    /// `patient.employer_or_address` by either.
    pub record_front_page: Vec<String>,
    /// MR-02: fields of an initial (and emergency) visit record.
    pub initial_record: Vec<String>,
    /// MR-03: fields of a follow-up record.
    pub follow_up_record: Vec<String>,
    /// RQ-01: request form fields.
    pub request: Vec<String>,
    /// IR-01: report card fields; `patient.guardian_name` only for a patient under
    /// `limits.pediatric_age_years`.
    pub report_card: Vec<String>,
    /// RQ-02: request categories that need a body site, and those that need a specimen.
    pub site_categories: Vec<String>,
    pub specimen_categories: Vec<String>,
    /// RQ-05: request categories that are invasive studies and always need consent.
    pub consent_categories: Vec<String>,
}

/// A row of the assessment tables.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssessmentItem {
    pub zh: String,
    pub en: String,
    /// Points deducted once per document when any of the item's error rules fires.
    pub deduction: f64,
    /// OPD-5: per case, by kind of defect (late / defective / missed).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub per_case: BTreeMap<String, f64>,
    /// Manual checklist item (QA ticks it; no document shows it).
    #[serde(default)]
    pub manual: bool,
    /// Warning rules of this item whose finding charges the item's deduction once QA confirms
    /// it (RX-21, RX-22 under CLN-7: the table deducts for them, but the engine cannot tell a
    /// justified case alone). They never deduct in a document's own score; see
    /// [`crate::score::review_score_decided`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub confirmed_warnings: Vec<String>,
    /// The seed's own deduction wording.
    pub standard: String,
    /// The part of an item that rules check which no document shows, so QA scores it by hand
    /// on the manual checklist (CLN-5's 医患沟通 record, CLN-8's missed or needless
    /// examinations, OPD-5's register). See [`crate::checklist`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual_check: Option<ManualCheck>,
}

/// A part of an assessment item QA scores by hand.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManualCheck {
    pub zh: String,
    pub en: String,
    /// Points per occurrence, as the table gives them.
    pub deduction: f64,
    /// The most one record may be charged on it (the largest figure of the wording).
    pub max: f64,
    /// The seed's own wording of that part.
    pub standard: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// 门诊处方合格率 target, percent.
    pub prescription_pass_rate: f64,
    /// 门诊病历书写合格率 target, percent.
    pub record_pass_rate: f64,
    /// 法定传染病漏报率 target, percent.
    pub missed_report_rate: f64,
    /// Outpatient antibiotic prescription share ceiling, percent.
    pub antibiotic_share_max: f64,
    /// 元 per percentage point below a pass-rate target.
    pub penalty_per_point: f64,
    /// 元 per missed report.
    pub penalty_per_missed_case: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sampling {
    pub monthly_min_prescriptions: u32,
    /// Fraction of the month's prescriptions (0.001 = 1‰).
    pub monthly_fraction: f64,
    pub monthly_min_records: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AntibioticPolicy {
    /// Highest tier each title may prescribe.
    pub tier_by_title: BTreeMap<String, AbxTier>,
    /// 特殊使用级 antibiotics are not prescribed in outpatient care.
    pub special_allowed_in_outpatient: bool,
}

impl AntibioticPolicy {
    pub fn max_tier(&self, title: Title) -> Option<AbxTier> {
        let key = match title {
            Title::Resident => "resident",
            Title::Attending => "attending",
            Title::AssociateChief => "associate_chief",
            Title::Chief => "chief",
            Title::Assistant => "assistant",
        };
        self.tier_by_title.get(key).copied()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassInfo {
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllergyClass {
    pub zh: String,
    pub en: String,
    /// How patients and records name the class ("青霉素类", "青霉素", "PCN").
    pub names: Vec<String>,
    /// Classes that cross-react (a warning, not an error).
    #[serde(default)]
    pub cross: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prescriber {
    pub id: String,
    pub name: String,
    pub title: Title,
    /// The registered signature (签名留样/电子签名) id.
    pub signature_id: String,
    #[serde(default = "yes")]
    pub prescribing_rights: bool,
    #[serde(default)]
    pub narcotic_psych1_rights: bool,
    /// Overrides the title's antibiotic tier.
    pub antibiotic_tier: Option<AbxTier>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeVocab {
    /// Inclusive ICD-10 ranges on 3- or 4-character codes: `["J00", "J22"]`.
    pub icd10_ranges: Vec<(String, String)>,
    pub keywords: Vec<String>,
    #[serde(default)]
    pub exclude_keywords: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clinical {
    /// RX-15: diagnoses that justify an antibiotic.
    pub infection: CodeVocab,
    /// RX-22: diagnoses that justify a systemic corticosteroid.
    pub steroid_indications: CodeVocab,
    /// Diagnoses with "炎" that are not infections.
    pub non_infective_inflammations: Vec<String>,
    /// RX-13: diagnoses that make the patient a 癌症疼痛 or 中、重度慢性疼痛 patient (处方管理办法
    /// 第24条): pain named as cancer pain or as moderate or severe chronic pain, or coded
    /// G89.3 / R52.1. A cancer diagnosis alone, or 慢性疼痛 without its severity, is not.
    pub cancer_or_chronic_pain: CodeVocab,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Diseases {
    pub version: String,
    pub diseases: Vec<Disease>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DiseaseClass {
    A,
    B,
    C,
}

impl DiseaseClass {
    pub fn zh(self) -> &'static str {
        match self {
            DiseaseClass::A => "甲类",
            DiseaseClass::B => "乙类",
            DiseaseClass::C => "丙类",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disease {
    pub name: String,
    pub class: DiseaseClass,
    /// Reporting deadline from diagnosis, hours (2 or 24).
    pub hours: u32,
    #[serde(default)]
    pub icd10: Vec<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub subtypes: Vec<DiseaseSubtype>,
    /// Phrases that contain a name or alias but are not this disease (流感嗜血杆菌, 陈旧性肺结核).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
    #[serde(default)]
    pub subtype_required: bool,
    /// The card must say acute or chronic.
    #[serde(default)]
    pub acute_chronic: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiseaseSubtype {
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub hours: Option<u32>,
    #[serde(default)]
    pub acute_chronic: bool,
}

/// A policy that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policy: {0}")]
pub struct PolicyError(pub InputError);

/// The default policy as one JSON text: policy.json with the data files as its `clinical`,
/// `diseases` and `formulary` (the same policy as [`default_policy_value`], without building a
/// JSON tree).
pub fn default_policy_text() -> String {
    let base = DEFAULT_POLICY_JSON.trim_end();
    let base = base
        .strip_suffix('}')
        .expect("policy.json is a non-empty object");
    let mut text = String::with_capacity(
        base.len()
            + DEFAULT_CLINICAL_JSON.len()
            + DEFAULT_DISEASES_JSON.len()
            + DEFAULT_FORMULARY_JSON.len()
            + 64,
    );
    text.push_str(base);
    for (key, data) in [
        ("clinical", DEFAULT_CLINICAL_JSON),
        ("diseases", DEFAULT_DISEASES_JSON),
        ("formulary", DEFAULT_FORMULARY_JSON),
    ] {
        text.push_str(",\"");
        text.push_str(key);
        text.push_str("\":");
        text.push_str(data);
    }
    text.push('}');
    text
}

/// The hash the ruleset of the default policy carries (`1.0.0+policy.<hash>`), computed by
/// build.rs from the data files exactly as [`crate::Engine`] hashes any policy, so the
/// default engine starts without building and printing the policy's JSON tree.
pub const DEFAULT_POLICY_HASH: &str =
    include_str!(concat!(env!("OUT_DIR"), "/default_policy_hash"));

/// The default policy as one JSON value (all data files merged).
pub fn default_policy_value() -> serde_json::Value {
    let mut v: serde_json::Value =
        serde_json::from_str(DEFAULT_POLICY_JSON).expect("embedded policy.json parses");
    let obj = v.as_object_mut().expect("policy.json is an object");
    for (key, text) in [
        ("clinical", DEFAULT_CLINICAL_JSON),
        ("diseases", DEFAULT_DISEASES_JSON),
        ("formulary", DEFAULT_FORMULARY_JSON),
    ] {
        obj.insert(
            key.into(),
            serde_json::from_str(text).expect("embedded data parses"),
        );
    }
    v
}

/// Deep merge: objects merge by key; any other value replaces.
pub fn merge(base: &mut serde_json::Value, over: serde_json::Value) {
    match (base, over) {
        (serde_json::Value::Object(b), serde_json::Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

impl Policy {
    /// Read a policy from its merged JSON value, naming the path of a bad value.
    pub fn from_value(value: &serde_json::Value) -> Result<Policy, PolicyError> {
        Policy::from_text(&value.to_string())
    }

    /// Read a policy from one whole (merged) policy's JSON text, naming the path of a bad
    /// value. Every policy is read this way, straight into the types: one deserialiser for all
    /// (the widget's size) and no JSON tree for the default (the widget's start-up).
    pub fn from_text(text: &str) -> Result<Policy, PolicyError> {
        let policy: Policy = crate::parse::from_str_tracked(text, std::marker::PhantomData)
            .map_err(|mut e| {
                // Positions in a merged text would point nowhere the author can see.
                e.line = None;
                e.column = None;
                PolicyError(e)
            })?;
        policy.finish()
    }

    /// The embedded default policy, known to read (a test checks it).
    pub fn embedded() -> Policy {
        Policy::from_text(&default_policy_text()).expect("the embedded default policy is valid")
    }

    fn finish(mut self) -> Result<Policy, PolicyError> {
        let extra = std::mem::take(&mut self.formulary.extra_drugs);
        self.formulary.drugs.extend(extra);
        self.validate()?;
        Ok(self)
    }

    /// The default policy overridden by a policy file's text.
    pub fn with_override(text: &str) -> Result<(Policy, serde_json::Value), PolicyError> {
        let value = Policy::merged_override(text)?;
        Ok((Policy::from_value(&value)?, value))
    }

    /// The default policy's JSON value with a policy file's text merged over it (not yet read
    /// into the types).
    pub fn merged_override(text: &str) -> Result<serde_json::Value, PolicyError> {
        let mut de = serde_json::Deserializer::from_str(text);
        let over = <serde_json::Value as Deserialize>::deserialize(&mut de)
            .and_then(|v| de.end().map(|_| v))
            .map_err(|e| {
                let msg = e.to_string();
                let message = msg
                    .rfind(" at line ")
                    .map(|i| msg[..i].to_string())
                    .unwrap_or(msg);
                PolicyError(InputError {
                    path: String::new(),
                    line: Some(e.line()),
                    column: Some(e.column()),
                    message,
                })
            })?;
        if !over.is_object() {
            return Err(PolicyError(InputError::new(
                "",
                "a policy file is a JSON object",
            )));
        }
        let mut value = default_policy_value();
        merge(&mut value, over);
        Ok(value)
    }

    /// Cross-references the types cannot express.
    fn validate(&self) -> Result<(), PolicyError> {
        let bad = |path: String, msg: String| Err(PolicyError(InputError::new(path, msg)));
        for (i, d) in self.formulary.drugs.iter().enumerate() {
            if let Some(a) = &d.allergy
                && !self.allergy_classes.contains_key(a)
            {
                return bad(
                    format!("formulary.drugs[{i}].allergy"),
                    format!("unknown allergy class `{a}`"),
                );
            }
            if let Some(c) = &d.dup
                && !self.duplication_classes.contains_key(c)
            {
                return bad(
                    format!("formulary.drugs[{i}].dup"),
                    format!("unknown duplication class `{c}`"),
                );
            }
            for route in d.max.keys() {
                if !self.vocab.routes.values().any(|r| r == route) {
                    return bad(
                        format!("formulary.drugs[{i}].max.{route}"),
                        format!("unknown route class `{route}`"),
                    );
                }
            }
        }
        for (k, c) in &self.allergy_classes {
            for x in &c.cross {
                if !self.allergy_classes.contains_key(x) {
                    return bad(
                        format!("allergy_classes.{k}.cross"),
                        format!("unknown allergy class `{x}`"),
                    );
                }
            }
        }
        for (i, d) in self.diseases.diseases.iter().enumerate() {
            if d.hours == 0 {
                return bad(
                    format!("diseases.diseases[{i}].hours"),
                    "a reporting deadline must be positive".into(),
                );
            }
        }
        for (code, item) in &self.items {
            if let Some(m) = &item.manual_check
                && !(m.deduction >= 0.0 && m.max >= m.deduction)
            {
                return bad(
                    format!("items.{code}.manual_check.max"),
                    "must be at least the deduction, which is not negative".into(),
                );
            }
        }
        if self.limits.max_drugs == 0 {
            return bad("limits.max_drugs".into(), "must be at least 1".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Engine;

    #[test]
    fn broken_policies_get_the_same_located_errors_as_the_tracking_reader() {
        use std::marker::PhantomData;

        use crate::parse::locate_tests::{text_variants, variants};
        use crate::parse::{from_str_path_tracked, from_str_tracked};

        // The reader `json_path` replaced names the same paths in broken policies (documents:
        // `parse/locate_tests.rs`).
        let text = default_policy_text();
        let policy: serde_json::Value =
            serde_json::from_str(&text).expect("the default policy is JSON");
        let mut mismatches = Vec::new();
        let mut cases = 0;
        let mut texts = vec![text.clone()];
        texts.extend(variants(&policy, 401));
        texts.extend(text_variants(&text, 19_997));
        for t in texts {
            cases += 1;
            let new = from_str_tracked::<PhantomData<Policy>>(&t, PhantomData).map(|_| ());
            let old = from_str_path_tracked::<PhantomData<Policy>>(&t, PhantomData).map(|_| ());
            if new != old {
                mismatches.push(format!(
                    "json_path: {:?}\ntracked:   {:?}",
                    new.err(),
                    old.err()
                ));
            }
        }
        assert!(
            mismatches.is_empty(),
            "{} of {cases} differ:\n{}",
            mismatches.len(),
            mismatches[..mismatches.len().min(8)].join("\n")
        );
        assert!(cases > 400, "{cases}");
    }

    #[test]
    fn default_policy_loads_with_the_full_disease_list() {
        let p = &Engine::default_engine().policy;
        let count = |c: DiseaseClass| p.diseases.diseases.iter().filter(|d| d.class == c).count();
        assert_eq!(
            (
                count(DiseaseClass::A),
                count(DiseaseClass::B),
                count(DiseaseClass::C)
            ),
            (2, 27, 11)
        );
        for d in &p.diseases.diseases {
            assert!(d.hours == 2 || d.hours == 24, "{}: {} h", d.name, d.hours);
        }
        assert!(
            p.prescribers.is_empty(),
            "the default prescriber registry is empty"
        );
    }

    /// The default engine starts from the text and build.rs's hash; both must be the policy
    /// and hash that reading and hashing the merged value give.
    #[test]
    fn the_default_policy_text_and_hash_match_the_merged_value() {
        let text: serde_json::Value = serde_json::from_str(&default_policy_text()).unwrap();
        assert_eq!(text, default_policy_value());
        let from_value = Engine::from_value(&default_policy_value()).unwrap();
        assert_eq!(from_value.ruleset(), Engine::default_engine().ruleset());
        assert!(
            Engine::default_engine()
                .ruleset()
                .ends_with(&format!("+policy.{DEFAULT_POLICY_HASH}"))
        );
        // An empty override is the default policy, with the default's ruleset.
        let empty = Engine::with_policy_override("{}").unwrap();
        assert_eq!(empty.ruleset(), Engine::default_engine().ruleset());
    }

    /// `GET /api/v1/policy` gives the policy as it serialises; the QA workspace reads it back
    /// to score reviews as the server does.
    #[test]
    fn a_served_policy_reads_back() {
        let p = &Engine::default_engine().policy;
        let back: Policy = serde_json::from_value(serde_json::to_value(p).unwrap()).unwrap();
        assert_eq!(back.formulary.drugs.len(), p.formulary.drugs.len());
        assert_eq!(
            serde_json::to_value(&back).unwrap(),
            serde_json::to_value(p).unwrap()
        );
    }

    #[test]
    fn an_override_changes_only_what_it_names() {
        let e = Engine::with_policy_override(r#"{"limits": {"max_drugs": 4}}"#).unwrap();
        assert_eq!(e.policy.limits.max_drugs, 4);
        assert_eq!(e.policy.limits.max_days_general, 7.0);
        assert_ne!(
            e.ruleset(),
            Engine::default_engine().ruleset(),
            "the ruleset names the policy"
        );
        assert!(e.ruleset().starts_with("1.0.0+policy."));
    }

    #[test]
    fn a_bad_policy_file_gets_a_located_error() {
        let e = Engine::with_policy_override(r#"{"limits": {"max_drugs": "five"}}"#).unwrap_err();
        assert_eq!(e.0.path, "limits.max_drugs");
        assert!(e.0.message.contains("invalid type"), "{e}");

        let e = Engine::with_policy_override("{\"limits\": {\n\"max_drugs\": 4,,}}").unwrap_err();
        assert_eq!(e.0.line, Some(2));

        let e = Engine::with_policy_override(r#"{"limits": {"max_drug": 4}}"#).unwrap_err();
        assert!(e.0.message.contains("unknown field `max_drug`"), "{e}");
        assert_eq!(e.0.path, "limits.max_drug");

        let e = Engine::with_policy_override(r#"{"duplication_classes": {"nsaid": null}}"#)
            .unwrap_err();
        assert!(!e.0.path.is_empty(), "{e}");

        let e = Engine::with_policy_override("[1]").unwrap_err();
        assert!(e.0.message.contains("object"));

        let e = Engine::with_policy_override(r#"{"limits": {"max_drugs": 0}}"#).unwrap_err();
        assert_eq!(e.0.path, "limits.max_drugs");

        let e = Engine::with_policy_override(
            r#"{"items": {"CLN-7": {"confirmed_warnings": ["RX-21", "RX-09"]}}}"#,
        )
        .unwrap_err();
        assert_eq!(e.0.path, "items.CLN-7.confirmed_warnings[1]");
    }

    #[test]
    fn a_hospital_adds_drugs_without_restating_the_formulary() {
        let e = Engine::with_policy_override(
            r#"{"formulary": {"extra_drugs": [{"name": "院内制剂止咳", "en": "in-house cough syrup", "cat": "cpm", "forms": ["合剂"], "aliases": ["ZK-1"]}]}}"#,
        )
        .unwrap();
        let default_count = Engine::default_engine().policy.formulary.drugs.len();
        assert_eq!(e.policy.formulary.drugs.len(), default_count + 1);
        let r = e.formulary.resolve(&e.policy.formulary, "院内制剂止咳合剂");
        assert_eq!(r.status, crate::formulary::NameStatus::Standard);
        // A name that is already a drug's is refused, with where.
        let err = Engine::with_policy_override(r#"{"formulary": {"extra_drugs": [{"name": "阿莫西林", "en": "x", "cat": "western"}]}}"#)
            .unwrap_err();
        assert!(err.0.message.contains("阿莫西林"), "{err}");
    }

    #[test]
    fn a_prescriber_registry_can_be_given() {
        let e = Engine::with_policy_override(
            r#"{"prescribers": [{"id": "D0012", "name": "李明", "title": "attending", "signature_id": "SIG-D0012"}]}"#,
        )
        .unwrap();
        assert_eq!(e.policy.prescribers.len(), 1);
        assert!(e.policy.prescribers[0].prescribing_rights);
    }

    /// Everything embedded ships to browsers: the data stays within 60 KB gzip.
    #[test]
    fn embedded_data_fits_the_size_budget() {
        use std::io::Write;
        let mut total = 0;
        for text in [
            DEFAULT_POLICY_JSON,
            DEFAULT_CLINICAL_JSON,
            DEFAULT_DISEASES_JSON,
            DEFAULT_FORMULARY_JSON,
        ] {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            gz.write_all(text.as_bytes()).unwrap();
            total += gz.finish().unwrap().len();
        }
        assert!(
            total <= 60 * 1024,
            "embedded data is {total} bytes gzip, over 60 KB"
        );
    }
}
