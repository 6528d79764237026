-- Identity reviews behind a customer's KYC status: ACH submissions awaiting the verifier, and
-- attestations synced from other platforms.
CREATE TABLE kyc_reviews (
    id             TEXT    PRIMARY KEY,
    customer_id    TEXT    NOT NULL REFERENCES customers (id),
    source         TEXT    NOT NULL,
    first_name     TEXT    NOT NULL,
    last_name      TEXT    NOT NULL,
    date_of_birth  TEXT,
    country        TEXT,
    reference      TEXT,
    submitted_at_ms BIGINT  NOT NULL,
    -- The simulated verifier decides at this time; NULL once decided.
    decide_at_ms   BIGINT,
    decision       TEXT,
    reason         TEXT
);
CREATE INDEX kyc_reviews_by_customer ON kyc_reviews (customer_id, submitted_at_ms);
