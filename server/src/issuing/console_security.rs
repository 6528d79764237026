//! The console's second factor ([`ConsoleSecurity`]) over the database: authenticator secrets
//! are kept encrypted with the card key (bound to their user), codes are checked here with
//! `authenticator_codes`, and each 30-second code is accepted once (a conditional write of the
//! step, so a code seen over a shoulder or replayed by a proxy is refused).
//!
//! - A sign-in whose password is right but whose code is due is a session that opens nothing
//!   but the code page (`awaiting_second_factor`), for [`CODE_DUE_WITHIN`] at most.
//! - Wrong codes count towards the same per-account throttle as wrong passwords.
//! - Every switch on or off, and the team's rule, is written to the audit log.

use std::time::Duration;

use app::{
    domain::{
        audit::AuditAction,
        console_role::Role,
        console_user::ConsoleUser,
        two_factor::{Enrolment, SecondFactorStep, SecurityView},
    },
    ports::{ConsoleDenied, ConsoleSecurity},
};

use super::{
    authenticator_codes::{matching_step, new_secret, otpauth_uri, typed_secret},
    console_sessions::ConsoleSessions,
};
use crate::store::{hash_token, two_factor::StoredTwoFactor};

/// How long a right password waits for its code before the sign-in starts over.
pub const CODE_DUE_WITHIN: Duration = Duration::from_secs(10 * 60);

fn unavailable(error: impl std::fmt::Display) -> ConsoleDenied {
    tracing::warn!(%error, "console two-factor work failed");
    ConsoleDenied::Unavailable
}

fn ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

impl ConsoleSessions {
    /// The user's secret in the clear, if they have one (in use or being enrolled).
    fn secret_of(
        &self,
        user: &ConsoleUser,
        stored: &StoredTwoFactor,
    ) -> Result<Option<Vec<u8>>, ConsoleDenied> {
        stored
            .secret
            .as_deref()
            .map(|sealed| {
                self.cipher
                    .decrypt_user_secret(user.id.as_str(), sealed)
                    .map_err(unavailable)
            })
            .transpose()
    }

    fn enrolment(user: &ConsoleUser, secret: &[u8]) -> Enrolment {
        Enrolment {
            typed_secret: typed_secret(secret),
            otpauth_uri: otpauth_uri(&user.email, secret),
        }
    }

    /// Checks `code` against the user's secret and takes its step as used. Wrong (or replayed)
    /// codes count towards the account's sign-in throttle.
    pub(crate) async fn check_code(
        &self,
        user: &ConsoleUser,
        code: &str,
    ) -> Result<(), ConsoleDenied> {
        self.refuse_while_throttled(&user.email).await?;
        let stored = self
            .database
            .two_factor(&user.id)
            .await
            .map_err(unavailable)?;
        let secret = self.secret_of(user, &stored)?;
        let step = secret.and_then(|secret| matching_step(&secret, code, self.database.now_ms()));
        let accepted = match step {
            Some(step) => self
                .database
                .use_two_factor_step(&user.id, step)
                .await
                .map_err(unavailable)?,
            None => false,
        };
        if !accepted {
            self.count_failed_proof(&user.email).await?;
            tracing::info!(user_id = %user.id, "console authenticator code refused");
            return Err(ConsoleDenied::WrongCode);
        }
        Ok(())
    }

    /// Whether `user` has an authenticator in use.
    pub(crate) async fn has_authenticator(
        &self,
        user: &ConsoleUser,
    ) -> Result<bool, ConsoleDenied> {
        let stored = self
            .database
            .two_factor(&user.id)
            .await
            .map_err(unavailable)?;
        Ok(stored.enabled())
    }

    /// The session waiting for its code: its user, or why there is none.
    async fn waiting_session(&self, token: &str) -> Result<ConsoleUser, ConsoleDenied> {
        let token_hash = hash_token(token);
        let session = self
            .database
            .console_session(&token_hash)
            .await
            .map_err(unavailable)?
            .ok_or(ConsoleDenied::SignedOut)?;
        if !session.awaiting_second_factor {
            return Err(ConsoleDenied::Refused(
                "This sign-in is already finished.".to_owned(),
            ));
        }
        if self.database.now_ms() - session.created_at_ms >= ms(CODE_DUE_WITHIN) {
            self.database
                .delete_console_session(&token_hash)
                .await
                .map_err(unavailable)?;
            return Err(ConsoleDenied::SignedOut);
        }
        Ok(session.user)
    }

    async fn audit(
        &self,
        user: &ConsoleUser,
        action: AuditAction,
        detail: &str,
    ) -> Result<(), ConsoleDenied> {
        self.database
            .record_user_audit(user, action, user.id.as_str(), detail, None)
            .await
            .map_err(unavailable)
    }
}

