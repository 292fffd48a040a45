//! Reading documents from JSON with located errors.
//!
//! Every error names the JSON path of the offending value and, where the text is at hand, its
//! line and column. `kind` is read first when it comes first (the usual case, and the fast path:
//! one pass, no intermediate tree); otherwise the text is probed for `kind` and read again.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::model::*;

/// Malformed input: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{}", self.located())]
pub struct InputError {
    /// JSON path of the offending value (`items[0].drug`); empty for the document itself.
    pub path: String,
    /// 1-based line in the input text, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// 1-based column in the input text, in characters, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    pub message: String,
}

impl InputError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        InputError {
            path: path.into(),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    /// "line 3, column 14, at items[0].drug: invalid type: …"
    pub fn located(&self) -> String {
        let mut s = String::new();
        if let Some(line) = self.line {
            s.push_str(&format!("line {line}"));
            if let Some(col) = self.column {
                s.push_str(&format!(", column {col}"));
            }
            s.push_str(", ");
        }
        if self.path.is_empty() {
            s.push_str("at the document root: ");
        } else {
            s.push_str(&format!("at {}: ", self.path));
        }
        s.push_str(&self.message);
        s
    }

    /// The message in Chinese, for the doctors who read it (`message` stays serde's English for
    /// the API, the CLI and their logs): "类型不符：应为数字，实为文字“52岁”".
    pub fn message_zh(&self) -> String {
        zh::message(&self.message)
    }

    /// `located` in Chinese: "第 3 行第 14 列，items[0].drug：类型不符：…".
    pub fn located_zh(&self) -> String {
        let mut s = String::new();
        if let Some(line) = self.line {
            s.push_str(&format!("第 {line} 行"));
            if let Some(col) = self.column {
                s.push_str(&format!("第 {col} 列"));
            }
            s.push('，');
        }
        if self.path.is_empty() {
            s.push_str("文书本身：");
        } else {
            s.push_str(&format!("{}：", self.path));
        }
        s.push_str(&self.message_zh());
        s
    }

    /// Shift the line by the line the text started on (for documents cut out of a larger file).
    pub fn offset_lines(mut self, first_line: usize) -> Self {
        if let Some(l) = self.line.as_mut() {
            if *l == 1 {
                // Column is relative to the slice only on its first line.
                self.column = None;
            }
            *l += first_line - 1;
        }
        self
    }
}

/// serde's and serde_json's English messages, said in Chinese. Pattern by pattern, since serde
/// gives text, not structured errors; anything unknown keeps its English after 「格式有误」.
mod zh {
    /// `string "52岁"` → `文字“52岁”`; `integer `42`` → `数字 42` …
    fn unexpected(u: &str) -> String {
        let u = u.trim();
        let tick = |s: &str| s.trim_matches('`').to_string();
        if let Some(v) = u.strip_prefix("string ") {
            return format!("文字“{}”", v.trim_matches('"'));
        }
        for (en, zh) in [
            ("integer ", "数字 "),
            ("floating point ", "数字 "),
            ("boolean ", "是/否值 "),
            ("char ", "字符 "),
        ] {
            if let Some(v) = u.strip_prefix(en) {
                return format!("{zh}{}", tick(v));
            }
        }
        match u {
            "null" | "unit value" => "空值 null".into(),
            "map" => "对象 {…}".into(),
            "sequence" => "列表 […]".into(),
            other => other.into(),
        }
    }

    /// `f64`, `a string`, `struct Age` … → 数字, 文字, 对象 …
    fn expected(e: &str) -> String {
        let e = e.trim();
        let numeric = [
            "f64", "f32", "u8", "u16", "u32", "u64", "usize", "i8", "i16", "i32", "i64", "isize",
        ];
        if numeric.contains(&e) || e.starts_with("a number") {
            return "数字".into();
        }
        if e.contains("string") {
            return "文字".into();
        }
        if e.contains("boolean") {
            return "是/否（true 或 false）".into();
        }
        if e.contains("sequence") || e.contains("list") || e.starts_with("a Vec") {
            return "列表 […]".into();
        }
        if e.starts_with("struct") || e.contains("map") || e.contains("object") {
            return "对象 {…}".into();
        }
        e.into()
    }

