-- Monthly card fees: when the next one is due. Set at activation (the first month is charged with
-- it), moved on by a month at each charge.
ALTER TABLE cards ADD COLUMN next_fee_at_ms INTEGER;
CREATE INDEX cards_fee_due ON cards (next_fee_at_ms) WHERE next_fee_at_ms IS NOT NULL;
