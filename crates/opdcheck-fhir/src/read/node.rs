//! A JSON value with its FHIRPath, and typed getters that turn a wrong JSON type into a located
//! issue instead of a failure.

use serde_json::{Map, Value};

use crate::issue::{Issues, ReadIssue};

/// An owned-path node (paths are built as the reader descends).
#[derive(Debug, Clone)]
pub struct At<'a> {
    pub value: &'a Value,
    pub expr: String,
}

impl<'a> At<'a> {
    pub fn new(value: &'a Value, expr: impl Into<String>) -> At<'a> {
        At {
            value,
            expr: expr.into(),
        }
    }

    pub fn path(&self, field: &str) -> String {
        format!("{}.{field}", self.expr)
    }

    fn obj(&self) -> Option<&'a Map<String, Value>> {
        self.value.as_object()
    }

    /// The field's value, `None` when absent or `null`.
    pub fn get(&self, field: &str) -> Option<At<'a>> {
        match self.obj()?.get(field) {
            None | Some(Value::Null) => None,
            Some(v) => Some(At::new(v, self.path(field))),
        }
    }

    /// A JSON object field; another type is an `invalid` issue.
    pub fn object(&self, field: &str, issues: &mut Issues) -> Option<At<'a>> {
        let v = self.get(field)?;
        if v.value.is_object() {
            Some(v)
        } else {
            issues.push(ReadIssue::wrong_type(&v.expr, v.value, "对象 (object)"));
            None
        }
    }

    /// A text field (FHIR string, code, dateTime, id …); another type is an issue.
    pub fn text(&self, field: &str, issues: &mut Issues) -> Option<String> {
        let v = self.get(field)?;
        match v.value {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Value::String(_) => None,
            _ => {
                issues.push(ReadIssue::wrong_type(&v.expr, v.value, "字符串 (string)"));
                None
            }
        }
    }

    /// A number field (FHIR decimal, integer); another type is an issue.
    pub fn number(&self, field: &str, issues: &mut Issues) -> Option<f64> {
        let v = self.get(field)?;
        match v.value.as_f64() {
            Some(n) if n.is_finite() => Some(n),
            _ => {
                issues.push(ReadIssue::wrong_type(&v.expr, v.value, "数字 (number)"));
                None
            }
        }
    }

    /// A boolean field; another type is an issue.
    pub fn boolean(&self, field: &str, issues: &mut Issues) -> Option<bool> {
        let v = self.get(field)?;
        match v.value {
            Value::Bool(b) => Some(*b),
            _ => {
                issues.push(ReadIssue::wrong_type(&v.expr, v.value, "布尔值 (boolean)"));
                None
            }
        }
    }

    /// An array field's elements, each with its index; another type is an issue. Only objects
    /// are kept (every FHIR list opdcheck reads is of complex types); other elements are issues.
    pub fn objects(&self, field: &str, issues: &mut Issues) -> Vec<At<'a>> {
        let Some(v) = self.get(field) else {
            return Vec::new();
        };
        let Some(items) = v.value.as_array() else {
            issues.push(ReadIssue::wrong_type(&v.expr, v.value, "数组 (array)"));
            return Vec::new();
        };
        items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| {
                let at = At::new(item, format!("{}[{i}]", v.expr));
                if item.is_object() {
                    Some(at)
                } else {
                    if !item.is_null() {
                        issues.push(ReadIssue::wrong_type(&at.expr, at.value, "对象 (object)"));
                    }
                    None
                }
            })
            .collect()
    }

    /// An array of strings (e.g. `HumanName.given`); other elements are issues.
    pub fn texts(&self, field: &str, issues: &mut Issues) -> Vec<String> {
        let Some(v) = self.get(field) else {
            return Vec::new();
        };
        let Some(items) = v.value.as_array() else {
            issues.push(ReadIssue::wrong_type(&v.expr, v.value, "数组 (array)"));
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match item {
                Value::String(s) if !s.trim().is_empty() => out.push(s.trim().to_owned()),
                Value::String(_) | Value::Null => {}
                _ => issues.push(ReadIssue::wrong_type(
                    &format!("{}[{i}]", v.expr),
                    item,
                    "字符串 (string)",
                )),
            }
        }
        out
    }

    /// The words of a CodeableConcept: `text`, else the first coding's `display`, else its
    /// `code`.
    pub fn concept_text(&self, issues: &mut Issues) -> Option<String> {
        if let Some(t) = self.text("text", issues) {
            return Some(t);
        }
        let codings = self.objects("coding", issues);
        codings
            .iter()
            .find_map(|c| c.text("display", issues))
            .or_else(|| codings.iter().find_map(|c| c.text("code", issues)))
    }

    /// The codes of a CodeableConcept's codings, with their systems.
    pub fn codes(&self, issues: &mut Issues) -> Vec<(String, String)> {
        self.objects("coding", issues)
            .iter()
            .filter_map(|c| {
                let code = c.text("code", issues)?;
                Some((c.text("system", issues).unwrap_or_default(), code))
            })
            .collect()
    }
}
