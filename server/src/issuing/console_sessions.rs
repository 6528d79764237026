//! The console's sign-in and sessions ([`ConsoleAccess`]) over the database.
//!
//! - Passwords are Argon2id hashes (`password-auth`, RustCrypto's argon2 with its recommended
//!   parameters), checked on a blocking thread: a check takes tens of milliseconds of CPU.
//! - A session is a random 32-byte token in an HttpOnly cookie; the database keeps only its
//!   SHA-256, so a leaked database holds no usable session. It ends after [`IDLE_LIMIT`] without
//!   use or [`ABSOLUTE_LIMIT`] after sign-in, whichever comes first, or when signed out.
//! - Failed sign-ins are throttled per account (in the database, so every instance counts the
//!   same failures) and per client address (the edge's limiter). The answer never says whether
//!   the email has a login, and an unknown email costs the same hash check as a known one.

use std::{net::IpAddr, sync::Arc, time::Duration};

use app::{
    domain::{
        console_user::ConsoleUser,
        console_views::{
            CardCursor, CardTableMark, CardTableQuery, ConsoleCardPage, ConsoleOverview,
            WalletLine, CARDS_PER_PAGE, MAX_WATCHED_CARDS, RECENT_WALLET_LINES,
        },
        ids::CardId,
    },
    ports::{ConsoleAccess, ConsoleDenied, SignedIn},
};

use crate::{
    rate_limits::RateLimits,
    secrets::{random, CardCipher},
    store::{hash_token, Database},
};

/// A session not used for this long has ended.
pub const IDLE_LIMIT: Duration = Duration::from_secs(2 * 3600);
/// No session lives longer than this after its sign-in.
pub const ABSOLUTE_LIMIT: Duration = Duration::from_secs(12 * 3600);
/// Failed sign-ins of one account allowed within [`FAILURE_WINDOW`] before it is throttled.
pub const FAILURES_ALLOWED: i64 = 5;
pub const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// A session's last use is written at most this often, so reading pages is not a write each.
const TOUCH_INTERVAL: Duration = Duration::from_secs(60);

#[derive(Clone)]
pub struct ConsoleSessions {
    pub(super) database: Database,
    limits: Arc<RateLimits>,
    /// Seals the users' authenticator secrets (the card key; see `console_security`).
    pub(super) cipher: CardCipher,
}

fn ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

fn unavailable(error: impl std::fmt::Display) -> ConsoleDenied {
    tracing::warn!(%error, "console store failed");
    ConsoleDenied::Unavailable
}

/// An Argon2id hash of `password` (PHC string, salt included).
pub async fn hash_password(password: &str) -> String {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || password_auth::generate_hash(password))
        .await
        .expect("hashing does not panic")
}

/// Whether `password` matches `hash`; without a hash (no such login) it is checked against a
/// decoy and never matches. Both run on a blocking thread, the decoy's one-time hashing included.
pub(crate) async fn password_matches(password: &str, hash: Option<&str>) -> bool {
    let (password, hash) = (password.to_owned(), hash.map(str::to_owned));
    tokio::task::spawn_blocking(move || match hash {
        Some(hash) => password_auth::verify_password(password, &hash).is_ok(),
        None => {
            let _ = password_auth::verify_password(password, decoy_hash());
            false
        }
    })
    .await
    .unwrap_or(false)
}

/// What an unknown email's password is checked against, so that answering "wrong" takes as long
/// as for a known email (computed once).
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| password_auth::generate_hash(random::token()))
}

impl ConsoleSessions {
    pub fn new(database: Database, limits: Arc<RateLimits>, cipher: CardCipher) -> Self {
        Self {
            database,
            limits,
            cipher,
        }
    }

    /// A new session for `user`, whose password (or invitation) has just proved who they are.
    /// With an authenticator in use, or the team's rule, the session waits for a code first.
    pub async fn start_session(&self, user: ConsoleUser) -> Result<SignedIn, ConsoleDenied> {
        let two_factor = self
            .database
            .two_factor(&user.id)
            .await
            .map_err(unavailable)?;
        let awaiting_second_factor = two_factor.enabled() || two_factor.required_by_team;
        let token = random::token();
        self.database
            .insert_console_session(&hash_token(&token), &user.id, awaiting_second_factor)
            .await
            .map_err(unavailable)?;
        Ok(SignedIn {
            token,
            user,
            max_age_secs: ABSOLUTE_LIMIT.as_secs(),
            awaiting_second_factor,
        })
    }

    /// Refuses while the account has failed too many proofs (passwords or codes) lately.
    pub(crate) async fn refuse_while_throttled(&self, email: &str) -> Result<(), ConsoleDenied> {
        let since = self.database.now_ms() - ms(FAILURE_WINDOW);
        let failures = self
            .database
            .sign_in_failures_since(email, since)
            .await
            .map_err(unavailable)?;
        if failures >= FAILURES_ALLOWED {
            return Err(Self::throttled(FAILURE_WINDOW));
        }
        Ok(())
    }

    /// Counts a failed proof (a wrong password or code) towards the account's throttle.
    pub(crate) async fn count_failed_proof(&self, email: &str) -> Result<(), ConsoleDenied> {
        self.database
            .record_sign_in_failure(email)
            .await
            .map_err(unavailable)
    }

    fn throttled(retry_after: Duration) -> ConsoleDenied {
        ConsoleDenied::Throttled {
            retry_after_secs: retry_after.as_secs().max(1),
        }
    }
}

