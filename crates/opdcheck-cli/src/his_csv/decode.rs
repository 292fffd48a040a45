//! The export's bytes to text: UTF-8 (a BOM is stripped) or GBK (the GB18030 decoder, a
//! superset). Decoding goes line by line so that an undecodable byte spoils only its line:
//! the row there is refused, with its line number, and the rest of the file is still read.
//! A newline byte never occurs inside a GBK or GB18030 character, so splitting first is safe.

use super::mapping::Encoding;

/// The decoded text and the lines (1-based) that held undecodable bytes.
#[derive(Debug)]
pub struct Decoded {
    pub text: String,
    pub bad_lines: Vec<usize>,
    /// The encoding read: `UTF-8` or `GBK`.
    pub encoding: &'static str,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

pub fn decode(bytes: &[u8], encoding: Encoding) -> Decoded {
    // A UTF-8 BOM says UTF-8 whatever the mapping says: no GBK text starts with it.
    let (bytes, gbk) = match bytes.strip_prefix(BOM) {
        Some(rest) => (rest, false),
        None => match encoding {
            Encoding::Utf8 => (bytes, false),
            Encoding::Gbk => (bytes, true),
            Encoding::Auto => (bytes, std::str::from_utf8(bytes).is_err()),
        },
    };
    let mut text = String::with_capacity(bytes.len() + bytes.len() / 2);
    let mut bad_lines = Vec::new();
    for (i, line) in bytes.split_inclusive(|&b| b == b'\n').enumerate() {
        let ok = if gbk {
            match encoding_rs::GBK.decode_without_bom_handling_and_without_replacement(line) {
                Some(s) => {
                    text.push_str(&s);
                    true
                }
                None => {
                    text.push_str(&encoding_rs::GBK.decode_without_bom_handling(line).0);
                    false
                }
            }
        } else {
            match std::str::from_utf8(line) {
                Ok(s) => {
                    text.push_str(s);
                    true
                }
                Err(_) => {
                    text.push_str(&String::from_utf8_lossy(line));
                    false
                }
            }
        };
        if !ok {
            bad_lines.push(i + 1);
        }
    }
    Decoded {
        text,
        bad_lines,
        encoding: if gbk { "GBK" } else { "UTF-8" },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom() {
        let d = decode("处方号,药品\n".as_bytes(), Encoding::Utf8);
        assert_eq!(d.text, "处方号,药品\n");
        let d = decode(b"\xEF\xBB\xBFa,b\n", Encoding::Auto);
        assert_eq!((d.text.as_str(), d.encoding), ("a,b\n", "UTF-8"));
        let d = decode(b"\xEF\xBB\xBFa,b\n", Encoding::Gbk);
        assert_eq!(d.text, "a,b\n");
    }

    #[test]
    fn gbk_explicit_and_detected() {
        let (bytes, _, _) = encoding_rs::GBK.encode("处方号,阿莫西林胶囊\r\n1,0.5g\n");
        for enc in [Encoding::Gbk, Encoding::Auto] {
            let d = decode(&bytes, enc);
            assert_eq!(d.text, "处方号,阿莫西林胶囊\r\n1,0.5g\n");
            assert_eq!(d.encoding, "GBK");
            assert!(d.bad_lines.is_empty());
        }
    }

    #[test]
    fn undecodable_bytes_spoil_only_their_line() {
        let d = decode(b"a,b\nc,\xff\xfe\xff\ne,f\n", Encoding::Utf8);
        assert_eq!(d.bad_lines, vec![2]);
        assert!(d.text.ends_with("e,f\n"));
        // 0x81 followed by a newline is a truncated GBK character.
        let d = decode(b"a,b\nc,\x81\ne,f", Encoding::Gbk);
        assert_eq!(d.bad_lines, vec![2]);
        assert!(d.text.ends_with("e,f"));
    }
}
