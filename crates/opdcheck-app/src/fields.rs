//! Where a finding is shown: each form declares the field paths it renders, and a finding is
//! shown at the deepest declared path that contains its own (`items[2].frequency` at the
//! frequency cell, `items[7]` at the items table when row 7 has no cell of that name, a path no
//! field claims at the top of the form). Pure, so it is tested natively.

use opdcheck_engine::DocKind;

/// `items[2].frequency` → `items[].frequency`.
pub fn normalise(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push('[');
            }
            ']' => {
                in_index = false;
                out.push(']');
            }
            _ if in_index => {}
            _ => out.push(c),
        }
    }
    out
}

/// The path itself, then each enclosing path: `a[1].b` → `a[1].b`, `a[1]`, `a`.
pub fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    let mut next = Some(path);
    std::iter::from_fn(move || {
        let cur = next?;
        next = cur
            .rfind(['.', '['])
            .map(|i| &cur[..i])
            .filter(|p| !p.is_empty());
        Some(cur)
    })
}

/// The field a finding at `path` is shown at: the deepest ancestor whose normalised form is in
/// `known`, or `""` (the document as a whole).
pub fn anchor<'p>(known: &[&str], path: &'p str) -> &'p str {
    ancestors(path)
        .find(|p| known.contains(&normalise(p).as_str()))
        .unwrap_or("")
}

/// The element id of a field: unique per form scope, valid as an HTML id.
pub fn dom_id(scope: &str, path: &str) -> String {
    let mut id = String::with_capacity(scope.len() + path.len() + 3);
    id.push_str("f-");
    id.push_str(scope);
    id.push('-');
    if path.is_empty() {
        id.push_str("doc");
    }
    for c in path.chars() {
        id.push(if c.is_ascii_alphanumeric() { c } else { '-' });
    }
    id
}

const PATIENT: &[&str] = &[
    "patient.name",
    "patient.sex",
    "patient.age",
    "patient.birth_date",
    "patient.weight_kg",
    "patient.record_no",
    "patient.id_number",
    "patient.ethnicity",
    "patient.marital_status",
    "patient.occupation",
    "patient.employer",
    "patient.address",
    "patient.phone",
    "patient.guardian_name",
    "patient.allergy_history",
    "patient.allergens",
    "patient.residence_scope",
    "patient.current_address",
    "patient.population_group",
];

pub const PRESCRIPTION: &[&str] = &[
    "prescription_type",
    "institution",
    "fee_category",
    "department",
    "issued_at",
    "diagnoses",
    "diagnoses[]",
    "diagnosis_codes[]",
    "diagnosis_note",
    "items",
    "items[]",
    "items[].drug",
    "items[].strength",
    "items[].dose",
    "items[].route",
    "items[].frequency",
    "items[].days",
    "items[].quantity",
    "items[].notes",
    "items[].over_label_reason",
    "herbal.doses",
    "herbal.usage",
    "combination_reason",
    "prescriber",
    "second_signature",
];

pub const RECORD: &[&str] = &[
    "visit_type",
    "visit_at",
    "department",
    "chief_complaint",
    "present_illness",
    "past_history",
    "positive_signs",
    "negative_signs",
    "physical_exam",
    "condition_change",
    "auxiliary_results",
    "diagnoses",
    "diagnoses[]",
    "diagnosis_codes[]",
    "treatment_plan",
    "physician",
    "planned",
    "infectious_report_status",
    "consultation",
];

pub const REQUEST: &[&str] = &[
    "category",
    "items",
    "items[]",
    "body_site",
    "specimen",
    "clinical_summary",
    "diagnoses",
    "diagnoses[]",
    "priority",
    "visit_type",
    "patient_condition",
    "contrast",
    "consent",
    "requested_at",
    "department",
    "physician",
];

pub const INFECTIOUS: &[&str] = &[
    "report_type",
    "disease",
    "disease_subtype",
    "case_class",
    "acute_or_chronic",
    "onset_date",
    "diagnosed_at",
    "death_date",
    "reported_at",
    "reporting_physician",
    "reporting_unit",
    "filled_at",
    "department",
];

/// Is `path` (normalised) a field the form for `kind` renders?
pub fn is_known(kind: DocKind, path: &str) -> bool {
    let n = normalise(path);
    known(kind).contains(&n.as_str()) || PATIENT.contains(&n.as_str())
}

/// The fields the form for `kind` renders, patient fields included.
pub fn known(kind: DocKind) -> &'static [&'static str] {
    match kind {
        DocKind::Prescription => PRESCRIPTION,
        DocKind::OutpatientRecord => RECORD,
        DocKind::ExamRequest => REQUEST,
        DocKind::InfectiousReport => INFECTIOUS,
        DocKind::Visit => &[
            "record",
            "prescriptions",
            "exam_requests",
            "infectious_reports",
        ],
    }
}

/// The anchor of a finding in the form for `kind`.
pub fn anchor_in(kind: DocKind, path: &str) -> String {
    ancestors(path)
        .find(|p| is_known(kind, p))
        .unwrap_or("")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_indexes() {
        assert_eq!(normalise("items[12].frequency"), "items[].frequency");
        assert_eq!(normalise("diagnoses[0]"), "diagnoses[]");
        assert_eq!(normalise("patient.age"), "patient.age");
    }

    #[test]
    fn walks_ancestors() {
        let a: Vec<_> = ancestors("prescriptions[0].items[1].drug").collect();
        assert_eq!(
            a,
            [
                "prescriptions[0].items[1].drug",
                "prescriptions[0].items[1]",
                "prescriptions[0].items",
                "prescriptions[0]",
                "prescriptions"
            ]
        );
    }

    #[test]
    fn anchors_at_the_deepest_field() {
        let k = DocKind::Prescription;
        assert_eq!(anchor_in(k, "items[5].frequency"), "items[5].frequency");
        assert_eq!(anchor_in(k, "items"), "items");
        assert_eq!(anchor_in(k, "items[5].dose.value"), "items[5].dose");
        assert_eq!(anchor_in(k, "patient.age.unit"), "patient.age");
        assert_eq!(anchor_in(k, "nonsense"), "");
        assert_eq!(anchor(&["items"], "items[3].drug"), "items");
    }

    #[test]
    fn ids_are_html_safe_and_scoped() {
        assert_eq!(dom_id("rx", "items[2].drug"), "f-rx-items-2--drug");
        assert_ne!(dom_id("rx", "items"), dom_id("v-rx0", "items"));
        assert_eq!(dom_id("rx", ""), "f-rx-doc");
    }
}
