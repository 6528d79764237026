-- The widget builder: a merchant ends a session early from the console (its form then makes no
-- more cards and its trackers say the site closed it), and the list of live sessions says who
-- minted each. closed_at_ms is NULL while the session runs its lifetime; created_by is the console
-- user's email, NULL for a session an API key minted.
ALTER TABLE widget_sessions ADD COLUMN closed_at_ms INTEGER;
ALTER TABLE widget_sessions ADD COLUMN created_by TEXT;
-- The console's list of a merchant's live sessions, newest first.
CREATE INDEX widget_sessions_by_merchant_expiry ON widget_sessions (merchant_id, expires_at_ms);
