//! Reading input files into a stream of documents' texts, each with where it starts.
//!
//! - `.json`: one document, or an array of documents. The file is read whole; each array
//!   element is located by its offset in the file. A syntax error inside the array ends the
//!   file, but the elements before it are still checked.
//! - anything else (`.jsonl`, `.ndjson` …) and `-` (standard input): JSON Lines, one document
//!   per line, read line by line (never the whole file); blank lines are skipped.
//!
//! A file with no document at all (empty, or only blank lines) is a bad input.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use opdcheck_engine::InputError;
use serde::de::{Deserializer, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// The longest JSONL line read; a longer one (say a binary file without newlines) is a bad
/// input and skipped.
pub const MAX_LINE_BYTES: u64 = 64 << 20;

/// One input item: a document's text, or what made it unreadable.
#[derive(Debug)]
pub struct Unit {
    /// The file as named on the command line (`<stdin>` for `-`).
    pub file: Arc<str>,
    /// 1-based line and column (in bytes) where the document starts.
    pub line: usize,
    pub column: usize,
    /// `Some(i)` for the i-th element of a `.json` array (errors name `[i]` in their path).
    pub element: Option<usize>,
    pub body: Body,
}

#[derive(Debug)]
pub enum Body {
    /// The document's JSON text.
    Text(String),
    /// Unreadable at this place (bad UTF-8, a JSON syntax error in an array file …).
    Bad(InputError),
    /// The whole file is unusable (missing, a directory, empty …): no line, no path.
    File(String),
    /// A complete message, located by its reader (a HIS CSV export's rows: `FILE:LINE: 列「…」: …`).
    Message(String),
}

impl Unit {
    /// Place an error from parsing this unit's text in the file.
    pub fn locate(&self, e: InputError) -> InputError {
        let first_line = e.line == Some(1);
        let column = e.column;
        let mut e = match e.line {
            Some(_) => e.offset_lines(self.line),
            None => InputError {
                line: Some(self.line),
                column: None,
                ..e
            },
        };
        if first_line {
            // On the document's first line the column is relative to where it starts.
            e.column = column.map(|c| c + self.column - 1);
        }
        if let Some(i) = self.element {
            e.path = element_path(i, &e.path);
        }
        e
    }

    /// The message for a bad input of this unit (its body is `Bad` or `File`, or `e`).
    pub fn describe(&self, e: Option<&InputError>) -> String {
        match (&self.body, e) {
            (_, Some(e)) => format_error(&self.file, e),
            (Body::Bad(e), None) => format_error(&self.file, e),
            (Body::File(m), None) => format!("{}: {m}", self.file),
            (Body::Message(m), None) => m.clone(),
            (Body::Text(_), None) => format!("{}:{}: unreadable", self.file, self.line),
        }
    }
}

fn element_path(i: usize, path: &str) -> String {
    if path.is_empty() {
        format!("[{i}]")
    } else if path.starts_with('[') {
        format!("[{i}]{path}")
    } else {
        format!("[{i}].{path}")
    }
}

/// `FILE:LINE[:COL]: at PATH: message`.
pub fn format_error(file: &str, e: &InputError) -> String {
    let mut s = String::from(file);
    if let Some(line) = e.line {
        s.push_str(&format!(":{line}"));
        if let Some(col) = e.column {
            s.push_str(&format!(":{col}"));
        }
    }
    if e.path.is_empty() {
        s.push_str(": at the document root: ");
    } else {
        s.push_str(&format!(": at {}: ", e.path));
    }
    s.push_str(&e.message);
    s
}

/// An input named on the command line.
#[derive(Debug, Clone)]
pub enum Source {
    Stdin,
    File(PathBuf),
    /// A HIS CSV export read with its mapping (`--csv`, `--mapping`).
    HisCsv(PathBuf, Arc<crate::his_csv::Mapping>),
}

impl Source {
    pub fn from_arg(arg: &Path) -> Source {
        if arg.as_os_str() == "-" {
            Source::Stdin
        } else {
            Source::File(arg.to_path_buf())
        }
    }

    fn name(&self) -> Arc<str> {
        match self {
            Source::Stdin => "<stdin>".into(),
            Source::File(p) | Source::HisCsv(p, _) => p.display().to_string().into(),
        }
    }

    /// Its size in bytes, when known (for the progress bar).
    pub fn size(&self) -> Option<u64> {
        match self {
            Source::Stdin => None,
            Source::File(p) | Source::HisCsv(p, _) => std::fs::metadata(p).ok().map(|m| m.len()),
        }
    }

    fn is_json_file(&self) -> bool {
        match self {
            Source::Stdin | Source::HisCsv(..) => false,
            Source::File(p) => p
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json")),
        }
    }
}

type LineReader = Box<dyn BufRead + Send>;

enum Current {
    Lines {
        file: Arc<str>,
        reader: LineReader,
        line: usize,
        documents: usize,
    },
    Queue(std::vec::IntoIter<Unit>),
    /// Units each with the file's bytes read up to it, from `base` (a HIS CSV export).
    Counted {
        units: Box<dyn Iterator<Item = (Unit, u64)> + Send>,
        base: u64,
    },
}

/// The documents of all inputs, in order.
pub struct Units {
    sources: VecDeque<Source>,
    current: Option<Current>,
    buf: Vec<u8>,
    /// Bytes read so far (for the progress bar).
    pub bytes: u64,
}

impl Units {
    pub fn new(sources: Vec<Source>) -> Units {
        Units {
            sources: sources.into(),
            current: None,
            buf: Vec::new(),
            bytes: 0,
        }
    }

    fn open(&mut self, source: Source) -> Current {
        let file = source.name();
        let file_unit = |m: String| {
            Current::Queue(
                vec![Unit {
                    file: file.clone(),
                    line: 1,
                    column: 1,
                    element: None,
                    body: Body::File(m),
                }]
                .into_iter(),
            )
        };
        let path = match &source {
            Source::Stdin => {
                return Current::Lines {
                    file: file.clone(),
                    reader: Box::new(BufReader::with_capacity(1 << 16, io::stdin())),
                    line: 0,
                    documents: 0,
                };
            }
            Source::File(p) => p.clone(),
            Source::HisCsv(p, mapping) => {
                return match std::fs::read(p) {
                    Ok(bytes) => Current::Counted {
                        units: his_csv_units(file.clone(), &bytes, mapping),
                        base: self.bytes,
                    },
                    Err(e) => file_unit(format!("cannot read: {}", io_message(&e))),
                };
            }
        };
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => {
                return file_unit("is a directory, not a file of documents".into());
            }
            Ok(_) => {}
            Err(e) => return file_unit(format!("cannot read: {}", io_message(&e))),
        }
        if source.is_json_file() {
            match std::fs::read(&path) {
                Ok(bytes) => {
                    self.bytes += bytes.len() as u64;
                    Current::Queue(json_file_units(&file, bytes).into_iter())
                }
                Err(e) => file_unit(format!("cannot read: {}", io_message(&e))),
            }
        } else {
            match File::open(&path) {
                Ok(f) => Current::Lines {
                    file: file.clone(),
                    reader: Box::new(BufReader::with_capacity(1 << 16, f)),
                    line: 0,
                    documents: 0,
                },
                Err(e) => file_unit(format!("cannot read: {}", io_message(&e))),
            }
        }
    }

    /// The next JSONL line of the current file, `None` at its end.
    fn next_line(&mut self) -> Option<Unit> {
        let Some(Current::Lines {
            file,
            reader,
            line,
            documents,
        }) = &mut self.current
        else {
            return None;
        };
        let file = file.clone();
        let mk = |line: usize, body: Body| Unit {
            file: file.clone(),
            line,
            column: 1,
            element: None,
            body,
        };
        loop {
            self.buf.clear();
            let read = reader
                .as_mut()
                .take(MAX_LINE_BYTES + 1)
                .read_until(b'\n', &mut self.buf);
            *line += 1;
            match read {
                Ok(0) => {
                    if *documents == 0 {
                        *documents = 1;
                        return Some(mk(1, Body::File("empty file: no documents".into())));
                    }
                    return None;
                }
                Ok(n) => {
                    self.bytes += n as u64;
                }
                Err(e) => {
                    // An unreadable stream ends the file.
                    let u = mk(
                        *line,
                        Body::File(format!("cannot read at line {}: {}", *line, io_message(&e))),
                    );
                    self.current = Some(Current::Queue(Vec::new().into_iter()));
                    return Some(u);
                }
            }
            if self.buf.len() as u64 > MAX_LINE_BYTES && self.buf.last() != Some(&b'\n') {
                // Skip the rest of this overlong line.
                let mut skipped = 0u64;
                loop {
                    let avail = match reader.fill_buf() {
                        Ok([]) | Err(_) => break,
                        Ok(b) => b,
                    };
                    let (n, done) = match avail.iter().position(|&b| b == b'\n') {
                        Some(i) => (i + 1, true),
                        None => (avail.len(), false),
                    };
                    reader.consume(n);
                    skipped += n as u64;
                    if done {
                        break;
                    }
                }
                self.bytes += skipped;
                *documents += 1;
                return Some(mk(
                    *line,
                    Body::Bad(InputError {
                        path: String::new(),
                        line: Some(*line),
                        column: None,
                        message: format!(
                            "line longer than {} MiB: not a document (is this a binary file?)",
                            MAX_LINE_BYTES >> 20
                        ),
                    }),
                ));
            }
            let mut bytes: &[u8] = &self.buf;
            while let [rest @ .., b'\n' | b'\r'] = bytes {
                bytes = rest;
            }
            if *line == 1 {
                bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            }
            if bytes.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            *documents += 1;
            return Some(match std::str::from_utf8(bytes) {
                Ok(text) => mk(*line, Body::Text(text.to_string())),
                Err(e) => mk(*line, Body::Bad(utf8_error(bytes, e, *line))),
            });
        }
    }
}

