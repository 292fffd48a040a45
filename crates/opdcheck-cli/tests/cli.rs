//! The real `opdcheck` binary, run as a user runs it.
//!
//! These tests must not depend on which rules fire, except RX-08 (the docs/format.md report example):
//! the other rules are filled in independently.

mod common;

use std::io::Read;
use std::process::{Command, Output, Stdio};

use common::{BIN, code, root, run, run_stdin, scratch, stderr, stdout};

use serde_json::Value;

fn sample_batch() -> Vec<String> {
    std::fs::read_to_string(root().join("samples/batch.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

fn is_ruleset(s: &str) -> bool {
    // ^1\.0\.0\+policy\.[0-9a-f]{6}$
    s.strip_prefix("1.0.0+policy.").is_some_and(|h| {
        h.len() == 6
            && h.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    k.sort_unstable();
    k
}

#[test]
fn json_report_of_the_format_md_example() {
    let o = run(&[
        "check",
        "--format",
        "json",
        "samples/documents-example.json",
    ]);
    assert_eq!(code(&o), 1, "an error finding: {}", stderr(&o));
    assert_eq!(stderr(&o), "");
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1, "one line per document: {out}");
    let mut report: Value = serde_json::from_str(out.trim_end()).unwrap();

    // Exactly the shape of docs/format.md ("The report").
    assert_eq!(keys(&report), ["document", "findings", "ruleset", "score"]);
    let ruleset = report["ruleset"].as_str().unwrap().to_string();
    assert!(is_ruleset(&ruleset), "{ruleset}");
    assert_eq!(keys(&report["document"]), ["id", "kind"]);
    assert_eq!(report["document"]["kind"], "prescription");
    assert_eq!(report["document"]["id"], "rx-1");
    let findings = report["findings"].as_array().unwrap();
    for f in findings {
        assert_eq!(
            keys(f),
            [
                "clause",
                "hint",
                "item",
                "message",
                "overridable",
                "path",
                "rule",
                "severity"
            ]
        );
        assert_eq!(keys(&f["message"]), ["en", "zh"]);
        assert_eq!(keys(&f["hint"]), ["en", "zh"]);
    }
    assert_eq!(keys(&report["score"]), ["deduction", "items", "qualified"]);
    for i in report["score"]["items"].as_array().unwrap() {
        assert_eq!(keys(i), ["deduction", "item"]);
    }
    assert_eq!(report["score"]["qualified"], false);

    let rx08 = findings
        .iter()
        .find(|f| f["rule"] == "RX-08")
        .expect("RX-08 fires");
    assert_eq!(rx08["item"], "OPD-11");
    assert_eq!(rx08["severity"], "error");
    assert_eq!(rx08["path"], "items[1].frequency");
    assert_eq!(
        rx08["clause"],
        "门诊医疗质量考核表 第11条; 处方管理办法 第6条(4)"
    );
    assert_eq!(rx08["message"]["zh"], "用法不得使用“遵医嘱”等含糊字句");
    assert_eq!(rx08["overridable"], false);

    report["ruleset"] = Value::String("[ruleset]".into());
    insta::assert_json_snapshot!("documents_example_report", report);
}

#[test]
fn text_report_in_chinese_and_english() {
    let zh = run(&["check", "samples/documents-example.json"]);
    assert_eq!(code(&zh), 1);
    insta::assert_snapshot!("documents_example_text_zh", stdout(&zh));
    let en = run(&["check", "--lang", "en", "samples/documents-example.json"]);
    assert_eq!(code(&en), 1);
    insta::assert_snapshot!("documents_example_text_en", stdout(&en));
}

#[test]
fn text_report_of_a_batch_ends_with_the_summary() {
    let o = run(&["check", "--lang", "en", "samples/batch.jsonl"]);
    assert_ne!(code(&o), 2, "{}", stderr(&o));
    let out = stdout(&o);
    let last = out.lines().last().unwrap();
    assert!(
        last.starts_with("30 documents: ") && last.ends_with(", 0 bad inputs"),
        "{last}"
    );
    // Every document has its header with the place it was read from.
    for (i, line) in sample_batch().iter().enumerate() {
        let v: Value = serde_json::from_str(line).unwrap();
        let id = v["id"].as_str().or(v["visit_id"].as_str()).unwrap();
        let header = format!("{} {id} · ", v["kind"].as_str().unwrap());
        let place = format!("(samples/batch.jsonl:{})", i + 1);
        assert!(
            out.lines()
                .any(|l| l.starts_with(&header) && l.ends_with(&place)),
            "no header for {id} in:\n{out}"
        );
    }
}

#[test]
fn json_reports_of_a_batch_are_in_input_order() {
    let o = run(&["check", "--format", "json", "samples/batch.jsonl"]);
    assert_ne!(code(&o), 2, "{}", stderr(&o));
    let ids: Vec<String> = stdout(&o)
        .lines()
        .map(|l| {
            let r: Value = serde_json::from_str(l).unwrap();
            assert!(is_ruleset(r["ruleset"].as_str().unwrap()));
            r["document"]["id"].as_str().unwrap().to_string()
        })
        .collect();
    let want: Vec<String> = sample_batch()
        .iter()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            v["id"]
                .as_str()
                .or(v["visit_id"].as_str())
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids, want);
}

#[test]
fn exit_codes_zero_and_one() {
    let clean = run(&[
        "check",
        "crates/opdcheck-engine/samples/prescription-clean.json",
    ]);
    assert_eq!(code(&clean), 0, "{}{}", stdout(&clean), stderr(&clean));
    let bad = run(&["check", "samples/documents-example.json"]);
    assert_eq!(code(&bad), 1);
    // Both together: an error finding wins over clean.
    let both = run(&[
        "check",
        "--format",
        "json",
        "crates/opdcheck-engine/samples/prescription-clean.json",
        "samples/documents-example.json",
    ]);
    assert_eq!(code(&both), 1);
    assert_eq!(stdout(&both).lines().count(), 2);
}

/// Check one bad input; assert exit 2, no panic, and that stderr names all of `want`.
#[track_caller]
fn bad_input(args: &[&str], want: &[&str]) -> Output {
    let o = run(args);
    let err = stderr(&o);
    assert_eq!(code(&o), 2, "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    for w in want {
        assert!(err.contains(w), "{args:?}: stderr lacks `{w}`:\n{err}");
    }
    o
}

#[test]
fn bad_inputs_are_located_and_exit_2() {
    let d = scratch("bad");
    let p = |name: &str, content: &[u8]| -> String {
        let path = d.join(name);
        std::fs::write(&path, content).unwrap();
        path.display().to_string()
    };

    // Truncated JSON: file, line, column and the path where it ends.
    let f = p(
        "truncated.json",
        b"{\"kind\": \"prescription\", \"id\": \"t\",\n \"items\": [{\"drug\": \"x\"",
    );
    let o = bad_input(
        &["check", &f],
        &[&format!("{f}:2:"), "at items[0]", "truncated"],
    );
    assert_eq!(
        stdout(&o),
        "共 0 份文书：合格 0，有错误 0，无法读取的输入 1\n"
    );

    // A number where text belongs.
    let f = p(
        "number.json",
        b"{\"kind\": \"prescription\", \"id\": \"n\",\n \"items\": [{\"drug\": 42}]}",
    );
    bad_input(
        &["check", "--format", "json", &f],
        &[&format!("{f}:2:"), "at items[0].drug", "integer `42`"],
    );

    // An unknown kind.
    let f = p("kind.jsonl", b"{\"kind\": \"invoice\", \"id\": \"k\"}\n");
    bad_input(
        &["check", &f],
        &[&format!("{f}:1:"), "at kind", "unknown kind `invoice`"],
    );

    // An empty file (.jsonl and .json): no line or path to name, the file and what is wrong.
    let f = p("empty.jsonl", b"");
    bad_input(
        &["check", &f],
        &[&format!("{f}: "), "empty file: no documents"],
    );
    let f = p("blank.json", b"\n  \n");
    bad_input(
        &["check", &f],
        &[&format!("{f}: "), "empty file: no documents"],
    );

    // Binary garbage (valid UTF-8, not JSON; then not UTF-8 either).
    let f = p("garbage.jsonl", b"\x01\x02PK\x03\x04 not json\n");
    bad_input(
        &["check", &f],
        &[&format!("{f}:1:1:"), "at the document root"],
    );
    let f = p(
        "binary.json",
        &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0xff],
    );
    bad_input(&["check", &f], &[&format!("{f}:1:1:"), "invalid UTF-8"]);

    // Invalid UTF-8 inside a document: line and column of the bad byte.
    let f = p(
        "latin1.jsonl",
        b"{\"kind\":\"prescription\",\"id\":\"ok\"}\n{\"kind\":\"prescription\",\"id\":\"\xe9\"}\n",
    );
    let o = bad_input(
        &["check", "--format", "json", &f],
        &[&format!("{f}:2:30:"), "invalid UTF-8 (byte 0xe9)"],
    );
    assert_eq!(
        stdout(&o).lines().count(),
        1,
        "the good line is still checked"
    );

    // A missing file and a directory.
    let missing = d.join("missing.jsonl").display().to_string();
    bad_input(
        &["check", &missing],
        &[&format!("{missing}: "), "cannot read"],
    );
    let dir = d.display().to_string();
    bad_input(&["check", &dir], &[&format!("{dir}: "), "is a directory"]);

    // A `.json` array: each element located by its line, the path names its index.
    let f = p(
        "array.json",
        b"[\n  {\"kind\": \"prescription\", \"id\": \"a\"},\n  {\"kind\": \"prescription\", \"id\": \"b\",\n   \"patient\": {\"age\": \"three\"}},\n  {\"kind\": \"visit\", \"visit_id\": \"c\"}\n]\n",
    );
    let o = bad_input(
        &["check", "--format", "json", &f],
        &[&format!("{f}:4:"), "at [1].patient.age"],
    );
    let ids: Vec<String> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["document"]["id"].to_string())
        .collect();
    assert_eq!(ids, ["\"a\"", "\"c\""]);

    // A truncated array: the elements before the cut are still checked.
    let f = p(
        "cut.json",
        b"[{\"kind\": \"prescription\", \"id\": \"a\"},\n {\"kind\": \"prescr",
    );
    let o = bad_input(
        &["check", "--format", "json", &f],
        &[&format!("{f}:2:"), "at [1]", "truncated"],
    );
    assert_eq!(stdout(&o).lines().count(), 1);

    // Score: bad inputs make it exit 2 too, and are not counted.
    let f = p(
        "mixed.jsonl",
        b"{\"kind\":\"prescription\",\"id\":\"a\"}\nnot json\n",
    );
    let o = bad_input(&["score", "--format", "json", &f], &[&format!("{f}:2:")]);
    let sheet: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(sheet["bad_inputs"], 1);
    assert_eq!(sheet["total"]["documents"], 1);
}

#[test]
fn a_bad_line_in_the_middle_of_a_batch_does_not_stop_it() {
    let mut lines = sample_batch();
    lines.truncate(6);
    lines.insert(
        3,
        "{\"kind\":\"prescription\",\"id\":\"bad\",\"items\":[{\"days\":\"seven\"}]}".into(),
    );
    lines.insert(4, String::new());
    let input = lines.join("\n") + "\n";
    let o = run_stdin(&["check", "--format", "json", "-"], input.as_bytes());
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(
        err.contains("<stdin>:4:") && err.contains("at items[0].days"),
        "{err}"
    );
    assert!(!err.contains("panicked"));
    let ids: Vec<String> = stdout(&o)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["document"]["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        ids,
        [
            "rx-2001", "rx-2002", "rx-2003", "rx-2004", "rx-2005", "rx-2006"
        ]
    );

    // The same file given as a path.
    let d = scratch("middle");
    let f = d.join("batch.jsonl");
    std::fs::write(&f, &input).unwrap();
    let f = f.display().to_string();
    let o = run(&["check", &f]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains(&format!("{f}:4:")), "{}", stderr(&o));
    let out = stdout(&o);
    let last = out.lines().last().unwrap();
    assert!(
        last.starts_with("共 6 份文书：") && last.ends_with("无法读取的输入 1"),
        "{last}"
    );
}

#[test]
fn help_says_what_json_mode_prints_for_a_bad_line() {
    let o = run(&["check", "--help"]);
    assert_eq!(code(&o), 0);
    let help = stdout(&o);
    assert!(
        help.contains("A bad input prints nothing on stdout"),
        "{help}"
    );
    assert!(help.contains("Exit status: 0"));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["check"][..],
        &["check", "--format", "xml", "x.json"],
        &["check", "--lang", "fr", "x.json"],
        &["score", "--format", "yaml", "x.json"],
        &["frobnicate"],
        &[],
    ] {
        let o = run(args);
        assert_eq!(code(&o), 2, "{args:?}");
        assert!(!stderr(&o).contains("panicked"));
    }
}

