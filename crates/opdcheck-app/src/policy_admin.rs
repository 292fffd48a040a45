//! The admin's policy page, as logic: what changed between two versions of the override (JSON
//! paths added, removed, changed), each version of the history paired with the one before it,
//! the override being edited read and checked here before the server is asked, and the limits
//! the page shows at a glance.

use opdcheck_engine::{Engine, InputError};
use serde_json::{Map, Value};

use opdcheck_api::policy::PolicyVersion;
use opdcheck_web::api::CallError;

/// How a path differs between two versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

/// One difference: the path as the server's errors name it (`limits.max_drugs`), the value
/// before and after.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub path: String,
    pub kind: ChangeKind,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

/// What changed from `old` to `new`, in path order. Objects are compared key by key; a list
/// or a scalar is one value (a word list is read as a whole: an index would name nothing an
/// admin wrote).
pub fn diff(old: &Value, new: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    walk("", old, new, &mut out);
    out
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn walk(path: &str, old: &Value, new: &Value, out: &mut Vec<Change>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let p = join(path, k);
                match (a.get(k), b.get(k)) {
                    (Some(x), Some(y)) => walk(&p, x, y, out),
                    (Some(x), None) => leaves(&p, x, ChangeKind::Removed, out),
                    (None, Some(y)) => leaves(&p, y, ChangeKind::Added, out),
                    (None, None) => {}
                }
            }
        }
        (a, b) if a != b => out.push(Change {
            path: path.to_string(),
            kind: ChangeKind::Changed,
            old: Some(a.clone()),
            new: Some(b.clone()),
        }),
        _ => {}
    }
}

/// An added or removed object lists its leaves, so an added `{"limits": {"max_drugs": 4}}`
/// reads as `limits.max_drugs` added, as the admin thinks of it.
fn leaves(path: &str, v: &Value, kind: ChangeKind, out: &mut Vec<Change>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            for k in keys {
                leaves(&join(path, k), &m[k], kind, out);
            }
        }
        _ => out.push(Change {
            path: path.to_string(),
            kind,
            old: (kind == ChangeKind::Removed).then(|| v.clone()),
            new: (kind == ChangeKind::Added).then(|| v.clone()),
        }),
    }
}

/// Each version (newest first, as the server lists them) with what changed from the one
/// before it; the oldest listed is compared with the default (an empty override).
pub fn history_diffs(versions: &[PolicyVersion]) -> Vec<(&PolicyVersion, Vec<Change>)> {
    let empty = Value::Object(Map::new());
    versions
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let before = versions.get(i + 1).map_or(&empty, |p| &p.override_);
            (v, diff(before, &v.override_))
        })
        .collect()
}

/// The override being edited, read and checked as the server will (the same engine): the
/// value to send, or the located error to show next to the editor before any request.
pub fn check_override(text: &str) -> Result<Value, InputError> {
    let value: Value = serde_json::from_str(text).map_err(|e| InputError {
        path: String::new(),
        line: Some(e.line()),
        column: Some(e.column()),
        message: e.to_string(),
    })?;
    Engine::with_policy_override(text).map_err(|e| e.0)?;
    Ok(value)
}

/// Where the editor is: what the admin sees under it.
#[derive(Debug, Clone, PartialEq)]
pub enum EditorState {
    Idle,
    /// Asking the server (validate, then save).
    Checking,
    /// The server validated it; this is the ruleset it would give.
    Valid(String),
    /// Stored as this version, now in force.
    Saved(i64),
    /// Refused, located: by this page's own check or by the server's (422 `invalid_policy`).
    Invalid(InputError),
    /// Not answered (offline, a session ended, a server error): nothing was stored.
    Failed(String),
}

impl EditorState {
    /// The state a failed call leaves: a located refusal, or a failure.
    pub fn of_error(e: &CallError) -> EditorState {
        match e {
            CallError::Status(422, d) => EditorState::Invalid(InputError {
                path: d.path.clone().unwrap_or_default(),
                line: None,
                column: None,
                message: d.message.clone(),
            }),
            e => EditorState::Failed(e.message()),
        }
    }
}

/// Where an error is, in words: "limits.max_drugs", "第 2 行第 13 列" / "line 2, column 13".
pub fn location(e: &InputError, zh: bool) -> String {
    match (e.path.is_empty(), e.line, e.column, zh) {
        (false, _, _, _) => e.path.clone(),
        (true, Some(l), Some(c), true) => format!("第 {l} 行第 {c} 列"),
        (true, Some(l), Some(c), false) => format!("line {l}, column {c}"),
        (true, _, _, true) => "整个规则".into(),
        (true, _, _, false) => "the whole policy".into(),
    }
}

/// An override as the editor shows it: indented JSON.
pub fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

/// The limits shown at a glance, `(path, zh, en)`: the ones an override most often changes.
pub const KEY_LIMITS: &[(&str, &str, &str)] = &[
    (
        "limits.max_drugs",
        "每张处方药品数上限",
        "drugs per prescription",
    ),
    (
        "limits.max_days_general",
        "普通处方用量天数上限",
        "days, general prescription",
    ),
    (
        "limits.max_days_emergency",
        "急诊处方用量天数上限",
        "days, emergency prescription",
    ),
    (
        "limits.pediatric_age_years",
        "儿科处方年龄（岁）",
        "pediatric age (years)",
    ),
];

