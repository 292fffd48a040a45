//! Rows to prescriptions: the header matched to the mapping, the rows grouped by the
//! `group_by` column (in the order of each prescription's first row; its rows need not be
//! adjacent), and each group built into the interchange JSON of one prescription
//! (docs/format.md) — the same text a JSON input would give, so it is checked, reported and
//! counted by the same code.
//!
//! A row that cannot be read refuses its prescription (every message names the line, the column
//! and the prescription number); the other prescriptions are still checked.

use std::collections::HashMap;
use std::sync::Arc;

use csv::StringRecord;

use super::decode::decode;
use super::mapping::{Column, Mapping};

/// One prescription of the export, or what kept it (or a row outside any) from being read.
#[derive(Debug)]
pub enum Entry {
    /// A prescription's interchange JSON; `line` is its first row's.
    Document { line: usize, json: String },
    /// Located messages, one per line, each `FILE:LINE: …`.
    Refused { line: usize, messages: Vec<String> },
}

/// The entries of an export, each with the offset (in the file's bytes) of its last row, for
/// the progress bar. `Err`: the whole file is unusable (no header, a mapped column missing).
/// The rows are all read and grouped here; each prescription is built when it is asked for,
/// so building overlaps with checking the ones before.
pub fn read(file: &str, bytes: &[u8], shared: Arc<Mapping>) -> Result<Export, String> {
    let mapping: &Mapping = &shared;
    let decoded = decode(bytes, mapping.encoding);
    let text_len = decoded.text.len().max(1) as u64;
    let to_file_offset = |pos: u64| pos.saturating_mul(bytes.len() as u64) / text_len;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(mapping.delimiter_byte())
        .flexible(true)
        .has_headers(false)
        .from_reader(decoded.text.as_bytes());
    let mut records = reader.records();
    let mut lines = Lines::new(&decoded.text);
    let (header, header_line) = loop {
        match records.next() {
            None => return Err(format!("{file}: 空文件：没有表头，也没有数据行")),
            Some(Err(e)) => return Err(format!("{file}:{}: 无法读取表头: {e}", csv_line(&e))),
            Some(Ok(r)) if is_blank(&r) => {}
            Some(Ok(r)) => {
                let line = lines.of(&r);
                break (r, line);
            }
        }
    };
    let layout = Layout::new(file, header_line, &header, mapping, decoded.encoding)?;

    let mut slots: Vec<Slot> = Vec::new();
    let mut groups: Vec<Group> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = csv_line(&e);
                let messages = vec![format!("{file}:{line}: 此行无法读取（{e}），未检查")];
                slots.push(Slot::Alone(Entry::Refused { line, messages }, 0));
                continue;
            }
        };
        if is_blank(&record) {
            continue;
        }
        let line = lines.of(&record);
        let end = to_file_offset(record.position().map_or(0, |p| p.byte()));
        let mut errors = Vec::new();
        if record.len() != header.len() {
            errors.push(format!(
                "此行有 {} 个字段，表头有 {} 个（分隔符或引号有误？）",
                record.len(),
                header.len()
            ));
        }
        let last_line = line
            + record
                .iter()
                .map(|c| c.matches('\n').count())
                .sum::<usize>();
        if decoded
            .bad_lines
            .iter()
            .any(|&b| (line..=last_line).contains(&b))
        {
            errors.push(format!(
                "含有无法按 {} 解码的字节（映射文件的 encoding 对吗？）",
                decoded.encoding
            ));
        }
        let key = record.get(layout.group).unwrap_or("").trim().to_string();
        if key.is_empty() {
            let mut messages = vec![format!(
                "{file}:{line}: 列「{}」为空：此行不属于任何处方，未检查",
                mapping.group_by.trim()
            )];
            messages.extend(errors.iter().map(|e| format!("{file}:{line}: {e}")));
            slots.push(Slot::Alone(Entry::Refused { line, messages }, end));
            continue;
        }
        let row = Row {
            line,
            cells: record,
            errors,
        };
        match by_key.get(&key) {
            Some(&i) => {
                groups[i].rows.push(row);
                groups[i].end = end;
            }
            None => {
                by_key.insert(key.clone(), groups.len());
                slots.push(Slot::Group(groups.len()));
                groups.push(Group {
                    key,
                    rows: vec![row],
                    end,
                });
            }
        }
    }
    if slots.is_empty() {
        return Err(format!("{file}:{header_line}: 只有表头，没有数据行"));
    }
    Ok(Export {
        file: file.to_string(),
        mapping: shared.clone(),
        layout,
        slots: slots.into_iter(),
        groups,
        file_len: bytes.len() as u64,
    })
}

