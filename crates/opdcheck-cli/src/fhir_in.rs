//! FHIR input and `--format fhir` output for `check`: an input whose JSON has `resourceType` is
//! read as a FHIR R4 Bundle (its documents are all checked); `--format fhir` prints one
//! OperationOutcome per input (JSON Lines), for FHIR and interchange inputs alike.

use opdcheck_engine::{Document, Engine, Report, parse_document};
use serde_json::Value;

use crate::input::{Body, Unit};
use crate::run::{CheckOutput, Outcome, guarded};

/// What a checked input gives `run::check`: the output text, qualified, warnings for stderr.
pub type Checked = Outcome<(String, bool, Vec<String>)>;

/// The unit's JSON value when it is meant as FHIR (an object with `resourceType`).
pub fn fhir_value(unit: &Unit) -> Option<Value> {
    let Body::Text(text) = &unit.body else {
        return None;
    };
    // Cheap test first: interchange documents are the bulk of a batch.
    if !text.contains("\"resourceType\"") {
        return None;
    }
    let value: Value = serde_json::from_str(text).ok()?;
    opdcheck_fhir::is_fhir(&value).then_some(value)
}

/// A FHIR input: its documents' reports (text, json) or its OperationOutcome (fhir).
pub fn check_fhir(
    engine: &Engine,
    unit: &Unit,
    value: &Value,
    output: CheckOutput,
    render: impl Fn(&Document, &Report) -> String,
) -> Vec<Checked> {
    let place =
        |expr: &str, message: &str| format!("{}:{}: at {expr}: {message}", unit.file, unit.line);
    let v = match guarded(|| opdcheck_fhir::validate(engine, value)) {
        Ok(v) => v,
        Err(panic) => {
            return vec![Outcome::Bad(place(
                "Bundle",
                &format!(
                    "internal error while reading this FHIR input (please report it): {panic}"
                ),
            ))];
        }
    };
    let warnings: Vec<String> = v
        .reading
        .issues
        .iter()
        .map(|i| place(&i.expression, &i.message))
        .collect();
    if matches!(output, CheckOutput::Fhir) {
        let mut line = serde_json::to_string(&v.outcome).expect("an OperationOutcome serializes");
        line.push('\n');
        if v.reading.documents.is_empty() {
            // Nothing was checked: a bad input (exit 2), its outcome still printed.
            return vec![
                Outcome::Done((line, false, warnings)),
                Outcome::Bad(String::new()),
            ];
        }
        let qualified = v.reports.iter().flatten().all(|r| r.score.qualified);
        return vec![Outcome::Done((line, qualified, warnings))];
    }
    if v.reading.documents.is_empty() {
        return vec![Outcome::Bad(warnings.join("\n"))];
    }
    let mut out = Vec::new();
    let mut warnings = Some(warnings);
    for (d, report) in v.reading.documents.iter().zip(v.reports) {
        let Some(report) = report else {
            continue;
        };
        match opdcheck_engine::parse::document_from_value(d.document.clone()) {
            Ok(doc) => out.push(Outcome::Done((
                render(&doc, &report),
                report.score.qualified,
                warnings.take().unwrap_or_default(),
            ))),
            Err(e) => out.push(Outcome::Bad(place(&d.expression(&e.path), &e.message))),
        }
    }
    if let Some(w) = warnings.filter(|w| !w.is_empty()) {
        out.push(Outcome::Bad(w.join("\n")));
    }
    out
}

/// `--format fhir` for an interchange input: its report as an OperationOutcome whose
/// expressions are the document's field paths; a bad input, an outcome with its error (and the
/// usual message on stderr).
pub fn outcome_of_interchange(engine: &Engine, unit: &Unit) -> Vec<Checked> {
    let Body::Text(text) = &unit.body else {
        let line = outcome_line(&opdcheck_fhir::outcome::of_input_error(
            "",
            &unit.describe(None),
        ));
        return vec![
            Outcome::Done((line, false, vec![])),
            Outcome::Bad(unit.describe(None)),
        ];
    };
    match parse_document(text) {
        Ok(doc) => match guarded(|| engine.check(&doc)) {
            Ok(report) => {
                let nested: Vec<String> = match &doc {
                    Document::Visit(v) => v.nested().into_iter().map(|(p, _)| p).collect(),
                    _ => Vec::new(),
                };
                let line = outcome_line(&opdcheck_fhir::outcome::of_report(&report, &nested));
                vec![Outcome::Done((line, report.score.qualified, vec![]))]
            }
            Err(panic) => vec![Outcome::Bad(format!(
                "{}:{}: at the document root: internal error in the engine while checking this document (please report it): {panic}",
                unit.file, unit.line
            ))],
        },
        Err(e) => {
            let e = unit.locate(e);
            let line = outcome_line(&opdcheck_fhir::outcome::of_input_error(&e.path, &e.message));
            vec![
                Outcome::Done((line, false, vec![])),
                Outcome::Bad(unit.describe(Some(&e))),
            ]
        }
    }
}

fn outcome_line(o: &opdcheck_api::fhir::OperationOutcome) -> String {
    let mut line = serde_json::to_string(o).expect("an OperationOutcome serializes");
    line.push('\n');
    line
}
