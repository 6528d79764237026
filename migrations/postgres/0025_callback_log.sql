-- The developers' area's callback log.
--   webhook_attempts.response_body: the first 1 KB of what the receiver answered (plain text,
--     control characters dropped), so a developer sees why a receiver refused a message.
--   webhook_outbox.resent_after_attempts: the attempts made before the last resend; the retry
--     schedule starts again from there, so a resent message gets its full set of retries.
--   merchants.previous_webhook_secret / previous_webhook_secret_until_ms: after a rotation, the
--     secret replaced, which still signs beside the new one (Standard Webhooks sends several
--     "v1," signatures) until the given time, so receivers can switch without losing a message.
ALTER TABLE webhook_attempts ADD COLUMN response_body TEXT;
ALTER TABLE webhook_outbox ADD COLUMN resent_after_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE merchants ADD COLUMN previous_webhook_secret TEXT;
ALTER TABLE merchants ADD COLUMN previous_webhook_secret_until_ms BIGINT;
-- The log lists a merchant's messages newest first, by card or by time.
CREATE INDEX webhook_outbox_by_merchant ON webhook_outbox (merchant_id, id);
CREATE INDEX webhook_outbox_by_merchant_card ON webhook_outbox (merchant_id, card_id, id);
