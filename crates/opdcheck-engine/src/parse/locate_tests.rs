//! The located errors are the ones the path-tracking reader gave: thousands of broken documents,
//! made from the samples, the bench fixtures and a generated batch, read both ways
//! ([`from_str_tracked`], which scans with `json_path` on failure, and [`from_str_path_tracked`],
//! serde_path_to_error) must give the same error, path, line, column and message, and
//! well-formed ones the same value. The default policy's broken variants: `policy.rs`'s tests,
//! with the same helpers.

use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::{InputError, from_str_path_tracked, from_str_tracked};
use crate::model::*;

/// Read `text` as a `T` both ways; count a mismatch with its description.
fn compare<T: DeserializeOwned + PartialEq + std::fmt::Debug>(
    text: &str,
    what: &str,
    mismatches: &mut Vec<String>,
) -> bool {
    let new: Result<T, InputError> = from_str_tracked(text, PhantomData);
    let old: Result<T, InputError> = from_str_path_tracked(text, PhantomData);
    let failed = old.is_err();
    match (new, old) {
        (Ok(a), Ok(b)) if a == b => {}
        (Err(a), Err(b)) if a == b => {}
        (a, b) => mismatches.push(format!(
            "{what}\n  text: {}\n  json_path: {:?}\n  tracked:   {:?}",
            text.chars().take(300).collect::<String>(),
            a.err(),
            b.err()
        )),
    }
    failed
}

/// Every value's place in a JSON tree, as a list of keys and indexes.
#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

fn places(v: &Value, at: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    out.push(at.clone());
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                at.push(Step::Key(k.clone()));
                places(x, at, out);
                at.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                at.push(Step::Index(i));
                places(x, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

fn at_mut<'a>(v: &'a mut Value, place: &[Step]) -> &'a mut Value {
    place.iter().fold(v, |v, s| match s {
        Step::Key(k) => &mut v[k.as_str()],
        Step::Index(i) => &mut v[*i],
    })
}

/// Broken variants of a document: every value replaced by values of other types, every
/// object given an unknown key and deprived of each of its keys, written compact and pretty.
pub(crate) fn variants(doc: &Value, stride: usize) -> Vec<String> {
    let mut all = Vec::new();
    places(doc, &mut Vec::new(), &mut all);
    let replacements = [
        json!(42),
        json!(-1.5),
        json!("x"),
        json!("2026-13-45T99:99"),
        json!(null),
        json!(true),
        json!([]),
        json!([1, "a"]),
        json!({}),
        json!({"value": "x"}),
    ];
    let mut out = Vec::new();
    for (n, place) in all.iter().enumerate().filter(|(n, _)| n % stride == 0) {
        let mut texts = Vec::new();
        for r in &replacements {
            let mut d = doc.clone();
            *at_mut(&mut d, place) = r.clone();
            texts.push(d);
        }
        let mut d = doc.clone();
        let keys: Option<Vec<String>> = match at_mut(&mut d, place) {
            Value::Object(o) => {
                let keys = o.keys().cloned().collect();
                o.insert("zz_unknown".into(), json!(1));
                Some(keys)
            }
            _ => None,
        };
        if let Some(keys) = keys {
            texts.push(d);
            for k in keys {
                let mut e = doc.clone();
                if let Value::Object(o) = at_mut(&mut e, place) {
                    o.remove(&k);
                }
                texts.push(e);
            }
        }
        for (i, d) in texts.into_iter().enumerate() {
            out.push(if (n + i) % 2 == 0 {
                d.to_string()
            } else {
                serde_json::to_string_pretty(&d).expect("a value prints")
            });
        }
    }
    out
}

/// Broken texts: cut short at many places, and a stray character put in at many places.
pub(crate) fn text_variants(text: &str, stride: usize) -> Vec<String> {
    let cuts: Vec<usize> = (0..text.len())
        .step_by(stride)
        .filter(|&i| text.is_char_boundary(i))
        .collect();
    let mut out = Vec::new();
    for &i in &cuts {
        out.push(text[..i].to_string());
        for stray in ["x", "}", "]", ",", ":", "\"", "1"] {
            out.push(format!("{}{stray}{}", &text[..i], &text[i..]));
        }
    }
    out
}

fn check_kind(kind: DocKind, text: &str, what: &str, mismatches: &mut Vec<String>) -> bool {
    match kind {
        DocKind::Prescription => compare::<Prescription>(text, what, mismatches),
        DocKind::OutpatientRecord => compare::<OutpatientRecord>(text, what, mismatches),
        DocKind::ExamRequest => compare::<ExamRequest>(text, what, mismatches),
        DocKind::InfectiousReport => compare::<InfectiousReport>(text, what, mismatches),
        DocKind::Visit => compare::<Visit>(text, what, mismatches),
    }
}

fn documents() -> Vec<(String, String)> {
    let mut docs: Vec<(String, String)> = crate::samples::ALL
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    for (name, text) in [
        (
            "prescription-5drugs",
            include_str!("../../benches/fixtures/prescription-5drugs.json"),
        ),
        (
            "visit-2rx",
            include_str!("../../benches/fixtures/visit-2rx.json"),
        ),
    ] {
        docs.push((name.into(), text.into()));
    }
    // A generated batch (opdcheck-synth's prescriptions, with their typical defects).
    let batch = include_str!("../../benches/fixtures/batch-200.jsonl");
    for (i, line) in batch.lines().enumerate().filter(|(i, _)| i % 10 == 0) {
        docs.push((format!("batch-200 line {}", i + 1), line.to_string()));
    }
    docs
}

#[test]
fn documents_broken_every_way_get_the_same_located_errors_as_the_tracking_reader() {
    let mut mismatches = Vec::new();
    let (mut cases, mut errors) = (0, 0);
    for (name, text) in documents() {
        let doc: Value = serde_json::from_str(&text).expect("the corpus is JSON");
        let kind = DocKind::from_name(doc["kind"].as_str().expect("a kind")).expect("a kind");
        let mut texts = vec![text.clone()];
        texts.extend(variants(&doc, 1));
        texts.extend(text_variants(&text, 7));
        for t in texts {
            cases += 1;
            errors += usize::from(check_kind(kind, &t, &name, &mut mismatches));
        }
    }
    if std::env::var("JSON_PATH_DUMP").is_ok() {
        std::fs::write("/tmp/json_path_mismatches.txt", mismatches.join("\n")).unwrap();
    }
    assert!(
        mismatches.is_empty(),
        "{} of {cases} differ:\n{}",
        mismatches.len(),
        mismatches[..mismatches.len().min(8)].join("\n")
    );
    assert!(
        cases > 20_000 && errors > cases / 2,
        "{cases} cases, {errors} errors"
    );
}
