-- A card has no PAN until it is activated. The inline UNIQUE constraint indexed every card's NULL
-- fingerprint at creation anyway; a partial unique index keeps the same guarantee for real PANs
-- and costs creation nothing.
ALTER TABLE cards DROP CONSTRAINT cards_pan_fingerprint_key;
CREATE UNIQUE INDEX cards_pan_fingerprint ON cards (pan_fingerprint) WHERE pan_fingerprint IS NOT NULL;
