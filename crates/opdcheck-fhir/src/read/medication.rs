//! MedicationRequest → prescriptions: grouped by `groupIdentifier` (else by encounter,
//! requester and `authoredOn`), one drug item per request.

use serde_json::json;

use crate::issue::{Issues, ReadIssue};
use crate::read::built::Built;
use crate::read::node::At;
use crate::read::{Ctx, condition, encounter::Visit, patient, practitioner};

/// FHIR timing abbreviations (GTSAbbreviation) and the frequency opdcheck writes.
const TIMING_CODES: &[(&str, &str)] = &[
    ("QD", "qd"),
    ("BID", "bid"),
    ("TID", "tid"),
    ("QID", "qid"),
    ("QOD", "qod"),
    ("Q4H", "q4h"),
    ("Q6H", "q6h"),
    ("Q8H", "q8h"),
    ("Q12H", "q12h"),
    ("QHS", "qn"),
    ("HS", "qn"),
    ("WK", "qw"),
];

/// SNOMED CT routes and their Chinese names (a `text` as written wins).
const ROUTES: &[(&str, &str)] = &[
    ("26643006", "口服"),
    ("47625008", "静脉注射"),
    ("78421000", "肌内注射"),
    ("34206005", "皮下注射"),
    ("6064005", "外用"),
    ("37161004", "直肠给药"),
    ("37839007", "舌下含服"),
    ("46713006", "经鼻"),
    ("54485002", "滴眼"),
    ("447694001", "吸入"),
];

/// One prescription per group of requests.
pub fn prescriptions(ctx: &mut Ctx, visit: &Visit) -> Vec<(Built, String, usize)> {
    let requests: Vec<(usize, At)> = ctx
        .bundle
        .of_kind("MedicationRequest")
        .map(|(i, e)| (i, e.resource.clone()))
        .collect();
    let mut groups: Vec<(String, Vec<(usize, At)>)> = Vec::new();
    for (i, r) in requests {
        let issues = &mut ctx.issues;
        let status = r.text("status", issues).unwrap_or_default();
        if status == "entered-in-error" || status == "cancelled" {
            issues.push(ReadIssue::information(
                r.path("status"),
                format!("MedicationRequest 状态为 {status}，未检查"),
            ));
            continue;
        }
        let key = group_key(&r, issues);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, g)) => g.push((i, r)),
            None => groups.push((key, vec![(i, r)])),
        }
    }
    groups
        .into_iter()
        .map(|(_, g)| prescription(ctx, visit, g))
        .collect()
}

fn group_key(r: &At, issues: &mut Issues) -> String {
    if let Some(g) = r.object("groupIdentifier", issues)
        && let Some(v) = g.text("value", issues)
    {
        return format!("group|{}|{v}", g.text("system", issues).unwrap_or_default());
    }
    let reference = |f: &str, issues: &mut Issues| {
        r.object(f, issues)
            .and_then(|x| x.text("reference", issues))
            .unwrap_or_default()
    };
    format!(
        "by|{}|{}|{}",
        reference("encounter", issues),
        reference("requester", issues),
        r.text("authoredOn", issues).unwrap_or_default()
    )
}

fn prescription(ctx: &mut Ctx, visit: &Visit, group: Vec<(usize, At)>) -> (Built, String, usize) {
    let (first_index, first) = group[0].clone();
    let mut b = Built::default();
    b.put("kind", "prescription", &first.expr);
    let issues = &mut ctx.issues;
    let id = first
        .object("groupIdentifier", issues)
        .and_then(|g| g.text("value", issues).map(|v| (v, g.path("value"))))
        .or_else(|| first.text("id", issues).map(|v| (v, first.path("id"))));
    b.put_opt("id", id);
    visit.stamp(&mut b);
    let form = if visit.is_emergency() {
        "emergency"
    } else {
        "general"
    };
    b.put(
        "prescription_type",
        form,
        visit
            .visit_type
            .as_ref()
            .map_or(first.expr.as_str(), |(_, e)| e),
    );
    b.put_opt("institution", visit.institution.clone());
    b.put_opt("fee_category", visit.fee_category.clone());
    b.source("issued_at", &first.path("authoredOn"));
    if let Some(t) = first.text("authoredOn", issues) {
        b.put("issued_at", t, &first.path("authoredOn"));
    }
    let subject = ctx.bundle.resolve_field(&first, "subject", &mut ctx.issues);
    let (p, p_expr) = patient::patient(ctx, subject.or(ctx.first_patient));
    b.nest(
        "patient",
        p,
        if p_expr.is_empty() {
            &first.expr
        } else {
            &p_expr
        },
    );
    // Diagnoses: the requests' reasonReference Conditions, else their reasonCode, else the
    // patient's Conditions in the Bundle.
    let mut reasons = Vec::new();
    let mut reason_texts = Vec::new();
    for (_, r) in &group {
        for rr in r.objects("reasonReference", &mut ctx.issues) {
            reasons.extend(ctx.bundle.resolve(&rr, &mut ctx.issues));
        }
        for rc in r.objects("reasonCode", &mut ctx.issues) {
            if let Some(t) = rc.concept_text(&mut ctx.issues) {
                reason_texts.push((t, None, rc.expr.clone()));
            }
        }
    }
    let found = if !reasons.is_empty() {
        condition::diagnoses(ctx, subject, Some(&reasons))
    } else if !reason_texts.is_empty() {
        reason_texts
    } else {
        condition::diagnoses(ctx, subject.or(ctx.first_patient), None)
    };
    condition::put(&mut b, found, &first.path("reasonCode"));
    let items: Vec<(Built, String)> = group
        .iter()
        .map(|(_, r)| (item(ctx, r), r.expr.clone()))
        .collect();
    b.nest_list("items", items, &first.expr);
    if let Some(mut s) = practitioner::signer(ctx, &first, "requester") {
        practitioner::signature(ctx, first_index, &mut s);
        b.nest("prescriber", s, &first.path("requester"));
    } else {
        b.source("prescriber", &first.path("requester"));
    }
    // A draft is not closed (the end mark); an issued order is.
    let draft = group
        .iter()
        .any(|(_, r)| r.value.get("status").and_then(|s| s.as_str()) == Some("draft"));
    b.put("completed", !draft, &first.path("status"));
    (b, first.expr.clone(), first_index)
}

