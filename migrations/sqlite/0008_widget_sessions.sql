-- Short-lived widget sessions: minted by a merchant's backend with its secret API key, handed to a
-- partner page, and good only for creating and tracking that merchant's cards from the allowed
-- origins until they expire. The token is stored hashed, like API keys.
CREATE TABLE widget_sessions (
    id              TEXT    PRIMARY KEY,
    token_hash      TEXT    NOT NULL UNIQUE,
    merchant_id     TEXT    NOT NULL REFERENCES merchants (id),
    -- JSON array of origins ("https://shop.example") that may frame the widget.
    allowed_origins TEXT    NOT NULL,
    customer_email  TEXT,
    created_at_ms   INTEGER NOT NULL,
    expires_at_ms   INTEGER NOT NULL
);