    /// "`a`, `b` or `c`" / "one of `a`, `b`" → "a、b、c".
    fn options(list: &str) -> String {
        list.trim()
            .trim_start_matches("one of ")
            .replace(" or ", ", ")
            .split(',')
            .map(|x| x.trim().trim_matches('`'))
            .filter(|x| !x.is_empty())
            .collect::<Vec<_>>()
            .join("、")
    }

    pub(super) fn message(m: &str) -> String {
        if let Some(rest) = m.strip_prefix("invalid type: ")
            && let Some((u, e)) = rest.split_once(", expected ")
        {
            return format!("类型不符：应为{}，实为{}", expected(e), unexpected(u));
        }
        if let Some(rest) = m.strip_prefix("invalid value: ")
            && let Some((u, e)) = rest.split_once(", expected ")
        {
            return format!("取值无效：{}，应为{}", unexpected(u), expected(e));
        }
        if let Some(rest) = m.strip_prefix("unknown variant `")
            && let Some((v, e)) = rest.split_once("`, expected ")
        {
            return format!("无法识别的取值“{v}”，应为 {} 之一", options(e));
        }
        if let Some(rest) = m.strip_prefix("unknown kind `")
            && let Some((v, e)) = rest.split_once("`: expected ")
        {
            return format!("未知的文书类型“{v}”，应为 {} 之一", options(e));
        }
        if let Some(rest) = m.strip_prefix("missing field `") {
            let (f, e) = rest.split_once('`').unwrap_or((rest, ""));
            let e = e.trim_start_matches(':').trim();
            let tail = e.strip_prefix("expected ").map(options);
            return match tail {
                Some(t) => format!("缺少字段 {f}（应为 {t} 之一）"),
                None => format!("缺少字段 {f}"),
            };
        }
        if let Some(rest) = m.strip_prefix("duplicate field `") {
            return format!("字段 {} 重复", rest.trim_end_matches('`'));
        }
        if let Some(rest) = m.strip_prefix("invalid length ")
            && let Some((n, e)) = rest.split_once(", expected ")
        {
            return format!("长度不符：{n} 项，应为 {}", expected(e));
        }
        if m.starts_with("unexpected end of input") {
            return "输入意外结束：JSON 不完整（被截断了？）".into();
        }
        let syntax = [
            ("trailing characters", "文书之后还有多余的字符"),
            ("expected value", "此处应为一个值：JSON 格式有误"),
            ("key must be a string", "键必须是带引号的文字"),
            ("expected `,` or `}`", "此处应为“,”或“}”"),
            ("expected `,` or `]`", "此处应为“,”或“]”"),
            ("expected `:`", "此处应为“:”"),
            ("expected ident", "此处应为 true、false 或 null"),
            ("invalid number", "数字格式有误"),
            ("number out of range", "数字超出范围"),
            ("invalid escape", "无效的转义字符"),
            ("invalid unicode code point", "无效的 Unicode 字符"),
            ("control character", "文字中有控制字符（换行须写作 \\n）"),
            ("recursion limit exceeded", "嵌套层数过多"),
            ("EOF while parsing", "输入意外结束：JSON 不完整"),
        ];
        for (en, zh) in syntax {
            if m.starts_with(en) {
                return zh.into();
            }
        }
        if m.starts_with("expected a document") || m.starts_with("a document") {
            return "应为一份文书：带 kind 的 JSON 对象".into();
        }
        format!("格式有误：{m}")
    }
}

const KINDS: &[&str] = &[
    "prescription",
    "outpatient_record",
    "exam_request",
    "infectious_report",
    "visit",
];
const KIND_NOT_FIRST: &str = "\u{0}kind-not-first";
const KIND_MISSING: &str = "\u{0}kind-missing";

