-- Two-factor sign-in (TOTP, RFC 6238) for console users.
--   totp_secret: the authenticator's shared secret, encrypted with the card key (AES-GCM, bound
--     to the user); set when enrolment starts, in use once totp_enabled_at_ms is set.
--   totp_last_step: the newest 30-second step a code was accepted for: a code is good once.
--   two_factor_required: the owner's rule for the whole team.
--   awaiting_second_factor: a session whose password was right but whose code is still due; it
--     opens nothing but the code page.
ALTER TABLE console_users ADD COLUMN totp_secret BLOB;
ALTER TABLE console_users ADD COLUMN totp_enabled_at_ms INTEGER;
ALTER TABLE console_users ADD COLUMN totp_last_step INTEGER;
ALTER TABLE merchants ADD COLUMN two_factor_required INTEGER NOT NULL DEFAULT 0;
ALTER TABLE console_sessions ADD COLUMN awaiting_second_factor INTEGER NOT NULL DEFAULT 0;