impl Iterator for Units {
    type Item = Unit;

    fn next(&mut self) -> Option<Unit> {
        loop {
            match &mut self.current {
                Some(Current::Queue(q)) => {
                    if let Some(u) = q.next() {
                        return Some(u);
                    }
                }
                Some(Current::Lines { .. }) => {
                    if let Some(u) = self.next_line() {
                        return Some(u);
                    }
                }
                Some(Current::Counted { units, base }) => {
                    if let Some((u, end)) = units.next() {
                        self.bytes = self.bytes.max(*base + end);
                        return Some(u);
                    }
                }
                None => {}
            }
            let source = self.sources.pop_front()?;
            self.current = Some(self.open(source));
        }
    }
}

/// A HIS CSV export's prescriptions as units: a prescription's JSON from its first row's
/// line, or the located messages of what could not be read.
fn his_csv_units(
    file: Arc<str>,
    bytes: &[u8],
    mapping: &Arc<crate::his_csv::Mapping>,
) -> Box<dyn Iterator<Item = (Unit, u64)> + Send> {
    use crate::his_csv::Entry;
    let entries = crate::his_csv::prescriptions(&file, bytes, mapping);
    Box::new(entries.map(move |(entry, end)| {
        let (line, body) = match entry {
            Entry::Document { line, json } => (line, Body::Text(json)),
            Entry::Refused { line, messages } => (line, Body::Message(messages.join("\n"))),
        };
        let unit = Unit {
            file: file.clone(),
            line,
            column: 1,
            element: None,
            body,
        };
        (unit, end)
    }))
}

