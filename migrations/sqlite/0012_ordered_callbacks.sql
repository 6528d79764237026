-- A card's callbacks are delivered one at a time, in order: a message is claimable only when the
-- card has no earlier message still undelivered. This index answers that question per card.
CREATE INDEX webhook_outbox_undelivered_by_card ON webhook_outbox (card_id, id)
    WHERE delivered_at_ms IS NULL AND abandoned_at_ms IS NULL;
