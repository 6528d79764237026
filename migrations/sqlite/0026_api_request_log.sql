-- The developers' area's request log: each API request a merchant's key signed, written by each
-- instance in batches a second apart (never in the request's own path). No request body is kept;
-- an error's response body is (its first 2 KB, any run of 12 to 19 digits masked, so a card
-- number a caller sent never lands here). Kept 7 days and at most 10,000 rows per merchant.
CREATE TABLE api_request_log (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id   TEXT    NOT NULL REFERENCES merchants (id),
    at_ms         INTEGER NOT NULL,
    method        TEXT    NOT NULL,
    path          TEXT    NOT NULL,
    status        INTEGER NOT NULL,
    duration_ms   INTEGER NOT NULL,
    key_prefix    TEXT    NOT NULL,
    request_id    TEXT    NOT NULL,
    -- Dialect A's envelope traceId, when the answer had one.
    trace_id      INTEGER,
    error_body    TEXT
);
CREATE INDEX api_request_log_by_merchant ON api_request_log (merchant_id, id);
CREATE INDEX api_request_log_by_request_id ON api_request_log (merchant_id, request_id);
CREATE INDEX api_request_log_by_time ON api_request_log (at_ms);
