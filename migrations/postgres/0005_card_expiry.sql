-- The expiry job's lookup: live cards in expiry order, so each round reads only the cards due.
CREATE INDEX cards_expiry ON cards (exp_year, exp_month) WHERE status IN ('ACTIVE', 'FREEZE');
