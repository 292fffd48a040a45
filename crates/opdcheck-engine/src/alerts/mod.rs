//! The hospital's own tuning of its alerts (the policy's `alerts`, issue 15): the pick lists of
//! reasons a doctor gives for a finding kept, the errors a reason may accept, and the scoped
//! tuning entries that suppress, downgrade, upgrade or shadow a rule where the hospital has
//! found it wrong (or wants to try it before doctors see it).
//!
//! Tuning is applied after the rules, per document, by [`apply`]; the rules never know of it.
//! An entry's scope is matched against the document's own facts ([`facts::DocFacts`]), so
//! every client (app, widget, CLI, server) tunes alike from the same policy.

pub mod apply;
pub mod facts;

use crate::engine::Engine;
use crate::parse::InputError;
use crate::policy::PolicyError;
use crate::report::TuningAction;
use crate::rules;

pub use crate::alert_policy::*;
pub use apply::{Applied, apply};

impl Alerts {
    /// A reason may accept an error of `rule`: the catalog says so, or the policy.
    pub fn is_overridable(&self, rule: &str) -> bool {
        self.overridable.iter().any(|r| r == rule)
            || rules::rule(rule).is_some_and(|r| r.overridable)
    }
}

/// Cross-references the types cannot express, each located at its path.
pub(crate) fn validate(engine: &Engine) -> Result<(), PolicyError> {
    let alerts = &engine.policy.alerts;
    let bad = |path: String, msg: String| Err(PolicyError(InputError::new(path, msg)));
    for (code, list) in &alerts.reasons {
        if code != "default" && rules::rule(code).is_none() {
            return bad(
                format!("alerts.reasons.{code}"),
                format!("unknown rule `{code}`"),
            );
        }
        for (i, c) in list.iter().enumerate() {
            if c.key.trim().is_empty() || c.zh.trim().is_empty() {
                return bad(
                    format!("alerts.reasons.{code}[{i}]"),
                    "a choice needs a key and a Chinese label".into(),
                );
            }
        }
    }
    for (i, code) in alerts.overridable.iter().enumerate() {
        if rules::rule(code).is_none() {
            return bad(
                format!("alerts.overridable[{i}]"),
                format!("unknown rule `{code}`"),
            );
        }
    }
    let mut seen = Vec::new();
    for (i, e) in alerts.tuning.iter().enumerate() {
        let at = |field: &str| format!("alerts.tuning[{i}].{field}");
        if e.id.trim().is_empty() {
            return bad(at("id"), "an entry needs an id".into());
        }
        if seen.contains(&e.id.as_str()) {
            return bad(at("id"), format!("`{}` is already an entry's id", e.id));
        }
        seen.push(&e.id);
        if rules::rule(&e.rule).is_none() {
            return bad(at("rule"), format!("unknown rule `{}`", e.rule));
        }
        if e.rationale.trim().is_empty() {
            return bad(at("rationale"), "an entry needs its rationale".into());
        }
        if e.author.trim().is_empty() {
            return bad(at("author"), "an entry needs its author".into());
        }
        if crate::datetime::parse(&e.expires).is_none() || e.expires.len() != 10 {
            return bad(at("expires"), "an expiry date is written YYYY-MM-DD".into());
        }
        if e.trial && e.action == TuningAction::Shadow {
            return bad(at("trial"), "a shadow entry is already a trial".into());
        }
        for (j, d) in e.scope.drugs.iter().enumerate() {
            if engine
                .formulary
                .resolve(&engine.policy.formulary, d)
                .drug
                .is_none()
            {
                return bad(
                    format!("alerts.tuning[{i}].scope.drugs[{j}]"),
                    format!("`{d}` is not a drug of the formulary"),
                );
            }
        }
        for (j, c) in e.scope.drug_classes.iter().enumerate() {
            let known = FIXED_CLASSES.contains(&c.as_str())
                || engine.policy.duplication_classes.contains_key(c)
                || engine.policy.allergy_classes.contains_key(c);
            if !known {
                return bad(
                    format!("alerts.tuning[{i}].scope.drug_classes[{j}]"),
                    format!("unknown drug class `{c}`"),
                );
            }
        }
        if let Some(AgeBand {
            min: Some(lo),
            max: Some(hi),
        }) = e.scope.age
            && lo >= hi
        {
            return bad(
                at("scope.age"),
                "the band's min must be below its max".into(),
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::Engine;

    fn err(over: &str) -> (String, String) {
        let e = Engine::with_policy_override(over).unwrap_err();
        (e.0.path, e.0.message)
    }

    const ENTRY: &str = r#""id": "T-1", "rule": "RX-08", "action": "downgrade", "rationale": "r", "author": "a", "expires": "2027-06-30""#;

    #[test]
    fn a_valid_entry_reads() {
        let e = Engine::with_policy_override(&format!(
            r#"{{"alerts": {{"tuning": [{{{ENTRY}, "scope": {{"drugs": ["阿莫西林"], "drug_classes": ["penicillin", "antibiotic"], "departments": ["儿科"], "titles": ["resident"], "age": {{"min": 0, "max": 14}}}}}}]}}}}"#
        ))
        .unwrap();
        assert_eq!(e.policy.alerts.tuning.len(), 1);
    }

    #[test]
    fn bad_entries_are_located() {
        let cases = [
            (
                r#""id": "", "rule": "RX-08", "action": "suppress", "rationale": "r", "author": "a", "expires": "2027-06-30""#,
                "alerts.tuning[0].id",
            ),
            (
                r#""id": "T", "rule": "RX-99", "action": "suppress", "rationale": "r", "author": "a", "expires": "2027-06-30""#,
                "alerts.tuning[0].rule",
            ),
            (
                r#""id": "T", "rule": "RX-08", "action": "suppress", "rationale": " ", "author": "a", "expires": "2027-06-30""#,
                "alerts.tuning[0].rationale",
            ),
            (
                r#""id": "T", "rule": "RX-08", "action": "suppress", "rationale": "r", "author": "", "expires": "2027-06-30""#,
                "alerts.tuning[0].author",
            ),
            (
                r#""id": "T", "rule": "RX-08", "action": "suppress", "rationale": "r", "author": "a", "expires": "明年""#,
                "alerts.tuning[0].expires",
            ),
            (
                r#""id": "T", "rule": "RX-08", "action": "shadow", "trial": true, "rationale": "r", "author": "a", "expires": "2027-06-30""#,
                "alerts.tuning[0].trial",
            ),
            (
                r#""id": "T", "rule": "RX-08", "action": "suppress", "rationale": "r", "author": "a", "expires": "2027-06-30", "scope": {"drugs": ["不存在的药"]}"#,
                "alerts.tuning[0].scope.drugs[0]",
            ),
            (
                r#""id": "T", "rule": "RX-08", "action": "suppress", "rationale": "r", "author": "a", "expires": "2027-06-30", "scope": {"drug_classes": ["candy"]}"#,
                "alerts.tuning[0].scope.drug_classes[0]",
            ),
            (
                r#""id": "T", "rule": "RX-08", "action": "suppress", "rationale": "r", "author": "a", "expires": "2027-06-30", "scope": {"age": {"min": 14, "max": 2}}"#,
                "alerts.tuning[0].scope.age",
            ),
        ];
        for (entry, path) in cases {
            let (p, m) = err(&format!(r#"{{"alerts": {{"tuning": [{{{entry}}}]}}}}"#));
            assert_eq!(p, path, "{entry}: {m}");
        }
        let (p, _) = err(&format!(
            r#"{{"alerts": {{"tuning": [{{{ENTRY}}}, {{{ENTRY}}}]}}}}"#
        ));
        assert_eq!(p, "alerts.tuning[1].id");
        let (p, _) = err(r#"{"alerts": {"overridable": ["XX-1"]}}"#);
        assert_eq!(p, "alerts.overridable[0]");
        let (p, _) = err(r#"{"alerts": {"reasons": {"RX-99": []}}}"#);
        assert_eq!(p, "alerts.reasons.RX-99");
        let (p, _) = err(r#"{"alerts": {"tuning": [{"id": "T"}]}}"#);
        assert!(p.starts_with("alerts.tuning[0]"), "{p}");
    }

    #[test]
    fn the_default_policy_has_a_pick_list_for_every_rule() {
        let alerts = &Engine::default_engine().policy.alerts;
        for r in crate::rules::RULES {
            let choices = alerts.choices(r.code);
            assert!(choices.len() >= 2, "{}", r.code);
            assert!(choices.iter().any(|c| c.key == "other"), "{}", r.code);
        }
    }
}

#[cfg(test)]
mod apply_tests;
