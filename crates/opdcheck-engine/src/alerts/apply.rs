//! Applying the policy's tuning and the doctor's reasons to one document's findings.

use super::facts::DocFacts;
use super::{Alerts, Scope, TuningEntry};
use crate::formulary::Drug;
use crate::report::{Finding, GivenReason, Severity, Text, Tuned, TuningAction};

/// One document's findings after tuning: what the doctor sees and is scored on, the shadow
/// findings for QA, and how many were suppressed.
#[derive(Debug, Default, PartialEq)]
pub struct Applied {
    pub findings: Vec<Finding>,
    pub shadow: Vec<Finding>,
    pub suppressed: u32,
}

/// Tune `findings` (one document's, paths relative to it) by the policy's entries in force on
/// the document's date, then attach the doctor's reasons to what is left.
pub fn apply(alerts: &Alerts, facts: &DocFacts, findings: Vec<Finding>) -> Applied {
    let mut out = Applied::default();
    if alerts.tuning.is_empty() && facts.reasons.is_empty() && alerts.overridable.is_empty() {
        out.findings = findings;
        return out;
    }
    for f in findings {
        let mut live = Some(f.clone());
        let mut decided = false;
        for e in alerts.tuning.iter().filter(|e| applies(e, facts, &f)) {
            if e.trial {
                out.shadow.push(tuned(&f, e));
                continue;
            }
            if decided {
                continue;
            }
            decided = true;
            match e.action {
                TuningAction::Suppress => {
                    out.suppressed += 1;
                    live = None;
                }
                TuningAction::Shadow => {
                    out.shadow.push(tuned(&f, e));
                    live = None;
                }
                TuningAction::Downgrade | TuningAction::Upgrade => live = Some(tuned(&f, e)),
            }
        }
        if let Some(mut f) = live {
            f.overridable |= alerts.is_overridable(&f.rule);
            attach_reason(alerts, facts, &mut f);
            out.findings.push(f);
        }
    }
    out
}

/// The finding as entry `e` makes it, marked with the entry.
fn tuned(f: &Finding, e: &TuningEntry) -> Finding {
    let mut g = f.clone();
    g.severity = match e.action {
        TuningAction::Downgrade => match f.severity {
            Severity::Error => Severity::Warning,
            _ => Severity::Info,
        },
        TuningAction::Upgrade => match f.severity {
            Severity::Info => Severity::Warning,
            _ => Severity::Error,
        },
        TuningAction::Suppress | TuningAction::Shadow => f.severity,
    };
    g.tuning = Some(Tuned {
        entry: e.id.clone(),
        action: e.action,
        from: f.severity,
    });
    g
}

fn applies(e: &TuningEntry, facts: &DocFacts, f: &Finding) -> bool {
    e.rule == f.rule
        // An undated document (a draft) is written today: the entry is in force.
        && facts.date.as_deref().is_none_or(|d| d <= e.expires.as_str())
        && in_scope(&e.scope, facts, &f.path)
}

fn in_scope(scope: &Scope, facts: &DocFacts, path: &str) -> bool {
    if !scope.departments.is_empty()
        && !facts
            .department
            .is_some_and(|d| scope.departments.iter().any(|w| d.contains(w.as_str())))
    {
        return false;
    }
    if !scope.titles.is_empty() && !facts.title.is_some_and(|t| scope.titles.contains(&t)) {
        return false;
    }
    if let Some(band) = scope.age {
        let Some(age) = facts.age_years else {
            return false;
        };
        if band.min.is_some_and(|lo| age < lo) || band.max.is_some_and(|hi| age >= hi) {
            return false;
        }
    }
    if scope.drugs.is_empty() && scope.drug_classes.is_empty() {
        return true;
    }
    // A finding at a drug line is about that drug; elsewhere, about every drug of the document.
    let drugs: Vec<&Drug> = match item_index(path) {
        Some(i) => facts.drugs.get(i).copied().flatten().into_iter().collect(),
        None => facts.drugs.iter().copied().flatten().collect(),
    };
    drugs.iter().any(|d| drug_matches(scope, d))
}

/// `items[2].dose` → 2.
fn item_index(path: &str) -> Option<usize> {
    let rest = path.strip_prefix("items[")?;
    rest[..rest.find(']')?].parse().ok()
}

fn drug_matches(scope: &Scope, d: &Drug) -> bool {
    let named = scope.drugs.is_empty()
        || scope
            .drugs
            .iter()
            .any(|n| *n == d.name || d.aliases.contains(n) || d.variants.contains(n));
    named && (scope.drug_classes.is_empty() || scope.drug_classes.iter().any(|c| is_of(d, c)))
}

fn is_of(d: &Drug, class: &str) -> bool {
    use erased::Word;
    match class {
        "antibiotic" => d.abx.is_some(),
        "steroid" => d.steroid,
        _ => {
            d.dup.as_deref() == Some(class)
                || d.allergy.as_deref() == Some(class)
                || d.abx.is_some_and(|t| t.word() == class)
                || d.ctrl.is_some_and(|c| c.word() == class)
                || d.cat.word() == class
        }
    }
}

/// The serde name of a unit enum (`psych2`, `restricted`, `herb`) without a JSON round trip.
mod erased {
    use crate::formulary::{Category, Controlled};
    use crate::vocab::AbxTier;

    pub trait Word {
        fn word(&self) -> &'static str;
    }
    impl Word for AbxTier {
        fn word(&self) -> &'static str {
            match self {
                AbxTier::Nonrestricted => "nonrestricted",
                AbxTier::Restricted => "restricted",
                AbxTier::Special => "special",
            }
        }
    }
    impl Word for Controlled {
        fn word(&self) -> &'static str {
            match self {
                Controlled::Narcotic => "narcotic",
                Controlled::Psych1 => "psych1",
                Controlled::Psych2 => "psych2",
                Controlled::Toxic => "toxic",
                Controlled::Radioactive => "radioactive",
            }
        }
    }
    impl Word for Category {
        fn word(&self) -> &'static str {
            match self {
                Category::Western => "western",
                Category::Cpm => "cpm",
                Category::Herb => "herb",
            }
        }
    }
}

/// The doctor's reason for this finding (by path, else for its rule), when it says something:
/// a choice of the rule's pick list, or words of their own.
fn attach_reason(alerts: &Alerts, facts: &DocFacts, f: &mut Finding) {
    let given = facts
        .reasons
        .iter()
        .filter(|r| r.rule == f.rule)
        .filter(|r| r.path.as_deref().is_none_or(|p| p == f.path))
        // A reason for this very finding wins over one for the whole rule.
        .max_by_key(|r| r.path.is_some());
    let Some(r) = given else { return };
    let text = r
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    let label = r.choice.as_deref().and_then(|c| alerts.label(&f.rule, c));
    // 「其他」 says nothing without the doctor's words.
    let says_nothing = text.is_none() && (label.is_none() || r.choice.as_deref() == Some("other"));
    if says_nothing {
        return;
    }
    let accepted = f.severity == Severity::Error && f.overridable;
    if accepted {
        f.severity = Severity::Warning;
    }
    f.reason = Some(GivenReason {
        choice: r.choice.clone(),
        label: label.unwrap_or_else(|| Text::new("", "")),
        text,
        accepted,
    });
}
