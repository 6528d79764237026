-- Merchants own everything else in Cardkit: API keys, wallets, cards.
-- Timestamps are Unix epoch milliseconds on both backends, so the Rust side reads one type.
CREATE TABLE merchants (
    id            TEXT   PRIMARY KEY,
    name          TEXT   NOT NULL,
    created_at_ms BIGINT NOT NULL
);
