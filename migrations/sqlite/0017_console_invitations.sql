-- Invitations to a merchant's console team. The link's secret is kept only as its SHA-256; an
-- invitation is used once (accepted_at_ms) and expires. Owners are made at onboarding only, so
-- an invitation never grants the owner role.
CREATE TABLE console_invitations (
    token_hash      TEXT   PRIMARY KEY NOT NULL,
    merchant_id     TEXT   NOT NULL REFERENCES merchants (id),
    email           TEXT   NOT NULL,
    role            TEXT   NOT NULL CHECK (role IN ('admin', 'developer', 'viewer')),
    invited_by      TEXT   NOT NULL,
    created_at_ms   INTEGER NOT NULL,
    expires_at_ms   INTEGER NOT NULL,
    accepted_at_ms  INTEGER
);
CREATE INDEX console_invitations_by_merchant ON console_invitations (merchant_id, created_at_ms);
