//! One prescription from its rows: the header's fields once (every row must agree, a blank
//! cell taken as the same), one drug line per row, the mapping's constants, as interchange JSON.

use serde_json::{Map, Value};

use super::mapping::{Column, Level, Mapping, Read};
use super::rows::{Entry, Group, Layout, Row};
use super::values;

impl Layout {
    /// The value of the unit column beside `field` (same level) in `row`, if mapped and filled.
    fn unit_in<'r>(&self, level: Level, field: &str, row: &'r Row) -> Option<&'r str> {
        self.columns
            .iter()
            .find(|(c, _)| c.level == level && matches!(c.read, Read::UnitOf(f) if f == field))
            .and_then(|(_, i)| row.cells.get(*i))
            .map(str::trim)
            .filter(|u| !u.is_empty())
    }

    /// One prescription from its rows.
    pub(super) fn build(&self, file: &str, mapping: &Mapping, group: &Group) -> Entry {
        let mut b = Builder::default();
        for row in &group.rows {
            for e in &row.errors {
                b.errors.push(format!("{file}:{}: {e}", row.line));
            }
        }
        // The header's fields: one value per prescription, from whichever rows fill them.
        for (col, i) in &self.columns {
            if col.level == Level::Item || matches!(col.read, Read::UnitOf(_)) {
                continue;
            }
            let mut first: Option<(&Row, &str)> = None;
            for row in &group.rows {
                let v = row.cells.get(*i).unwrap_or("").trim();
                match first {
                    _ if v.is_empty() => {}
                    None => first = Some((row, v)),
                    Some((f, fv)) if !same(mapping, col.read, fv, v) => b.errors.push(format!(
                        "{file}:{}: 列「{}」: 与第 {} 行的值不同（同一处方的各行应一致）",
                        row.line, col.header, f.line
                    )),
                    Some(_) => {}
                }
            }
            if let Some((row, v)) = first {
                let unit = self.unit_in(col.level, col.field, row);
                b.cell(file, mapping, col, row.line, v, unit);
            }
        }
        // One drug line per row.
        for row in &group.rows {
            b.items.push(Map::new());
            for (col, i) in &self.columns {
                if col.level != Level::Item || matches!(col.read, Read::UnitOf(_)) {
                    continue;
                }
                let v = row.cells.get(*i).unwrap_or("").trim();
                if !v.is_empty() {
                    let unit = self.unit_in(col.level, col.field, row);
                    b.cell(file, mapping, col, row.line, v, unit);
                }
            }
        }
        b.finish(mapping, group)
    }
}

/// Whether two rows' cells say the same: date-times compare as read (`2026/11/22 9:30` is
/// `2026-11-22 09:30`), anything else as written.
fn same(mapping: &Mapping, read: Read, a: &str, b: &str) -> bool {
    a == b
        || match read {
            Read::DateTime => {
                values::datetime(a, &mapping.datetime_formats)
                    == values::datetime(b, &mapping.datetime_formats)
            }
            Read::Date => {
                values::date(a, &mapping.date_formats) == values::date(b, &mapping.date_formats)
            }
            _ => false,
        }
}

/// Unit words a number cell may carry when they only restate the field's unit.
fn number_units(field: &str) -> &'static [&'static str] {
    match field {
        "days" => &["天", "日", "d"],
        "weight_kg" => &["kg", "公斤"],
        _ => &[],
    }
}

#[derive(Default)]
struct Builder {
    root: Map<String, Value>,
    patient: Map<String, Value>,
    prescriber: Map<String, Value>,
    items: Vec<Map<String, Value>>,
    errors: Vec<String>,
}

impl Builder {
    #[allow(clippy::too_many_arguments)]
    fn cell(
        &mut self,
        file: &str,
        mapping: &Mapping,
        col: &Column,
        line: usize,
        cell: &str,
        unit: Option<&str>,
    ) {
        let value = match col.read {
            Read::Text => Ok(Value::from(cell)),
            Read::Choice => values::choice(col.field, cell).map(|()| Value::from(cell)),
            Read::DateTime => Ok(Value::from(values::datetime(
                cell,
                &mapping.datetime_formats,
            ))),
            Read::Date => Ok(Value::from(values::date(cell, &mapping.date_formats))),
            Read::Number => values::number(cell, number_units(col.field)),
            Read::List => Ok(values::list(cell, &mapping.list_separators)),
            Read::Age => values::age(cell, unit),
            Read::Quantity => values::quantity(cell, unit),
            Read::UnitOf(_) => return,
        };
        let value = match value {
            Ok(v) => v,
            Err(m) => {
                self.errors
                    .push(format!("{file}:{line}: 列「{}」: {m}", col.header));
                return;
            }
        };
        let target = match col.level {
            Level::Patient => &mut self.patient,
            Level::Prescription => &mut self.root,
            Level::Prescriber => &mut self.prescriber,
            Level::Item => match self.items.last_mut() {
                Some(item) => item,
                None => return,
            },
        };
        target.insert(col.field.to_string(), value);
    }

    fn finish(mut self, mapping: &Mapping, group: &Group) -> Entry {
        let line = group.rows.first().map_or(1, |r| r.line);
        let refused = |errors: Vec<String>| Entry::Refused {
            line,
            messages: errors
                .into_iter()
                .map(|e| format!("{e}（处方「{}」未检查）", group.key))
                .collect(),
        };
        if !self.errors.is_empty() {
            return refused(self.errors);
        }
        let mut doc = Map::new();
        doc.insert("kind".into(), Value::from("prescription"));
        let id = self
            .root
            .remove("id")
            .unwrap_or_else(|| Value::from(group.key.as_str()));
        doc.insert("id".into(), id);
        for (field, value) in mapping.constants.texts() {
            doc.insert(field.into(), Value::from(value));
        }
        doc.append(&mut self.root);
        if !self.patient.is_empty() {
            doc.insert("patient".into(), Value::Object(self.patient));
        }
        let items = self.items.into_iter().map(Value::Object).collect();
        doc.insert("items".into(), Value::Array(items));
        if !self.prescriber.is_empty() {
            doc.insert("prescriber".into(), Value::Object(self.prescriber));
        }
        if let Some(c) = mapping.constants.completed {
            doc.insert("completed".into(), Value::Bool(c));
        }
        // Every value has its type and enumerations are checked, so the engine reads this
        // document (the property test below holds it); its parse is the checking worker's.
        Entry::Document {
            line,
            json: Value::Object(doc).to_string(),
        }
    }
}
