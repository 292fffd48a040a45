-- Who signs is who is signed in (issue 13, item 6): a doctor's account carries the prescriber
-- facts the hospital's registry holds (RX-17's registered signature, RX-18's rights), so the
-- server's registry is its doctor accounts. One text for SQLite and PostgreSQL, as the earlier
-- migrations.

-- The display name (a doctor's name as their documents carry it).
ALTER TABLE users ADD COLUMN name TEXT;
-- The engine's professional title (resident, attending, associate_chief, chief, assistant);
-- NULL: not recorded yet, and the account is then not in the registry.
ALTER TABLE users ADD COLUMN title TEXT;
-- The registered signature id, set by the server (never chosen by the doctor). Doctors made
-- before this migration get one when the server opens the database.
ALTER TABLE users ADD COLUMN signature_id TEXT;
-- nonrestricted, restricted or special; NULL: the title's tier (antibiotics.tier_by_title).
ALTER TABLE users ADD COLUMN antibiotic_tier TEXT;
ALTER TABLE users ADD COLUMN prescribing_rights BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE users ADD COLUMN narcotic_psych1_rights BOOLEAN NOT NULL DEFAULT FALSE;
-- When the account's prescriber facts last changed: with the count of doctor accounts it is
-- the registry's revision every server polls.
ALTER TABLE users ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';
