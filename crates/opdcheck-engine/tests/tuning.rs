//! `samples/tuning/`: a hospital's tuning entries (`policy.json`), prescriptions in and out of
//! each entry's scope (`documents.jsonl`) and their reports under that policy, without
//! `ruleset` (`expected.jsonl`). The CLI, the widget, the app and the server are each tested
//! against the same files, so one entry changes the same findings whichever door a document
//! comes in by.
//!
//! This test holds `expected.jsonl` true twice: it is what the engine gives
//! (`UPDATE_EXPECT=1` rewrites it), and it is the default policy's report changed by exactly
//! the changes listed below, written by hand from the entries' scopes, and nothing else.

use std::path::{Path, PathBuf};

use opdcheck_engine::{Engine, parse_document};
use serde_json::{Value, json};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/tuning")
}

fn documents() -> Vec<String> {
    std::fs::read_to_string(dir().join("documents.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

/// A report as every client compares it: without `ruleset` (the server's names its registry).
fn comparable(engine: &Engine, text: &str) -> Value {
    let mut v = serde_json::to_value(engine.check(&parse_document(text).unwrap())).unwrap();
    v.as_object_mut().unwrap().remove("ruleset");
    v
}

fn tuned_engine() -> Engine {
    Engine::with_policy_override(&std::fs::read_to_string(dir().join("policy.json")).unwrap())
        .unwrap()
}

#[test]
fn expected_is_what_the_engine_gives() {
    let engine = tuned_engine();
    let want: String = documents()
        .iter()
        .map(|d| format!("{}\n", comparable(&engine, d)))
        .collect();
    let path = dir().join("expected.jsonl");
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    if have != want {
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            std::fs::write(&path, want).unwrap();
        } else {
            panic!(
                "samples/tuning/expected.jsonl is stale: run `UPDATE_EXPECT=1 cargo test -p opdcheck-engine --test tuning`"
            );
        }
    }
}

/// What the entries do, document by document: (rule, path, change).
enum Change {
    /// Severity now, and the entry that made it.
    Tuned(&'static str, &'static str),
    /// Moved to the shadow list by the entry.
    Shadowed(&'static str),
    /// Accepted by the doctor's reason: a warning with the reason.
    Accepted,
    /// The policy's `alerts.overridable` makes it overridable (no other change).
    Overridable,
}

fn changes(id: &str) -> Vec<(&'static str, &'static str, Change)> {
    use Change::*;
    const F0: &str = "items[0].frequency";
    const F1: &str = "items[1].frequency";
    match id {
        // 呼吸内科, 主治医师, 阿莫西林 on line 0: T-1 downgrades that line only.
        "tuning-1" => vec![
            ("RX-08", F0, Tuned("warning", "T-1")),
            ("RX-08", F1, Overridable),
        ],
        // Out of T-1's scope: another department, a resident, after the expiry date.
        "tuning-2" | "tuning-3" | "tuning-4" => {
            vec![("RX-08", F0, Overridable), ("RX-08", F1, Overridable)]
        }
        // A child: T-2 upgrades RX-09 on the antibiotic line.
        "tuning-5" => vec![("RX-09", "items[0].quantity", Tuned("error", "T-2"))],
        // An adult: T-2 does not apply.
        "tuning-6" => vec![],
        // 急诊科: T-3 runs RX-08 in shadow there.
        "tuning-7" => vec![
            ("RX-08", F0, Shadowed("T-3")),
            ("RX-08", F1, Shadowed("T-3")),
        ],
        // tuning-1 with the doctor's reason on line 1: accepted (RX-08 is overridable here).
        "tuning-8" => vec![
            ("RX-08", F0, Tuned("warning", "T-1")),
            ("RX-08", F1, Accepted),
        ],
        other => panic!("no changes written for {other}"),
    }
}

#[test]
fn expected_is_the_default_report_changed_only_in_scope() {
    let default = Engine::default_engine();
    let expected: Vec<Value> = std::fs::read_to_string(dir().join("expected.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let docs = documents();
    assert_eq!(expected.len(), docs.len());
    let mut changed = 0;
    for (text, want) in docs.iter().zip(&expected) {
        let plain = comparable(default, text);
        let id = plain["document"]["id"].as_str().unwrap().to_string();
        let mut findings = Vec::new();
        let mut shadow = Vec::new();
        for f in plain["findings"].as_array().unwrap() {
            let (rule, path) = (f["rule"].as_str().unwrap(), f["path"].as_str().unwrap());
            let change = changes(&id)
                .into_iter()
                .find(|(r, p, _)| *r == rule && *p == path)
                .map(|(_, _, c)| c);
            let mut g = f.clone();
            match change {
                None => findings.push(g),
                Some(Change::Overridable) => {
                    g["overridable"] = json!(true);
                    findings.push(g);
                }
                Some(Change::Tuned(severity, entry)) => {
                    g["tuning"] = json!({"entry": entry, "action":
                        if severity == "error" { "upgrade" } else { "downgrade" }, "from": f["severity"]});
                    g["severity"] = json!(severity);
                    g["overridable"] =
                        json!(f["overridable"].as_bool().unwrap() || rule == "RX-08");
                    findings.push(g);
                }
                Some(Change::Shadowed(entry)) => {
                    g["tuning"] =
                        json!({"entry": entry, "action": "shadow", "from": f["severity"]});
                    shadow.push(g);
                }
                Some(Change::Accepted) => {
                    g["severity"] = json!("warning");
                    g["overridable"] = json!(true);
                    g["reason"] = json!({"choice": "clinical_need", "label":
                        {"zh": "临床需要，已评估", "en": "Clinically needed, assessed"},
                        "text": "长期服用，患者熟知用法", "accepted": true});
                    findings.push(g);
                }
            }
        }
        changed += changes(&id).len();
        // Findings, shadow and suppressed as written by hand; the score is the engine's own
        // scoring of the changed findings, checked by the engine's score tests.
        assert_eq!(want["findings"], json!(findings), "{id}: findings");
        assert_eq!(
            want.get("shadow").cloned().unwrap_or(json!([])),
            json!(shadow),
            "{id}: shadow"
        );
        assert!(
            want.get("suppressed").is_none(),
            "{id}: nothing suppressed here"
        );
        assert_eq!(want["document"], plain["document"]);
    }
    assert!(changed >= 10);
}
