-- The issuing core: API keys, card ranges, customers (KYC), cards with their provisioning lease,
-- the double-entry ledger, and the callback outbox. Amounts are integer cents; times are epoch ms.

ALTER TABLE merchants ADD COLUMN webhook_secret TEXT NOT NULL DEFAULT '';

CREATE TABLE api_keys (
    id            TEXT    PRIMARY KEY,
    merchant_id   TEXT    NOT NULL REFERENCES merchants (id),
    -- SHA-256 of the whole token; the token itself is shown once and never stored.
    secret_hash   TEXT    NOT NULL UNIQUE,
    label         TEXT    NOT NULL,
    created_at_ms BIGINT  NOT NULL,
    revoked_at_ms BIGINT
);

CREATE TABLE card_ranges (
    id               TEXT    PRIMARY KEY,
    bin              TEXT    NOT NULL,
    brand            TEXT    NOT NULL,
    currency         TEXT    NOT NULL,
    pan_length       BIGINT  NOT NULL,
    valid_months     BIGINT  NOT NULL,
    fee_one_cents    BIGINT  NOT NULL,
    fee_two_cents    BIGINT  NOT NULL,
    fee_three_cents  BIGINT  NOT NULL
);

CREATE TABLE merchant_card_ranges (
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    range_id    TEXT NOT NULL REFERENCES card_ranges (id),
    PRIMARY KEY (merchant_id, range_id)
);

-- A merchant's customer, identified by email: "the user's email account" of the seed's KYC rule.
CREATE TABLE customers (
    id            TEXT    PRIMARY KEY,
    merchant_id   TEXT    NOT NULL REFERENCES merchants (id),
    email         TEXT    NOT NULL,
    external_id   TEXT,
    kyc_status    TEXT    NOT NULL,
    kyc_source    TEXT,
    kyc_updated_at_ms BIGINT,
    created_at_ms BIGINT  NOT NULL,
    UNIQUE (merchant_id, email)
);

CREATE TABLE cards (
    id                  TEXT    PRIMARY KEY,
    merchant_id         TEXT    NOT NULL REFERENCES merchants (id),
    order_no            TEXT    NOT NULL,
    -- SHA-256 of the canonical create request: same orderNo + same body = same card.
    request_hash        TEXT    NOT NULL,
    range_id            TEXT    NOT NULL REFERENCES card_ranges (id),
    customer_id         TEXT    REFERENCES customers (id),
    holder_id           TEXT    NOT NULL,
    seq_no              TEXT    NOT NULL,
    first_name          TEXT    NOT NULL,
    last_name           TEXT    NOT NULL,
    fee_type            TEXT    NOT NULL,
    callback_url        TEXT    NOT NULL,
    status              TEXT    NOT NULL,
    stage               TEXT    NOT NULL,
    failure_reason      TEXT,
    card_bin            TEXT,
    last4               TEXT,
    exp_month           BIGINT,
    exp_year            BIGINT,
    -- AES-256-GCM ciphertexts (nonce || ciphertext || tag); the PAN's keyed fingerprint keeps it unique.
    pan_ciphertext      BYTEA,
    cvc_ciphertext      BYTEA,
    pan_fingerprint     TEXT    UNIQUE,
    created_at_ms       BIGINT  NOT NULL,
    updated_at_ms       BIGINT  NOT NULL,
    -- Provisioning job: claimable when next_run_at_ms has passed and no live lease holds it.
    next_run_at_ms      BIGINT,
    lease_owner         TEXT,
    lease_expires_at_ms BIGINT,
    attempts            BIGINT  NOT NULL DEFAULT 0,
    UNIQUE (merchant_id, order_no)
);
CREATE INDEX cards_due ON cards (next_run_at_ms) WHERE next_run_at_ms IS NOT NULL;
CREATE INDEX cards_by_merchant ON cards (merchant_id, created_at_ms);

-- Every status/stage change, in order: the tracker's timeline and the callbacks' source.
CREATE TABLE card_events (
    card_id  TEXT    NOT NULL REFERENCES cards (id),
    seq      BIGINT  NOT NULL,
    status   TEXT    NOT NULL,
    stage    TEXT    NOT NULL,
    at_ms    BIGINT  NOT NULL,
    PRIMARY KEY (card_id, seq)
);

CREATE TABLE journal_entries (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind          TEXT    NOT NULL,
    merchant_id   TEXT    NOT NULL,
    card_id       TEXT,
    -- Makes a business operation happen at most once (e.g. "refund:c_123").
    reference     TEXT    NOT NULL UNIQUE,
    created_at_ms BIGINT  NOT NULL
);

CREATE TABLE postings (
    entry_id BIGINT  NOT NULL REFERENCES journal_entries (id),
    account  TEXT    NOT NULL,
    amount   BIGINT  NOT NULL,
    PRIMARY KEY (entry_id, account)
);
CREATE INDEX postings_by_account ON postings (account);

-- Running balance per account, updated in the same transaction as the postings; the CHECK makes an
-- overdraft impossible to commit even if a service check were wrong.
CREATE TABLE account_balances (
    account TEXT    PRIMARY KEY,
    balance BIGINT  NOT NULL,
    CHECK (balance >= 0 OR account = 'funding')
);

CREATE TABLE webhook_outbox (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id          TEXT    NOT NULL UNIQUE,
    merchant_id         TEXT    NOT NULL REFERENCES merchants (id),
    card_id             TEXT    NOT NULL REFERENCES cards (id),
    url                 TEXT    NOT NULL,
    payload             TEXT    NOT NULL,
    created_at_ms       BIGINT  NOT NULL,
    next_attempt_at_ms  BIGINT,
    attempts            BIGINT  NOT NULL DEFAULT 0,
    delivered_at_ms     BIGINT,
    abandoned_at_ms     BIGINT,
    lease_owner         TEXT,
    lease_expires_at_ms BIGINT
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at_ms) WHERE next_attempt_at_ms IS NOT NULL;

CREATE TABLE webhook_attempts (
    outbox_id     BIGINT  NOT NULL REFERENCES webhook_outbox (id),
    attempt       BIGINT  NOT NULL,
    at_ms         BIGINT  NOT NULL,
    status_code   BIGINT,
    error         TEXT,
    duration_ms   BIGINT  NOT NULL,
    PRIMARY KEY (outbox_id, attempt)
);
