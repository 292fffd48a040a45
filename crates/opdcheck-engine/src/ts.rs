//! The TypeScript types of documents, reports and rules (feature `ts`): generated from the
//! model, report and catalog types with ts-rs into one declaration file, committed as
//! `crates/opdcheck-widget/js/types.d.ts` (the widget's `opdcheck.d.ts` imports them).
//! `tests/schema.rs` fails when it is stale (`UPDATE_EXPECT=1` rewrites it).
//!
//! Document types are what an integrator writes: every field is optional and may be `null`
//! (the engine is lenient, docs/format.md); enumerations give the English values (the engine
//! also accepts the Chinese aliases the JSON Schema lists).

use ts_rs::{Config, TS};

use crate::catalog::{RuleGroup, RuleInfo, RuleKind};
use crate::model::*;
use crate::report::{
    DocumentRef, Finding, GivenReason, ItemDeduction, Report, Score, Severity, Text, Tuned,
    TuningAction,
};

/// Where the file is committed, relative to the repository root.
pub const PATH: &str = "crates/opdcheck-widget/js/types.d.ts";

fn decl<T: TS>(cfg: &Config, out: &mut String) {
    out.push('\n');
    if let Some(docs) = T::docs() {
        out.push_str(&docs);
    }
    out.push_str("export ");
    out.push_str(&T::decl(cfg));
    out.push('\n');
}

/// The declaration file's text.
pub fn typescript() -> String {
    let cfg = Config::new();
    let mut out = String::from(
        "// Generated from the engine's Rust types (crates/opdcheck-engine/src/ts.rs, ts-rs). Do not\n\
         // edit: run `UPDATE_EXPECT=1 cargo test -p opdcheck-engine --features schema,ts --test schema`.\n\
         // Documents: the interchange format v1 (docs/format.md, docs/schema/document.schema.json).\n",
    );
    macro_rules! all {
        ($($t:ty),* $(,)?) => { $(decl::<$t>(&cfg, &mut out);)* };
    }
    out.push_str("\n// Documents\n");
    all!(
        DocKind,
        Document,
        Prescription,
        OutpatientRecord,
        ExamRequest,
        InfectiousReport,
        Visit,
        Patient,
        Sex,
        Age,
        AgeUnit,
        Quantity,
        Signer,
        Title,
        Amendment,
        AlertReason,
        PrescriptionType,
        RxItem,
        Herbal,
        VisitType,
        Consent,
        ConsentTopic,
        ReportStatus,
        ExamCategory,
        Priority,
        PatientCondition,
        ReportType,
        CaseClass,
        AcuteOrChronic,
    );
    out.push_str("\n// Reports\n");
    all!(
        Report,
        DocumentRef,
        Finding,
        Tuned,
        TuningAction,
        GivenReason,
        Severity,
        Text,
        Score,
        ItemDeduction
    );
    out.push_str("\n// The rule catalog\n");
    all!(RuleInfo, RuleGroup, RuleKind);
    out
}
