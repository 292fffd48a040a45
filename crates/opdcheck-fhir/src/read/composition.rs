//! Composition → outpatient_record (门诊病历): sections by LOINC code or by title.

use crate::read::built::Built;
use crate::read::node::At;
use crate::read::{Ctx, condition, encounter::Visit, patient, practitioner};

/// (LOINC code, title words, interchange field)
const SECTIONS: &[(&str, &[&str], &str)] = &[
    ("10154-3", &["主诉", "chief complaint"], "chief_complaint"),
    (
        "10164-2",
        &["现病史", "history of present illness"],
        "present_illness",
    ),
    (
        "11348-0",
        &["既往史", "past medical history", "history of past illness"],
        "past_history",
    ),
    (
        "29545-1",
        &["体格检查", "查体", "physical exam"],
        "physical_exam",
    ),
    ("", &["阳性体征"], "positive_signs"),
    ("", &["阴性体征"], "negative_signs"),
    ("", &["病情变化"], "condition_change"),
    (
        "30954-2",
        &["辅助检查", "relevant diagnostic tests", "results"],
        "auxiliary_results",
    ),
    (
        "18776-5",
        &[
            "处理意见",
            "治疗意见",
            "诊疗计划",
            "治疗计划",
            "plan of care",
            "plan of treatment",
        ],
        "treatment_plan",
    ),
    ("", &["会诊", "转诊"], "consultation"),
];

pub fn record(ctx: &mut Ctx, visit: &Visit, index: usize) -> Built {
    let c = ctx.bundle.entry(index).resource.clone();
    let mut b = Built::default();
    b.put("kind", "outpatient_record", &c.expr);
    let issues = &mut ctx.issues;
    b.put_opt("id", c.text("id", issues).map(|v| (v, c.path("id"))));
    visit.stamp(&mut b);
    b.put_opt("visit_type", visit.visit_type.clone());
    b.source("visit_at", &c.path("date"));
    b.put_opt(
        "visit_at",
        visit
            .start
            .clone()
            .or_else(|| c.text("date", issues).map(|d| (d, c.path("date")))),
    );
    let mut sections = Vec::new();
    flatten(&c, &mut sections, issues);
    for s in sections {
        let codes: Vec<String> = s
            .object("code", issues)
            .map(|x| x.codes(issues))
            .unwrap_or_default()
            .into_iter()
            .map(|(_, c)| c)
            .collect();
        let title = s.text("title", issues).unwrap_or_default().to_lowercase();
        let field = SECTIONS.iter().find(|(loinc, words, _)| {
            (!loinc.is_empty() && codes.iter().any(|c| c == loinc))
                || words.iter().any(|w| title.contains(&w.to_lowercase()))
        });
        let Some((_, _, field)) = field else {
            continue;
        };
        let Some(text) = s.object("text", issues) else {
            b.source(field, &s.path("text"));
            continue;
        };
        if let Some(div) = text.text("div", issues) {
            let plain = strip_xhtml(&div);
            if !plain.is_empty() {
                b.put(field, plain, &text.path("div"));
            }
        }
    }
    let subject = ctx.bundle.resolve_field(&c, "subject", &mut ctx.issues);
    let (p, p_expr) = patient::patient(ctx, subject.or(ctx.first_patient));
    b.nest(
        "patient",
        p,
        if p_expr.is_empty() { &c.expr } else { &p_expr },
    );
    let found = condition::diagnoses(ctx, subject.or(ctx.first_patient), None);
    condition::put(&mut b, found, &c.path("section"));
    let authors = c.objects("author", &mut ctx.issues);
    b.source("physician", &c.path("author"));
    if let Some(author) = authors.first() {
        let mut s = practitioner::signer_ref(ctx, author);
        // A legal or professional attester's time is the signing time.
        for a in c.objects("attester", &mut ctx.issues) {
            if let Some(t) = a.text("time", &mut ctx.issues) {
                s.put("signed_at", t, &a.path("time"));
                break;
            }
        }
        if !s.fields.contains_key("signed_at") {
            practitioner::signature(ctx, index, &mut s);
        }
        b.nest("physician", s, &author.expr);
    }
    b
}

/// Every section, nested ones included.
fn flatten<'a>(node: &At<'a>, out: &mut Vec<At<'a>>, issues: &mut crate::issue::Issues) {
    for s in node.objects("section", issues) {
        flatten(&s, out, issues);
        out.push(s);
    }
}

/// The text of a Narrative `div`: tags dropped, entities decoded, blanks collapsed.
pub fn strip_xhtml(div: &str) -> String {
    let mut out = String::with_capacity(div.len());
    let mut in_tag = false;
    for ch in div.chars() {
        match ch {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(ch),
            _ => {}
        }
    }
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}
