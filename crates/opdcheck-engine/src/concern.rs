//! What a finding is about, for how loudly it is shown: a threat to the patient (allergy,
//! over-maximum dose, controlled-drug limits, dangerous combinations) comes first and looks
//! different; a required entry still missing waits until the doctor has been at its field (or
//! signs); the rest is conformity. Alert fatigue is why doctors switch screening off: the
//! class is what lets a form stay quiet about the blank fields and loud about the allergy.

use crate::report::Finding;

/// The concern of a rule's findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Concern {
    /// Patient safety: shown first, styled apart, never held back.
    Safety,
    /// A required entry is missing or incomplete: shown once its field was touched, or at
    /// sign time.
    Required,
    /// Conformity with the rules of writing (names, limits, consistency).
    Conformity,
}

/// Each rule code with its concern (and, for the findings that depend on another entry, the
/// fields they wait for). Explicit per code, so a new rule is classified on purpose: a test
/// fails until it is listed.
const TABLE: &[(&str, Concern)] = &[
    ("RX-01", Concern::Required),
    ("RX-02", Concern::Required),
    ("RX-03", Concern::Conformity),
    ("RX-04", Concern::Required),
    ("RX-05", Concern::Conformity),
    // Also "药品名称未写" on an empty row: the drug entry is still being written, so it waits
    // for its field like the other entries of the row.
    ("RX-06", Concern::Required),
    ("RX-07", Concern::Required),
    ("RX-08", Concern::Conformity),
    ("RX-09", Concern::Conformity),
    ("RX-10", Concern::Conformity),
    ("RX-11", Concern::Conformity),
    ("RX-12", Concern::Conformity),
    // Controlled-drug limits (麻醉/精神药品).
    ("RX-13", Concern::Safety),
    // Dose above the label maximum.
    ("RX-14", Concern::Safety),
    ("RX-15", Concern::Conformity),
    ("RX-16", Concern::Conformity),
    ("RX-17", Concern::Required),
    ("RX-18", Concern::Conformity),
    // Allergy.
    ("RX-19", Concern::Safety),
    // Duplicate therapy: two drugs of one class add up.
    ("RX-20", Concern::Safety),
    // Antibiotic combination.
    ("RX-21", Concern::Safety),
    ("RX-22", Concern::Conformity),
    ("RX-23", Concern::Required),
    ("MR-01", Concern::Required),
    ("MR-02", Concern::Required),
    ("MR-03", Concern::Required),
    ("MR-04", Concern::Conformity),
    ("MR-05", Concern::Conformity),
    ("MR-06", Concern::Conformity),
    ("MR-07", Concern::Conformity),
    ("MR-08", Concern::Required),
    ("MR-09", Concern::Required),
    ("RQ-01", Concern::Required),
    ("RQ-02", Concern::Required),
    ("RQ-03", Concern::Conformity),
    ("RQ-04", Concern::Conformity),
    ("RQ-05", Concern::Required),
    ("IR-01", Concern::Required),
    ("IR-02", Concern::Conformity),
    ("IR-03", Concern::Conformity),
    ("IR-04", Concern::Conformity),
    ("XV-01", Concern::Conformity),
    ("XV-02", Concern::Conformity),
    ("XV-03", Concern::Conformity),
    ("XV-04", Concern::Conformity),
    // The record's allergies against the prescription's drugs.
    ("XV-05", Concern::Safety),
    ("XV-06", Concern::Conformity),
    ("HX-01", Concern::Conformity),
];

/// The concern of a rule's findings; a code not in the table (a rule added since) is
/// conformity, never held back and never sounded as safety.
pub fn concern(code: &str) -> Concern {
    TABLE
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(code))
        .map_or(Concern::Conformity, |(_, k)| *k)
}

/// Whether a finding is about patient safety.
pub fn is_safety(f: &Finding) -> bool {
    concern(&f.rule) == Concern::Safety
}

/// The fields (paths) a rule's findings depend on: while one of them is still to be filled,
/// the finding says nothing useful ("no infection diagnosis" while no diagnosis is typed yet)
/// and waits for it.
pub fn waits_for(code: &str) -> &'static [&'static str] {
    match code {
        "RX-15" | "RX-22" | "XV-02" | "XV-06" => &["diagnoses"],
        _ => &[],
    }
}

/// The order findings are listed in: safety first, then by severity (the list's own order
/// kept within each).
pub fn rank(f: &Finding) -> (u8, u8) {
    let safety = u8::from(!is_safety(f));
    let sev = match f.severity {
        crate::Severity::Error => 0,
        crate::Severity::Warning => 1,
        crate::Severity::Info => 2,
    };
    (safety, sev)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RULES;

    #[test]
    fn every_registry_code_is_classified() {
        for r in RULES {
            assert!(
                TABLE.iter().any(|(c, _)| *c == r.code),
                "{} has no concern in concern::TABLE",
                r.code
            );
        }
        for (c, _) in TABLE {
            assert!(
                RULES.iter().any(|r| r.code == *c),
                "{c} in concern::TABLE is not a rule"
            );
        }
    }

    #[test]
    fn safety_is_allergy_dose_controlled_drugs_and_combinations() {
        for code in ["RX-19", "XV-05", "RX-14", "RX-13", "RX-21", "RX-20"] {
            assert_eq!(concern(code), Concern::Safety, "{code}");
        }
        assert_eq!(concern("RX-01"), Concern::Required);
        assert_eq!(concern("RX-08"), Concern::Conformity);
        assert_eq!(concern("XX-99"), Concern::Conformity);
        assert_eq!(waits_for("RX-15"), ["diagnoses"]);
        assert!(waits_for("RX-19").is_empty());
    }
}