fn unknown_kind(kind: &str) -> String {
    format!(
        "unknown kind `{kind}`: expected one of {}",
        KINDS.join(", ")
    )
}

/// Parse one document from JSON text.
pub fn parse_document(json: &str) -> Result<Document, InputError> {
    // The one-pass reader is a second copy of every document type's deserialiser; the lean
    // build (the widget) always probes `kind` first instead.
    #[cfg(not(feature = "lean"))]
    match from_str_tracked(json, FirstKeyKind) {
        Err(e) if e.message == KIND_NOT_FIRST => {}
        Err(e) if e.message == KIND_MISSING => {
            return Err(InputError::new(
                "kind",
                format!("missing field `kind`: expected one of {}", KINDS.join(", ")),
            ));
        }
        other => return other,
    }
    // `kind` is not the first key: probe for it, then read the typed document.
    #[derive(Deserialize)]
    struct Probe<'a> {
        #[serde(borrow)]
        kind: Option<std::borrow::Cow<'a, str>>,
    }
    let probe: Probe = from_str_tracked(json, std::marker::PhantomData)?;
    let Some(kind) = probe.kind else {
        return Err(InputError::new(
            "kind",
            format!("missing field `kind`: expected one of {}", KINDS.join(", ")),
        ));
    };
    let kind =
        DocKind::from_name(&kind).ok_or_else(|| InputError::new("kind", unknown_kind(&kind)))?;
    Ok(match kind {
        DocKind::Prescription => {
            Document::Prescription(from_str_tracked(json, std::marker::PhantomData)?)
        }
        DocKind::OutpatientRecord => {
            Document::OutpatientRecord(from_str_tracked(json, std::marker::PhantomData)?)
        }
        DocKind::ExamRequest => {
            Document::ExamRequest(from_str_tracked(json, std::marker::PhantomData)?)
        }
        DocKind::InfectiousReport => {
            Document::InfectiousReport(from_str_tracked(json, std::marker::PhantomData)?)
        }
        DocKind::Visit => Document::Visit(from_str_tracked(json, std::marker::PhantomData)?),
    })
}

/// Parse one document from an already parsed JSON value (the browser and API paths).
pub fn document_from_value(value: serde_json::Value) -> Result<Document, InputError> {
    // Cheap enough for these entry points, and one code path for the located errors.
    parse_document(&value.to_string()).map_err(|mut e| {
        e.line = None;
        e.column = None;
        e
    })
}

pub(crate) fn from_str_tracked<'de, S: DeserializeSeed<'de>>(
    json: &'de str,
    seed: S,
) -> Result<S::Value, InputError> {
    // A plain read; only when it fails is the text scanned for the path of where it failed
    // (`json_path`: well-formed input is the common case).
    let mut de = serde_json::Deserializer::from_str(json);
    let value = seed.deserialize(&mut de).map_err(|e| {
        let path = crate::json_path::path_of_error(json, &e);
        in_chars(json, json_error(e, path))
    })?;
    de.end()
        .map_err(|e| in_chars(json, json_error(e, String::new())))?;
    Ok(value)
}

/// The reader this module used before `json_path`: serde_path_to_error tracking the path while
/// reading. Kept for the tests that require both to name the same paths (`locate_tests`).
#[cfg(test)]
pub(crate) fn from_str_path_tracked<'de, S: DeserializeSeed<'de>>(
    json: &'de str,
    seed: S,
) -> Result<S::Value, InputError> {
    let mut de = serde_json::Deserializer::from_str(json);
    let mut track = serde_path_to_error::Track::new();
    let result = seed.deserialize(serde_path_to_error::Deserializer::new(&mut de, &mut track));
    let value = result.map_err(|e| in_chars(json, json_error(e, track.path().to_string())))?;
    de.end()
        .map_err(|e| in_chars(json, json_error(e, String::new())))?;
    Ok(value)
}

