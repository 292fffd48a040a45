//! Paths of positions in a small text. That the paths are the ones a path-tracking reader gives,
//! over thousands of broken documents and policies: `parse/locate_tests.rs` and `policy.rs`.

use super::{Failure, path_at};

#[test]
fn paths_of_positions() {
    let text = r#"{"a": {"b": [1, {"c": "x"}]}, "d": 2}"#;
    let at = |needle: &str| {
        let offset = text.find(needle).expect(needle) + needle.len();
        path_at(text, offset, Failure::Data, false)
    };
    assert_eq!(at(r#""x""#), "a.b[1].c");
    assert_eq!(at("[1"), "a.b[0]");
    assert_eq!(at(r#""x"}"#), "a.b[1]");
    assert_eq!(at("}]"), "a.b");
    assert_eq!(at("]}"), "a");
    assert_eq!(at(r#""d": 2"#), "d");
    assert_eq!(at(r#"{"a": {"#), "a");
    assert_eq!(path_at(text, text.len(), Failure::Data, false), "");
    assert_eq!(path_at("", 5, Failure::InValue, false), "");
}
