//! What changed between the signed original and the corrected copy, field by field, named
//! the way the format's amendments name fields (`items[0].dose`).

use serde_json::Value;

/// One changed field: its path in the format's syntax, and its value before and after.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub path: String,
    pub before: Value,
    pub after: Value,
}

/// Not filled, the way the format counts it: missing, `null`, blank text, an empty list.
fn blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// What differs between two versions of a document, field by field. A quantity or an age
/// (`{value, unit}`) is one value, as the format's amendments name them (`items[0].dose`); the
/// signer, the end mark and the amendments themselves are not content.
pub fn changes(original: &Value, current: &Value, signer: &str) -> Vec<Change> {
    let mut out = Vec::new();
    let skip = ["amendments", "completed", signer];
    let (empty, a, b) = (
        serde_json::Map::new(),
        original.as_object(),
        current.as_object(),
    );
    let (a, b) = (a.unwrap_or(&empty), b.unwrap_or(&empty));
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    for k in keys.into_iter().filter(|k| !skip.contains(&k.as_str())) {
        let none = Value::Null;
        diff(
            k.clone(),
            a.get(k).unwrap_or(&none),
            b.get(k).unwrap_or(&none),
            &mut out,
        );
    }
    out
}

fn diff(path: String, a: &Value, b: &Value, out: &mut Vec<Change>) {
    if a == b || (blank(a) && blank(b)) {
        return;
    }
    let whole = |v: &Value| v.as_object().is_some_and(|o| o.contains_key("value"));
    match (a, b) {
        (Value::Object(x), Value::Object(y)) if !whole(a) && !whole(b) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let none = Value::Null;
                diff(
                    format!("{path}.{k}"),
                    x.get(k).unwrap_or(&none),
                    y.get(k).unwrap_or(&none),
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for i in 0..x.len().max(y.len()) {
                let none = Value::Null;
                diff(
                    format!("{path}[{i}]"),
                    x.get(i).unwrap_or(&none),
                    y.get(i).unwrap_or(&none),
                    out,
                );
            }
        }
        _ => out.push(Change {
            path,
            before: a.clone(),
            after: b.clone(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_name_fields_the_way_amendments_do() {
        let a = serde_json::json!({"id": "x", "diagnoses": ["急性支气管炎"],
            "items": [{"drug": "阿莫西林胶囊", "dose": {"value": 0.5, "unit": "g"}, "days": 3}],
            "patient": {"name": "王芳", "allergy_history": null},
            "prescriber": {"name": "李明", "signed_at": "2026-11-22T09:40"}, "completed": true});
        let b = serde_json::json!({"id": "x", "diagnoses": ["急性支气管炎", "高血压"],
            "items": [{"drug": "阿莫西林胶囊", "dose": {"value": 0.25, "unit": "g"}, "days": 3}],
            "patient": {"name": "王芳", "allergy_history": ""},
            "prescriber": {"name": "张三"}, "completed": null});
        let got: Vec<(String, Value, Value)> = changes(&a, &b, "prescriber")
            .into_iter()
            .map(|c| (c.path, c.before, c.after))
            .collect();
        assert_eq!(
            got,
            [
                ("diagnoses[1]".into(), Value::Null, "高血压".into()),
                (
                    "items[0].dose".into(),
                    serde_json::json!({"value": 0.5, "unit": "g"}),
                    serde_json::json!({"value": 0.25, "unit": "g"})
                ),
            ]
        );
    }
}