/// One MedicationRequest → one drug item.
fn item(ctx: &mut Ctx, r: &At) -> Built {
    let mut b = Built::default();
    drug(ctx, r, &mut b);
    let issues = &mut ctx.issues;
    let dosages = r.objects("dosageInstruction", issues);
    b.source("frequency", &r.path("dosageInstruction"));
    if let Some(d) = dosages.first() {
        dosage(d, &mut b, issues);
    }
    for extra in dosages.iter().skip(1) {
        issues.push(ReadIssue::not_read(
            extra.expr.clone(),
            "只读取第一条 dosageInstruction：分段用法请拆为多个 MedicationRequest",
        ));
    }
    if let Some(dr) = r.object("dispenseRequest", issues) {
        b.source("quantity", &dr.path("quantity"));
        if let Some(q) = dr.object("quantity", issues)
            && let Some(q) = quantity(&q, issues)
        {
            b.put("quantity", q, &dr.path("quantity"));
        }
        b.source("days", &dr.path("expectedSupplyDuration"));
        if let Some(d) = dr.object("expectedSupplyDuration", issues)
            && let Some(days) = duration_days(&d, issues)
        {
            b.put("days", days, &d.expr);
        }
    }
    let notes: Vec<String> = r
        .objects("note", issues)
        .iter()
        .filter_map(|n| n.text("text", issues))
        .collect();
    if !notes.is_empty() {
        b.put("notes", notes.join("；"), &r.path("note"));
    }
    b
}

/// The drug: `medicationCodeableConcept`, or the Medication a `medicationReference` names.
fn drug(ctx: &mut Ctx, r: &At, b: &mut Built) {
    let issues = &mut ctx.issues;
    if let Some(c) = r.object("medicationCodeableConcept", issues) {
        b.source("drug", &c.expr);
        if let Some(t) = c.concept_text(issues) {
            b.put("drug", t, &c.expr);
        }
        return;
    }
    let Some(reference) = r.object("medicationReference", issues) else {
        b.source("drug", &r.path("medicationCodeableConcept"));
        return;
    };
    b.source("drug", &reference.expr);
    let target = ctx.bundle.resolve(&reference, &mut ctx.issues);
    let issues = &mut ctx.issues;
    let Some(i) = target else {
        if let Some(d) = reference.text("display", issues) {
            b.put("drug", d, &reference.path("display"));
        }
        return;
    };
    let m = ctx.bundle.entry(i).resource.clone();
    if let Some(c) = m.object("code", issues)
        && let Some(t) = c.concept_text(issues)
    {
        b.put("drug", t, &c.expr);
    }
    // 规格: the first ingredient's strength per one unit (0.25 g per capsule).
    if let Some(ing) = m.objects("ingredient", issues).first()
        && let Some(s) = ing.object("strength", issues)
    {
        let num = s.object("numerator", issues);
        let per_one = s
            .object("denominator", issues)
            .and_then(|d| d.number("value", issues))
            .is_none_or(|v| v == 1.0);
        if let (Some(n), true) = (num, per_one)
            && let Some(q) = quantity(&n, issues)
        {
            let value = q["value"].as_f64().unwrap_or_default();
            b.put(
                "strength",
                format!("{value}{}", q["unit"].as_str().unwrap_or_default()),
                &s.expr,
            );
        }
    }
}

