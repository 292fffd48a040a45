//! Reports and reading issues → a FHIR R4 OperationOutcome.

use std::collections::HashSet;

use opdcheck_api::fhir::{
    CodeableConcept, Coding, IssueSeverity, IssueType, OperationOutcome, OutcomeIssue,
    READING_SYSTEM, RULES_SYSTEM,
};
use opdcheck_engine::{Finding, Report, Severity};

use crate::issue::ReadIssue;
use crate::reading::{ReadDocument, Reading};

/// The outcome of a Bundle: the reading issues first, then every finding of every document,
/// each at the FHIRPath its field came from.
pub fn of_bundle(reading: &Reading, reports: &[Option<Report>]) -> OperationOutcome {
    let outcome = of_bundle_issues(reading, reports);
    all_clear(outcome)
}

/// R4 requires at least one issue: a clean result says so.
fn all_clear(mut o: OperationOutcome) -> OperationOutcome {
    if o.issue.is_empty() {
        o.issue.push(OutcomeIssue {
            severity: IssueSeverity::Information,
            code: IssueType::Informational,
            details: Some(CodeableConcept {
                coding: vec![],
                text: Some("检查完毕，未发现问题".to_owned()),
            }),
            diagnostics: None,
            expression: vec![],
        });
    }
    o
}

fn of_bundle_issues(reading: &Reading, reports: &[Option<Report>]) -> OperationOutcome {
    let mut issues: Vec<OutcomeIssue> = reading.issues.iter().map(of_read_issue).collect();
    for (doc, report) in reading.documents.iter().zip(reports) {
        if let Some(report) = report {
            for (path, f) in findings(doc, report) {
                issues.push(of_finding(f, &path, doc.expression(&path)));
            }
        }
    }
    OperationOutcome::new(issues)
}

/// The outcome of an interchange document's report: expressions are the document's own field
/// paths (`items[0].frequency`). `nested`: a visit's documents' paths in report order
/// (`Visit::nested`), empty for other kinds.
pub fn of_report(report: &Report, nested: &[String]) -> OperationOutcome {
    let doc = ReadDocument {
        document: serde_json::Value::Null,
        sources: Default::default(),
        root: String::new(),
        nested: nested.to_vec(),
    };
    let issues = findings(&doc, report)
        .into_iter()
        .map(|(path, f)| of_finding(f, &path, path.clone()))
        .collect();
    all_clear(OperationOutcome::new(issues))
}

/// A located input error (an interchange document that could not be read) as an outcome.
pub fn of_input_error(path: &str, message: &str) -> OperationOutcome {
    OperationOutcome::new(vec![OutcomeIssue {
        severity: IssueSeverity::Error,
        code: IssueType::Structure,
        details: Some(CodeableConcept {
            coding: vec![],
            text: Some(message.to_owned()),
        }),
        diagnostics: None,
        expression: if path.is_empty() {
            vec![]
        } else {
            vec![path.to_owned()]
        },
    }])
}

/// Each finding once (a visit repeats its documents' cross-document findings), with its path in the document (a visit's nested documents' findings get
/// their prefix, `prescriptions[0].items[0].frequency`).
fn findings<'r>(doc: &ReadDocument, report: &'r Report) -> Vec<(String, &'r Finding)> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let nested = report.documents.iter().flatten().zip(&doc.nested);
    for (r, prefix) in nested {
        for f in &r.findings {
            let path = if f.path.is_empty() {
                prefix.clone()
            } else {
                format!("{prefix}.{}", f.path)
            };
            if seen.insert((f.rule.clone(), path.clone(), f.message.zh.clone())) {
                out.push((path, f));
            }
        }
    }
    for f in &report.findings {
        if seen.insert((f.rule.clone(), f.path.clone(), f.message.zh.clone())) {
            out.push((f.path.clone(), f));
        }
    }
    out
}

fn of_finding(f: &Finding, path: &str, expression: String) -> OutcomeIssue {
    let severity = match f.severity {
        Severity::Error => IssueSeverity::Error,
        Severity::Warning => IssueSeverity::Warning,
        Severity::Info => IssueSeverity::Information,
    };
    let field = if path.is_empty() {
        "文书整体".to_owned()
    } else {
        path.to_owned()
    };
    OutcomeIssue {
        severity,
        code: IssueType::BusinessRule,
        details: Some(CodeableConcept {
            coding: vec![Coding {
                system: RULES_SYSTEM.to_owned(),
                code: f.rule.clone(),
                display: Some(f.message.en.clone()),
            }],
            text: Some(f.message.zh.clone()),
        }),
        diagnostics: Some(format!(
            "{}（{}；opdcheck 字段 {field}）",
            f.hint.zh, f.clause
        )),
        expression: if expression.is_empty() {
            vec![]
        } else {
            vec![expression]
        },
    }
}

fn of_read_issue(i: &ReadIssue) -> OutcomeIssue {
    OutcomeIssue {
        severity: i.severity,
        code: i.code,
        details: Some(CodeableConcept {
            coding: vec![Coding {
                system: READING_SYSTEM.to_owned(),
                code: read_code(i.code).to_owned(),
                display: None,
            }],
            text: Some(i.message.clone()),
        }),
        diagnostics: None,
        expression: vec![i.expression.clone()],
    }
}

fn read_code(t: IssueType) -> &'static str {
    match t {
        IssueType::Structure => "structure",
        IssueType::Invalid => "invalid",
        IssueType::Required => "required",
        IssueType::NotSupported => "not-supported",
        IssueType::TooCostly => "too-costly",
        IssueType::Informational => "informational",
        IssueType::BusinessRule => "business-rule",
    }
}