fn io_message(e: &io::Error) -> String {
    // "No such file or directory (os error 2)" → without the os error number.
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Invalid UTF-8 in `bytes` (which start at the beginning of line `first_line`).
fn utf8_error(bytes: &[u8], e: std::str::Utf8Error, first_line: usize) -> InputError {
    let at = e.valid_up_to();
    let before = &bytes[..at];
    let newlines = before.iter().filter(|&&b| b == b'\n').count();
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    InputError {
        path: String::new(),
        line: Some(first_line + newlines),
        column: Some(at - line_start + 1),
        message: format!(
            "invalid UTF-8 (byte 0x{:02x}): the input must be UTF-8 text",
            bytes[at]
        ),
    }
}

/// Collects an array's elements; on a syntax error the elements read so far stay collected.
struct Elements<'a, 'de>(&'a mut Vec<&'de RawValue>);

impl<'de> Visitor<'de> for Elements<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of documents")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(e) = seq.next_element::<&'de RawValue>()? {
            self.0.push(e);
        }
        Ok(())
    }
}

fn json_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let message = match full.rfind(" at line ") {
        Some(i) => full[..i].to_string(),
        None => full,
    };
    match e.classify() {
        serde_json::error::Category::Eof => {
            format!("unexpected end of input ({message}); is the JSON truncated?")
        }
        _ => message,
    }
}

