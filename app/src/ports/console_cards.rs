//! What the console does with a merchant's cards: read a card's page, act on it, reveal it, and
//! read the audit log those actions write. The server implements it over the issuing core; the
//! implementation checks the user's role on every call, since a browser can call any server
//! function it likes whatever buttons its page shows.

use std::sync::Arc;

use super::{ConsoleDenied, RevealedCard};
use crate::domain::{
    audit::{AuditEntry, AuditQuery},
    console_card::{CardAction, ConsoleCardDetail},
    console_user::ConsoleUser,
    ids::CardId,
    issuing::{CardRange, CardView, IssueError, NewCard},
};

#[async_trait::async_trait]
pub trait ConsoleCards: Send + Sync {
    /// The card page of the session `token`'s user.
    async fn card(&self, token: &str, card_id: &CardId)
        -> Result<ConsoleCardDetail, ConsoleDenied>;
    /// The card ranges the merchant may issue from.
    async fn card_ranges(&self, user: &ConsoleUser) -> Result<Vec<CardRange>, ConsoleDenied>;
    /// Issues a card as `user`, and writes it to the audit log. Two layers of no: the console's
    /// (the role, the store) outside, the core's verdict on the card (funds, KYC, a range)
    /// inside, for the form to explain next to the field it concerns.
    async fn issue(
        &self,
        user: &ConsoleUser,
        request: NewCard,
    ) -> Result<Result<CardView, IssueError>, ConsoleDenied>;
    /// Does `action` to the card as `user`, and writes it to the audit log.
    async fn act(
        &self,
        user: &ConsoleUser,
        card_id: &CardId,
        action: CardAction,
    ) -> Result<CardView, ConsoleDenied>;
    /// The card's number and CVC for the session `token`'s user. When the session's last proof
    /// of identity is older than a few minutes, `password` must be given and right, and so must
    /// `code` when the user has an authenticator in use.
    async fn reveal(
        &self,
        token: &str,
        card_id: &CardId,
        password: Option<&str>,
        code: Option<&str>,
    ) -> Result<RevealedCard, ConsoleDenied>;
    /// Adds `amount` of test money to a sandbox merchant's wallet, as its owner, once per
    /// `reference` (the overview's form), and writes it to the audit log.
    async fn add_test_funds(
        &self,
        user: &ConsoleUser,
        amount: crate::domain::Cents,
        reference: &str,
    ) -> Result<(), ConsoleDenied>;
    /// A page of the merchant's audit log, newest first.
    async fn audit_log(
        &self,
        user: &ConsoleUser,
        query: &AuditQuery,
    ) -> Result<Vec<AuditEntry>, ConsoleDenied>;
}

pub type SharedConsoleCards = Arc<dyn ConsoleCards>;
