-- The console's overview counts the last thirty days of a merchant's ledger (money spent, money
-- in and out of the wallet): an index on the merchant and the time, so it reads those days only.
CREATE INDEX journal_entries_by_merchant_time ON journal_entries (merchant_id, created_at_ms);

-- A sandbox merchant may add test money to its wallet from the console; a live one may not.
ALTER TABLE merchants ADD COLUMN sandbox INTEGER NOT NULL DEFAULT 0;
