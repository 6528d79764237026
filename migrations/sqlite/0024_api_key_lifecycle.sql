-- API keys managed from the console.
--   access: 'full', or 'read_only' (such a key may only read: GET requests).
--   expires_at_ms: when a rolled key stops working, at the end of its grace period; NULL for a
--     key with no end.
--   replaced_by: the key that a roll made in this one's place.
--   created_by: who made the key (a console user's email then); NULL for a key made on the
--     command line or at onboarding.
--   last_used_at_ms: the last request the key signed, written in batches by each instance, so
--     using a key never turns a read into a write (it may lag by the flush interval).
ALTER TABLE api_keys ADD COLUMN access TEXT NOT NULL DEFAULT 'full' CHECK (access IN ('full', 'read_only'));
ALTER TABLE api_keys ADD COLUMN expires_at_ms INTEGER;
ALTER TABLE api_keys ADD COLUMN replaced_by TEXT;
ALTER TABLE api_keys ADD COLUMN created_by TEXT;
ALTER TABLE api_keys ADD COLUMN last_used_at_ms INTEGER;
CREATE INDEX api_keys_by_merchant ON api_keys (merchant_id, created_at_ms);
