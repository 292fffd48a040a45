//! ServiceRequest → exam_request (检查/检验申请单).

use crate::issue::Issues;
use crate::read::built::Built;
use crate::read::node::At;
use crate::read::{Ctx, condition, encounter::Visit, patient, practitioner};

/// Words of a category or code and the request category they mean.
const CATEGORY_WORDS: &[(&str, &str)] = &[
    ("108252007", "lab"),
    ("laboratory", "lab"),
    ("检验", "lab"),
    ("化验", "lab"),
    ("363679005", "imaging"),
    ("imaging", "imaging"),
    ("影像", "imaging"),
    ("CT", "imaging"),
    ("MR", "imaging"),
    ("X线", "imaging"),
    ("DR", "imaging"),
    ("超声", "ultrasound"),
    ("彩超", "ultrasound"),
    ("B超", "ultrasound"),
    ("心电", "ecg"),
    ("ECG", "ecg"),
    ("内镜", "endoscopy"),
    ("胃镜", "endoscopy"),
    ("肠镜", "endoscopy"),
    ("病理", "pathology"),
];

pub fn exam_requests(ctx: &mut Ctx, visit: &Visit) -> Vec<(Built, String, usize)> {
    let requests: Vec<(usize, At)> = ctx
        .bundle
        .of_kind("ServiceRequest")
        .map(|(i, e)| (i, e.resource.clone()))
        .collect();
    requests
        .into_iter()
        .map(|(i, r)| (request(ctx, visit, &r, i), r.expr.clone(), i))
        .collect()
}

fn request(ctx: &mut Ctx, visit: &Visit, r: &At, index: usize) -> Built {
    let mut b = Built::default();
    b.put("kind", "exam_request", &r.expr);
    let issues = &mut ctx.issues;
    b.put_opt("id", r.text("id", issues).map(|v| (v, r.path("id"))));
    visit.stamp(&mut b);
    b.put_opt("visit_type", visit.visit_type.clone());
    b.source("items", &r.path("code"));
    let code = r.object("code", issues);
    let item = code
        .as_ref()
        .and_then(|c| c.concept_text(issues).map(|t| (t, c.expr.clone())));
    if let Some(i) = &item {
        b.put_texts("items", vec![i.clone()], &i.1);
    }
    b.source("category", &r.path("category"));
    if let Some((cat, e)) = category(r, item.as_ref().map(|(t, _)| t.as_str()), issues) {
        b.put("category", cat, &e);
    }
    b.source("body_site", &r.path("bodySite"));
    if let Some(s) = r.objects("bodySite", issues).first()
        && let Some(t) = s.concept_text(issues)
    {
        b.put("body_site", t, &s.expr);
    }
    b.source("priority", &r.path("priority"));
    if let Some(p) = r.text("priority", issues) {
        let priority = match p.as_str() {
            "urgent" | "asap" => "urgent",
            "stat" => "critical",
            _ => "routine",
        };
        b.put("priority", priority, &r.path("priority"));
    }
    b.source("requested_at", &r.path("authoredOn"));
    b.put_opt(
        "requested_at",
        r.text("authoredOn", issues)
            .map(|v| (v, r.path("authoredOn"))),
    );
    let notes: Vec<String> = r
        .objects("note", issues)
        .iter()
        .filter_map(|n| n.text("text", issues))
        .collect();
    b.source("clinical_summary", &r.path("note"));
    if !notes.is_empty() {
        b.put("clinical_summary", notes.join("；"), &r.path("note"));
    }
    let subject = ctx.bundle.resolve_field(r, "subject", &mut ctx.issues);
    let (p, p_expr) = patient::patient(ctx, subject.or(ctx.first_patient));
    b.nest(
        "patient",
        p,
        if p_expr.is_empty() { &r.expr } else { &p_expr },
    );
    let mut reasons = Vec::new();
    for rr in r.objects("reasonReference", &mut ctx.issues) {
        reasons.extend(ctx.bundle.resolve(&rr, &mut ctx.issues));
    }
    let mut found = if reasons.is_empty() {
        Vec::new()
    } else {
        condition::diagnoses(ctx, subject, Some(&reasons))
    };
    if found.is_empty() {
        for rc in r.objects("reasonCode", &mut ctx.issues) {
            if let Some(t) = rc.concept_text(&mut ctx.issues) {
                found.push((t, None, rc.expr.clone()));
            }
        }
    }
    if found.is_empty() {
        found = condition::diagnoses(ctx, subject.or(ctx.first_patient), None);
    }
    condition::put(&mut b, found, &r.path("reasonCode"));
    if let Some(mut s) = practitioner::signer(ctx, r, "requester") {
        practitioner::signature(ctx, index, &mut s);
        b.nest("physician", s, &r.path("requester"));
    } else {
        b.source("physician", &r.path("requester"));
    }
    b
}

/// The request category from `category` codes or words, else from the requested item's name.
fn category(r: &At, item: Option<&str>, issues: &mut Issues) -> Option<(String, String)> {
    for c in r.objects("category", issues) {
        let mut words: Vec<String> = c.codes(issues).into_iter().map(|(_, code)| code).collect();
        words.extend(c.concept_text(issues));
        if let Some(cat) = words.iter().find_map(|w| lookup(w)) {
            return Some((cat.to_owned(), c.expr.clone()));
        }
    }
    item.and_then(lookup)
        .map(|c| (c.to_owned(), r.path("code")))
}

fn lookup(word: &str) -> Option<&'static str> {
    let lower = word.to_lowercase();
    CATEGORY_WORDS
        .iter()
        .find(|(w, _)| {
            if w.is_ascii() && w.chars().all(|c| c.is_ascii_uppercase()) {
                word.contains(w)
            } else {
                lower.contains(&w.to_lowercase())
            }
        })
        .map(|(_, c)| *c)
}
