//! An interchange document (or part of one) under construction, with the FHIRPath each of its
//! fields came from, so that a finding's path can be mapped back into the Bundle.

use serde_json::{Map, Value};

#[derive(Debug, Default, Clone)]
pub struct Built {
    pub fields: Map<String, Value>,
    /// (interchange path relative to this part, FHIRPath in the Bundle)
    pub sources: Vec<(String, String)>,
}

impl Built {
    /// Set `key` and record where it came from.
    pub fn put(&mut self, key: &str, value: impl Into<Value>, expr: &str) {
        self.fields.insert(key.to_owned(), value.into());
        self.source(key, expr);
    }

    /// Set `key` from an optional (value, expression).
    pub fn put_opt(&mut self, key: &str, value: Option<(String, String)>) {
        if let Some((v, e)) = value {
            self.put(key, v, &e);
        }
    }

    /// Where `key` belongs in the Bundle, filled or not (a finding about a missing field then
    /// points where it should be written).
    pub fn source(&mut self, key: &str, expr: &str) {
        self.sources.retain(|(k, _)| k != key);
        self.sources.push((key.to_owned(), expr.to_owned()));
    }

    /// `child` as the object at `key`, its sources under `key.`.
    pub fn nest(&mut self, key: &str, child: Built, expr: &str) {
        self.source(key, expr);
        for (k, e) in child.sources {
            self.sources.push((format!("{key}.{k}"), e));
        }
        self.fields
            .insert(key.to_owned(), Value::Object(child.fields));
    }

    /// `children` as the list at `key`, each element's sources under `key[i].`.
    pub fn nest_list(&mut self, key: &str, children: Vec<(Built, String)>, expr: &str) {
        self.source(key, expr);
        let mut list = Vec::with_capacity(children.len());
        for (i, (child, child_expr)) in children.into_iter().enumerate() {
            self.sources.push((format!("{key}[{i}]"), child_expr));
            for (k, e) in child.sources {
                self.sources.push((format!("{key}[{i}].{k}"), e));
            }
            list.push(Value::Object(child.fields));
        }
        self.fields.insert(key.to_owned(), Value::Array(list));
    }

    /// A list of texts at `key`, each with its own source.
    pub fn put_texts(&mut self, key: &str, items: Vec<(String, String)>, expr: &str) {
        self.source(key, expr);
        let mut list = Vec::with_capacity(items.len());
        for (i, (text, e)) in items.into_iter().enumerate() {
            self.sources.push((format!("{key}[{i}]"), e));
            list.push(Value::String(text));
        }
        self.fields.insert(key.to_owned(), Value::Array(list));
    }
}
