-- What pending authorizations hold, kept beside each card's balance so that the database itself
-- refuses any change that would leave an approved authorization uncapturable: a withdrawal, a fee
-- or a closure can only take the unheld part. Set from the authorizations already pending.
ALTER TABLE account_balances ADD COLUMN held INTEGER NOT NULL DEFAULT 0
    CHECK (held >= 0 AND (held = 0 OR held <= balance));

UPDATE account_balances
SET held = (
    SELECT COALESCE(SUM(a.amount), 0) FROM authorizations a
    WHERE a.status = 'PENDING' AND 'card:' || a.card_id = account_balances.account
)
WHERE account LIKE 'card:%';
