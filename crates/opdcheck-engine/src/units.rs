//! Amounts written in documents and labels: "0.25g", "80万U", "10ml:0.5g", "0.25g×24粒".

/// The dimension an amount is measured in, normalised: mass in mg, volume in ml, units in U.
#[derive(Debug, Clone, PartialEq)]
pub enum Unit {
    Mass,
    Volume,
    Units,
    /// A countable unit of a dosage form: 片, 粒, 袋 …
    Count(String),
}

/// An amount normalised to its dimension's base unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Amount {
    pub value: f64,
    pub unit: Unit,
}

/// Normalise `value unit` to the base unit of its dimension; `None` for an unknown unit.
pub fn normalise(value: f64, unit: &str) -> Option<Amount> {
    let trimmed = unit.trim();
    // ASCII units are read without regard to case ("MG", "Ml"); μg and L keep their form.
    let lower = trimmed.to_ascii_lowercase();
    let u = if trimmed.is_ascii() && trimmed != "L" {
        lower.as_str()
    } else {
        trimmed
    };
    let (factor, dim) = match u {
        "kg" => (1_000_000.0, Unit::Mass),
        "g" | "克" => (1000.0, Unit::Mass),
        "mg" | "毫克" => (1.0, Unit::Mass),
        "μg" | "µg" | "ug" | "mcg" | "微克" => (0.001, Unit::Mass),
        "ng" => (0.000_001, Unit::Mass),
        "L" | "l" | "升" => (1000.0, Unit::Volume),
        "ml" | "mL" | "毫升" => (1.0, Unit::Volume),
        "μl" | "µl" | "ul" => (0.001, Unit::Volume),
        "U" | "IU" | "单位" | "u" | "iu" => (1.0, Unit::Units),
        "万U" | "万IU" | "万单位" => (10_000.0, Unit::Units),
        "" => return None,
        other => {
            if other.chars().all(|c| !c.is_ascii()) && other.chars().count() <= 2 {
                (1.0, Unit::Count(other.to_string()))
            } else {
                return None;
            }
        }
    };
    Some(Amount {
        value: value * factor,
        unit: dim,
    })
}

/// Split the leading number of `s` ("0.25g×24粒" → (0.25, "g×24粒")).
fn leading_number(s: &str) -> Option<(f64, &str)> {
    let s = s.trim_start();
    let end = s
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_digit() || c == '.'))
        .map(|(i, _)| i)
        .unwrap_or(s.len());
    if end == 0 {
        return None;
    }
    s[..end].parse().ok().map(|v| (v, &s[end..]))
}

/// The unit that follows a number: ASCII letters, μ, or a CJK unit word (at most 2 chars).
fn leading_unit(rest: &str) -> &str {
    let rest_trim = rest.trim_start();
    if let Some(stripped) = rest_trim.strip_prefix('万') {
        let n = stripped
            .chars()
            .take_while(|c| c.is_ascii_alphabetic() || *c == '单' || *c == '位')
            .map(char::len_utf8)
            .sum::<usize>();
        return &rest_trim[..'万'.len_utf8() + n];
    }
    let ascii: usize = rest_trim
        .chars()
        .take_while(|c| c.is_ascii_alphabetic() || *c == 'μ' || *c == 'µ')
        .map(char::len_utf8)
        .sum();
    if ascii > 0 {
        return &rest_trim[..ascii];
    }
    let cjk: usize = rest_trim
        .chars()
        .take_while(|c| !c.is_ascii() && !matches!(c, '×' | '：' | '／'))
        .take(2)
        .map(char::len_utf8)
        .sum();
    &rest_trim[..cjk]
}

/// Parse an amount string such as "1g", "80万U", "90mg".
pub fn parse_amount(s: &str) -> Option<Amount> {
    let (v, rest) = leading_number(s)?;
    normalise(v, leading_unit(rest))
}

