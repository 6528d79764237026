-- The console reads an account's statement newest first, a page at a time: an index on the
-- account and the entry, so a wallet with many entries is not sorted whole for each page.
CREATE INDEX postings_by_account_entry ON postings (account, entry_id);