#[test]
fn rules_lists_all_48_codes() {
    let o = run(&["rules", "--format", "json"]);
    assert_eq!(code(&o), 0);
    let list: Vec<Value> = serde_json::from_str(&stdout(&o)).unwrap();
    let codes: Vec<&str> = list.iter().map(|r| r["code"].as_str().unwrap()).collect();
    let want: Vec<&str> = opdcheck_engine::rules::RULES
        .iter()
        .map(|r| r.code)
        .collect();
    assert_eq!(codes.len(), 48);
    assert_eq!(codes, want);
    for r in &list {
        for k in ["item", "group", "kind", "severity", "title", "clause"] {
            assert!(!r[k].is_null(), "{}: {k}", r["code"]);
        }
    }
    for lang in ["zh", "en"] {
        let o = run(&["rules", "--lang", lang]);
        assert_eq!(code(&o), 0);
        let text = stdout(&o);
        for c in &want {
            assert!(
                text.lines().any(|l| l.starts_with(c)),
                "{lang}: {c} missing"
            );
        }
    }
    let o = run(&["rules", "--format", "markdown"]);
    assert_eq!(
        stdout(&o).lines().filter(|l| l.starts_with("| ")).count(),
        49
    );
}

#[test]
fn rules_prints_one_rule_and_rejects_an_unknown_code() {
    let o = run(&["rules", "RX-08"]);
    assert_eq!(code(&o), 0);
    let doc = stdout(&o);
    assert!(doc.starts_with("### RX-08 · "), "{doc}");
    assert!(doc.contains("OPD-11") && doc.contains("遵医嘱") && doc.contains("#### Bad"));
    let o = run(&["rules", "rx-08", "--format", "json"]);
    assert_eq!(code(&o), 0);
    let r: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(r["code"], "RX-08");
    assert!(r["doc"].as_str().unwrap().contains("## Why"));

    let o = run(&["rules", "XX-99"]);
    assert_eq!(code(&o), 2);
    assert_eq!(stdout(&o), "");
    assert!(
        stderr(&o).contains("unknown rule `XX-99`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn score_csv_of_the_sample_batch() {
    let o = run(&["score", "--format", "csv", "samples/batch.jsonl"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let csv = stdout(&o);
    let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    let header = &rows[0];
    assert_eq!(
        header[..7],
        [
            "scope",
            "key",
            "documents",
            "qualified",
            "pass_rate",
            "target",
            "deduction"
        ]
    );
    assert!(header.contains(&"OPD-11") && header.contains(&"CLN-7"));
    assert!(rows.iter().all(|r| r.len() == header.len()), "{csv}");
    let row = |scope: &str, key: &str| {
        rows.iter()
            .find(|r| r[0] == scope && r[1] == key)
            .unwrap_or_else(|| panic!("no row {scope},{key}:\n{csv}"))
    };
    // Counts come from the batch, not from which rules fire: 30 lines, 5 visits holding
    // 3 prescriptions, 4 records, 2 requests and 1 card.
    let n = |r: &Vec<&str>| r[2].parse::<u64>().unwrap();
    assert_eq!(n(row("kind", "prescription")), 12 + 3);
    assert_eq!(n(row("kind", "outpatient_record")), 5 + 4);
    assert_eq!(n(row("kind", "exam_request")), 5 + 2);
    assert_eq!(n(row("kind", "infectious_report")), 3 + 1);
    assert_eq!(n(row("kind", "visit")), 5);
    assert_eq!(n(row("total", "all")), 40);
    assert_eq!(row("kind", "prescription")[5], "95");
    assert_eq!(row("kind", "outpatient_record")[5], "90");
    for scope in ["kind", "department", "doctor"] {
        let sum: u64 = rows.iter().filter(|r| r[0] == scope).map(n).sum();
        assert_eq!(sum, 40, "{scope} rows add up to the total");
    }
    for r in &rows[1..] {
        let q: u64 = r[3].parse().unwrap();
        assert!(q <= n(r));
        let rate: f64 = r[4].parse().unwrap();
        assert!((0.0..=100.0).contains(&rate));
    }
    // RX-08 and RX-10 are implemented: at least those two prescriptions are not qualified.
    assert!(row("kind", "prescription")[3].parse::<u64>().unwrap() <= 13);
}

#[test]
fn score_text_and_json() {
    let o = run(&["score", "--format", "json", "samples/batch.jsonl"]);
    assert_eq!(code(&o), 0);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(is_ruleset(v["ruleset"].as_str().unwrap()));
    for k in [
        "prescription_pass_rate",
        "record_pass_rate",
        "missed_reports",
        "antibiotic_share",
        "penalty_total",
    ] {
        assert!(!v["rates"][k].is_null(), "{k}");
    }
    assert_eq!(v["rates"]["prescription_pass_rate"]["target"], 95.0);
    assert_eq!(v["rates"]["antibiotic_share"]["prescriptions"], 15);
    assert_eq!(v["by_kind"]["visit"]["documents"], 5);
    let o = run(&["score", "samples/batch.jsonl"]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("门诊处方合格率"));
    let o = run(&["score", "--lang", "en", "samples/batch.jsonl"]);
    assert!(stdout(&o).contains("prescription pass rate"));
}

#[test]
fn policy_file_overrides_and_bad_policy_files_are_located() {
    let d = scratch("policy");
    let good = d.join("policy.json");
    std::fs::write(&good, r#"{"limits": {"max_drugs": 6}}"#).unwrap();
    let good = good.display().to_string();
    let default = run(&[
        "check",
        "--format",
        "json",
        "samples/documents-example.json",
    ]);
    let custom = run(&[
        "check",
        "--format",
        "json",
        "--policy",
        &good,
        "samples/documents-example.json",
    ]);
    assert_eq!(code(&custom), 1, "{}", stderr(&custom));
    let ruleset = |o: &Output| {
        serde_json::from_str::<Value>(stdout(o).trim()).unwrap()["ruleset"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(is_ruleset(&ruleset(&custom)));
    assert_ne!(ruleset(&custom), ruleset(&default));

    let typed = d.join("typed.json");
    std::fs::write(&typed, r#"{"limits": {"max_drugs": "five"}}"#).unwrap();
    let typed = typed.display().to_string();
    bad_input(
        &[
            "check",
            "--policy",
            &typed,
            "samples/documents-example.json",
        ],
        &[&typed, "limits.max_drugs"],
    );
    let syntax = d.join("syntax.json");
    std::fs::write(&syntax, "{\"limits\":\n {\"max_drugs\": 5,}}").unwrap();
    let syntax = syntax.display().to_string();
    let o = bad_input(
        &["score", "--policy", &syntax, "samples/batch.jsonl"],
        &[&format!("{syntax}:2:")],
    );
    assert_eq!(stdout(&o), "");
    let missing = d.join("nope.json").display().to_string();
    bad_input(
        &[
            "check",
            "--policy",
            &missing,
            "samples/documents-example.json",
        ],
        &[&missing],
    );
}

#[test]
fn no_progress_output_when_stderr_is_not_a_terminal() {
    // Over the size that shows a progress bar on a terminal.
    let d = scratch("progress");
    let f = d.join("big.jsonl");
    let batch = std::fs::read_to_string(root().join("samples/batch.jsonl")).unwrap();
    let mut big = String::new();
    while big.len() < (1 << 20) + 1 {
        big.push_str(&batch);
    }
    std::fs::write(&f, &big).unwrap();
    let f = f.display().to_string();
    let o = run(&["check", "--format", "json", &f]);
    assert_ne!(code(&o), 2);
    assert_eq!(stderr(&o), "", "nothing on stderr in a pipe");
    assert_eq!(stdout(&o).lines().count(), big.lines().count());
    let o = run(&["score", "--format", "csv", &f]);
    assert_eq!(code(&o), 0);
    assert_eq!(stderr(&o), "");
}

#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    let d = scratch("pipe");
    let f = d.join("big.jsonl");
    let batch = std::fs::read_to_string(root().join("samples/batch.jsonl")).unwrap();
    std::fs::write(&f, batch.repeat(400)).unwrap();
    let mut child = Command::new(BIN)
        .args(["check", "--format", "json"])
        .arg(&f)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    out.read_exact(&mut first).unwrap();
    drop(out);
    let o = child.wait_with_output().unwrap();
    assert!(o.status.code().is_some(), "not killed by SIGPIPE");
    let err = stderr(&o);
    assert!(
        !err.contains("panicked") && !err.contains("Broken pipe"),
        "{err}"
    );
}

#[test]
fn strict_lists_unknown_fields_without_changing_the_verdict() {
    let doc = r#"{"kind":"prescription","id":"rx-s","his_code":"H1","items":[{"drug":"阿莫西林胶囊","dosage":"2粒"}]}"#;
    let plain = run_stdin(&["check", "--format", "json", "-"], doc.as_bytes());
    let strict = run_stdin(
        &["check", "--format", "json", "--strict", "-"],
        doc.as_bytes(),
    );
    assert_eq!(code(&plain), code(&strict));
    assert_eq!(stdout(&plain), stdout(&strict));
    let err = stderr(&strict);
    assert!(
        err.contains("<stdin>:1: at his_code: unknown field (ignored)"),
        "{err}"
    );
    assert!(
        err.contains("<stdin>:1: at items[0].dosage: unknown field (ignored)"),
        "{err}"
    );
    assert!(!stderr(&plain).contains("unknown field"));
}

/// A hospital's tuning entries change the same findings through the CLI as through every other
/// client: `samples/tuning/expected.jsonl` (held true by the engine's `tests/tuning.rs`).
#[test]
fn tuning_entries_change_exactly_the_findings_in_their_scope() {
    let o = run(&[
        "check",
        "--format",
        "json",
        "--policy",
        "samples/tuning/policy.json",
        "samples/tuning/documents.jsonl",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let expected = std::fs::read_to_string(root().join("samples/tuning/expected.jsonl")).unwrap();
    let have: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            v.as_object_mut().unwrap().remove("ruleset");
            v
        })
        .collect();
    let want: Vec<Value> = expected
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(have, want);

    // The text report says which entry changed a finding and what the doctor said.
    let o = run(&[
        "check",
        "--policy",
        "samples/tuning/policy.json",
        "samples/tuning/documents.jsonl",
    ]);
    let text = stdout(&o);
    assert!(text.contains("院内调整 T-1：由错误改为警告"), "{text}");
    assert!(text.contains("院内调整 T-2：由警告改为错误"), "{text}");
    assert!(
        text.contains("医生理由：临床需要，已评估 — 长期服用，患者熟知用法"),
        "{text}"
    );
    assert!(text.contains("（已说明理由放行）"), "{text}");
    // A shadow finding is for QA, not in the text a doctor reads.
    let emergency = text.split("处方 tuning-7").nth(1).unwrap();
    let emergency = emergency.split("处方 tuning-8").next().unwrap();
    assert!(!emergency.contains("RX-08"), "{emergency}");
}