/// serde_json counts columns in bytes; people (and editors) count characters, which differ on
/// every line with Chinese text.
fn in_chars(json: &str, mut e: InputError) -> InputError {
    if let (Some(line), Some(col)) = (e.line, e.column)
        && let Some(text) = json.split('\n').nth(line.saturating_sub(1))
    {
        let mut end = (col.saturating_sub(1)).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        e.column = Some(text[..end].chars().count() + 1);
    }
    e
}

fn json_error(e: serde_json::Error, path: String) -> InputError {
    let full = e.to_string();
    // serde_json appends " at line L column C"; we keep line and column as fields instead.
    let message = match full.rfind(" at line ") {
        Some(i) => full[..i].to_string(),
        None => full,
    };
    let (line, column) = if e.line() == 0 {
        (None, None)
    } else {
        (Some(e.line()), Some(e.column()))
    };
    // serde_path_to_error writes "?" for a segment it could not name (the input ended there).
    let mut path = path
        .trim_end_matches(".?")
        .trim_end_matches('?')
        .to_string();
    if path == "." {
        path.clear();
    }
    let message = match e.classify() {
        serde_json::error::Category::Eof => {
            format!("unexpected end of input ({message}); is the JSON truncated?")
        }
        _ => message,
    };
    let mut err = InputError {
        path,
        line,
        column,
        message,
    };
    if err.message.starts_with("unknown kind") {
        err.path = "kind".into();
    }
    err
}

/// Reads a document whose first key is `kind` in one pass.
#[cfg_attr(feature = "lean", allow(dead_code))]
#[derive(Clone, Copy)]
struct FirstKeyKind;

impl<'de> DeserializeSeed<'de> for FirstKeyKind {
    type Value = Document;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Document, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FirstKeyKind {
    type Value = Document;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a document: a JSON object with a `kind`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Document, A::Error> {
        let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? else {
            return Err(de::Error::custom(KIND_MISSING));
        };
        if key != "kind" {
            return Err(de::Error::custom(KIND_NOT_FIRST));
        }
        let kind: std::borrow::Cow<'de, str> = map.next_value()?;
        let rest = de::value::MapAccessDeserializer::new(map);
        Ok(match DocKind::from_name(&kind) {
            Some(DocKind::Prescription) => Document::Prescription(Deserialize::deserialize(rest)?),
            Some(DocKind::OutpatientRecord) => {
                Document::OutpatientRecord(Deserialize::deserialize(rest)?)
            }
            Some(DocKind::ExamRequest) => Document::ExamRequest(Deserialize::deserialize(rest)?),
            Some(DocKind::InfectiousReport) => {
                Document::InfectiousReport(Deserialize::deserialize(rest)?)
            }
            Some(DocKind::Visit) => Document::Visit(Deserialize::deserialize(rest)?),
            None => return Err(de::Error::custom(unknown_kind(&kind))),
        })
    }
}

impl<'de> Deserialize<'de> for Document {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Used when a document is embedded in a larger structure; top-level input goes
        // through `parse_document` for the located errors and the not-first `kind`.
        let value = serde_json::Value::deserialize(d)?;
        document_from_value(value).map_err(|e| de::Error::custom(e.located()))
    }
}

