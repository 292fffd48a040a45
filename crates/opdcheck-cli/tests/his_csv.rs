//! HIS CSV exports (`--csv FILE --mapping MAP.toml`), run through the real `opdcheck` binary:
//! the GBK sample export gives exactly the reports of the same prescriptions in JSON
//! (`tests/data/his-export.json`), whatever its encoding; bad rows and bad mappings are located.

mod common;

use std::process::Output;

use common::{code, root, run, scratch, stderr, stdout};

const GBK_SAMPLE: &str = "samples/his-export-gbk.csv";
const MAPPING: &str = "samples/his-mapping.toml";
/// The export's UTF-8 source, from which the GBK sample is written.
const UTF8_SOURCE: &str = "crates/opdcheck-cli/tests/data/his-export.csv";
/// The same prescriptions as interchange JSON.
const JSON: &str = "crates/opdcheck-cli/tests/data/his-export.json";
const PRESCRIPTIONS: usize = 11;

fn utf8_source() -> String {
    std::fs::read_to_string(root().join(UTF8_SOURCE)).unwrap()
}

fn mapping_text() -> String {
    std::fs::read_to_string(root().join(MAPPING)).unwrap()
}

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable, "the text has a character GBK lacks");
    bytes.into_owned()
}

/// The JSON reports of the JSON prescriptions: what every CSV form must give.
fn json_reports() -> String {
    let o = run(&["check", "--format", "json", JSON]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), PRESCRIPTIONS);
    out
}

fn csv_reports(csv: &str, mapping: &str) -> Output {
    run(&[
        "check",
        "--format",
        "json",
        "--csv",
        csv,
        "--mapping",
        mapping,
    ])
}

#[test]
fn the_gbk_sample_is_its_utf8_source_in_gbk() {
    let want = gbk(&utf8_source());
    let path = root().join(GBK_SAMPLE);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read(&path).unwrap();
    assert!(
        have == want,
        "{GBK_SAMPLE} is stale: UPDATE_EXPECT=1 cargo test -p opdcheck-cli --test his_csv"
    );
    assert!(
        std::str::from_utf8(&have).is_err(),
        "the sample must really be GBK"
    );
}

#[test]
fn a_gbk_export_gives_the_same_findings_as_the_same_prescriptions_in_json() {
    let o = csv_reports(GBK_SAMPLE, MAPPING);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    assert_eq!(stdout(&o), json_reports());
    // The score sheet too.
    let csv = run(&[
        "score",
        "--format",
        "json",
        "--csv",
        GBK_SAMPLE,
        "--mapping",
        MAPPING,
    ]);
    let json = run(&["score", "--format", "json", JSON]);
    assert_eq!(code(&csv), 0, "{}", stderr(&csv));
    assert_eq!(stdout(&csv), stdout(&json));
}

#[test]
fn utf8_with_or_without_bom_and_auto_detected_gbk_read_the_same() {
    let dir = scratch("encodings");
    let want = json_reports();
    let auto = mapping_text().replace("encoding = \"gbk\"", "encoding = \"auto\"");
    let utf8 = mapping_text().replace("encoding = \"gbk\"", "encoding = \"utf-8\"");
    std::fs::write(dir.join("auto.toml"), &auto).unwrap();
    std::fs::write(dir.join("utf8.toml"), &utf8).unwrap();
    std::fs::write(dir.join("plain.csv"), utf8_source()).unwrap();
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(utf8_source().as_bytes());
    std::fs::write(dir.join("bom.csv"), bom).unwrap();
    let d = |f: &str| dir.join(f).display().to_string();
    for (csv, mapping) in [
        (d("plain.csv"), d("utf8.toml")),
        (d("bom.csv"), d("utf8.toml")),
        (d("plain.csv"), d("auto.toml")),
        (d("bom.csv"), d("auto.toml")),
        // A BOM means UTF-8 even where the mapping says GBK.
        (d("bom.csv"), MAPPING.to_string()),
        (GBK_SAMPLE.to_string(), d("auto.toml")),
    ] {
        let o = csv_reports(&csv, &mapping);
        assert_eq!(code(&o), 1, "{csv} {mapping}: {}", stderr(&o));
        assert_eq!(stdout(&o), want, "{csv} with {mapping}");
    }
}

