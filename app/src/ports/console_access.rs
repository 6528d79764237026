//! The console's door: signing in and out, and who a session cookie belongs to. The server
//! implements it over the database; the console's server functions reach it through context.

use std::{net::IpAddr, sync::Arc};

use crate::domain::{
    console_user::ConsoleUser,
    console_views::{CardTableMark, CardTableQuery, ConsoleCardPage, ConsoleOverview, WalletLine},
    ids::CardId,
};

/// Why the console said no. Each becomes a 4xx with a sentence for the person, never a 500.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConsoleDenied {
    /// Wrong email or password: deliberately not saying which, so the answer does not tell
    /// whether an email has a login.
    #[error("The email or password is not right.")]
    WrongCredentials,
    #[error("Too many failed sign-ins. Try again in {retry_after_secs} seconds.")]
    Throttled { retry_after_secs: u64 },
    /// No session, or one that ended (idle too long, too old, signed out).
    #[error("Your session has ended. Sign in again.")]
    SignedOut,
    #[error("Enter the code from your authenticator app to finish signing in.")]
    SecondFactorNeeded,
    #[error(
        "That code is not right, or it was used already. Wait for the next one and try again."
    )]
    WrongCode,
    #[error("Enter your password and your authenticator's code to see the card's number.")]
    CodeNeeded,
    #[error("Your role does not allow this: {0}.")]
    Forbidden(&'static str),
    /// Revealing a card asks for the password again when the last proof is a few minutes old.
    #[error("Enter your password again to see the card's number.")]
    PasswordNeeded,
    #[error("No such card.")]
    NotFound,
    /// An invitation link that is unknown, used, or past its time.
    #[error("This invitation link is not valid any more. Ask for a new one.")]
    InvitationInvalid,
    /// The request is not well formed: a sentence naming what to fix.
    #[error("{0}")]
    Invalid(String),
    /// Well formed, but refused by the rules (not enough money, a card that cannot be frozen).
    #[error("{0}")]
    Refused(String),
    #[error("The console is unavailable right now. Try again in a moment.")]
    Unavailable,
}

impl ConsoleDenied {
    /// The HTTP status that carries the refusal: the server functions' answers and the server's
    /// own console routes (live streams, downloads) agree on it.
    pub fn http_status(&self) -> http::StatusCode {
        match self {
            ConsoleDenied::WrongCredentials
            | ConsoleDenied::SignedOut
            | ConsoleDenied::SecondFactorNeeded
            | ConsoleDenied::WrongCode => http::StatusCode::UNAUTHORIZED,
            ConsoleDenied::Throttled { .. } => http::StatusCode::TOO_MANY_REQUESTS,
            ConsoleDenied::Forbidden(_)
            | ConsoleDenied::PasswordNeeded
            | ConsoleDenied::CodeNeeded => http::StatusCode::FORBIDDEN,
            ConsoleDenied::NotFound | ConsoleDenied::InvitationInvalid => {
                http::StatusCode::NOT_FOUND
            }
            ConsoleDenied::Invalid(_) => http::StatusCode::BAD_REQUEST,
            ConsoleDenied::Refused(_) => http::StatusCode::CONFLICT,
            ConsoleDenied::Unavailable => http::StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// A new session: the cookie's secret and how long it may live at most.
pub struct SignedIn {
    pub token: String,
    pub user: ConsoleUser,
    pub max_age_secs: u64,
    /// The password was right; the authenticator's code is still due (the code page is next).
    pub awaiting_second_factor: bool,
}

#[async_trait::async_trait]
pub trait ConsoleAccess: Send + Sync {
    async fn sign_in(
        &self,
        email: &str,
        password: &str,
        address: Option<IpAddr>,
    ) -> Result<SignedIn, ConsoleDenied>;
    /// The user a session token belongs to, if the session is still alive (and now seen).
    async fn user(&self, token: &str) -> Result<ConsoleUser, ConsoleDenied>;
    async fn sign_out(&self, token: &str) -> Result<(), ConsoleDenied>;
    /// Ends every session of the user, in every browser.
    async fn sign_out_everywhere(&self, user: &ConsoleUser) -> Result<(), ConsoleDenied>;
    /// The merchant at a glance: wallet and cards by status.
    async fn overview(&self, user: &ConsoleUser) -> Result<ConsoleOverview, ConsoleDenied>;
    /// Up to `limit` lines of the merchant wallet's statement before entry `before_id`, newest
    /// first.
    async fn wallet_statement(
        &self,
        user: &ConsoleUser,
        before_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<WalletLine>, ConsoleDenied>;
    /// A page of the merchant's cards, newest first.
    async fn cards(
        &self,
        user: &ConsoleUser,
        query: &CardTableQuery,
    ) -> Result<ConsoleCardPage, ConsoleDenied>;
    /// What the card table's live stream compares (see [`CardTableMark`]); at most
    /// [`MAX_WATCHED_CARDS`](crate::domain::console_views::MAX_WATCHED_CARDS) of `shown` count.
    async fn card_table_mark(
        &self,
        user: &ConsoleUser,
        shown: &[CardId],
    ) -> Result<CardTableMark, ConsoleDenied>;
}

pub type SharedConsoleAccess = Arc<dyn ConsoleAccess>;
