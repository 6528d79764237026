-- A merchant's backend may mint a session that continues an earlier one (the partner refreshes a
-- session that ran out, so the cardholder can see the card again): it shows the cards of every
-- session in its chain. Each session names the first session of its chain, so one indexed lookup
-- finds the whole chain however long it grows; a first session names itself.
ALTER TABLE widget_sessions ADD COLUMN chain_id TEXT REFERENCES widget_sessions (id);
UPDATE widget_sessions SET chain_id = id;
CREATE INDEX widget_sessions_by_chain ON widget_sessions (merchant_id, chain_id);
