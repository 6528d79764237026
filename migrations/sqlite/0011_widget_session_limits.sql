-- What a widget session may spend: its token sits in a partner page, so a stolen token must be
-- worth little. A new session makes 1 card and deposits at most 5000 USD unless the merchant asks
-- for more when minting it.
ALTER TABLE widget_sessions ADD COLUMN max_cards INTEGER NOT NULL DEFAULT 1;
ALTER TABLE widget_sessions ADD COLUMN max_deposit_cents INTEGER NOT NULL DEFAULT 500000;
-- Sessions minted before caps existed were promised none; they keep that until they expire
-- (a day at most).
UPDATE widget_sessions SET max_cards = 1000000, max_deposit_cents = 500000000000;

-- The cards a session has made (or is making): a row is written before the card is created, in the
-- transaction that checks the caps, so two forms sent at once cannot both take the last place.
-- It is also what makes a card the session's: an orderNo that merely looks like the session's is
-- not enough. A card that ends in CARD FAILED REFUND no longer counts against the caps.
CREATE TABLE widget_session_cards (
    merchant_id    TEXT    NOT NULL,
    order_no       TEXT    NOT NULL,
    session_id     TEXT    NOT NULL REFERENCES widget_sessions (id),
    deposit_cents  INTEGER NOT NULL CHECK (deposit_cents >= 0),
    reserved_at_ms INTEGER NOT NULL,
    PRIMARY KEY (merchant_id, order_no)
);
CREATE INDEX widget_session_cards_by_session ON widget_session_cards (session_id, reserved_at_ms);

-- The cards sessions made before this table existed, recognised by their orderNo as they were then.
INSERT INTO widget_session_cards (merchant_id, order_no, session_id, deposit_cents, reserved_at_ms)
SELECT c.merchant_id, c.order_no, s.id,
       COALESCE((SELECT p.amount FROM journal_entries j JOIN postings p ON p.entry_id = j.id
                 WHERE j.kind = 'card_deposit' AND j.card_id = c.id AND p.account = 'card:' || c.id), 0),
       c.created_at_ms
FROM cards c JOIN widget_sessions s
  ON s.merchant_id = c.merchant_id AND c.order_no LIKE 'w' || s.id || '-%';