/// The value at a dotted path of the effective policy, as text ("—" when absent).
pub fn value_at(policy: &Value, path: &str) -> String {
    path.split('.')
        .try_fold(policy, |v, k| v.get(k))
        .map_or_else(|| "—".to_string(), |v| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn version(v: i64, over: Value) -> PolicyVersion {
        PolicyVersion {
            version: v,
            ruleset: format!("r{v}"),
            override_: over,
            created_by: "admin".into(),
            created_at: "2026-12-02T09:00:00Z".into(),
            rolled_back_from: None,
        }
    }

    #[test]
    fn a_diff_names_added_removed_and_changed_leaf_paths() {
        let old =
            json!({"limits": {"max_drugs": 4, "max_days_general": 7}, "switches": {"x": true}});
        let new = json!({"limits": {"max_drugs": 3}, "vocab": {"routes": {"口服": "oral"}}, "switches": {"x": true}});
        let d = diff(&old, &new);
        let summary: Vec<(&str, ChangeKind)> =
            d.iter().map(|c| (c.path.as_str(), c.kind)).collect();
        assert_eq!(
            summary,
            [
                ("limits.max_days_general", ChangeKind::Removed),
                ("limits.max_drugs", ChangeKind::Changed),
                ("vocab.routes.口服", ChangeKind::Added),
            ]
        );
        assert_eq!(
            (d[1].old.clone(), d[1].new.clone()),
            (Some(json!(4)), Some(json!(3)))
        );
        assert_eq!((d[0].old.clone(), d[0].new.clone()), (Some(json!(7)), None));
        assert!(diff(&new, &new).is_empty());
    }

    #[test]
    fn lists_are_one_value_and_a_type_change_is_a_change() {
        let d = diff(
            &json!({"a": [1, 2], "b": {"c": 1}}),
            &json!({"a": [1, 3], "b": 5}),
        );
        let paths: Vec<_> = d.iter().map(|c| (c.path.as_str(), c.kind)).collect();
        assert_eq!(
            paths,
            [("a", ChangeKind::Changed), ("b", ChangeKind::Changed)]
        );
        // An empty object added is one leaf, not nothing.
        assert_eq!(diff(&json!({}), &json!({"x": {}}))[0].path, "x");
    }

    #[test]
    fn each_version_is_compared_with_the_one_before_and_the_oldest_with_the_default() {
        let vs = [
            version(3, json!({})),
            version(2, json!({"limits": {"max_drugs": 3}})),
            version(1, json!({"limits": {"max_drugs": 4}})),
        ];
        let h = history_diffs(&vs);
        let paths = |i: usize| -> Vec<(String, ChangeKind)> {
            h[i].1.iter().map(|c| (c.path.clone(), c.kind)).collect()
        };
        assert_eq!(h[0].0.version, 3);
        assert_eq!(
            paths(0),
            [("limits.max_drugs".to_string(), ChangeKind::Removed)]
        );
        assert_eq!(
            paths(1),
            [("limits.max_drugs".to_string(), ChangeKind::Changed)]
        );
        assert_eq!(
            paths(2),
            [("limits.max_drugs".to_string(), ChangeKind::Added)]
        );
    }

    #[test]
    fn the_editor_is_checked_here_with_located_errors() {
        assert_eq!(
            check_override(r#"{"limits": {"max_drugs": 4}}"#).unwrap(),
            json!({"limits": {"max_drugs": 4}})
        );
        let e = check_override(r#"{"limits": {"max_drugs": 0}}"#).unwrap_err();
        assert_eq!(e.path, "limits.max_drugs");
        let e = check_override(r#"{"limits": {"max_drugs": "five"}}"#).unwrap_err();
        assert_eq!(e.path, "limits.max_drugs");
        let e = check_override("{\n  \"limits\": {,}\n}").unwrap_err();
        assert_eq!((e.path.as_str(), e.line), ("", Some(2)));
        assert!(check_override("[1]").is_err());
    }

    #[test]
    fn a_422_is_a_located_refusal_and_anything_else_a_failure() {
        use opdcheck_api::ErrorDetail;
        let e = CallError::Status(
            422,
            ErrorDetail {
                code: "invalid_policy".into(),
                message: "must be at least 1".into(),
                path: Some("limits.max_drugs".into()),
            },
        );
        let EditorState::Invalid(i) = EditorState::of_error(&e) else {
            panic!()
        };
        assert_eq!(location(&i, true), "limits.max_drugs");
        assert!(matches!(
            EditorState::of_error(&CallError::Unauthorized),
            EditorState::Failed(_)
        ));
        let syntax = check_override("{\n  \"limits\": {,}\n}").unwrap_err();
        assert_eq!(location(&syntax, true), "第 2 行第 14 列");
        assert_eq!(location(&syntax, false), "line 2, column 14");
        assert_eq!(
            location(&check_override("[1]").unwrap_err(), true),
            "整个规则"
        );
    }

    #[test]
    fn key_limits_read_from_the_effective_policy() {
        let p = json!({"limits": {"max_drugs": 5}});
        assert_eq!(value_at(&p, "limits.max_drugs"), "5");
        assert_eq!(value_at(&p, "limits.nothing"), "—");
        let d = opdcheck_engine::policy::default_policy_value();
        for (path, _, _) in KEY_LIMITS {
            assert_ne!(value_at(&d, path), "—", "{path}");
        }
        assert_eq!(pretty(&json!({"a": 1})), "{\n  \"a\": 1\n}");
    }
}
