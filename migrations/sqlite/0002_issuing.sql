-- The issuing core: API keys, card ranges, customers (KYC), cards with their provisioning lease,
-- the double-entry ledger, and the callback outbox. Amounts are integer cents; times are epoch ms.

ALTER TABLE merchants ADD COLUMN webhook_secret TEXT NOT NULL DEFAULT '';

CREATE TABLE api_keys (
    id            TEXT    PRIMARY KEY NOT NULL,
    merchant_id   TEXT    NOT NULL REFERENCES merchants (id),
    -- SHA-256 of the whole token; the token itself is shown once and never stored.
    secret_hash   TEXT    NOT NULL UNIQUE,
    label         TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL,
    revoked_at_ms INTEGER
);

CREATE TABLE card_ranges (
    id               TEXT    PRIMARY KEY NOT NULL,
    bin              TEXT    NOT NULL,
    brand            TEXT    NOT NULL,
    currency         TEXT    NOT NULL,
    pan_length       INTEGER NOT NULL,
    valid_months     INTEGER NOT NULL,
    fee_one_cents    INTEGER NOT NULL,
    fee_two_cents    INTEGER NOT NULL,
    fee_three_cents  INTEGER NOT NULL
);

CREATE TABLE merchant_card_ranges (
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    range_id    TEXT NOT NULL REFERENCES card_ranges (id),
    PRIMARY KEY (merchant_id, range_id)
);

-- A merchant's customer, identified by email: "the user's email account" of the seed's KYC rule.
CREATE TABLE customers (
    id            TEXT    PRIMARY KEY NOT NULL,
    merchant_id   TEXT    NOT NULL REFERENCES merchants (id),
    email         TEXT    NOT NULL,
    external_id   TEXT,
    kyc_status    TEXT    NOT NULL,
    kyc_source    TEXT,
    kyc_updated_at_ms INTEGER,
    created_at_ms INTEGER NOT NULL,
    UNIQUE (merchant_id, email)
);

CREATE TABLE cards (
    id                  TEXT    PRIMARY KEY NOT NULL,
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
    exp_month           INTEGER,
    exp_year            INTEGER,
    -- AES-256-GCM ciphertexts (nonce || ciphertext || tag); the PAN's keyed fingerprint keeps it unique.
    pan_ciphertext      BLOB,
    cvc_ciphertext      BLOB,
    pan_fingerprint     TEXT    UNIQUE,
    created_at_ms       INTEGER NOT NULL,
    updated_at_ms       INTEGER NOT NULL,
    -- Provisioning job: claimable when next_run_at_ms has passed and no live lease holds it.
    next_run_at_ms      INTEGER,
    lease_owner         TEXT,
    lease_expires_at_ms INTEGER,
    attempts            INTEGER NOT NULL DEFAULT 0,
    UNIQUE (merchant_id, order_no)
);
CREATE INDEX cards_due ON cards (next_run_at_ms) WHERE next_run_at_ms IS NOT NULL;
CREATE INDEX cards_by_merchant ON cards (merchant_id, created_at_ms);

-- Every status/stage change, in order: the tracker's timeline and the callbacks' source.
CREATE TABLE card_events (
    card_id  TEXT    NOT NULL REFERENCES cards (id),
    seq      INTEGER NOT NULL,
    status   TEXT    NOT NULL,
    stage    TEXT    NOT NULL,
    at_ms    INTEGER NOT NULL,
    PRIMARY KEY (card_id, seq)
);

CREATE TABLE journal_entries (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT    NOT NULL,
    merchant_id   TEXT    NOT NULL,
    card_id       TEXT,
    -- Makes a business operation happen at most once (e.g. "refund:c_123").
    reference     TEXT    NOT NULL UNIQUE,
    created_at_ms INTEGER NOT NULL
);

CREATE TABLE postings (
    entry_id INTEGER NOT NULL REFERENCES journal_entries (id),
    account  TEXT    NOT NULL,
    amount   INTEGER NOT NULL,
    PRIMARY KEY (entry_id, account)
);
CREATE INDEX postings_by_account ON postings (account);

-- Running balance per account, updated in the same transaction as the postings; the CHECK makes an
-- overdraft impossible to commit even if a service check were wrong.
CREATE TABLE account_balances (
    account TEXT    PRIMARY KEY NOT NULL,
    balance INTEGER NOT NULL,
    CHECK (balance >= 0 OR account = 'funding')
);

CREATE TABLE webhook_outbox (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id          TEXT    NOT NULL UNIQUE,
    merchant_id         TEXT    NOT NULL REFERENCES merchants (id),
    card_id             TEXT    NOT NULL REFERENCES cards (id),
    url                 TEXT    NOT NULL,
    payload             TEXT    NOT NULL,
    created_at_ms       INTEGER NOT NULL,
    next_attempt_at_ms  INTEGER,
    attempts            INTEGER NOT NULL DEFAULT 0,
    delivered_at_ms     INTEGER,
    abandoned_at_ms     INTEGER,
    lease_owner         TEXT,
    lease_expires_at_ms INTEGER
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at_ms) WHERE next_attempt_at_ms IS NOT NULL;

CREATE TABLE webhook_attempts (
    outbox_id     INTEGER NOT NULL REFERENCES webhook_outbox (id),
    attempt       INTEGER NOT NULL,
    at_ms         INTEGER NOT NULL,
    status_code   INTEGER,
    error         TEXT,
    duration_ms   INTEGER NOT NULL,
    PRIMARY KEY (outbox_id, attempt)
);
