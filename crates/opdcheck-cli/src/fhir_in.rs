//! FHIR input and `--format fhir` output for `check`: an input whose JSON has `resourceType` is
//! read as a FHIR R4 Bundle (its documents are all checked); `--format fhir` prints one
//! OperationOutcome per input (JSON Lines), for FHIR and interchange inputs alike.
//!
//! Each function gives the results of one input: `Ok((output text, qualified, warnings for
//! stderr))` per document or outcome line, `Err(message)` for a bad input (an empty message when
//! the outcome line already says it). `run` catches panics around them.

use opdcheck_engine::{Document, Engine, Report, parse_document};
use serde_json::Value;

use crate::input::{Body, Unit};

/// One result: see the module documentation.
pub type Checked = Result<(String, bool, Vec<String>), String>;

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

/// A FHIR input: its OperationOutcome (`outcome`, `--format fhir`) or its documents' reports
/// as `render` prints them; what it holds that cannot be read are warnings.
pub fn check_fhir(
    engine: &Engine,
    unit: &Unit,
    value: &Value,
    outcome: bool,
    render: impl Fn(&Document, &Report) -> String,
) -> Vec<Checked> {
    let place =
        |expr: &str, message: &str| format!("{}:{}: at {expr}: {message}", unit.file, unit.line);
    let v = opdcheck_fhir::validate(engine, value);
    let warnings: Vec<String> = v
        .reading
        .issues
        .iter()
        .map(|i| place(&i.expression, &i.message))
        .collect();
    if outcome {
        let line = outcome_line(&v.outcome);
        if v.reading.documents.is_empty() {
            // Nothing was checked: a bad input (exit 2), its outcome still printed.
            return vec![Ok((line, false, warnings)), Err(String::new())];
        }
        let qualified = v.reports.iter().flatten().all(|r| r.score.qualified);
        return vec![Ok((line, qualified, warnings))];
    }
    if v.reading.documents.is_empty() {
        return vec![Err(warnings.join("\n"))];
    }
    let mut out = Vec::new();
    let mut warnings = Some(warnings);
    for (d, report) in v.reading.documents.iter().zip(v.reports) {
        let Some(report) = report else {
            continue;
        };
        match opdcheck_engine::parse::document_from_value(d.document.clone()) {
            Ok(doc) => out.push(Ok((
                render(&doc, &report),
                report.score.qualified,
                warnings.take().unwrap_or_default(),
            ))),
            Err(e) => out.push(Err(place(&d.expression(&e.path), &e.message))),
        }
    }
    if let Some(w) = warnings.filter(|w| !w.is_empty()) {
        out.push(Err(w.join("\n")));
    }
    out
}

/// `--format fhir` for an interchange input: its report as an OperationOutcome whose
/// expressions are the document's field paths; a bad input, an outcome with its error (and the
/// usual message on stderr).
pub fn outcome_of_interchange(engine: &Engine, unit: &Unit) -> Vec<Checked> {
    let Body::Text(text) = &unit.body else {
        let message = unit.describe(None);
        let line = outcome_line(&opdcheck_fhir::outcome::of_input_error("", &message));
        return vec![Ok((line, false, vec![])), Err(message)];
    };
    match parse_document(text) {
        Ok(doc) => {
            let report = engine.check(&doc);
            let nested: Vec<String> = match &doc {
                Document::Visit(v) => v.nested().into_iter().map(|(p, _)| p).collect(),
                _ => Vec::new(),
            };
            let line = outcome_line(&opdcheck_fhir::outcome::of_report(&report, &nested));
            vec![Ok((line, report.score.qualified, vec![]))]
        }
        Err(e) => {
            let e = unit.locate(e);
            let line = outcome_line(&opdcheck_fhir::outcome::of_input_error(&e.path, &e.message));
            vec![Ok((line, false, vec![])), Err(unit.describe(Some(&e)))]
        }
    }
}

fn outcome_line(o: &opdcheck_api::fhir::OperationOutcome) -> String {
    let mut line = serde_json::to_string(o).expect("an OperationOutcome serializes");
    line.push('\n');
    line
}
