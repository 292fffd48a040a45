//! Canonical JSON text and its SHA-256: equal documents hash equal; and what the store indexes a
//! document by (the patient's key, the document's own date).

use serde_json::Value;

/// JSON text with object keys sorted at every level and numbers in one form: equal documents
/// hash equal whatever the client's key order, whitespace or number spelling (`4` and `4.0` are
/// the same number, and JavaScript cannot tell them apart).
pub fn canonical(value: &Value) -> String {
    fn write(v: &Value, out: &mut String) {
        match v {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                out.push('{');
                for (i, k) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(k.clone()).to_string());
                    out.push(':');
                    write(&map[k], out);
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(item, out);
                }
                out.push(']');
            }
            Value::Number(n) => match n.as_f64() {
                // Integral values below 2^53 print as integers, whichever way they were written.
                Some(f) if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 => {
                    out.push_str(&(f as i64).to_string())
                }
                _ => out.push_str(&n.to_string()),
            },
            other => out.push_str(&other.to_string()),
        }
    }
    let mut out = String::new();
    write(value, &mut out);
    out
}

pub use crate::digest::sha256_hex;

fn text_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = v;
    for key in path {
        cur = cur.get(key)?;
    }
    cur.as_str().map(str::trim).filter(|s| !s.is_empty())
}

/// A hash of the patient's record number (else id number): links a patient's records for the
/// history rules without a second plain copy of the identifier.
pub fn patient_key(doc: &Value) -> Option<String> {
    let patient = doc
        .get("patient")
        .or_else(|| doc.get("record")?.get("patient"))?;
    let (label, value) = match text_at(patient, &["record_no"]) {
        Some(v) => ("record_no", v),
        None => ("id_number", text_at(patient, &["id_number"])?),
    };
    Some(sha256_hex(&format!("{label}:{value}")))
}

/// The document's own date, as written.
pub fn doc_at(doc: &Value) -> Option<String> {
    [
        "visit_at",
        "issued_at",
        "requested_at",
        "reported_at",
        "filled_at",
    ]
    .iter()
    .find_map(|k| text_at(doc, &[k]))
    .or_else(|| text_at(doc, &["record", "visit_at"]))
    .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::canonical;
    use serde_json::json;

    #[test]
    fn canonical_text_ignores_key_order_and_number_spelling() {
        let a = json!({"b": 4.0, "a": [1, {"y": 0.5, "x": -2.0}]});
        let b = json!({"a": [1.0, {"x": -2, "y": 0.5}], "b": 4});
        assert_eq!(canonical(&a), canonical(&b));
        assert_eq!(canonical(&a), r#"{"a":[1,{"x":-2,"y":0.5}],"b":4}"#);
        assert_ne!(canonical(&json!({"b": 4.5})), canonical(&json!({"b": 4})));
    }
}
