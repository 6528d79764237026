-- What the console's card work needs.
--   console_sessions.verified_at_ms: when the session's person last proved who they are (signed
--     in, or typed their password again); revealing a card asks again after a few minutes.
--   audit_log: who moved money, revealed a card, changed a control or the team, from the
--     console or the API. Append-only: a trigger refuses every UPDATE and DELETE, so not even a
--     bug in Cardkit can rewrite what happened.
ALTER TABLE console_sessions ADD COLUMN verified_at_ms BIGINT NOT NULL DEFAULT 0;
UPDATE console_sessions SET verified_at_ms = created_at_ms;

CREATE TABLE audit_log (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    merchant_id  TEXT   NOT NULL REFERENCES merchants (id),
    at_ms        BIGINT NOT NULL,
    actor_kind   TEXT   NOT NULL CHECK (actor_kind IN ('user', 'api_key')),
    actor_id     TEXT   NOT NULL,
    actor_name   TEXT   NOT NULL,
    action       TEXT   NOT NULL,
    object_id    TEXT   NOT NULL,
    detail       TEXT   NOT NULL,
    reference    TEXT
);
CREATE INDEX audit_log_by_merchant ON audit_log (merchant_id, id);
-- A money movement repeated with its reference (a form sent twice) moved the money once, and is
-- written once. Entries without a reference are never duplicates of each other (NULLs differ).
CREATE UNIQUE INDEX audit_log_once_per_reference ON audit_log (merchant_id, action, object_id, reference);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
