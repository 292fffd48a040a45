//! Patient (+ AllergyIntolerance, body-weight Observation) → the interchange `patient`.

use crate::issue::Issues;
use crate::read::Ctx;
use crate::read::built::Built;
use crate::read::node::At;

/// SNOMED CT codes that say "no known allergy".
const NO_KNOWN_ALLERGY: &[&str] = &["716186003", "409137002", "428607008", "429625007"];

/// A HumanName as written: `text`, else family and given names (no space between Chinese ones).
pub fn human_name(node: &At, issues: &mut Issues) -> Option<(String, String)> {
    let names = node.objects("name", issues);
    let name = names
        .iter()
        .find(|n| {
            matches!(
                n.value.get("use").and_then(|u| u.as_str()),
                Some("official" | "usual")
            )
        })
        .or(names.first())?;
    if let Some(t) = name.text("text", issues) {
        return Some((t, name.path("text")));
    }
    let family = name.text("family", issues).unwrap_or_default();
    let given = name.texts("given", issues);
    let cjk = family
        .chars()
        .chain(given.iter().flat_map(|g| g.chars()))
        .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    let full = if cjk {
        format!("{family}{}", given.concat())
    } else {
        let mut parts = given;
        if !family.is_empty() {
            parts.push(family);
        }
        parts.join(" ")
    };
    (!full.trim().is_empty()).then(|| (full.trim().to_owned(), name.expr.clone()))
}

/// The interchange patient of the Patient entry `index` (or `None`: an empty patient whose
/// fields point at `fallback`).
pub fn patient(ctx: &mut Ctx, index: Option<usize>) -> (Built, String) {
    let Some(index) = index else {
        return (Built::default(), String::new());
    };
    // Read once per Patient, however many documents name it.
    if let Some(done) = ctx.patients.get(&index) {
        return done.clone();
    }
    let done = read_patient(ctx, index);
    ctx.patients.insert(index, done.clone());
    done
}

fn read_patient(ctx: &mut Ctx, index: usize) -> (Built, String) {
    let mut b = Built::default();
    let p = ctx.bundle.entry(index).resource.clone();
    let issues = &mut ctx.issues;
    b.source("name", &p.path("name"));
    b.put_opt("name", human_name(&p, issues));
    b.source("sex", &p.path("gender"));
    if let Some(g) = p.text("gender", issues) {
        let sex = match g.as_str() {
            "male" => "male",
            "female" => "female",
            _ => "unknown",
        };
        b.put("sex", sex, &p.path("gender"));
    }
    b.source("birth_date", &p.path("birthDate"));
    b.source("age", &p.path("birthDate"));
    if let Some(d) = p.text("birthDate", issues) {
        b.put("birth_date", d, &p.path("birthDate"));
    }
    identifiers(&p, &mut b, issues);
    for t in p.objects("telecom", issues) {
        if t.text("system", issues).as_deref() == Some("phone")
            && let Some(v) = t.text("value", issues)
        {
            b.put("phone", v, &t.path("value"));
            break;
        }
    }
    if let Some(a) = p.objects("address", issues).first() {
        let text = a.text("text", issues).or_else(|| {
            let mut parts = vec![];
            for f in ["state", "city", "district"] {
                parts.extend(a.text(f, issues));
            }
            parts.extend(a.texts("line", issues));
            (!parts.is_empty()).then(|| parts.concat())
        });
        if let Some(t) = text {
            b.put("address", t, &a.expr);
        }
    }
    if let Some(m) = p.object("maritalStatus", issues)
        && let Some(t) = m.concept_text(issues)
    {
        b.put("marital_status", t, &m.expr);
    }
    allergies(ctx, index, &mut b);
    weight(ctx, index, &mut b);
    (b, p.expr)
}

