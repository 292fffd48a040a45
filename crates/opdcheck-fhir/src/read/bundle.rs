//! The Bundle's entries, indexed for reference resolution (`fullUrl` and `Type/id`).

use std::collections::HashMap;

use opdcheck_api::fhir::IssueType;
use serde_json::Value;

use crate::issue::{Issues, ReadIssue};
use crate::read::node::At;

#[derive(Debug)]
pub struct Entry<'a> {
    pub resource: At<'a>,
    pub kind: String,
}

#[derive(Debug, Default)]
pub struct Bundle<'a> {
    pub entries: Vec<Entry<'a>>,
    by_ref: HashMap<String, usize>,
}

impl<'a> Bundle<'a> {
    /// The entries of `bundle` (an object whose `resourceType` is `Bundle`).
    pub fn index(bundle: &At<'a>, issues: &mut Issues) -> Bundle<'a> {
        let mut out = Bundle::default();
        for entry in bundle.objects("entry", issues) {
            let Some(resource) = entry.object("resource", issues) else {
                if entry.get("resource").is_none() {
                    issues.push(ReadIssue::information(
                        entry.expr.clone(),
                        "该 entry 没有 resource（如 transaction-response 的结果），未读取",
                    ));
                }
                continue;
            };
            let Some(kind) = resource.text("resourceType", issues) else {
                issues.push(ReadIssue::error(
                    IssueType::Structure,
                    resource.path("resourceType"),
                    "resource 缺少 resourceType，无法识别，未读取",
                ));
                continue;
            };
            let index = out.entries.len();
            if let Some(url) = entry.text("fullUrl", issues) {
                out.by_ref.insert(url, index);
            }
            if let Some(id) = resource.text("id", issues) {
                out.by_ref.insert(format!("{kind}/{id}"), index);
            }
            out.entries.push(Entry { resource, kind });
        }
        out
    }

    /// The entries of one resource type.
    pub fn of_kind<'s>(&'s self, kind: &'s str) -> impl Iterator<Item = (usize, &'s Entry<'a>)> {
        self.entries
            .iter()
            .enumerate()
            .filter(move |(_, e)| e.kind == kind)
    }

    /// The entry a Reference (an object with `reference`) points to inside the Bundle. A
    /// contained (`#id`) or outside reference is a `not-supported` warning.
    pub fn resolve(&self, reference: &At<'a>, issues: &mut Issues) -> Option<usize> {
        let text = reference.text("reference", issues)?;
        if text.starts_with('#') {
            issues.push(ReadIssue::not_read(
                reference.path("reference"),
                format!("引用了 contained 资源 {text}：opdcheck 不读取 contained 资源，请把它作为 Bundle 的 entry"),
            ));
            return None;
        }
        if let Some(i) = self.by_ref.get(&text) {
            return Some(*i);
        }
        // An absolute URL ending in `Type/id` (or `Type/id/_history/n`).
        let trimmed = text.split("/_history/").next().unwrap_or(&text);
        let parts: Vec<&str> = trimmed.rsplitn(3, '/').collect();
        if parts.len() >= 2
            && let Some(i) = self.by_ref.get(&format!("{}/{}", parts[1], parts[0]))
        {
            return Some(*i);
        }
        issues.push(ReadIssue::not_read(
            reference.path("reference"),
            format!("引用的资源 {text} 不在 Bundle 中，未读取"),
        ));
        None
    }

    /// The resource a Reference field of `node` points to, if it is in the Bundle.
    pub fn resolve_field(&self, node: &At<'a>, field: &str, issues: &mut Issues) -> Option<usize> {
        let r = node.object(field, issues)?;
        self.resolve(&r, issues)
    }

    pub fn entry(&self, i: usize) -> &Entry<'a> {
        &self.entries[i]
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The JSON kind of a value, for "not an object" messages at the root.
pub fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "布尔值",
        Value::Number(_) => "数字",
        Value::String(_) => "字符串",
        Value::Array(_) => "数组",
        Value::Object(_) => "对象",
    }
}