#[cfg(test)]
pub(crate) mod locate_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_kind_first_and_kind_later_alike() {
        let a =
            parse_document(r#"{"kind":"prescription","id":"a","items":[{"drug":"x"}]}"#).unwrap();
        let b =
            parse_document(r#"{"id":"a","items":[{"drug":"x"}],"kind":"prescription"}"#).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.kind(), DocKind::Prescription);
    }

    #[test]
    fn wrong_type_is_located() {
        let e = parse_document(
            "{\"kind\":\"prescription\",\n\"id\":\"a\",\n\"items\":[{\"drug\":42}]}",
        )
        .unwrap_err();
        assert_eq!(e.path, "items[0].drug");
        assert_eq!(e.line, Some(3));
        assert!(
            e.message.contains("invalid type: integer `42`"),
            "{}",
            e.message
        );
        let e = parse_document(r#"{"id":"a","items":[{"drug":42}],"kind":"prescription"}"#)
            .unwrap_err();
        assert_eq!(e.path, "items[0].drug");
    }

    #[test]
    fn unknown_and_missing_kind() {
        let e = parse_document(r#"{"kind":"invoice","id":"a"}"#).unwrap_err();
        assert_eq!(e.path, "kind");
        assert!(e.message.contains("unknown kind `invoice`"));
        let e = parse_document(r#"{"id":"a","kind":"invoice"}"#).unwrap_err();
        assert_eq!(e.path, "kind");
        let e = parse_document(r#"{"id":"a"}"#).unwrap_err();
        assert!(e.message.contains("missing field `kind`"));
        let e = parse_document(r#"{}"#).unwrap_err();
        assert!(e.message.contains("missing field `kind`"));
    }

    #[test]
    fn truncated_garbage_and_empty() {
        let e =
            parse_document(r#"{"kind":"prescription","id":"a","items":[{"drug":"x""#).unwrap_err();
        assert!(e.message.contains("truncated"), "{}", e.message);
        assert!(
            parse_document("")
                .unwrap_err()
                .message
                .contains("truncated")
        );
        let e = parse_document("\u{1}\u{2}PK\u{3}").unwrap_err();
        assert_eq!(e.line, Some(1));
        let e = parse_document("[1,2]").unwrap_err();
        assert!(e.message.contains("document"), "{}", e.message);
        let e = parse_document(r#"{"kind":"prescription","id":"a"} trailing"#).unwrap_err();
        assert!(e.message.contains("trailing"), "{}", e.message);
    }

    #[test]
    fn columns_count_characters() {
        let e = parse_document(r#"{"kind":"prescription","id":"处方一","items":[{"drug":42}]}"#)
            .unwrap_err();
        // serde_json points just past the bad value: the 53rd character (the 59th byte).
        assert_eq!(e.column, Some(53), "{e}");
    }

    #[test]
    fn chinese_enum_spellings() {
        let d = parse_document(r#"{"kind":"prescription","id":"a","patient":{"sex":"男","age":{"value":3,"unit":"岁"}}}"#).unwrap();
        let Document::Prescription(p) = d else {
            panic!()
        };
        assert_eq!(p.patient.sex, Some(Sex::Male));
        let e = parse_document(r#"{"kind":"prescription","id":"a","patient":{"sex":"x"}}"#)
            .unwrap_err();
        assert_eq!(e.path, "patient.sex");
    }
}

#[cfg(test)]
mod zh_tests {
    use super::*;

    fn zh(json: &str) -> (String, String) {
        let e = parse_document(json).unwrap_err();
        (e.path.clone(), e.message_zh())
    }

    #[test]
    fn type_errors_read_in_chinese_at_their_path() {
        let (path, m) =
            zh(r#"{"kind":"prescription","id":"a","patient":{"age":{"value":"52岁"}}}"#);
        assert_eq!(path, "patient.age.value");
        assert_eq!(m, "类型不符：应为数字，实为文字“52岁”");
        let (path, m) = zh(r#"{"kind":"prescription","items":[{"drug":42}]}"#);
        assert_eq!(
            (path.as_str(), m.as_str()),
            ("items[0].drug", "类型不符：应为文字，实为数字 42")
        );
        let (_, m) = zh(r#"{"kind":"prescription","patient":{"sex":"x"}}"#);
        assert!(
            m.starts_with("无法识别的取值“x”，应为 ") && m.contains("男、"),
            "{m}"
        );
        let (_, m) = zh(r#"{"kind":"prescription","diagnoses":"感冒"}"#);
        assert_eq!(m, "类型不符：应为列表 […]，实为文字“感冒”");
    }

    #[test]
    fn kind_and_syntax_errors_read_in_chinese() {
        let (path, m) = zh(r#"{"kind":"invoice"}"#);
        assert_eq!(path, "kind");
        assert!(
            m.starts_with("未知的文书类型“invoice”，应为 prescription、"),
            "{m}"
        );
        assert!(zh(r#"{"id":"a"}"#).1.starts_with("缺少字段 kind"));
        assert!(zh(r#"{"kind":"prescription""#).1.contains("不完整"));
        assert_eq!(
            zh(r#"{"kind":"prescription"} x"#).1,
            "文书之后还有多余的字符"
        );
        assert!(zh("[1]").1.starts_with("类型不符") || zh("[1]").1.starts_with("应为一份文书"));
        let e =
            parse_document("{\"kind\":\"prescription\",\n\"items\":[{\"drug\":42}]}").unwrap_err();
        assert_eq!(
            e.located_zh(),
            "第 2 行第 19 列，items[0].drug：类型不符：应为文字，实为数字 42"
        );
        // No English left behind but what the input itself holds, or serde's unknown wording.
        assert_eq!(zh::message("something new"), "格式有误：something new");
    }
}

#[cfg(test)]
mod null_lists {
    use super::*;

    #[test]
    fn null_lists_are_empty() {
        let d = parse_document(
            r#"{"kind":"prescription","id":"a","diagnoses":null,"diagnosis_codes":null,"items":null,"amendments":null,"patient":{"allergens":null}}"#,
        )
        .unwrap();
        let Document::Prescription(p) = d else {
            panic!()
        };
        assert!(p.diagnoses.is_empty() && p.items.is_empty() && p.patient.allergens.is_empty());
    }
}

/// The fields of `json` that the interchange format does not define, as paths
/// (`items[0].dosage`), for a document `json` parsed to `doc`. Unknown fields are accepted and
/// ignored everywhere; this lists them for integrators who want to know (`opdcheck check --strict`).
pub fn unknown_fields(json: &str, doc: &Document) -> Vec<String> {
    let Ok(input) = serde_json::from_str::<serde_json::Value>(json) else {
        return Vec::new();
    };
    // Serialising the typed document writes every field it knows (missing ones as null).
    let Ok(known) = serde_json::to_value(doc) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    unknown_in(&input, &known, "", &mut out);
    out
}

fn unknown_in(
    input: &serde_json::Value,
    known: &serde_json::Value,
    path: &str,
    out: &mut Vec<String>,
) {
    use serde_json::Value;
    match (input, known) {
        (Value::Object(i), Value::Object(k)) => {
            for (key, v) in i {
                let p = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                match k.get(key) {
                    Some(kv) => unknown_in(v, kv, &p, out),
                    // `kind` may stand on documents nested in a visit, where it is implied.
                    None if key == "kind" => {}
                    None => out.push(p),
                }
            }
        }
        (Value::Array(i), Value::Array(k)) => {
            for (n, (v, kv)) in i.iter().zip(k).enumerate() {
                unknown_in(v, kv, &format!("{path}[{n}]"), out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod unknown_field_tests {
    use super::*;

    #[test]
    fn lists_the_fields_the_format_does_not_define() {
        let text = r#"{"kind":"visit","visit_id":"v","his_code":"X1","record":{"kind":"outpatient_record","id":"r","patient":{"name":"张三","nickname":"小张"}},"prescriptions":[{"id":"p","items":[{"drug":"阿莫西林胶囊","dosage":"2粒"}]}]}"#;
        let doc = parse_document(text).unwrap();
        assert_eq!(
            unknown_fields(text, &doc),
            vec![
                "his_code",
                "prescriptions[0].items[0].dosage",
                "record.patient.nickname"
            ]
        );
        let clean = r#"{"kind":"prescription","id":"a","patient":{"sex":"男"},"amendments":[{"before":{"x":1}}]}"#;
        assert!(unknown_fields(clean, &parse_document(clean).unwrap()).is_empty());
    }
}
