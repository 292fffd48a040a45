//! People and what identifies them: names, the patient as the generator sees them (age, weight,
//! allergy) and as written on the document (age in days, months or years, birth date, record
//! number, resident id), and the calendar arithmetic behind the dates.

#[rustfmt::skip]
pub(crate) const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林",
    "罗", "高", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "潘",
    "袁", "蔡", "蒋", "余", "于", "杜", "叶", "程", "魏", "苏", "吕", "丁", "欧阳", "司马",
];
#[rustfmt::skip]
pub(crate) const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀",
    "霞", "平", "刚", "桂", "英", "华", "玉", "建", "国", "文", "辉", "鑫", "宇", "浩", "欣", "怡", "梓", "涵",
    "子", "轩", "晨", "阳", "雨", "婷", "佳", "琳", "博", "思", "嘉", "凯",
];

/// A Chinese name: a surname and one or two given characters.
pub fn person_name(rng: &mut fastrand::Rng) -> String {
    let mut s = String::with_capacity(12);
    s.push_str(SURNAMES[rng.usize(..SURNAMES.len())]);
    s.push_str(GIVEN[rng.usize(..GIVEN.len())]);
    if rng.u8(..10) < 6 {
        s.push_str(GIVEN[rng.usize(..GIVEN.len())]);
    }
    s
}

/// Days since 1970-01-01 → (y, m, d) (Howard Hinnant's civil_from_days).
pub(crate) fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// (y, m, d) → days since 1970-01-01.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub(crate) fn date_string(days: i64) -> String {
    let (y, m, d) = civil(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The patient as the generator sees it.
pub(crate) struct Person {
    pub(crate) age_days: i64,
    pub(crate) weight: f64,
    pub(crate) allergy: Option<&'static str>,
}

impl Person {
    pub(crate) fn years(&self) -> f64 {
        self.age_days as f64 / 365.25
    }
    pub(crate) fn is_child(&self) -> bool {
        self.years() < 14.0
    }
}

/// A synthetic 18-character resident id with a valid GB 11643 check character.
pub(crate) fn id_number(birth: &str, n: u64) -> String {
    const REGIONS: &[&str] = &["110101", "110102", "310104", "440106", "510107", "330106"];
    let region = REGIONS[(n % REGIONS.len() as u64) as usize];
    let mut s = String::with_capacity(18);
    s.push_str(region);
    s.extend(birth.chars().filter(char::is_ascii_digit));
    s.push_str(&format!("{:03}", n % 1000));
    s.push(check_char(&s));
    s
}

/// GB 11643 check character of the first 17 digits.
fn check_char(first17: &str) -> char {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .bytes()
        .zip(W)
        .map(|(b, w)| u32::from(b.wrapping_sub(b'0')) * w)
        .sum();
    b"10X98765432"[(sum % 11) as usize] as char
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        for d in [-1000, 0, 59, 365, 20_000, 20_454] {
            let (y, m, dd) = civil(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
        assert_eq!(date_string(days_from_civil(2026, 2, 28) + 1), "2026-03-01");
    }

    #[test]
    fn id_numbers_have_a_valid_check_character() {
        // Example from GB 11643: 11010519491231002X.
        assert_eq!(check_char("11010519491231002"), 'X');
        let s = id_number("1949-12-31", 2);
        assert_eq!(s.len(), 18);
        assert_eq!(&s[6..14], "19491231");
        assert_eq!(s.chars().last(), Some(check_char(&s[..17])));
    }
}
