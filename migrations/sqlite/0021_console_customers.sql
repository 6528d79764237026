-- The console's customers page lists a merchant's customers by email, optionally of one KYC
-- status, with how many cards each has: an index for the status filter in email order, and one
-- for counting a customer's cards without reading the merchant's whole card table.
CREATE INDEX customers_by_merchant_kyc ON customers (merchant_id, kyc_status, email);
CREATE INDEX cards_by_customer ON cards (customer_id) WHERE customer_id IS NOT NULL;

-- ACH reviews still waiting for the verifier: the table decides a merchant's due ones before it
-- reads, and only undecided reviews are in this index.
CREATE INDEX kyc_reviews_due ON kyc_reviews (decide_at_ms) WHERE decide_at_ms IS NOT NULL;
