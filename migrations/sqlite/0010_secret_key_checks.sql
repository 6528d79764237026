-- What the stored data was written with, for each secret key it depends on: a value derived from the
-- key (never the key itself), so that a start with another key is refused at once instead of
-- starting and failing every card reveal.
CREATE TABLE secret_key_checks (
    purpose       TEXT   PRIMARY KEY,
    check_value   TEXT   NOT NULL,
    created_at_ms BIGINT NOT NULL
);
