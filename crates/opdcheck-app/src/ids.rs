//! Ids of new documents. Each is a random (v4) UUID made on this device: two workstations
//! creating documents in the same second never pick the same id, so no push meets another
//! document under its id (the server stores a record once per id and version and refuses a
//! different body under it). No kind prefix: nothing in the app reads one, and the document's
//! `kind` says what it is.

use opdcheck_engine::model::Visit;

/// A new document id: a random UUID, lower-case hyphenated (`0b7e…-4…`).
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Whether `id` is a UUID as [`new_id`] makes them (tests, and the check on samples).
pub fn is_uuid(id: &str) -> bool {
    uuid::Uuid::try_parse(id).is_ok_and(|u| u.get_version_num() == 4)
}

/// A visit (a sample, a copy) as a new one: the visit and each of its documents get new ids,
/// and every document points at the visit's new `visit_id`.
pub fn renew_visit(v: &mut Visit) {
    let visit_id = Some(new_id());
    if v.id.is_some() {
        v.id = Some(new_id());
    }
    v.visit_id = visit_id.clone();
    if let Some(r) = &mut v.record {
        r.id = new_id();
        r.visit_id = visit_id.clone();
    }
    for p in &mut v.prescriptions {
        p.id = new_id();
        p.visit_id = visit_id.clone();
    }
    for q in &mut v.exam_requests {
        q.id = new_id();
        q.visit_id = visit_id.clone();
    }
    for c in &mut v.infectious_reports {
        c.id = new_id();
        c.visit_id = visit_id.clone();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_v4_uuids_and_never_repeat() {
        let ids: HashSet<String> = (0..10_000).map(|_| new_id()).collect();
        assert_eq!(ids.len(), 10_000, "a repeated id");
        for id in ids.iter().take(50) {
            assert!(is_uuid(id), "{id}");
            assert_eq!(id.len(), 36);
            assert_eq!(id.as_bytes()[14], b'4', "version nibble: {id}");
            assert_eq!(id, &id.to_lowercase());
        }
        assert!(!is_uuid("rx-20261122093000"));
        assert!(!is_uuid(""));
        // A UUID of another version is not one of ours.
        assert!(!is_uuid("00000000-0000-1000-8000-000000000000"));
    }

    #[test]
    fn a_renewed_visit_has_new_ids_everywhere() {
        let mut v: Visit = serde_json::from_str(opdcheck_engine::samples::VISIT_CLEAN).unwrap();
        let before = v.clone();
        renew_visit(&mut v);
        let vid = v.visit_id.clone().unwrap();
        assert!(is_uuid(&vid));
        assert_ne!(v.visit_id, before.visit_id);
        let r = v.record.as_ref().unwrap();
        assert!(is_uuid(&r.id));
        assert_eq!(r.visit_id.as_deref(), Some(vid.as_str()));
        assert!(!v.prescriptions.is_empty());
        for (p, old) in v.prescriptions.iter().zip(&before.prescriptions) {
            assert!(is_uuid(&p.id) && p.id != old.id);
            assert_eq!(p.visit_id.as_deref(), Some(vid.as_str()));
        }
        for q in &v.exam_requests {
            assert!(is_uuid(&q.id));
            assert_eq!(q.visit_id.as_deref(), Some(vid.as_str()));
        }
        // Only the content's ids changed.
        assert_eq!(r.patient, before.record.as_ref().unwrap().patient);
    }
}
