-- Policy overrides an admin set (PUT /api/v1/policy), each a deep merge over the embedded default
-- policy, as the CLI's --policy file. Every version is kept; the highest is in force.
CREATE TABLE policies (
    version       BIGINT PRIMARY KEY,
    override_json TEXT NOT NULL,
    ruleset       TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
