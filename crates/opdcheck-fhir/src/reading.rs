//! What the reader made of a Bundle: the interchange documents, where each field came from,
//! and the issues.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::issue::ReadIssue;

/// What [`crate::read`] made of a Bundle.
#[derive(Debug, Default)]
pub struct Reading {
    /// False when the input was not read at all: not a Bundle (not an object, no
    /// `resourceType`, another resource) or over the entry limit; the one issue says why.
    pub bundle: bool,
    pub documents: Vec<ReadDocument>,
    /// What could not be carried (located); an error issue with no documents means nothing was
    /// checked.
    pub issues: Vec<ReadIssue>,
}

/// One interchange document read from the Bundle.
#[derive(Debug, Clone)]
pub struct ReadDocument {
    /// The interchange document (`kind` …), as docs/format.md describes.
    pub document: Value,
    /// Interchange path (`items[0].frequency`, `prescriptions[1].items[0].dose`) → FHIRPath.
    pub sources: BTreeMap<String, String>,
    /// FHIRPath of the resource the document was read from (the Bundle for a visit).
    pub root: String,
    /// For a visit, its nested documents' paths in report order (`record`, `prescriptions[0]` …),
    /// matching `Report::documents`.
    pub nested: Vec<String>,
}

impl ReadDocument {
    /// The FHIRPath of the element an interchange path was read from (or belongs in): the
    /// longest mapped prefix of `path`, else the document's resource.
    pub fn expression(&self, path: &str) -> String {
        let mut p = path;
        loop {
            if let Some(e) = self.sources.get(p) {
                return e.clone();
            }
            match p.rfind(['.', '[']) {
                Some(i) => p = &p[..i],
                None => return self.root.clone(),
            }
        }
    }
}
