-- The merchant console's people and their sign-ins.
--   console_users: one login per email, belonging to one merchant, with a role; the password is
--     an Argon2id hash (PHC string).
--   console_sessions: a signed-in browser, by the SHA-256 of its cookie's token; it ends when
--     idle too long or old enough (checked on use), or when signed out (deleted).
--   console_sign_in_failures: failed sign-ins per email, so a guesser is slowed down on every
--     instance alike; rows older than the throttling window are deleted as new ones come.
CREATE TABLE console_users (
    id             TEXT   PRIMARY KEY NOT NULL,
    merchant_id    TEXT   NOT NULL REFERENCES merchants (id),
    email          TEXT   NOT NULL UNIQUE,
    password_hash  TEXT   NOT NULL,
    role           TEXT   NOT NULL CHECK (role IN ('owner', 'admin', 'developer', 'viewer')),
    created_at_ms  INTEGER NOT NULL
);
CREATE INDEX console_users_by_merchant ON console_users (merchant_id);

CREATE TABLE console_sessions (
    token_hash       TEXT   PRIMARY KEY NOT NULL,
    user_id          TEXT   NOT NULL REFERENCES console_users (id) ON DELETE CASCADE,
    created_at_ms    INTEGER NOT NULL,
    last_seen_at_ms  INTEGER NOT NULL
);
CREATE INDEX console_sessions_by_user ON console_sessions (user_id);

CREATE TABLE console_sign_in_failures (
    email  TEXT   NOT NULL,
    at_ms  INTEGER NOT NULL
);
CREATE INDEX console_sign_in_failures_by_email ON console_sign_in_failures (email, at_ms);
