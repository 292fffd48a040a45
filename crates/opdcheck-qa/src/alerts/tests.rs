use serde_json::json;

use super::*;

fn quality() -> AlertQuality {
    serde_json::from_value(json!({
        "period": {"from": "2026-11-01", "to": "2026-11-30"}, "by": "department", "documents": 12,
        "rows": [
            {"rule": "RX-08", "group": "内科", "documents": 4, "fired": 2, "per_100": 50.0,
             "overridden": 0, "override_rate": 0.0, "reasons": [],
             "confirmed": 0, "dismissed": 0, "dismissal_rate": null,
             "shadow": 0, "shadow_confirmed": 0, "shadow_dismissed": 0, "precision": null},
            {"rule": "RX-12", "group": "呼吸内科", "documents": 3, "fired": 0, "per_100": 0.0,
             "overridden": 0, "override_rate": null, "reasons": [],
             "confirmed": 0, "dismissed": 0, "dismissal_rate": null,
             "shadow": 2, "shadow_confirmed": 1, "shadow_dismissed": 1, "precision": 0.5},
            {"rule": "RX-21", "group": "呼吸内科", "documents": 3, "fired": 3, "per_100": 100.0,
             "overridden": 2, "override_rate": 0.6666666666666666,
             "reasons": [{"choice": "severe_infection", "label": "重症或混合感染", "count": 1},
                         {"choice": null, "label": "", "count": 1}],
             "confirmed": 1, "dismissed": 1, "dismissal_rate": 0.5,
             "shadow": 0, "shadow_confirmed": 0, "shadow_dismissed": 0, "precision": null}
        ]
    }))
    .unwrap()
}

#[test]
fn the_query_is_the_month_and_the_grouping() {
    let mut f = AlertForm::new("2026-02-14T10:00");
    assert_eq!(f.month, "2026-02");
    assert_eq!(f.by, AlertGroup::Rule);
    assert_eq!(
        f.query(),
        vec![
            ("from", "2026-02-01".to_string()),
            ("to", "2026-02-28".to_string()),
            ("by", "rule".to_string())
        ]
    );
    f.by = AlertGroup::Drug;
    assert_eq!(f.csv_name(), "opdcheck-alerts-2026-02-drug.csv");
    // A cleared picker: the server's default month.
    f.month.clear();
    assert_eq!(f.query(), vec![("by", "drug".to_string())]);
    f.month = "2026-1".into();
    assert_eq!(f.period(), None);
}

#[test]
fn rates_read_as_percentages_and_nothing_reads_as_no_data() {
    assert_eq!(rate(Some(0.6666666666666666)), Some("66.7 %".into()));
    assert_eq!(
        rate(Some(0.0)),
        Some("0.0 %".into()),
        "zero over something is a figure"
    );
    assert_eq!(rate(None), None, "nothing to rate is no figure");
    assert_eq!(per_100(Some(33.33333)), Some("33.3".into()));
    assert_eq!(per_100(None), None);
}

#[test]
fn a_line_carries_the_rules_title_and_its_figures() {
    let q = quality();
    let l = AlertLine::of(&q.rows[2]);
    assert_eq!(l.title.0, "抗菌药物联合使用须有理由");
    assert_eq!(l.severity, Some(Severity::Warning));
    assert_eq!(l.group.as_deref(), Some("呼吸内科"));
    assert_eq!(l.per_100.as_deref(), Some("100.0"));
    assert_eq!(l.override_rate.as_deref(), Some("66.7 %"));
    assert_eq!(l.dismissal_rate.as_deref(), Some("50.0 %"));
    assert_eq!(l.precision, None);
    assert_eq!(
        l.reasons,
        vec![
            (Some("severe_infection".into()), "重症或混合感染".into(), 1),
            (None, "".into(), 1)
        ]
    );
    let shadow = AlertLine::of(&q.rows[1]);
    assert_eq!(
        shadow.override_rate, None,
        "it never fired: no override rate"
    );
    assert_eq!(shadow.precision.as_deref(), Some("50.0 %"));
    let unknown = AlertLine::of(&AlertRow {
        rule: "ZZ-99".into(),
        ..q.rows[0].clone()
    });
    assert_eq!(unknown.title, ("ZZ-99".into(), "ZZ-99".into()));
}

#[test]
fn sorting_puts_the_highest_first_and_no_rate_last() {
    let q = quality();
    let order = |key| -> Vec<String> { lines(&q, key).into_iter().map(|l| l.rule).collect() };
    assert_eq!(order(SortKey::Rule), ["RX-08", "RX-12", "RX-21"]);
    assert_eq!(order(SortKey::Rate), ["RX-21", "RX-08", "RX-12"]);
    // RX-12 never fired: its override rate is none, after RX-08's 0 %.
    assert_eq!(order(SortKey::Override), ["RX-21", "RX-08", "RX-12"]);
    assert_eq!(order(SortKey::Dismissal), ["RX-21", "RX-08", "RX-12"]);
    assert_eq!(order(SortKey::Shadow), ["RX-12", "RX-08", "RX-21"]);
    for k in SortKey::ALL {
        assert_eq!(SortKey::parse(k.as_str()), k);
    }
    assert_eq!(SortKey::parse("nonsense"), SortKey::Rule);
}

#[test]
fn the_group_column_is_named_by_the_grouping() {
    assert_eq!(group_heading(AlertGroup::Department).0, "科室");
    assert_eq!(group_heading(AlertGroup::Drug).0, "药品");
}