#[async_trait::async_trait]
impl ConsoleSecurity for ConsoleSessions {
    async fn second_factor_step(&self, token: &str) -> Result<SecondFactorStep, ConsoleDenied> {
        let user = self.waiting_session(token).await?;
        let stored = self
            .database
            .two_factor(&user.id)
            .await
            .map_err(unavailable)?;
        if stored.enabled() {
            return Ok(SecondFactorStep::Code);
        }
        // The team's rule and no authenticator yet: enrol one now (the same secret until it is
        // confirmed, so a reload shows the same one).
        let secret = match self.secret_of(&user, &stored)? {
            Some(secret) => secret,
            None => {
                let secret = new_secret();
                let sealed = self.cipher.encrypt_user_secret(user.id.as_str(), &secret);
                self.database
                    .start_two_factor(&user.id, &sealed)
                    .await
                    .map_err(unavailable)?;
                secret
            }
        };
        Ok(SecondFactorStep::Enrol(Self::enrolment(&user, &secret)))
    }

    #[tracing::instrument(skip_all)]
    async fn finish_sign_in(&self, token: &str, code: &str) -> Result<(), ConsoleDenied> {
        let user = self.waiting_session(token).await?;
        self.check_code(&user, code).await?;
        if !self.has_authenticator(&user).await? {
            self.database
                .enable_two_factor(&user.id)
                .await
                .map_err(unavailable)?;
            self.audit(&user, AuditAction::TwoFactorEnabled, "").await?;
        }
        self.database
            .clear_sign_in_failures(&user.email)
            .await
            .map_err(unavailable)?;
        self.database
            .complete_second_factor(&hash_token(token))
            .await
            .map_err(unavailable)?;
        tracing::info!(user_id = %user.id, merchant_id = %user.merchant_id, "console sign-in with a second factor");
        Ok(())
    }

    async fn security(&self, user: &ConsoleUser) -> Result<SecurityView, ConsoleDenied> {
        let stored = self
            .database
            .two_factor(&user.id)
            .await
            .map_err(unavailable)?;
        let enrolment = if stored.enabled() {
            None
        } else {
            self.secret_of(user, &stored)?
                .map(|secret| Self::enrolment(user, &secret))
        };
        Ok(SecurityView {
            user: user.clone(),
            enabled: stored.enabled(),
            required_by_team: stored.required_by_team,
            enrolment,
        })
    }

    async fn start_enrolment(&self, user: &ConsoleUser) -> Result<Enrolment, ConsoleDenied> {
        if self.has_authenticator(user).await? {
            return Err(ConsoleDenied::Refused(
                "Your authenticator is already on. Switch it off first to add another.".to_owned(),
            ));
        }
        let secret = new_secret();
        let sealed = self.cipher.encrypt_user_secret(user.id.as_str(), &secret);
        self.database
            .start_two_factor(&user.id, &sealed)
            .await
            .map_err(unavailable)?;
        Ok(Self::enrolment(user, &secret))
    }

    async fn confirm_enrolment(&self, user: &ConsoleUser, code: &str) -> Result<(), ConsoleDenied> {
        if self.has_authenticator(user).await? {
            return Ok(());
        }
        self.check_code(user, code).await?;
        self.database
            .enable_two_factor(&user.id)
            .await
            .map_err(unavailable)?;
        self.audit(user, AuditAction::TwoFactorEnabled, "").await
    }

    async fn switch_off(&self, user: &ConsoleUser, code: &str) -> Result<(), ConsoleDenied> {
        let stored = self
            .database
            .two_factor(&user.id)
            .await
            .map_err(unavailable)?;
        if stored.required_by_team {
            return Err(ConsoleDenied::Refused(
                "Your team requires a second factor: it cannot be switched off.".to_owned(),
            ));
        }
        if !stored.enabled() {
            return Ok(());
        }
        self.check_code(user, code).await?;
        self.database
            .disable_two_factor(&user.id)
            .await
            .map_err(unavailable)?;
        self.audit(user, AuditAction::TwoFactorDisabled, "").await
    }

    async fn require_for_team(
        &self,
        user: &ConsoleUser,
        required: bool,
    ) -> Result<(), ConsoleDenied> {
        if user.role != Role::Owner {
            return Err(ConsoleDenied::Forbidden(
                "only the owner sets the team's sign-in rule",
            ));
        }
        if required && !self.has_authenticator(user).await? {
            return Err(ConsoleDenied::Refused(
                "Switch on your own authenticator first, then require one of everyone.".to_owned(),
            ));
        }
        self.database
            .set_two_factor_required(&user.merchant_id, required)
            .await
            .map_err(unavailable)?;
        self.audit(
            user,
            AuditAction::TwoFactorRuleChanged,
            if required { "required" } else { "optional" },
        )
        .await
    }
}
