//! The clean sample documents, one of each kind (`samples/*.json`): complete and without a
//! finding under the default policy. Tests patch them (the engine's rule tests and other
//! crates' tests), the server builds its demo data from them, the benches and fuzz targets
//! start from them.
//!
//! They are `const`s, so a build that does not name one carries none of its bytes: the
//! widget's wasm, whose tests alone use them, is the same size with this module as without.

use serde_json::Value;

use crate::DocKind;

/// A prescription (处方): an antibiotic (阿莫西林胶囊) and 盐酸氨溴索片 for 急性支气管炎.
pub const PRESCRIPTION_CLEAN: &str = include_str!("../samples/prescription-clean.json");
/// An initial-visit outpatient record (门诊病历).
pub const OUTPATIENT_RECORD_CLEAN: &str = include_str!("../samples/outpatient_record-clean.json");
/// An examination request form (检查/检验申请单).
pub const EXAM_REQUEST_CLEAN: &str = include_str!("../samples/exam_request-clean.json");
/// An infectious-disease report card (传染病报告卡).
pub const INFECTIOUS_REPORT_CLEAN: &str = include_str!("../samples/infectious_report-clean.json");
/// A visit: its record, one prescription and one request form.
pub const VISIT_CLEAN: &str = include_str!("../samples/visit-clean.json");

/// Every sample as (file name without `.json`, text), in the order of [`DocKind::ALL`].
pub const ALL: &[(&str, &str)] = &[
    ("prescription-clean", PRESCRIPTION_CLEAN),
    ("outpatient_record-clean", OUTPATIENT_RECORD_CLEAN),
    ("exam_request-clean", EXAM_REQUEST_CLEAN),
    ("infectious_report-clean", INFECTIOUS_REPORT_CLEAN),
    ("visit-clean", VISIT_CLEAN),
];

/// The clean sample of a kind.
pub const fn clean(kind: DocKind) -> &'static str {
    match kind {
        DocKind::Prescription => PRESCRIPTION_CLEAN,
        DocKind::OutpatientRecord => OUTPATIENT_RECORD_CLEAN,
        DocKind::ExamRequest => EXAM_REQUEST_CLEAN,
        DocKind::InfectiousReport => INFECTIOUS_REPORT_CLEAN,
        DocKind::Visit => VISIT_CLEAN,
    }
}

/// Apply a patch, the form of the rules' `## Bad`/`## Good` examples and of the tests: objects
/// merge key by key, arrays element by element (extra elements are appended), `{"$replace": X}`
/// puts X in place as it is, and `null` empties a field.
pub fn patch(base: &mut Value, p: Value) {
    match (base, p) {
        (slot, Value::Object(mut o)) if o.contains_key("$replace") => {
            *slot = o.remove("$replace").unwrap_or(Value::Null)
        }
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                patch(b.entry(k).or_insert(Value::Null), v);
            }
        }
        (Value::Array(b), Value::Array(o)) => {
            for (i, v) in o.into_iter().enumerate() {
                match b.get_mut(i) {
                    Some(slot) => patch(slot, v),
                    None => b.push(v),
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

/// The clean sample of `kind` with the patch `p` applied.
pub fn patched(kind: DocKind, p: Value) -> Value {
    let mut v: Value = serde_json::from_str(clean(kind)).unwrap_or(Value::Null);
    patch(&mut v, p);
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Engine;

    #[test]
    fn each_sample_is_its_kind_and_clean() {
        assert_eq!(ALL.len(), DocKind::ALL.len());
        for ((name, text), kind) in ALL.iter().zip(DocKind::ALL) {
            assert_eq!(clean(kind), *text, "{name}");
            assert!(name.starts_with(kind.as_str()), "{name} is a {kind:?}");
            let report = Engine::default_engine().check_json(text).expect(name);
            assert_eq!(report.document.kind, kind, "{name}");
            assert!(report.findings.is_empty(), "{name}: {:#?}", report.findings);
        }
    }

    /// Every file of `samples/` is exported.
    #[test]
    #[cfg(not(target_arch = "wasm32"))]
    fn every_sample_file_is_exported() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .expect("read samples/")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
            .collect();
        files.sort();
        let mut exported: Vec<&str> = ALL.iter().map(|(name, _)| *name).collect();
        exported.sort_unstable();
        assert_eq!(files, exported);
    }
}
