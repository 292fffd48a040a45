//! The reviewed document laid out like its paper form.

use leptos::prelude::*;
use serde_json::Value;

/// The document laid out readably, like its paper form: the header fields, the patient, lists
/// as tables (a prescription's Rp), the signatures; a field with a finding is marked.
#[component]
pub(super) fn Paper(body: Value, findings: Vec<opdcheck_engine::Finding>) -> impl IntoView {
    let flagged: Vec<String> = findings.iter().map(|f| f.path.clone()).collect();
    let marked = move |path: &str| {
        // A finding at the field, inside it, or at the whole it belongs to (`prescriber`).
        flagged.iter().any(|p| {
            p == path
                || p.starts_with(&format!("{path}."))
                || p.starts_with(&format!("{path}["))
                || path.starts_with(&format!("{p}."))
                || path.starts_with(&format!("{p}["))
        })
    };
    let Value::Object(map) = body else {
        return view! { <pre class="paper">{body.to_string()}</pre> }.into_any();
    };
    let mut rows = Vec::new();
    let mut tables = Vec::new();
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort_by_key(|k| paper_order(k));
    for k in keys {
        let v = &map[k];
        match v {
            Value::Array(items) if items.iter().any(Value::is_object) => {
                tables.push((k.clone(), items.clone()))
            }
            Value::Object(inner) if !is_quantity(v) => {
                let mut inner_keys: Vec<&String> = inner.keys().collect();
                inner_keys.sort_by_key(|k| paper_order(k));
                for k2 in inner_keys {
                    let p = format!("{k}.{k2}");
                    rows.push((
                        p.clone(),
                        format!("{} · {}", label(k), label(k2)),
                        scalar(&inner[k2]),
                        marked(&p),
                    ));
                }
            }
            _ => rows.push((k.clone(), label(k).to_string(), scalar(v), marked(k))),
        }
    }
    // An empty field is shown only where a finding points at it (a blank that matters).
    rows.retain(|(_, _, v, m)| *m || !v.is_empty());
    view! {
        <article class="paper" id="qa-paper">
            <dl class="paper-fields">
                {rows.into_iter().map(|(p, l, v, m)| view! {
                    <div class="paper-row" class:flagged=m data-path=p><dt>{l}</dt><dd>{v}</dd></div>
                }).collect_view()}
            </dl>
            {tables.into_iter().map(|(k, items)| {
                let mut cols: Vec<String> = Vec::new();
                for it in &items {
                    if let Value::Object(o) = it {
                        for c in o.keys() { if !cols.contains(c) { cols.push(c.clone()) } }
                    }
                }
                cols.sort_by_key(|c| paper_order(c));
                let head = cols.clone();
                view! {
                    <h4>{if k == "items" { "Rp." .to_string() } else { label(&k).to_string() }}</h4>
                    <table class="paper-table">
                        <thead><tr>{head.into_iter().map(|c| view! { <th scope="col">{label(&c).to_string()}</th> }).collect_view()}</tr></thead>
                        <tbody>
                            {items.into_iter().enumerate().map(|(i, it)| {
                                let cols = cols.clone();
                                let row_path = format!("{k}[{i}]");
                                view! {
                                    <tr>{cols.into_iter().map(|c| {
                                        let p = format!("{row_path}.{c}");
                                        let v = it.get(&c).map(scalar).unwrap_or_default();
                                        view! { <td class:flagged=marked(&p) data-path=p>{v}</td> }
                                    }).collect_view()}</tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }
            }).collect_view()}
        </article>
    }
    .into_any()
}

/// `{"value": 30, "unit": "mg"}`: a dose, a quantity, an age.
fn is_quantity(v: &Value) -> bool {
    v.as_object()
        .is_some_and(|o| o.contains_key("value") && o.keys().all(|k| k == "value" || k == "unit"))
}

/// Where a field sits on the paper form: header, patient, diagnosis, body, Rp, signatures.
fn paper_order(key: &str) -> usize {
    const ORDER: [&str; 65] = [
        "institution",
        "department",
        "fee_category",
        "prescription_type",
        "type",
        "category",
        "visit_type",
        "report_type",
        "priority",
        "id",
        "visit_id",
        "issued_at",
        "visit_at",
        "requested_at",
        "filled_at",
        "patient",
        "name",
        "sex",
        "age",
        "birth_date",
        "record_no",
        "id_number",
        "weight_kg",
        "phone",
        "guardian_name",
        "allergy_history",
        "allergens",
        "chief_complaint",
        "present_illness",
        "past_history",
        "physical_exam",
        "auxiliary_exams",
        "diagnoses",
        "diagnosis",
        "diagnosis_codes",
        "disease",
        "disease_subtype",
        "case_class",
        "onset_date",
        "diagnosed_at",
        "plan",
        "items",
        "drug",
        "strength",
        "dose",
        "route",
        "frequency",
        "days",
        "quantity",
        "usage",
        "prescriber",
        "physician",
        "reporting_physician",
        "title",
        "signed_at",
        "signature_id",
        "completed",
        "amendments",
        // The doctor's reasons for alerts kept (issue 15): the rule, where, the pick, the words.
        "reasons",
        "rule",
        "path",
        "choice",
        "text",
        "by",
        "at",
    ];
    ORDER
        .iter()
        .position(|k| *k == key)
        .unwrap_or(ORDER.len() - 10)
}

fn unit_label(unit: &str) -> &str {
    match unit {
        "year" => "岁",
        "month" => "月",
        "day" => "天",
        other => other,
    }
}

fn scalar(v: &Value) -> String {
    if is_quantity(v) {
        let unit = v.get("unit").and_then(Value::as_str).unwrap_or("");
        return format!("{} {}", scalar(&v["value"]), unit_label(unit))
            .trim()
            .to_string();
    }
    match v {
        Value::Null => String::new(),
        // A date-time as people read it (2026-12-02 01:17, not 2026-12-02T01:17).
        Value::String(s) => opdcheck_web::clock::human(s),
        Value::Bool(true) => "✓".into(),
        Value::Bool(false) => "✗".into(),
        Value::Array(a) => a.iter().map(scalar).collect::<Vec<_>>().join("、"),
        other => other.to_string(),
    }
}

/// The paper form's label for a field name (the interchange format's names otherwise).
fn label(key: &str) -> &str {
    match key {
        "kind" => "文书",
        "id" => "编号",
        "visit_id" => "就诊号",
        "type" | "prescription_type" => "处方类别",
        "department" => "科别",
        "issued_at" => "开具日期",
        "visit_at" => "就诊时间",
        "requested_at" => "申请时间",
        "reported_at" => "报告时间",
        "patient" => "患者",
        "name" => "姓名",
        "sex" => "性别",
        "age" => "年龄",
        "birth_date" => "出生日期",
        "record_no" => "门诊号",
        "id_number" => "身份证号",
        "weight_kg" => "体重(kg)",
        "allergy_history" => "过敏史",
        "diagnoses" => "临床诊断",
        "diagnosis" => "诊断",
        "drug" => "药品名称",
        "strength" => "规格",
        "dose" => "单次剂量",
        "dose_unit" => "单位",
        "route" => "用法",
        "frequency" => "频次",
        "days" => "天数",
        "quantity" => "数量",
        "quantity_unit" => "单位",
        "prescriber" => "医师",
        "signature" => "签名",
        "pharmacist" => "药师",
        "chief_complaint" => "主诉",
        "present_illness" => "现病史",
        "past_history" => "既往史",
        "physical_exam" => "体格检查",
        "auxiliary_exams" => "辅助检查",
        "plan" => "处理意见",
        "physician" => "医师",
        "items" => "项目",
        "disease" => "疾病名称",
        "onset_date" => "发病日期",
        "diagnosed_at" => "诊断时间",
        "reporting_physician" => "报告医师",
        "institution" => "医疗机构",
        "fee_category" => "费别",
        "diagnosis_codes" => "ICD编码",
        "completed" => "处方完毕",
        "amendments" => "修改",
        "allergens" => "过敏原",
        "signed_at" => "签名时间",
        "signature_id" => "电子签名",
        "title" => "职称",
        "visit_type" => "初诊/复诊",
        "category" => "类别",
        "priority" => "缓急",
        "usage" => "用法",
        "guardian_name" => "监护人",
        "phone" => "电话",
        "filled_at" => "填卡日期",
        "disease_subtype" => "分型",
        "case_class" => "病例分类",
        "report_type" => "报告类别",
        "death_date" => "死亡日期",
        "notes" => "备注",
        "over_label_reason" => "超量原因",
        "combination_reason" => "联用理由",
        "reasons" => "医生理由（保留提示）",
        "rule" => "规则",
        "path" => "位置",
        "choice" => "理由选项",
        "text" => "说明",
        "by" => "医师",
        "at" => "时间",
        other => other,
    }
}
