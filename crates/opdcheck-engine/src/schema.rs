//! The JSON Schemas of the interchange format (feature `schema`): generated from the model,
//! report and catalog types with schemars, committed under `docs/schema/` and shipped with the
//! widget. `tests/schema.rs` fails when the committed files are stale (`UPDATE_EXPECT=1`
//! rewrites them) and validates the samples against them.
//!
//! The schemas describe what the engine *accepts*, which is lenient (docs/format.md): every
//! field but `kind` is optional, text and lists may be `null`, enumerations list their Chinese
//! aliases, unknown fields are allowed. A document that validates can still have findings:
//! the schema checks shapes, the rules check content.

use schemars::{JsonSchema, Schema, schema_for};

use crate::catalog::RuleInfo;
use crate::model::Document;
use crate::report::Report;

/// Where the schemas are published, relative to the repository root.
pub const DIR: &str = "docs/schema";

fn titled<T: JsonSchema>(file: &str, title: &str, description: &str) -> Schema {
    let mut schema = schema_for!(T);
    schema.insert(
        "$id".into(),
        format!("https://opdcheck.invalid/schema/v1/{file}").into(),
    );
    schema.insert("title".into(), title.into());
    schema.insert("description".into(), description.into());
    schema
}

/// `document.schema.json`: one document of any kind (`kind` selects which).
pub fn document_schema() -> Schema {
    titled::<Document>(
        "document.schema.json",
        "opdcheck document (interchange format v1)",
        "One outpatient document as the opdcheck engine accepts it: a prescription, an \
         outpatient record, an examination request, an infectious-disease report card, or a \
         visit holding several. See docs/format.md.",
    )
}

/// `report.schema.json`: the report of one document (a visit's has `documents`).
pub fn report_schema() -> Schema {
    titled::<Report>(
        "report.schema.json",
        "opdcheck report (interchange format v1)",
        "The findings and score of one checked document. See docs/format.md, \"The report\".",
    )
}

/// `rules.schema.json`: the rule catalog (`opdcheck rules --format json`, the widget's
/// `rules()`).
pub fn rules_schema() -> Schema {
    titled::<Vec<RuleInfo>>(
        "rules.schema.json",
        "opdcheck rule catalog",
        "Every rule of the catalog, in registry order. See docs/rules.md.",
    )
}

/// Every schema file: its name under [`DIR`] and its text (pretty JSON, newline-terminated).
pub fn files() -> Vec<(&'static str, String)> {
    [
        ("document.schema.json", document_schema()),
        ("report.schema.json", report_schema()),
        ("rules.schema.json", rules_schema()),
    ]
    .into_iter()
    .map(|(name, schema)| {
        let mut text = serde_json::to_string_pretty(&schema).expect("a schema serialises");
        text.push('\n');
        (name, text)
    })
    .collect()
}