/// A Dosage → dose, route, frequency. Without a structured timing, the dosage's `text` is the
/// frequency as written (so 遵医嘱 is found there).
fn dosage(d: &At, b: &mut Built, issues: &mut Issues) {
    let text = d.text("text", issues);
    if let Some(route) = d.object("route", issues) {
        let name = route.text("text", issues).or_else(|| {
            route
                .codes(issues)
                .iter()
                .find_map(|(_, c)| {
                    ROUTES
                        .iter()
                        .find(|(code, _)| code == c)
                        .map(|(_, zh)| (*zh).to_owned())
                })
                .or_else(|| route.concept_text(issues))
        });
        if let Some(n) = name {
            b.put("route", n, &route.expr);
        }
    } else {
        b.source("route", &d.path("route"));
    }
    let frequency = d
        .object("timing", issues)
        .and_then(|t| timing(&t, issues).map(|f| (f, t.expr.clone())));
    let as_needed = d.boolean("asNeededBoolean", issues).unwrap_or(false);
    match (frequency, as_needed, text) {
        (Some((f, e)), _, _) => b.put("frequency", f, &e),
        (None, true, _) => b.put("frequency", "prn", &d.path("asNeededBoolean")),
        (None, false, Some(t)) => b.put("frequency", t, &d.path("text")),
        (None, false, None) => b.source("frequency", &d.path("timing")),
    }
    if let Some(extra) = d.objects("additionalInstruction", issues).first()
        && let Some(t) = extra.concept_text(issues)
    {
        b.put("notes", t, &extra.expr);
    }
    if let Some(t) = d.text("patientInstruction", issues) {
        b.put("notes", t, &d.path("patientInstruction"));
    }
    let rates = d.objects("doseAndRate", issues);
    b.source("dose", &d.path("doseAndRate"));
    if let Some(r) = rates.first() {
        if let Some(q) = r.object("doseQuantity", issues) {
            if let Some(v) = quantity(&q, issues) {
                b.put("dose", v, &q.expr);
            }
        } else if let Some(range) = r.get("doseRange") {
            issues.push(ReadIssue::not_read(
                range.expr,
                "doseRange（剂量范围）无法写入处方的单次剂量，请用 doseQuantity",
            ));
        }
    }
}

/// A Timing → `qd`, `bid`, `q8h` … (its code, else its repeat).
fn timing(t: &At, issues: &mut Issues) -> Option<String> {
    if let Some(code) = t.object("code", issues) {
        let codes = code.codes(issues);
        if let Some(f) = codes.iter().find_map(|(_, c)| {
            TIMING_CODES
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(c))
                .map(|(_, f)| *f)
        }) {
            return Some(f.to_owned());
        }
        if let Some(text) = code.concept_text(issues) {
            return Some(text);
        }
    }
    let r = t.object("repeat", issues)?;
    if r.texts("when", issues).iter().any(|w| w == "HS") {
        return Some("qn".into());
    }
    let f = r.number("frequency", issues).unwrap_or(1.0);
    let p = r.number("period", issues)?;
    let unit = r.text("periodUnit", issues)?;
    let n = |x: f64| {
        if x.fract() == 0.0 {
            format!("{x:.0}")
        } else {
            x.to_string()
        }
    };
    Some(match (unit.as_str(), f, p) {
        ("d", 1.0, 1.0) => "qd".into(),
        ("d", 2.0, 1.0) => "bid".into(),
        ("d", 3.0, 1.0) => "tid".into(),
        ("d", 4.0, 1.0) => "qid".into(),
        ("d", 1.0, 2.0) => "qod".into(),
        ("h", 1.0, p) => format!("q{}h", n(p)),
        ("wk", 1.0, 1.0) => "qw".into(),
        ("d", f, 1.0) => format!("每日{}次", n(f)),
        ("wk", f, 1.0) => format!("每周{}次", n(f)),
        (u, f, p) => {
            let zh = match u {
                "s" => "秒",
                "min" => "分钟",
                "h" => "小时",
                "d" => "日",
                "wk" => "周",
                "mo" => "月",
                "a" => "年",
                other => other,
            };
            format!("每{}{zh}{}次", n(p), n(f))
        }
    })
}

/// A Quantity → `{"value", "unit"}` (its `unit`, else its UCUM `code`).
fn quantity(q: &At, issues: &mut Issues) -> Option<serde_json::Value> {
    let value = q.number("value", issues)?;
    let unit = q
        .text("unit", issues)
        .or_else(|| q.text("code", issues))
        .unwrap_or_default();
    Some(json!({"value": value, "unit": unit}))
}

/// A Duration → days (d, wk; h when whole days).
fn duration_days(d: &At, issues: &mut Issues) -> Option<f64> {
    let value = d.number("value", issues)?;
    let unit = d
        .text("code", issues)
        .or_else(|| d.text("unit", issues))
        .unwrap_or_else(|| "d".into());
    let days = match unit.as_str() {
        "d" | "day" | "days" | "天" | "日" => value,
        "wk" | "week" | "weeks" | "周" => value * 7.0,
        "h" | "hour" | "hours" if (value / 24.0).fract() == 0.0 => value / 24.0,
        other => {
            issues.push(ReadIssue::not_read(
                d.expr.clone(),
                format!("用药天数的单位 {other} 无法换算为天，未读取"),
            ));
            return None;
        }
    };
    Some(days)
}
