//! The hospital's vocabulary (what counts as a vague phrase, a route, a dosage form …) and the
//! antibiotic tiers: parts of the policy that the formulary's index needs too, so they sit
//! below both (the policy re-exports them).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vocab {
    /// RX-02, MR-07: what is not a diagnosis when written alone.
    pub non_diagnoses: Vec<String>,
    /// RQ-03: vague request diagnoses.
    pub vague_request_diagnoses: Vec<String>,
    /// RX-08: vague usage phrases.
    pub vague_phrases: Vec<String>,
    /// RX-12: words in `diagnosis_note` that justify a longer supply.
    pub longer_supply_reasons: Vec<String>,
    /// RX-07/09: frequency codes → administrations per day (`null`: as needed / once).
    pub frequencies: BTreeMap<String, Option<f64>>,
    /// RX-07: units a dose may be written in.
    pub dose_units: Vec<String>,
    /// RX-07: units a dispensed quantity may be written in.
    pub quantity_units: Vec<String>,
    /// RX-09: quantity units that are whole packs (盒, 瓶 …).
    pub pack_units: Vec<String>,
    /// Routes as written → route class (oral, iv, im, sc, inhal, topical, rectal, sublingual, decoction …).
    pub routes: BTreeMap<String, String>,
    /// Route classes whose drugs act systemically (RX-21, RX-22).
    pub systemic_routes: Vec<String>,
    /// Dosage-form words written after a drug name (longest match wins).
    pub dosage_forms: Vec<String>,
    /// Forms that are injections (RX-13).
    pub injection_forms: Vec<String>,
    /// Forms that are controlled or sustained release (RX-13).
    pub controlled_release_forms: Vec<String>,
    /// Salt words written before a generic name (盐酸二甲双胍) and after it (头孢曲松钠).
    pub salt_prefixes: Vec<String>,
    pub salt_suffixes: Vec<String>,
    /// Allergy history texts that deny any allergy (XV-05).
    pub allergy_denials: Vec<String>,
    /// RQ-05: request items that are contrast or invasive studies.
    pub consent_exam_keywords: Vec<String>,
    /// HX-01: words in a treatment plan that record a consultation or referral.
    pub consultation_keywords: Vec<String>,
    /// HX-01: marks of a diagnosis that is not yet certain (待查, ?), and endings (待排).
    pub uncertain_diagnosis_marks: Vec<String>,
    pub uncertain_diagnosis_suffixes: Vec<String>,
    /// RX-05: department names that mean an emergency visit.
    pub emergency_departments: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AbxTier {
    Nonrestricted,
    Restricted,
    Special,
}

impl AbxTier {
    pub fn zh(self) -> &'static str {
        match self {
            AbxTier::Nonrestricted => "非限制使用级",
            AbxTier::Restricted => "限制使用级",
            AbxTier::Special => "特殊使用级",
        }
    }
}
