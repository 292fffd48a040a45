//! Condition → `diagnoses` (as written) and `diagnosis_codes` (ICD-10).

use crate::read::Ctx;
use crate::read::built::Built;

/// The patient's diagnoses, or those of `only` (a resource's `reasonReference`s) when given.
pub fn diagnoses(
    ctx: &mut Ctx,
    patient: Option<usize>,
    only: Option<&[usize]>,
) -> Vec<(String, Option<String>, String)> {
    let conditions: Vec<(usize, _)> = ctx
        .bundle
        .of_kind("Condition")
        .map(|(i, e)| (i, e.resource.clone()))
        .collect();
    let mut out = Vec::new();
    for (i, c) in conditions {
        if only.is_some_and(|o| !o.contains(&i)) {
            continue;
        }
        if only.is_none() {
            let subject = ctx.bundle.resolve_field(&c, "subject", &mut ctx.issues);
            if subject.is_some() && patient.is_some() && subject != patient {
                continue;
            }
        }
        let issues = &mut ctx.issues;
        let status = c
            .object("verificationStatus", issues)
            .map(|s| s.codes(issues))
            .unwrap_or_default();
        if status
            .iter()
            .any(|(_, s)| s == "refuted" || s == "entered-in-error")
        {
            continue;
        }
        let Some(code) = c.object("code", issues) else {
            continue;
        };
        let Some(text) = code.concept_text(issues) else {
            continue;
        };
        let icd = code
            .codes(issues)
            .into_iter()
            .find(|(system, _)| system.to_lowercase().contains("icd"))
            .map(|(_, c)| c);
        out.push((text, icd, code.expr.clone()));
    }
    out
}

/// Put `diagnoses` (and `diagnosis_codes` when some are coded) on a document.
pub fn put(b: &mut Built, found: Vec<(String, Option<String>, String)>, expr: &str) {
    b.source("diagnoses", expr);
    if found.is_empty() {
        return;
    }
    let coded = found.iter().any(|(_, c, _)| c.is_some());
    let codes: Vec<(String, String)> = found
        .iter()
        .map(|(_, c, e)| (c.clone().unwrap_or_default(), e.clone()))
        .collect();
    b.put_texts(
        "diagnoses",
        found.into_iter().map(|(t, _, e)| (t, e)).collect(),
        expr,
    );
    if coded {
        b.put_texts("diagnosis_codes", codes, expr);
    }
}
