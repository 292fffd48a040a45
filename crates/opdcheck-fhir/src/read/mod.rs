//! Bundle → interchange documents, each field with the FHIRPath it came from.
//!
//! A Bundle with a Composition is one visit (the record, the prescriptions, the requests: the
//! cross-document checks run); without one, each prescription and request is checked on its own
//! (a Bundle of orders is not a visit lacking its record).

pub mod built;
pub mod bundle;
mod composition;
mod condition;
mod encounter;
mod medication;
pub mod node;
mod patient;
mod practitioner;
mod service_request;

use std::collections::{BTreeMap, HashMap};

use opdcheck_api::fhir::IssueType;
use serde_json::Value;

use crate::issue::{Issues, ReadIssue};
use crate::read::built::Built;
use crate::read::bundle::{Bundle, json_kind};
use crate::read::node::At;
use crate::reading::{ReadDocument, Reading};

/// Resource types opdcheck reads (the others are listed as not read).
const READ_KINDS: &[&str] = &[
    "Patient",
    "Encounter",
    "Condition",
    "MedicationRequest",
    "Medication",
    "ServiceRequest",
    "AllergyIntolerance",
    "Composition",
    "Practitioner",
    "PractitionerRole",
    "Provenance",
    "Organization",
    "Coverage",
    "Observation",
];

/// The most entries a Bundle may have: one visit's Bundle has tens; each document is checked
/// against every Condition of its patient, so an unbounded Bundle is an unbounded cost.
pub const MAX_ENTRIES: usize = 1000;

/// (signed at, signature id, FHIRPath)
type Signature = (String, Option<String>, String);

/// What the readers share: the indexed Bundle and the issues found so far.
pub struct Ctx<'a> {
    pub bundle: Bundle<'a>,
    pub issues: Issues,
    pub first_patient: Option<usize>,
    /// Provenance signatures by the entry they sign.
    pub signatures: HashMap<usize, Signature>,
    pub bundle_signature: Option<Signature>,
    /// Each Patient entry read, with its FHIRPath.
    pub patients: HashMap<usize, (Built, String)>,
}

/// Read a FHIR R4 JSON value (a Bundle) into interchange documents.
pub fn read(value: &Value) -> Reading {
    let mut issues = Issues::new();
    let root = At::new(value, "Bundle");
    if !value.is_object() {
        issues.push(ReadIssue::error(
            IssueType::Structure,
            "Bundle",
            format!("应为 FHIR R4 Bundle（JSON 对象），实为{}", json_kind(value)),
        ));
        return Reading::not_a_bundle(issues);
    }
    match value.get("resourceType") {
        Some(Value::String(t)) if t == "Bundle" => {}
        Some(Value::String(t)) => {
            issues.push(ReadIssue::error(
                IssueType::NotSupported,
                t.clone(),
                format!("opdcheck 读取 FHIR Bundle，收到的是 {t}：请把资源放入一个 Bundle（type 可为 collection、document、transaction、searchset 等）"),
            ));
            return Reading::not_a_bundle(issues);
        }
        _ => {
            issues.push(ReadIssue::error(
                IssueType::Structure,
                "resourceType",
                "不是 FHIR 资源：缺少 resourceType（应为 \"Bundle\"）",
            ));
            return Reading::not_a_bundle(issues);
        }
    }
    let entries = value
        .get("entry")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if entries > MAX_ENTRIES {
        issues.push(ReadIssue::error(
            IssueType::TooCostly,
            "Bundle.entry",
            format!("Bundle 有 {entries} 个 entry，超过上限 {MAX_ENTRIES}：请按一次就诊分别提交"),
        ));
        return Reading::not_a_bundle(issues);
    }
    let bundle = Bundle::index(&root, &mut issues);
    let first_patient = bundle.of_kind("Patient").map(|(i, _)| i).next();
    let mut ctx = Ctx {
        first_patient,
        bundle,
        issues,
        signatures: HashMap::new(),
        bundle_signature: None,
        patients: HashMap::new(),
    };
    signatures(&mut ctx, &root);
    not_read(&mut ctx);
    let visit = encounter::visit(&mut ctx);
    let prescriptions = medication::prescriptions(&mut ctx, &visit);
    let requests = service_request::exam_requests(&mut ctx, &visit);
    let compositions: Vec<usize> = ctx.bundle.of_kind("Composition").map(|(i, _)| i).collect();
    for extra in compositions.iter().skip(1) {
        let expr = ctx.bundle.entry(*extra).resource.expr.clone();
        ctx.issues.push(ReadIssue::not_read(
            expr,
            "Bundle 含多个 Composition：一次就诊只读取第一份病历",
        ));
    }
    let mut documents = Vec::new();
    if let Some(first) = compositions.first() {
        let record = composition::record(&mut ctx, &visit, *first);
        let record_expr = ctx.bundle.entry(*first).resource.expr.clone();
        let mut v = Built::default();
        v.put("kind", "visit", "Bundle");
        v.put(
            "visit_id",
            visit
                .visit_id
                .clone()
                .map_or_else(|| bundle_id(value), |(id, _)| id),
            visit.visit_id.as_ref().map_or("Bundle.id", |(_, e)| e),
        );
        let mut nested = vec!["record".to_owned()];
        v.nest("record", record, &record_expr);
        nested.extend((0..prescriptions.len()).map(|i| format!("prescriptions[{i}]")));
        v.nest_list(
            "prescriptions",
            prescriptions.into_iter().map(|(b, e, _)| (b, e)).collect(),
            "Bundle",
        );
        nested.extend((0..requests.len()).map(|i| format!("exam_requests[{i}]")));
        v.nest_list(
            "exam_requests",
            requests.into_iter().map(|(b, e, _)| (b, e)).collect(),
            "Bundle",
        );
        documents.push(finish(v, "Bundle".into(), nested));
    } else {
        for (b, expr, _) in prescriptions.into_iter().chain(requests) {
            documents.push(finish(b, expr, Vec::new()));
        }
    }
    if documents.is_empty() && !ctx.bundle.is_empty() {
        ctx.issues.push(ReadIssue::error(
            IssueType::Required,
            "Bundle.entry",
            "Bundle 中没有 opdcheck 检查的资源：处方请用 MedicationRequest，检查/检验申请用 ServiceRequest，门诊病历用 Composition",
        ));
    } else if ctx.bundle.is_empty() {
        ctx.issues.push(ReadIssue::error(
            IssueType::Required,
            "Bundle.entry",
            "Bundle 没有 entry，没有可检查的内容",
        ));
    }
    // A resource shared by several documents (a Condition, a reference) is read for each: say
    // each problem once.
    let mut seen = std::collections::HashSet::new();
    let issues = ctx
        .issues
        .into_iter()
        .filter(|i| seen.insert((i.expression.clone(), i.message.clone())))
        .collect();
    Reading {
        bundle: true,
        documents,
        issues,
    }
}

