-- The console's card table reads a merchant's cards newest first, a page at a time by cursor
-- (created_at_ms, id): this index answers each page with one range scan, however deep.
CREATE INDEX cards_by_merchant_newest ON cards (merchant_id, created_at_ms DESC, id DESC);