#[test]
fn a_bad_row_refuses_its_prescription_only_with_a_located_error() {
    let dir = scratch("bad-row");
    let source = utf8_source();
    let mut lines: Vec<String> = source.lines().map(str::to_string).collect();
    // Line 6: CF20261122003's first drug line; 天数 is the 25th column.
    let mut cells: Vec<&str> = lines[5].split(',').collect();
    assert_eq!(cells[0], "CF20261122003");
    cells[24] = "abc";
    lines[5] = cells.join(",");
    // Line 9: CF20261122004's second row names another department.
    lines[8] = lines[8].replacen("呼吸内科", "消化内科", 1);
    let mut bytes = gbk(&(lines.join("\r\n") + "\r\n"));
    // Line 12 (CF20261122005, one row): a byte GBK cannot decode, in its last cell.
    let line_12_end = bytes
        .split(|&b| b == b'\n')
        .take(12)
        .map(|l| l.len() + 1)
        .sum::<usize>()
        - 2;
    assert_eq!(bytes[line_12_end], b'\r');
    bytes.insert(line_12_end, 0xFF);
    let csv = dir.join("export.csv");
    std::fs::write(&csv, bytes).unwrap();
    let name = csv.display().to_string();
    let o = csv_reports(&name, MAPPING);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "{name}:6: 列「天数」: 「abc」不是数字（处方「CF20261122003」未检查）"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{name}:9: 列「科别」: 与第 8 行的值不同（同一处方的各行应一致）（处方「CF20261122004」未检查）"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("{name}:12: 含有无法按 GBK 解码的字节"))
            && err.contains("CF20261122005"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 3, "{err}");
    // The other eight are reported exactly as from JSON.
    let want: Vec<String> = json_reports()
        .lines()
        .filter(|l| {
            !["CF20261122003", "CF20261122004", "CF20261122005"]
                .iter()
                .any(|id| l.contains(&format!("\"{id}\"")))
        })
        .map(str::to_string)
        .collect();
    assert_eq!(want.len(), PRESCRIPTIONS - 3);
    assert_eq!(stdout(&o).lines().collect::<Vec<_>>(), want);
}

#[test]
fn a_value_the_format_refuses_is_placed_at_its_row_and_column() {
    let dir = scratch("bad-enum");
    let source = utf8_source().replace(",男,45岁,", ",X,45岁,");
    std::fs::write(dir.join("e.csv"), source).unwrap();
    std::fs::write(
        dir.join("m.toml"),
        mapping_text().replace("encoding = \"gbk\"", "encoding = \"utf-8\""),
    )
    .unwrap();
    let name = dir.join("e.csv").display().to_string();
    let o = csv_reports(&name, &dir.join("m.toml").display().to_string());
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(
        err.starts_with(&format!(
            "{name}:2: 列「性别」: 「X」不是可用的值（应为 男、女、未知 之一）（处方「CF20261122001」未检查）"
        )),
        "{err}"
    );
    assert!(err.contains("（处方「CF20261122001」未检查）"), "{err}");
    assert_eq!(stdout(&o).lines().count(), PRESCRIPTIONS - 1);
}

#[test]
fn a_bad_mapping_is_refused_before_any_row() {
    let dir = scratch("bad-mapping");
    let m = dir.join("m.toml");
    // An unknown key, at its line.
    std::fs::write(
        &m,
        mapping_text().replace("days = \"天数\"", "day = \"天数\""),
    )
    .unwrap();
    let name = m.display().to_string();
    let o = csv_reports(GBK_SAMPLE, &name);
    assert_eq!(code(&o), 2);
    assert_eq!(stdout(&o), "");
    let err = stderr(&o);
    let line = mapping_text()
        .lines()
        .position(|l| l.starts_with("days = "))
        .unwrap()
        + 1;
    assert!(
        err.starts_with(&format!("{name}:{line}:1: 映射文件有误:")),
        "{err}"
    );
    assert!(err.contains("unknown field `day`"), "{err}");
    // A mapped column the export lacks, named before any row is read.
    std::fs::write(&m, mapping_text().replace("\"天数\"", "\"用药天数\"")).unwrap();
    let o = csv_reports(GBK_SAMPLE, &name);
    assert_eq!(code(&o), 2);
    assert_eq!(stdout(&o), "");
    assert!(
        stderr(&o).starts_with(&format!(
            "{GBK_SAMPLE}:1: 表头中没有映射文件所写的列 「用药天数」"
        )),
        "{}",
        stderr(&o)
    );
    // --csv without --mapping is a usage error.
    let o = run(&["check", "--csv", GBK_SAMPLE]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--mapping"), "{}", stderr(&o));
}

#[test]
fn the_text_report_places_each_prescription_at_its_first_row() {
    let o = run(&["check", "--csv", GBK_SAMPLE, "--mapping", MAPPING]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert!(
        out.contains(&format!(
            "处方 CF20261122003 · ✗ 不合格 · 扣 1 分  ({GBK_SAMPLE}:6)"
        )),
        "{out}"
    );
    assert!(out.contains("RX-08"), "{out}");
}

#[test]
fn csv_and_json_inputs_mix_in_one_batch() {
    let o = run(&[
        "check",
        "--format",
        "json",
        JSON,
        "--csv",
        GBK_SAMPLE,
        "--mapping",
        MAPPING,
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let want = json_reports();
    assert_eq!(stdout(&o), format!("{want}{want}"));
}