/// An export read and grouped, yielding its entries in order.
pub struct Export {
    file: String,
    mapping: Arc<Mapping>,
    layout: Layout,
    slots: std::vec::IntoIter<Slot>,
    groups: Vec<Group>,
    file_len: u64,
}

impl Iterator for Export {
    type Item = (Entry, u64);

    fn next(&mut self) -> Option<(Entry, u64)> {
        let (entry, end) = match self.slots.next()? {
            Slot::Alone(entry, end) => (entry, end),
            Slot::Group(i) => {
                // Groups are asked for in order, once each: their rows can go.
                let g = std::mem::take(&mut self.groups[i]);
                (self.layout.build(&self.file, &self.mapping, &g), g.end)
            }
        };
        let end = if self.slots.len() == 0 {
            self.file_len
        } else {
            end
        };
        Some((entry, end))
    }
}

enum Slot {
    Group(usize),
    Alone(Entry, u64),
}

pub(super) struct Row {
    pub line: usize,
    pub cells: StringRecord,
    /// What made the row unreadable (before its cells are read).
    pub errors: Vec<String>,
}

#[derive(Default)]
pub(super) struct Group {
    pub key: String,
    pub rows: Vec<Row>,
    pub end: u64,
}

fn is_blank(r: &StringRecord) -> bool {
    r.iter().all(|c| c.trim().is_empty())
}

/// The line a record starts on. csv's own count is one short after a CRLF line (the record's
/// position is taken before the `\n`), so lines are counted here, once through the text.
struct Lines<'t> {
    text: &'t [u8],
    scanned: usize,
    line: usize,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Lines<'t> {
        Lines {
            text: text.as_bytes(),
            scanned: 0,
            line: 1,
        }
    }

    fn of(&mut self, r: &StringRecord) -> usize {
        let mut start = r
            .position()
            .map_or(0, |p| p.byte() as usize)
            .min(self.text.len());
        while start < self.text.len() && matches!(self.text[start], b'\r' | b'\n') {
            start += 1;
        }
        if start > self.scanned {
            self.line += self.text[self.scanned..start]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            self.scanned = start;
        }
        self.line
    }
}

fn csv_line(e: &csv::Error) -> usize {
    e.position().map_or(1, |p| p.line() as usize)
}

/// Where each mapped column is in the header.
pub(super) struct Layout {
    group: usize,
    pub columns: Vec<(Column, usize)>,
}