/// The documents of a `.json` file: one document, or each element of an array.
fn json_file_units(file: &Arc<str>, bytes: Vec<u8>) -> Vec<Unit> {
    let unit = |line, column, element, body| Unit {
        file: file.clone(),
        line,
        column,
        element,
        body,
    };
    let mut skip = 0;
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        skip = 3;
    }
    let text = match std::str::from_utf8(&bytes[skip..]) {
        Ok(t) => t,
        Err(e) => {
            return vec![unit(
                1,
                1,
                None,
                Body::Bad(utf8_error(&bytes[skip..], e, 1)),
            )];
        }
    };
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return vec![unit(
            1,
            1,
            None,
            Body::File("empty file: no documents".into()),
        )];
    }
    if !trimmed.starts_with('[') {
        return vec![unit(1, 1, None, Body::Text(text.to_string()))];
    }
    let mut elements: Vec<&RawValue> = Vec::new();
    let mut de = serde_json::Deserializer::from_str(text);
    let result = de
        .deserialize_seq(Elements(&mut elements))
        .map_err(|e| (e, true))
        .and_then(|()| de.end().map_err(|e| (e, false)));
    let mut out = Vec::with_capacity(elements.len() + 1);
    // Walk the text once, counting lines up to each element's start.
    let (mut line, mut line_start, mut scanned) = (1usize, 0usize, 0usize);
    let base = text.as_ptr() as usize;
    for (i, raw) in elements.iter().enumerate() {
        let offset = raw.get().as_ptr() as usize - base;
        for (j, b) in text.as_bytes()[scanned..offset].iter().enumerate() {
            if *b == b'\n' {
                line += 1;
                line_start = scanned + j + 1;
            }
        }
        scanned = offset;
        out.push(unit(
            line,
            offset - line_start + 1,
            Some(i),
            Body::Text(raw.get().to_string()),
        ));
    }
    if let Err((e, in_array)) = result {
        let err = InputError {
            path: if in_array {
                format!("[{}]", elements.len())
            } else {
                String::new()
            },
            line: (e.line() > 0).then_some(e.line()),
            column: (e.line() > 0).then_some(e.column()),
            message: json_message(&e),
        };
        out.push(unit(err.line.unwrap_or(1), 1, None, Body::Bad(err)));
    }
    out
}

/// The inputs' total size, when every one is a file.
pub fn total_size(sources: &[Source]) -> Option<u64> {
    sources.iter().map(Source::size).sum()
}

