-- What pending authorizations hold, kept beside each card's balance so that the database itself
-- refuses any change that would leave an approved authorization uncapturable: a withdrawal, a fee
-- or a closure can only take the unheld part. Set from the authorizations already pending.
ALTER TABLE account_balances ADD COLUMN held BIGINT NOT NULL DEFAULT 0;

UPDATE account_balances b
SET held = pending.total
FROM (
    SELECT 'card:' || card_id AS account, SUM(amount) AS total FROM authorizations
    WHERE status = 'PENDING' GROUP BY card_id
) pending
WHERE b.account = pending.account;

ALTER TABLE account_balances ADD CONSTRAINT account_balances_held_within_balance
    CHECK (held >= 0 AND (held = 0 OR held <= balance));