#[async_trait::async_trait]
impl ConsoleAccess for ConsoleSessions {
    #[tracing::instrument(skip_all)]
    async fn sign_in(
        &self,
        email: &str,
        password: &str,
        address: Option<IpAddr>,
    ) -> Result<SignedIn, ConsoleDenied> {
        if let Some(address) = address {
            self.limits
                .check_not_blocked(address)
                .map_err(|throttled| Self::throttled(throttled.retry_after))?;
        }
        self.refuse_while_throttled(email).await?;
        let stored = self
            .database
            .console_user_by_email(email)
            .await
            .map_err(unavailable)?;
        let hash = stored.as_ref().map(|stored| stored.password_hash.as_str());
        let matches = password_matches(password, hash).await;
        let Some(stored) = stored.filter(|_| matches) else {
            self.count_failed_proof(email).await?;
            if let Some(address) = address {
                self.limits.note_failed_credential(address);
            }
            tracing::info!("console sign-in refused");
            return Err(ConsoleDenied::WrongCredentials);
        };
        self.database
            .clear_sign_in_failures(email)
            .await
            .map_err(unavailable)?;
        tracing::info!(user_id = %stored.user.id, merchant_id = %stored.user.merchant_id, "console sign-in");
        self.start_session(stored.user).await
    }

    #[tracing::instrument(skip_all)]
    async fn user(&self, token: &str) -> Result<ConsoleUser, ConsoleDenied> {
        let token_hash = hash_token(token);
        let session = self
            .database
            .console_session(&token_hash)
            .await
            .map_err(unavailable)?
            .ok_or(ConsoleDenied::SignedOut)?;
        let now = self.database.now_ms();
        let idle = now - session.last_seen_at_ms >= ms(IDLE_LIMIT);
        let old = now - session.created_at_ms >= ms(ABSOLUTE_LIMIT);
        if idle || old {
            self.database
                .delete_console_session(&token_hash)
                .await
                .map_err(unavailable)?;
            return Err(ConsoleDenied::SignedOut);
        }
        // Half signed in: nothing opens until the code is given (`ConsoleSecurity`).
        if session.awaiting_second_factor {
            return Err(ConsoleDenied::SecondFactorNeeded);
        }
        if now - session.last_seen_at_ms >= ms(TOUCH_INTERVAL) {
            self.database
                .touch_console_session(&token_hash)
                .await
                .map_err(unavailable)?;
        }
        Ok(session.user)
    }

    async fn sign_out(&self, token: &str) -> Result<(), ConsoleDenied> {
        self.database
            .delete_console_session(&hash_token(token))
            .await
            .map_err(unavailable)
    }

    #[tracing::instrument(skip_all, fields(user_id = %user.id))]
    async fn sign_out_everywhere(&self, user: &ConsoleUser) -> Result<(), ConsoleDenied> {
        let ended = self
            .database
            .delete_console_sessions_of(&user.id)
            .await
            .map_err(unavailable)?;
        tracing::info!(sessions = ended, "console user signed out everywhere");
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(merchant_id = %user.merchant_id))]
    async fn overview(&self, user: &ConsoleUser) -> Result<ConsoleOverview, ConsoleDenied> {
        let standing = self
            .database
            .merchant_standing(&user.merchant_id)
            .await
            .map_err(unavailable)?;
        let recent_wallet = self
            .database
            .wallet_statement(&user.merchant_id, None, RECENT_WALLET_LINES)
            .await
            .map_err(unavailable)?;
        let activity = self
            .database
            .merchant_activity(&user.merchant_id)
            .await
            .map_err(unavailable)?;
        let sandbox = self
            .database
            .is_sandbox(&user.merchant_id)
            .await
            .map_err(unavailable)?;
        Ok(ConsoleOverview {
            user: user.clone(),
            wallet: standing.wallet,
            recent_wallet,
            cards_by_status: standing.cards_by_status,
            activity,
            sandbox,
            next_reference: random::id("funds_"),
        })
    }

    #[tracing::instrument(skip_all, fields(merchant_id = %user.merchant_id))]
    async fn wallet_statement(
        &self,
        user: &ConsoleUser,
        before_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<WalletLine>, ConsoleDenied> {
        self.database
            .wallet_statement(&user.merchant_id, before_id, limit)
            .await
            .map_err(unavailable)
    }

    #[tracing::instrument(skip_all, fields(merchant_id = %user.merchant_id))]
    async fn cards(
        &self,
        user: &ConsoleUser,
        query: &CardTableQuery,
    ) -> Result<ConsoleCardPage, ConsoleDenied> {
        // One more than a page: whether there is a next page, without counting.
        let mut rows = self
            .database
            .console_cards(
                &user.merchant_id,
                query.status,
                query.search.as_deref(),
                query.after.as_ref(),
                CARDS_PER_PAGE + 1,
            )
            .await
            .map_err(unavailable)?;
        let more = rows.len() as i64 > CARDS_PER_PAGE;
        rows.truncate(CARDS_PER_PAGE as usize);
        let next = more.then(|| rows.last().map(CardCursor::of)).flatten();
        Ok(ConsoleCardPage { rows, next })
    }

    async fn card_table_mark(
        &self,
        user: &ConsoleUser,
        shown: &[CardId],
    ) -> Result<CardTableMark, ConsoleDenied> {
        let shown = &shown[..shown.len().min(MAX_WATCHED_CARDS)];
        self.database
            .card_table_mark(&user.merchant_id, shown)
            .await
            .map_err(unavailable)
    }
}