/// For tests: read a whole source's units.
#[cfg(test)]
pub fn read_all(sources: Vec<Source>) -> Vec<Unit> {
    Units::new(sources).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units_of(name: &str, content: &[u8]) -> Vec<Unit> {
        let dir = std::env::temp_dir().join(format!("opdcheck-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, content).unwrap();
        let u = read_all(vec![Source::File(p.clone())]);
        std::fs::remove_file(&p).unwrap();
        u
    }

    fn texts(units: &[Unit]) -> Vec<(usize, usize, Option<usize>, &str)> {
        units
            .iter()
            .filter_map(|u| match &u.body {
                Body::Text(t) => Some((u.line, u.column, u.element, t.as_str())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn jsonl_skips_blank_lines_and_counts_lines() {
        let u = units_of("a.jsonl", b"\n{\"a\":1}\r\n   \n{\"b\":2}");
        assert_eq!(
            texts(&u),
            vec![(2, 1, None, "{\"a\":1}"), (4, 1, None, "{\"b\":2}")]
        );
    }

    #[test]
    fn empty_files_are_bad() {
        for (name, content) in [
            ("e.jsonl", &b""[..]),
            ("e2.jsonl", b"\n \n"),
            ("e.json", b""),
            ("e2.json", b"  \n"),
        ] {
            let u = units_of(name, content);
            assert_eq!(u.len(), 1, "{name}");
            assert!(
                matches!(&u[0].body, Body::File(m) if m.contains("empty file")),
                "{name}: {u:?}"
            );
        }
    }

    #[test]
    fn json_array_elements_are_located() {
        let u = units_of(
            "a.json",
            b"[\n  {\"a\": 1},\n  {\"b\":\n 2}, {\"c\":3}\n]\n",
        );
        assert_eq!(
            texts(&u),
            vec![
                (2, 3, Some(0), "{\"a\": 1}"),
                (3, 3, Some(1), "{\"b\":\n 2}"),
                (4, 6, Some(2), "{\"c\":3}"),
            ]
        );
        let u = units_of("b.json", b"{\"kind\": \"x\"}");
        assert_eq!(texts(&u), vec![(1, 1, None, "{\"kind\": \"x\"}")]);
    }

    #[test]
    fn a_truncated_array_keeps_the_elements_before_the_error() {
        let u = units_of("t.json", b"[{\"a\":1},\n{\"b\":2},\n{\"c\":");
        assert_eq!(texts(&u).len(), 2);
        let Body::Bad(e) = &u[2].body else {
            panic!("{u:?}")
        };
        assert_eq!(e.path, "[2]");
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("truncated"), "{}", e.message);
    }

    #[test]
    fn invalid_utf8_is_located() {
        let u = units_of("u.jsonl", b"{\"a\":1}\n{\"b\":\"x\xff\"}\n");
        let Body::Bad(e) = &u[1].body else {
            panic!("{u:?}")
        };
        assert_eq!((e.line, e.column), (Some(2), Some(8)));
        let u = units_of("u.json", b"[\n{\"b\":\"x\xfe\"}]");
        let Body::Bad(e) = &u[0].body else {
            panic!("{u:?}")
        };
        assert_eq!((e.line, e.column), (Some(2), Some(8)));
    }

    #[test]
    fn located_errors_shift_to_the_file() {
        let u = Unit {
            file: "f.json".into(),
            line: 5,
            column: 3,
            element: Some(2),
            body: Body::Text(String::new()),
        };
        let e = u.locate(InputError {
            path: "items[0].drug".into(),
            line: Some(1),
            column: Some(10),
            message: "m".into(),
        });
        assert_eq!(
            format_error("f.json", &e),
            "f.json:5:12: at [2].items[0].drug: m"
        );
        let e = u.locate(InputError {
            path: String::new(),
            line: Some(3),
            column: Some(4),
            message: "m".into(),
        });
        assert_eq!(format_error("f.json", &e), "f.json:7:4: at [2]: m");
        let e = u.locate(InputError::new("kind", "missing"));
        assert_eq!(format_error("f.json", &e), "f.json:5: at [2].kind: missing");
    }
}
