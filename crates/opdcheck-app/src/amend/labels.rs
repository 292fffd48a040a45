//! How the 更正 bar shows a change to the doctor: the field as the form labels it, values as
//! they are written.

use serde_json::Value;

/// A field's name as the doctor reads it (the form's label), for the list of changes:
/// `items[0].days` → 「第1行 天数」, `patient.age` → 「患者 年龄」. An unknown name stays as
/// written.
pub fn describe(path: &str) -> String {
    let label = |name: &str| -> String {
        match name {
            "drug" => "药品",
            "strength" => "规格",
            "dose" => "单次剂量",
            "route" => "用法",
            "frequency" => "频次",
            "days" => "天数",
            "quantity" => "总量",
            "notes" => "备注",
            "over_label_reason" => "超说明书用药理由",
            "diagnoses" => "诊断",
            "diagnosis_codes" => "ICD-10",
            "diagnosis_note" => "诊断栏备注",
            "prescription_type" => "处方类别",
            "institution" => "医疗机构",
            "fee_category" => "费别",
            "department" => "科别",
            "issued_at" => "开具日期",
            "combination_reason" => "联合用药理由",
            "doses" => "剂数",
            "usage" => "煎服法",
            "herbal" => "中药饮片",
            "second_signature" => "第二签名",
            "patient" => "患者",
            "name" => "姓名",
            "sex" => "性别",
            "age" => "年龄",
            "weight_kg" => "体重",
            "record_no" => "门诊号",
            "allergy_history" => "药物过敏史",
            "allergens" => "过敏药物",
            "visit_type" => "就诊类型",
            "visit_at" => "就诊时间",
            "chief_complaint" => "主诉",
            "present_illness" => "现病史",
            "past_history" => "既往史",
            "positive_signs" => "阳性体征",
            "negative_signs" => "阴性体征",
            "physical_exam" => "体格检查",
            "condition_change" => "病情变化",
            "auxiliary_results" => "辅助检查结果",
            "treatment_plan" => "处理意见",
            "items" => "药品",
            // The doctor's reasons for findings kept (issue 15), changed while amending.
            "reasons" => "提示理由",
            "choice" => "理由",
            "text" => "说明",
            other => return other.to_string(),
        }
        .to_string()
    };
    path.split('.')
        .map(|part| match part.split_once('[') {
            Some((name, rest)) => {
                let n = rest
                    .trim_end_matches(']')
                    .parse::<usize>()
                    .map_or(0, |i| i + 1);
                match name {
                    "items" => format!("第{n}行"),
                    _ => format!("{}{n}", label(name)),
                }
            }
            None => label(part),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A value as the list of changes shows it: text as written, a quantity or age as `0.25g`,
/// numbers without a trailing `.0`, nothing as 「（空）」.
pub fn show(v: Option<&Value>) -> String {
    let num = |n: &serde_json::Number| match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
        _ => n.to_string(),
    };
    match v {
        None | Some(Value::Null) => "（空）".into(),
        Some(Value::String(s)) if s.trim().is_empty() => "（空）".into(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => num(n),
        Some(Value::Object(o)) if o.contains_key("value") => format!(
            "{}{}",
            show(o.get("value")),
            o.get("unit").and_then(Value::as_str).unwrap_or_default()
        ),
        Some(v) => v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_read_as_the_form_labels_them() {
        assert_eq!(describe("items[0].days"), "第1行 天数");
        assert_eq!(describe("diagnoses[1]"), "诊断2");
        assert_eq!(describe("patient.age"), "患者 年龄");
        assert_eq!(describe("herbal.doses"), "中药饮片 剂数");
        assert_eq!(describe("reasons[0].choice"), "提示理由1 理由");
        assert_eq!(describe("something_new"), "something_new");
        assert_eq!(show(Some(&serde_json::json!(5.0))), "5");
        assert_eq!(show(Some(&serde_json::json!(0.25))), "0.25");
        assert_eq!(
            show(Some(&serde_json::json!({"value": 2.0, "unit": "盒"}))),
            "2盒"
        );
        assert_eq!(show(Some(&Value::Null)), "（空）");
    }
}