impl Reading {
    fn not_a_bundle(issues: Issues) -> Reading {
        Reading {
            bundle: false,
            documents: Vec::new(),
            issues,
        }
    }
}

fn bundle_id(value: &Value) -> String {
    value
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn finish(b: Built, root: String, nested: Vec<String>) -> ReadDocument {
    let mut sources = BTreeMap::new();
    for (k, e) in b.sources {
        sources.insert(k, e);
    }
    ReadDocument {
        document: Value::Object(b.fields),
        sources,
        root,
        nested,
    }
}

/// Provenance signatures (`signature.when`, the Provenance id) by target, and the Bundle's own.
fn signatures(ctx: &mut Ctx, root: &At) {
    if let Some(s) = root.object("signature", &mut ctx.issues)
        && let Some(when) = s.text("when", &mut ctx.issues)
    {
        ctx.bundle_signature = Some((when, None, s.path("when")));
    }
    let provenances: Vec<At> = ctx
        .bundle
        .of_kind("Provenance")
        .map(|(_, e)| e.resource.clone())
        .collect();
    for p in provenances {
        let id = p
            .text("id", &mut ctx.issues)
            .map(|id| format!("Provenance/{id}"));
        let signed = p
            .objects("signature", &mut ctx.issues)
            .into_iter()
            .find_map(|s| {
                let when = s.text("when", &mut ctx.issues)?;
                Some((when, id.clone(), s.path("when")))
            });
        let Some(signed) = signed else {
            continue;
        };
        for t in p.objects("target", &mut ctx.issues) {
            if let Some(i) = ctx.bundle.resolve(&t, &mut ctx.issues) {
                ctx.signatures.insert(i, signed.clone());
            }
        }
    }
}

/// One information issue per resource type opdcheck does not read (at its first entry).
fn not_read(ctx: &mut Ctx) {
    let mut seen: BTreeMap<&str, (usize, String)> = BTreeMap::new();
    for e in &ctx.bundle.entries {
        // Of Observations only the body weight is read.
        let weight = e.resource.value["code"]["coding"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["code"] == "29463-7"));
        if READ_KINDS.contains(&e.kind.as_str()) && (e.kind != "Observation" || weight) {
            continue;
        }
        seen.entry(e.kind.as_str())
            .or_insert((0, e.resource.expr.clone()))
            .0 += 1;
    }
    for (kind, (n, expr)) in seen {
        ctx.issues.push(ReadIssue::information(
            expr,
            format!("Bundle 中 {n} 个 {kind} 资源不在 opdcheck 的检查范围内，未读取"),
        ));
    }
    let patients: Vec<String> = ctx
        .bundle
        .of_kind("Patient")
        .skip(1)
        .map(|(_, e)| e.resource.expr.clone())
        .collect();
    if ctx
        .bundle
        .of_kind("MedicationRequest")
        .chain(ctx.bundle.of_kind("ServiceRequest"))
        .chain(ctx.bundle.of_kind("Composition"))
        .next()
        .is_some()
    {
        for expr in patients {
            ctx.issues.push(ReadIssue::information(
                expr,
                "Bundle 含多个 Patient：每份文书按其 subject 取患者，无 subject 时取第一个 Patient",
            ));
        }
    }
}
