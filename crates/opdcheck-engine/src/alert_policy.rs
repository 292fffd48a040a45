//! The policy's `alerts` section as data (issue 15): pick lists of reasons, the errors a reason
//! may accept, the scoped tuning entries. Read with the rest of the policy; applied by
//! [`crate::alerts`], which also validates the references these types cannot check.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::Title;
use crate::report::{Text, TuningAction};

/// The policy's `alerts` section.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alerts {
    /// Reasons a doctor picks from, by rule code; `default` for every rule without its own.
    #[serde(default)]
    pub reasons: BTreeMap<String, Vec<ReasonChoice>>,
    /// Error rules whose findings a doctor's reason accepts (then reported as warnings with
    /// the reason), besides the rules that are overridable in the catalog.
    #[serde(default)]
    pub overridable: Vec<String>,
    /// Scoped tuning entries, applied in order: the first entry that is not a trial decides
    /// a finding; trial entries only add to the shadow list.
    #[serde(default)]
    pub tuning: Vec<TuningEntry>,
}

/// One choice of a pick list: `{"key": "clinical_need", "zh": "临床需要，已评估", "en": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonChoice {
    pub key: String,
    pub zh: String,
    pub en: String,
}

/// A tuning entry: what to do to one rule's findings within a scope, why, who, until when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TuningEntry {
    /// Named in every finding it changes (`T-3`).
    pub id: String,
    pub rule: String,
    pub action: TuningAction,
    /// Run the entry in shadow: the findings stay as the rule gives them, and the entry's
    /// result goes to the report's shadow list for QA to judge.
    #[serde(default)]
    pub trial: bool,
    #[serde(default)]
    pub scope: Scope,
    pub rationale: String,
    pub author: String,
    /// The last day it applies (`YYYY-MM-DD`), against the document's own date.
    pub expires: String,
}

/// Where an entry applies; every list given must match (an empty list matches all).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// Formulary drugs, as any name the formulary resolves.
    #[serde(default)]
    pub drugs: Vec<String>,
    /// Drug classes: a duplication or allergy class of the policy, `antibiotic`, an
    /// antibiotic tier (`nonrestricted`, `restricted`, `special`), a controlled class
    /// (`narcotic`, `psych1`, `psych2`, `toxic`, `radioactive`), `steroid`, or a formulary
    /// category (`western`, `cpm`, `herb`).
    #[serde(default)]
    pub drug_classes: Vec<String>,
    /// Departments, as the document writes them (a department containing the word matches).
    #[serde(default)]
    pub departments: Vec<String>,
    #[serde(default)]
    pub titles: Vec<Title>,
    /// Patient age band in years: `min` inclusive, `max` exclusive.
    pub age: Option<AgeBand>,
}

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgeBand {
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// The fixed drug-class words (the policy's class maps add theirs).
pub const FIXED_CLASSES: &[&str] = &[
    "antibiotic",
    "nonrestricted",
    "restricted",
    "special",
    "narcotic",
    "psych1",
    "psych2",
    "toxic",
    "radioactive",
    "steroid",
    "western",
    "cpm",
    "herb",
];

impl Alerts {
    /// The pick list for `rule`: its own, else `default`.
    pub fn choices(&self, rule: &str) -> &[ReasonChoice] {
        self.reasons
            .get(rule)
            .or_else(|| self.reasons.get("default"))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The label of `choice` in `rule`'s pick list.
    pub fn label(&self, rule: &str, choice: &str) -> Option<Text> {
        self.choices(rule)
            .iter()
            .find(|c| c.key == choice)
            .map(|c| Text::new(&c.zh, &c.en))
    }
}