/// The active amount per unit stated by a strength: "0.25g" → 250 mg; "10ml:0.5g" → 500 mg
/// (per ampoule); "0.25g×24粒" → 250 mg. `None` when the strength has no number.
pub fn strength_amount(strength: &str) -> Option<Amount> {
    let s = strength.trim();
    // "10ml:0.5g" (volume:amount): the amount is after the colon.
    if let Some(idx) = s.find([':', '：']) {
        let after = &s[idx + s[idx..].chars().next().map(char::len_utf8).unwrap_or(1)..];
        if let Some(a) = parse_amount(after) {
            return Some(a);
        }
    }
    parse_amount(s)
}

/// The pack size a strength states: "0.25g×24粒" → (24, "粒"); "0.25g*24粒/盒" likewise.
pub fn pack_size(strength: &str) -> Option<(f64, String)> {
    // Each separator is followed by a count: "×24粒", "×12粒×2板" (= 24 粒); a bare "x"
    // elsewhere is not one.
    let mut count: Option<(f64, String)> = None;
    for (idx, sep) in strength.char_indices() {
        let rest = &strength[idx + sep.len_utf8()..];
        if !matches!(sep, '×' | '*' | 'x' | 'X') || !rest.starts_with(|n: char| n.is_ascii_digit())
        {
            continue;
        }
        let (v, after) = leading_number(rest)?;
        // "24粒装": the unit is 粒.
        let unit = leading_unit(after).trim_end_matches('装');
        count = match count {
            None if !unit.is_empty() => Some((v, unit.to_string())),
            None => None,
            // A further factor multiplies: 12 粒 × 2 板.
            Some((n, u)) => Some((n * v, u)),
        };
    }
    count
}

/// The active amount per ml of a liquid strength written volume:amount: "100ml:2g" → 20 mg.
pub fn concentration(strength: &str) -> Option<Amount> {
    let idx = strength.find([':', '：'])?;
    let volume = parse_amount(&strength[..idx])?;
    let active = strength_amount(strength)?;
    (volume.unit == Unit::Volume && volume.value > 0.0 && active.unit != Unit::Volume).then(|| {
        Amount {
            value: active.value / volume.value,
            unit: active.unit,
        }
    })
}

/// True when `s` contains at least one ASCII digit (Arabic numerals, as 处方管理办法 asks).
pub fn has_arabic_digit(s: &str) -> bool {
    s.bytes().any(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts() {
        assert_eq!(
            parse_amount("1g"),
            Some(Amount {
                value: 1000.0,
                unit: Unit::Mass
            })
        );
        assert_eq!(
            parse_amount("80万U"),
            Some(Amount {
                value: 800_000.0,
                unit: Unit::Units
            })
        );
        assert_eq!(parse_amount("500μg").unwrap().value, 0.5);
        assert_eq!(strength_amount("10ml:0.5g").unwrap().value, 500.0);
        assert_eq!(strength_amount("0.25g×24粒").unwrap().value, 250.0);
        assert_eq!(pack_size("0.25g×24粒"), Some((24.0, "粒".into())));
        assert_eq!(pack_size("0.25g*24粒/盒"), Some((24.0, "粒".into())));
        assert_eq!(pack_size("0.25g"), None);
        assert_eq!(pack_size("Xylitol 5g"), None);
        assert_eq!(pack_size("0.25g×24粒装"), Some((24.0, "粒".into())));
        assert_eq!(pack_size("0.25g×12粒×2板"), Some((24.0, "粒".into())));
        assert_eq!(concentration("100ml:2g").unwrap().value, 20.0);
        assert_eq!(concentration("0.25g"), None);
        assert_eq!(normalise(1.0, "MG").unwrap().value, 1.0);
        assert_eq!(
            normalise(2.0, "粒"),
            Some(Amount {
                value: 2.0,
                unit: Unit::Count("粒".into())
            })
        );
        assert_eq!(normalise(2.0, "bogus"), None);
        assert_eq!(parse_amount("二十毫克"), None);
    }
}
