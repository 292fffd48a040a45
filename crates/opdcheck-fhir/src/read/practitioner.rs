//! A Reference to a Practitioner (or PractitionerRole) → an interchange signer.

use crate::read::Ctx;
use crate::read::built::Built;
use crate::read::node::At;
use crate::read::patient::human_name;

/// Professional titles as written in Chinese, and their interchange values.
const TITLES: &[(&str, &str)] = &[
    ("副主任医师", "associate_chief"),
    ("主任医师", "chief"),
    ("主治医师", "attending"),
    ("住院医师", "resident"),
    ("执业助理医师", "assistant"),
];

/// The signer a Reference field of `node` names: the Practitioner's name, staff number
/// (first identifier, else its id) and title; an unresolved reference gives its `display`.
pub fn signer(ctx: &mut Ctx, node: &At, field: &str) -> Option<Built> {
    let reference = node.object(field, &mut ctx.issues)?;
    Some(signer_ref(ctx, &reference))
}

/// The signer a Reference names.
pub fn signer_ref(ctx: &mut Ctx, reference: &At) -> Built {
    let mut b = Built::default();
    let mut target = ctx.bundle.resolve(reference, &mut ctx.issues);
    if let Some(i) = target
        && ctx.bundle.entry(i).kind == "PractitionerRole"
    {
        let role = ctx.bundle.entry(i).resource.clone();
        target = ctx
            .bundle
            .resolve_field(&role, "practitioner", &mut ctx.issues);
    }
    let practitioner = target
        .filter(|i| ctx.bundle.entry(*i).kind == "Practitioner")
        .map(|i| ctx.bundle.entry(i).resource.clone());
    let issues = &mut ctx.issues;
    match practitioner {
        Some(p) => {
            b.source("name", &p.path("name"));
            b.put_opt("name", human_name(&p, issues));
            let staff_no = p
                .objects("identifier", issues)
                .iter()
                .find_map(|id| id.text("value", issues).map(|v| (v, id.path("value"))))
                .or_else(|| p.text("id", issues).map(|v| (v, p.path("id"))));
            b.put_opt("id", staff_no);
            for q in p.objects("qualification", issues) {
                let Some(code) = q.object("code", issues) else {
                    continue;
                };
                let Some(text) = code.concept_text(issues) else {
                    continue;
                };
                if let Some((_, t)) = TITLES.iter().find(|(zh, _)| text.contains(zh)) {
                    b.put("title", *t, &code.expr);
                    break;
                }
            }
        }
        None => {
            if let Some(d) = reference.text("display", issues) {
                b.put("name", d, &reference.path("display"));
            }
        }
    }
    b
}

/// Mark `b` signed when a Provenance in the Bundle signs `target` (its `signature.when`, and
/// the Provenance's id as the signature id) or the Bundle itself is signed.
pub fn signature(ctx: &mut Ctx, target: usize, b: &mut Built) {
    if let Some((when, id, expr)) = ctx
        .signatures
        .get(&target)
        .cloned()
        .or_else(|| ctx.bundle_signature.clone())
    {
        b.put("signed_at", when, &expr);
        if let Some(id) = id {
            b.put("signature_id", id, &expr);
        }
    }
}