impl Layout {
    fn new(
        file: &str,
        line: usize,
        header: &StringRecord,
        mapping: &Mapping,
        encoding: &str,
    ) -> Result<Layout, String> {
        let names: Vec<&str> = header
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim())
            .collect();
        let mut missing = Vec::new();
        let mut twice = Vec::new();
        let mut find = |name: &str| -> Option<usize> {
            let mut at = names.iter().enumerate().filter(|(_, n)| **n == name);
            let first = at.next().map(|(i, _)| i);
            if first.is_none() && !missing.contains(&name.to_string()) {
                missing.push(name.to_string());
            }
            if first.is_some() && at.next().is_some() && !twice.contains(&name.to_string()) {
                twice.push(name.to_string());
            }
            first
        };
        let group = find(mapping.group_by.trim());
        let columns: Vec<(Column, Option<usize>)> = mapping
            .columns()
            .into_iter()
            .map(|c| {
                let i = find(&c.header);
                (c, i)
            })
            .collect();
        let quote = |v: &[String]| v.iter().map(|n| format!("「{n}」")).collect::<String>();
        if !missing.is_empty() {
            return Err(format!(
                // The header as read shows a wrong encoding at once (乱码).
                "{file}:{line}: 表头中没有映射文件所写的列 {}（按 {encoding} 读到的表头: {}）；未检查任何行",
                quote(&missing),
                names.join(", ")
            ));
        }
        if !twice.is_empty() {
            return Err(format!(
                "{file}:{line}: 表头中映射的列 {} 出现不止一次，无法确定读哪一列；未检查任何行",
                quote(&twice)
            ));
        }
        Ok(Layout {
            group: group.unwrap_or(0),
            columns: columns
                .into_iter()
                .map(|(c, i)| (c, i.unwrap_or(0)))
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn mapping() -> Arc<Mapping> {
        Mapping::parse(
            "m.toml",
            "encoding = \"utf-8\"\ngroup_by = \"处方号\"\n[constants]\ncompleted = true\n\
             [prescription]\ndepartment = \"科别\"\nissued_at = \"日期\"\n\
             [patient]\nage = \"年龄\"\n[item]\ndrug = \"药品\"\ndose = \"剂量\"\ndays = \"天数\"\n",
        )
        .map(Arc::new)
        .unwrap()
    }

    fn docs(text: &str) -> Vec<Entry> {
        read("x.csv", text.as_bytes(), mapping())
            .unwrap()
            .map(|(e, _)| e)
            .collect()
    }

    #[test]
    fn rows_group_by_their_column_in_first_row_order() {
        let e = docs(
            "处方号,科别,日期,年龄,药品,剂量,天数,药房\n\
             B,内科,2026/11/22 9:30,45岁,阿莫西林胶囊,0.5g,3,西药房\n\
             ,,,,,,,\n\
             A,儿科,,3个月,布洛芬混悬液,2ml,,西药房\n\
             B,,2026-11-22 09:30:00,,盐酸氨溴索片,30mg,5,西药房\n",
        );
        let [
            Entry::Document { line: 2, json: b },
            Entry::Document { line: 4, json: a },
        ] = e.as_slice()
        else {
            panic!("{e:?}")
        };
        let b: serde_json::Value = serde_json::from_str(b).unwrap();
        assert_eq!(
            b,
            serde_json::json!({"kind": "prescription", "id": "B", "department": "内科",
                "issued_at": "2026-11-22T09:30", "patient": {"age": {"value": 45, "unit": "year"}},
                "items": [{"drug": "阿莫西林胶囊", "dose": {"value": 0.5, "unit": "g"}, "days": 3},
                          {"drug": "盐酸氨溴索片", "dose": {"value": 30, "unit": "mg"}, "days": 5}],
                "completed": true})
        );
        assert!(a.contains("\"id\":\"A\"") && !a.contains("days"), "{a}");
    }

    #[test]
    fn lines_are_counted_across_crlf_and_quoted_newlines() {
        let e = docs(
            "处方号,科别,日期,年龄,药品,剂量,天数\r\nA,内科,,,x,1g,1\r\n\r\n\
             B,\"内\r\n科\",,,x,1g,1\r\nC,内科,,,x,abc,1\r\n",
        );
        let lines: Vec<usize> = e
            .iter()
            .map(|e| match e {
                Entry::Document { line, .. } | Entry::Refused { line, .. } => *line,
            })
            .collect();
        assert_eq!(lines, [2, 4, 6]);
        let Entry::Refused { messages, .. } = &e[2] else {
            panic!("{e:?}")
        };
        assert_eq!(
            messages,
            &["x.csv:6: 列「剂量」: 「abc」不是数字（处方「C」未检查）"]
        );
    }

    #[test]
    fn a_row_without_its_group_value_stands_alone() {
        let e = docs("处方号,科别,日期,年龄,药品,剂量,天数\n ,内科,,,x,1g,1\nA,内科,,,x,1g,1\n");
        let Entry::Refused { line: 2, messages } = &e[0] else {
            panic!("{e:?}")
        };
        assert_eq!(
            messages,
            &["x.csv:2: 列「处方号」为空：此行不属于任何处方，未检查"]
        );
        assert!(matches!(e[1], Entry::Document { line: 3, .. }));
    }

    fn whole_file_error(text: &str) -> String {
        match read("x.csv", text.as_bytes(), mapping()) {
            Err(e) => e,
            Ok(_) => panic!("read: {text}"),
        }
    }

    #[test]
    fn whole_file_errors() {
        assert_eq!(
            whole_file_error(""),
            "x.csv: 空文件：没有表头，也没有数据行"
        );
        assert_eq!(
            whole_file_error("处方号,科别,日期,年龄,药品,剂量,天数\n"),
            "x.csv:1: 只有表头，没有数据行"
        );
        let e = whole_file_error("处方号,药品,药品\nA,x,y\n");
        assert!(
            e.starts_with(
                "x.csv:1: 表头中没有映射文件所写的列 「年龄」「科别」「日期」「剂量」「天数」（按 UTF-8 读到的表头"
            ),
            "{e}"
        );
        let e = whole_file_error("处方号,科别,日期,年龄,药品,药品,剂量,天数\nA\n");
        assert!(e.contains("「药品」 出现不止一次"), "{e}");
    }

    #[test]
    fn a_short_row_is_refused() {
        let e = docs("处方号,科别,日期,年龄,药品,剂量,天数\nA,内科,,,x\n");
        let Entry::Refused { messages, .. } = &e[0] else {
            panic!("{e:?}")
        };
        assert_eq!(
            messages,
            &["x.csv:2: 此行有 5 个字段，表头有 7 个（分隔符或引号有误？）（处方「A」未检查）"]
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Never a panic, whatever the bytes.
        #[test]
        fn any_bytes_are_read_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = read("x.csv", &bytes, mapping()).map(Iterator::count);
        }

        /// Rows of arbitrary cells under the right header: documents or located refusals.
        #[test]
        fn any_rows_give_documents_or_located_errors(
            rows in proptest::collection::vec(
                proptest::collection::vec("[A-B]|男|女|[0-9.]{0,4}[a-z岁月天g]{0,2}|.{0,6}", 0..10), 1..8)
        ) {
            let mut text = String::from("处方号,科别,日期,年龄,药品,剂量,天数,性别\n");
            for r in &rows {
                text.push_str(&r.iter().map(|c| c.replace(['\n', '\r', '"', ','], "")).collect::<Vec<_>>().join(","));
                text.push('\n');
            }
            let mapping = Mapping::parse(
                "m.toml",
                "group_by = \"处方号\"\n[prescription]\ndepartment = \"科别\"\nissued_at = \"日期\"\n\
                 [patient]\nage = \"年龄\"\nsex = \"性别\"\n[item]\ndrug = \"药品\"\ndose = \"剂量\"\ndays = \"天数\"\n",
            )
            .unwrap();
            if let Ok(entries) = read("x.csv", text.as_bytes(), Arc::new(mapping)) {
                for (e, _) in entries {
                    match e {
                        Entry::Document { json, .. } => {
                            prop_assert!(opdcheck_engine::parse_document(&json).is_ok());
                        }
                        Entry::Refused { messages, .. } => {
                            prop_assert!(!messages.is_empty());
                            prop_assert!(messages.iter().all(|m| m.starts_with("x.csv:")), "{messages:?}");
                        }
                    }
                }
            }
        }
    }
}
