-- Spend controls per card (dialect B's settings, enforced for every card) and the authorizations
-- checked against them. A card without a controls row has the initial controls: the default
-- limits, every currency, no time window, and a per-transaction ceiling equal to its balance.
CREATE TABLE card_controls (
    card_id               TEXT    PRIMARY KEY REFERENCES cards (id),
    nick_name             TEXT,
    -- JSON: [{"interval": "DAILY", "amount": <cents>}, ...]
    limits                TEXT    NOT NULL,
    active_from_ms        INTEGER,
    active_to_ms          INTEGER,
    -- JSON array of ISO currency codes; empty: all currencies.
    allowed_currencies    TEXT    NOT NULL,
    limit_per_transaction INTEGER NOT NULL CHECK (limit_per_transaction >= 0),
    is_autolimit          INTEGER NOT NULL
);

CREATE TABLE authorizations (
    id             TEXT    PRIMARY KEY,
    card_id        TEXT    NOT NULL REFERENCES cards (id),
    amount         INTEGER NOT NULL CHECK (amount > 0),
    currency       TEXT    NOT NULL,
    merchant_name  TEXT    NOT NULL,
    category       TEXT    NOT NULL,
    -- PENDING (approved, funds held), CAPTURED, REVERSED, DECLINED.
    status         TEXT    NOT NULL,
    decline_reason TEXT,
    created_at_ms  INTEGER NOT NULL,
    settled_at_ms  INTEGER
);
CREATE INDEX authorizations_by_card ON authorizations (card_id, created_at_ms);
