//! Where a position in a JSON text is, as the path a located error names (`items[0].drug`).
//!
//! serde_json says where reading failed (line and column), not what it was reading. This scans
//! the text up to that position and names the value there. It runs only when reading fails, so
//! every read is a plain serde_json read: a path-tracking wrapper around the deserialisers
//! (serde_path_to_error, used before) doubled the code that reads documents and policies in the
//! wasm builds, whose download budget is measured, and slowed every read. A test reads thousands
//! of broken documents and policies both ways and requires the same paths
//! (`parse/locate_tests.rs`, and `policy.rs`'s tests for policies).
//!
//! The path is the one of the value being read when reading failed: the value just read (a
//! string or number of the wrong type or value, an object missing a field, an array of the
//! wrong length), the value that starts there (an object where a string belongs), or, between
//! values, the object or array they are in. A key the type does not know (`deny_unknown_fields`)
//! is named by its object's path.

/// One open object or array, and which of its members the scan is at.
enum Frame {
    /// An object and the key of the member being read (`None` before the first key and after a
    /// comma).
    Object(Option<String>),
    /// An array and the index of the element being read.
    Array(usize),
}

/// What the scan read last.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Last {
    /// Nothing yet, or an opening `{` / `[`.
    Open,
    /// A complete value (a scalar, a string value, a closed object or array).
    Value,
    /// An object's key, before its colon.
    Key,
    /// The colon after a key.
    Colon,
    /// A comma between members.
    Comma,
}

/// How reading failed, as far as naming the place goes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Failure {
    /// A value of the wrong type or content (serde_json's `Category::Data`): the value read.
    Data,
    /// Text that is not JSON where a value, or a part of one, was being read (`expected value`,
    /// `invalid number`, an unfinished string or value).
    InValue,
    /// Text that is not JSON between the members of an object or array (`expected ,`, a key
    /// that is not a string).
    Between,
    /// The text ends: inside a value (`EOF while parsing a value`: true) or between members.
    Eof(bool),
}

impl Failure {
    /// The kind of a serde_json error.
    pub(crate) fn of(e: &serde_json::Error) -> Failure {
        use serde_json::error::Category;
        let message = e.to_string();
        match e.classify() {
            Category::Data => Failure::Data,
            Category::Eof => Failure::Eof(message.starts_with("EOF while parsing a value")),
            _ if ["expected `", "key must be a string", "trailing comma"]
                .iter()
                .any(|p| message.starts_with(p)) =>
            {
                Failure::Between
            }
            _ => Failure::InValue,
        }
    }
}

/// The path of where serde_json's error `e` happened in `json`.
pub(crate) fn path_of_error(json: &str, e: &serde_json::Error) -> String {
    if e.line() == 0 {
        return String::new();
    }
    let start = json
        .split_inclusive('\n')
        .take(e.line().saturating_sub(1))
        .map(str::len)
        .sum::<usize>();
    let failure = Failure::of(e);
    // serde_json's column counts the bytes read on the line. For text that is not JSON that
    // includes the offending byte (read, or only looked at): the scan stops before it.
    let offending = matches!(failure, Failure::InValue | Failure::Between);
    let offset = start + e.column() - usize::from(offending && e.column() > 0);
    let unknown_variant = e.to_string().starts_with("unknown variant");
    path_at(json, offset, failure, unknown_variant)
}

/// The path of the value being read at byte `offset` (everything before it has been read).
pub(crate) fn path_at(
    json: &str,
    offset: usize,
    failure: Failure,
    unknown_variant: bool,
) -> String {
    let bytes = json.as_bytes();
    let end = offset.min(bytes.len());
    let mut stack: Vec<Frame> = Vec::new();
    let mut last = Last::Open;
    // The scan stopped inside a token: a value's (true) or a key's (false).
    let mut inside: Option<bool> = None;
    // The last token read was a number or literal that ends where the scan does.
    let mut scalar_at_end = false;
    let mut i = 0;
    while i < end {
        match bytes[i] {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'{' => {
                stack.push(Frame::Object(None));
                last = Last::Open;
                i += 1;
            }
            b'[' => {
                stack.push(Frame::Array(0));
                last = Last::Open;
                i += 1;
            }
            b'}' | b']' => {
                stack.pop();
                last = Last::Value;
                i += 1;
            }
            b',' => {
                match stack.last_mut() {
                    Some(Frame::Object(key)) => *key = None,
                    Some(Frame::Array(index)) => *index += 1,
                    None => {}
                }
                last = Last::Comma;
                i += 1;
            }
            b':' => {
                last = Last::Colon;
                i += 1;
            }
            b'"' => {
                let close = string_end(bytes, i);
                let is_key = matches!(stack.last(), Some(Frame::Object(_)))
                    && matches!(last, Last::Open | Last::Comma);
                if close > end {
                    inside = Some(!is_key);
                    break;
                }
                if is_key {
                    if let Some(Frame::Object(key)) = stack.last_mut() {
                        *key = Some(unescape(&json[i..close]));
                    }
                    last = Last::Key;
                } else {
                    last = Last::Value;
                }
                i = close;
            }
            _ => {
                // A number, true/false/null, or text that is not JSON: up to a delimiter.
                let mut j = i + 1;
                while j < bytes.len() && !is_delimiter(bytes[j]) {
                    j += 1;
                }
                if j > end {
                    inside = Some(true);
                    break;
                }
                last = Last::Value;
                scalar_at_end = j == end;
                i = j;
            }
        }
    }
    let in_array = matches!(stack.last(), Some(Frame::Array(_)));
    // Whether the innermost container's current member is part of the path.
    let with_top = match (inside, failure) {
        (_, Failure::Between) => inside.is_none() && last == Last::Colon,
        (Some(in_value), _) => in_value,
        // The text ended inside a value (after a key's colon, or in a cut `tru`), or between
        // members (an array's next element not yet begun).
        (None, Failure::Eof(in_value)) => {
            last == Last::Colon || (in_value && last == Last::Value && scalar_at_end)
        }
        (None, Failure::InValue) => match last {
            Last::Value | Last::Colon => true,
            Last::Open | Last::Comma => in_array,
            Last::Key => false,
        },
        (None, Failure::Data) => match last {
            Last::Value | Last::Colon => true,
            Last::Open | Last::Comma => in_array,
            // A key the type does not know is named; a variant it does not know is not.
            Last::Key => !unknown_variant,
        },
    };
    let depth = if with_top {
        stack.len()
    } else {
        stack.len().saturating_sub(1)
    };
    let mut path = String::new();
    for frame in &stack[..depth] {
        match frame {
            Frame::Object(Some(key)) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Frame::Object(None) => {}
            Frame::Array(index) => {
                path.push('[');
                path.push_str(&index.to_string());
                path.push(']');
            }
        }
    }
    path
}

fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b',' | b':' | b'{' | b'}' | b'[' | b']' | b'"' | b' ' | b'\t' | b'\n' | b'\r'
    )
}

/// The byte after the string that starts at `open` (a quote); past the end when it is not
/// closed.
fn string_end(bytes: &[u8], open: usize) -> usize {
    let mut j = open + 1;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' => j += 2,
            b'"' => return j + 1,
            _ => j += 1,
        }
    }
    bytes.len() + 1
}

/// A key as serde_json reads it (escapes decoded); as written when it cannot be decoded.
fn unescape(quoted: &str) -> String {
    serde_json::from_str::<String>(quoted).unwrap_or_else(|_| quoted.trim_matches('"').to_string())
}

#[cfg(test)]
mod tests;
