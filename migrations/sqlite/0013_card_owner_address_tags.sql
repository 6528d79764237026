-- Seed 000's card fields that were missing or empty:
--   user_id: the user the card belongs to: its customer's id, or a user id of its own for a
--     card made without an email (seed form `u_` + 16 hex digits; never empty);
--   external_customer_id: the merchant's own customerId when the card has no customer row to
--     keep it on;
--   holder_address: the holder's own address as JSON, NULL for the range's billing address;
--   tags: the card's labels as a JSON array.
ALTER TABLE cards ADD COLUMN user_id TEXT;
ALTER TABLE cards ADD COLUMN external_customer_id TEXT;
ALTER TABLE cards ADD COLUMN holder_address TEXT;
ALTER TABLE cards ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
UPDATE cards SET user_id = COALESCE(customer_id, 'u_' || lower(hex(randomblob(8))));
