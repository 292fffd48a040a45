-- Ownership of records (issue 11): a record id belongs to whoever stored its first version, and
-- only they (or an admin) store later versions. One text for SQLite and PostgreSQL, as the others.

-- Who pushed each version: a username, `key:NAME` for an integrator key, `open` with sign-in off.
-- NULL on rows stored before this migration (nobody recorded it).
ALTER TABLE records ADD COLUMN pushed_by TEXT;

-- The owner of each id, one row per id. Its primary key is what makes a claim race-free: two
-- pushes of a new id both INSERT here in their write transactions and exactly one row lands.
-- An id with versions but no row here is unowned (stored before this migration and not
-- attributable, or pushed with sign-in off); the first signed-in push allowed by the per-role
-- rules claims it.
CREATE TABLE record_owners (
    id         TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    claimed_at TEXT NOT NULL
);

-- Backfill, best effort: the records table never said who pushed a version, only which doctor
-- signed the document. The first version's doctor id is credited to the doctor account holding
-- that id, when exactly one does (then it was that doctor, or an integrator writing in their
-- name, and the doctor may go on versioning their own document). Anything else stays unowned.
INSERT INTO record_owners (id, owner, claimed_at)
SELECT r.id, MIN(u.username), MIN(r.created_at)
  FROM records r
  JOIN users u ON u.role = 'doctor' AND u.doctor_id = r.doctor
 WHERE r.version = (SELECT MIN(r2.version) FROM records r2 WHERE r2.id = r.id)
 GROUP BY r.id
HAVING COUNT(DISTINCT u.username) = 1;
