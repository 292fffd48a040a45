-- Visits assembled on the server (issue 13): the documents sharing a `visit_id` and a patient are
-- checked together (the cross-document rules XV-*), and what that check found is kept here. The
-- documents themselves stay rows of `records`, one per (id, version): a visit is derived data,
-- rewritten whenever one of its documents gets a version. One text for SQLite and PostgreSQL.

-- One row per (visit_id, patient_key): two patients' documents that happen to share a visit id
-- are two visits, never merged.
CREATE TABLE visits (
    visit_id      TEXT NOT NULL,
    patient_key   TEXT NOT NULL,
    -- from the visit's record (else its first document): who reads it, what the sheet filters on
    department    TEXT,
    doctor        TEXT,
    doc_at        TEXT,
    -- JSON [{id, version, kind, path}]: the latest versions assembled, `path` where each sits in
    -- the assembled visit (null for a second record, which is not assembled)
    documents     TEXT NOT NULL,
    -- JSON [Finding]: the cross-document findings, paths relative to the assembled visit
    findings      TEXT NOT NULL,
    ruleset       TEXT NOT NULL,
    -- 'none' (no notifiable diagnosis), 'reported', or 'pending' (cases below, due or overdue by
    -- the clock of whoever reads it)
    report_state  TEXT NOT NULL,
    -- the earliest deadline of an unreported case (UTC stamp), NULL when none is pending
    report_due_at TEXT,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (visit_id, patient_key)
);
CREATE INDEX visits_sheet ON visits (doc_at, department, doctor);

-- A notifiable disease diagnosed in a visit without its report card: one row per case (a missed
-- report is charged per case). It is 漏报 once `due_at` has passed (NULL: the visit has no time
-- to count from, so no grace either).
CREATE TABLE visit_cases (
    visit_id    TEXT NOT NULL,
    patient_key TEXT NOT NULL,
    disease     TEXT NOT NULL,
    path        TEXT NOT NULL,
    hours       BIGINT NOT NULL,
    due_at      TEXT,
    -- QA dismissed this case's finding (XV-04) in a review of this assembly; a new assembly
    -- rewrites the cases, so a review covers the visit as it was reviewed
    dismissed   BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (visit_id, patient_key, disease),
    FOREIGN KEY (visit_id, patient_key) REFERENCES visits (visit_id, patient_key) ON DELETE CASCADE
);

-- QA's reviews of a visit's cross-document findings, every revision kept. A revision covers the
-- assembly it was made on (`assembled_at` = visits.updated_at then).
CREATE TABLE visit_reviews (
    visit_id     TEXT NOT NULL,
    patient_key  TEXT NOT NULL,
    revision     BIGINT NOT NULL,
    reviewer     TEXT NOT NULL,
    reviewed_at  TEXT NOT NULL,
    assembled_at TEXT NOT NULL,
    -- JSON [{rule, path, decision, reason?}]
    findings     TEXT NOT NULL,
    note         TEXT,
    PRIMARY KEY (visit_id, patient_key, revision),
    FOREIGN KEY (visit_id, patient_key) REFERENCES visits (visit_id, patient_key)
);

-- Assembly reads the latest documents of a visit id and patient.
CREATE INDEX records_visit ON records (visit_id, patient_key) WHERE latest;