/// `identifier[]`: the medical record number (type `MR`) is the 门诊号, a national or resident
/// id card number the 证件号; without a typed MR number, the first identifier is the 门诊号.
fn identifiers(p: &At, b: &mut Built, issues: &mut Issues) {
    let ids = p.objects("identifier", issues);
    b.source("record_no", &p.path("identifier"));
    let mut record = None;
    let mut first = None;
    for id in &ids {
        let Some(value) = id.text("value", issues) else {
            continue;
        };
        let codes = id
            .object("type", issues)
            .map(|t| t.codes(issues))
            .unwrap_or_default();
        let system = id.text("system", issues).unwrap_or_default().to_lowercase();
        let is = |c: &str| codes.iter().any(|(_, code)| code == c);
        if is("MR") && record.is_none() {
            record = Some((value.clone(), id.path("value")));
        } else if is("NI")
            || is("NNCHN")
            || is("PPN")
            || system.contains("idcard")
            || system.contains("id-card")
        {
            b.put("id_number", value.clone(), &id.path("value"));
        }
        first.get_or_insert((value, id.path("value")));
    }
    b.put_opt("record_no", record.or(first));
}

/// The patient's AllergyIntolerance entries → `allergens` and `allergy_history`.
fn allergies(ctx: &mut Ctx, patient: usize, b: &mut Built) {
    let entries: Vec<At> = ctx
        .bundle
        .of_kind("AllergyIntolerance")
        .map(|(_, e)| e.resource.clone())
        .collect();
    let mut allergens = Vec::new();
    let mut denied: Option<String> = None;
    let mut first_expr = None;
    for a in entries {
        let owner = ctx.bundle.resolve_field(&a, "patient", &mut ctx.issues);
        if owner.is_some_and(|o| o != patient) {
            continue;
        }
        let issues = &mut ctx.issues;
        let status = a
            .object("verificationStatus", issues)
            .map(|s| s.codes(issues))
            .unwrap_or_default();
        if status
            .iter()
            .any(|(_, c)| c == "refuted" || c == "entered-in-error")
        {
            continue;
        }
        let Some(code) = a.object("code", issues) else {
            continue;
        };
        first_expr.get_or_insert(code.expr.clone());
        if code
            .codes(issues)
            .iter()
            .any(|(_, c)| NO_KNOWN_ALLERGY.contains(&c.as_str()))
        {
            denied = Some(code.expr.clone());
            continue;
        }
        if let Some(t) = code.concept_text(issues) {
            allergens.push((t, code.expr.clone()));
        }
    }
    if allergens.is_empty() {
        if let Some(e) = denied {
            b.put("allergy_history", "否认药物过敏史", &e);
        }
        return;
    }
    let history = allergens
        .iter()
        .map(|(a, _)| format!("{a}过敏"))
        .collect::<Vec<_>>()
        .join("；");
    b.put(
        "allergy_history",
        history,
        first_expr.as_deref().unwrap_or_default(),
    );
    b.put_texts(
        "allergens",
        allergens,
        first_expr.as_deref().unwrap_or_default(),
    );
}

/// The latest body weight (LOINC 29463-7) in kg → `weight_kg`.
fn weight(ctx: &mut Ctx, patient: usize, b: &mut Built) {
    let obs: Vec<At> = ctx
        .bundle
        .of_kind("Observation")
        .map(|(_, e)| e.resource.clone())
        .collect();
    for o in obs {
        let issues = &mut ctx.issues;
        let Some(code) = o.object("code", issues) else {
            continue;
        };
        if !code.codes(issues).iter().any(|(_, c)| c == "29463-7") {
            continue;
        }
        if ctx
            .bundle
            .resolve_field(&o, "subject", &mut ctx.issues)
            .is_some_and(|s| s != patient)
        {
            continue;
        }
        let issues = &mut ctx.issues;
        let Some(q) = o.object("valueQuantity", issues) else {
            continue;
        };
        let unit = q
            .text("code", issues)
            .or_else(|| q.text("unit", issues))
            .unwrap_or_default();
        if let (Some(v), "kg") = (q.number("value", issues), unit.as_str()) {
            b.put("weight_kg", v, &q.path("value"));
        }
    }
}
