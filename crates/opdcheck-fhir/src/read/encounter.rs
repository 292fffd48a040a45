//! Encounter → what every document of the visit shares: visit id, department, time, type.

use crate::read::Ctx;
use crate::read::built::Built;

/// The visit's shared fields, each with its FHIRPath.
#[derive(Debug, Default, Clone)]
pub struct Visit {
    pub visit_id: Option<(String, String)>,
    pub department: Option<(String, String)>,
    pub start: Option<(String, String)>,
    /// `initial`, `follow_up` or `emergency`.
    pub visit_type: Option<(String, String)>,
    /// 医疗机构: the Encounter's `serviceProvider` Organization.
    pub institution: Option<(String, String)>,
    /// 费别: the first Coverage's `type`.
    pub fee_category: Option<(String, String)>,
    pub expr: Option<String>,
}

impl Visit {
    pub fn is_emergency(&self) -> bool {
        self.visit_type
            .as_ref()
            .is_some_and(|(t, _)| t == "emergency")
    }

    /// `visit_id` and `department` on a document.
    pub fn stamp(&self, b: &mut Built) {
        b.put_opt("visit_id", self.visit_id.clone());
        if let Some(e) = &self.expr {
            b.source("department", &format!("{e}.serviceType"));
        }
        b.put_opt("department", self.department.clone());
    }
}

/// The first Encounter of the Bundle (a Bundle is one visit; others are reported).
pub fn visit(ctx: &mut Ctx) -> Visit {
    let mut v = encounter(ctx);
    let coverage = ctx
        .bundle
        .of_kind("Coverage")
        .map(|(_, e)| e.resource.clone())
        .next();
    if let Some(c) = coverage
        && let Some(t) = c.object("type", &mut ctx.issues)
    {
        v.fee_category = t.concept_text(&mut ctx.issues).map(|x| (x, t.expr.clone()));
    }
    v
}

fn encounter(ctx: &mut Ctx) -> Visit {
    let encounters: Vec<_> = ctx
        .bundle
        .of_kind("Encounter")
        .map(|(_, e)| e.resource.clone())
        .collect();
    let Some(e) = encounters.first() else {
        return Visit::default();
    };
    for other in &encounters[1..] {
        ctx.issues.push(crate::issue::ReadIssue::not_read(
            other.expr.clone(),
            "Bundle 含多个 Encounter：opdcheck 按一次就诊读取，只用第一个 Encounter",
        ));
    }
    let issues = &mut ctx.issues;
    let mut v = Visit {
        expr: Some(e.expr.clone()),
        ..Visit::default()
    };
    v.visit_id = e.text("id", issues).map(|id| (id, e.path("id")));
    v.department = e
        .object("serviceType", issues)
        .and_then(|s| s.concept_text(issues).map(|t| (t, s.expr.clone())))
        .or_else(|| {
            e.objects("type", issues)
                .first()
                .and_then(|t| t.concept_text(issues).map(|x| (x, t.expr.clone())))
        });
    if let Some(p) = e.object("period", issues) {
        v.start = p.text("start", issues).map(|s| (s, p.path("start")));
    }
    if let Some(r) = e.object("serviceProvider", issues) {
        v.institution = match ctx.bundle.resolve(&r, &mut ctx.issues) {
            Some(i) => {
                let org = ctx.bundle.entry(i).resource.clone();
                org.text("name", &mut ctx.issues)
                    .map(|n| (n, org.path("name")))
            }
            None => r
                .text("display", &mut ctx.issues)
                .map(|n| (n, r.path("display"))),
        };
    }
    let issues = &mut ctx.issues;
    let class = e.object("class", issues);
    if let Some(c) = &class
        && c.text("code", issues).as_deref() == Some("EMER")
    {
        v.visit_type = Some(("emergency".into(), c.path("code")));
    }
    if v.visit_type.is_none() {
        for t in e.objects("type", issues) {
            let text = t.concept_text(issues).unwrap_or_default();
            let kind = if text.contains("复诊") {
                "follow_up"
            } else if text.contains("初诊") {
                "initial"
            } else if text.contains("急诊") {
                "emergency"
            } else {
                continue;
            };
            v.visit_type = Some((kind.into(), t.expr.clone()));
            break;
        }
    }
    v
}
