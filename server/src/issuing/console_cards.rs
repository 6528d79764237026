//! The console's card work ([`ConsoleCards`]) over the issuing core: the same [`CardIssuing`] and
//! [`CardSpending`] ports the API dialects use, so a top-up from the console is the very top-up
//! of the API. What this adds is the console's own rules:
//!
//! - the role is checked here, on the server, on every call (`viewer` reads; only `owner` and
//!   `admin` move money, freeze, delete or reveal);
//! - revealing asks for the password again when the session's last proof of identity is older
//!   than [`REVEAL_PROOF_WINDOW`]; wrong passwords count towards the account's sign-in throttle;
//! - every action that succeeds is written to the audit log with the user who did it;
//! - test money ([`MAX_TEST_FUNDS`] at a time) goes only into a sandbox merchant's wallet, and
//!   only its owner adds it.

use std::time::Duration;

use app::{
    domain::{
        audit::{AuditAction, AuditEntry, AuditQuery, AUDIT_ENTRIES_PER_PAGE},
        console_card::{CardAction, ConsoleCardDetail},
        console_role::Role,
        console_user::ConsoleUser,
        ids::CardId,
        issuing::{CardRange, CardView, IssueError, NewCard},
        order_no::OrderNo,
        recharge::Recharge,
        Cents,
    },
    ports::{ConsoleCards, ConsoleDenied, RevealedCard, SharedCardIssuing, SharedCardSpending},
};

use super::console_sessions::{password_matches, ConsoleSessions};
use crate::{
    secrets::random,
    store::{hash_token, Database, TestFunding},
};

/// How long after signing in (or typing the password again) a card may be revealed without
/// being asked for the password.
pub const REVEAL_PROOF_WINDOW: Duration = Duration::from_secs(5 * 60);

/// The most test money one addition puts into a sandbox wallet: $10,000.00.
pub const MAX_TEST_FUNDS: Cents = Cents(1_000_000);

#[derive(Clone)]
pub struct ConsoleCardService {
    database: Database,
    issuing: SharedCardIssuing,
    spending: SharedCardSpending,
    /// Checks an authenticator's code when a reveal asks for one.
    sessions: ConsoleSessions,
}

fn ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

fn unavailable(error: impl std::fmt::Display) -> ConsoleDenied {
    tracing::warn!(%error, "console card work failed");
    ConsoleDenied::Unavailable
}

/// The issuing core's refusal, as a sentence for the person at the console.
pub(super) fn refused(error: IssueError) -> ConsoleDenied {
    match error {
        IssueError::CardNotFound => ConsoleDenied::NotFound,
        IssueError::Invalid { message, .. } => ConsoleDenied::Invalid(message),
        IssueError::Internal(_) | IssueError::Unavailable => unavailable(error),
        other => ConsoleDenied::Refused(other.to_string()),
    }
}

/// A form field that was filled in.
fn given(text: Option<&str>) -> Option<&str> {
    text.filter(|text| !text.trim().is_empty())
}

/// The role check: `allowed` or a 403 naming what was refused.
fn require(allowed: bool, what: &'static str) -> Result<(), ConsoleDenied> {
    allowed.then_some(()).ok_or(ConsoleDenied::Forbidden(what))
}

fn reference(text: &str) -> Result<OrderNo, ConsoleDenied> {
    OrderNo::parse(text).map_err(|error| ConsoleDenied::Invalid(error.to_string()))
}

fn positive(amount: Cents) -> Result<Cents, ConsoleDenied> {
    if amount.is_positive() {
        Ok(amount)
    } else {
        Err(ConsoleDenied::Invalid(
            "Enter an amount above $0.00.".to_owned(),
        ))
    }
}

impl ConsoleCardService {
    pub fn new(
        database: Database,
        issuing: SharedCardIssuing,
        spending: SharedCardSpending,
        sessions: ConsoleSessions,
    ) -> Self {
        Self {
            database,
            issuing,
            spending,
            sessions,
        }
    }

    /// The live session of `token`: its user and when they last proved who they are.
    async fn session(&self, token: &str) -> Result<(ConsoleUser, i64), ConsoleDenied> {
        // `ConsoleAccess::user` has already ended an expired session for this request; a
        // session read here is one that request found alive.
        let session = self
            .database
            .console_session(&hash_token(token))
            .await
            .map_err(unavailable)?
            .ok_or(ConsoleDenied::SignedOut)?;
        Ok((session.user, session.verified_at_ms))
    }

    fn proof_is_fresh(&self, verified_at_ms: i64) -> bool {
        self.database.now_ms() - verified_at_ms < ms(REVEAL_PROOF_WINDOW)
    }

    /// Checks the password typed again for a reveal; a wrong one counts as a failed sign-in.
    async fn prove_again(
        &self,
        token: &str,
        user: &ConsoleUser,
        password: &str,
    ) -> Result<(), ConsoleDenied> {
        self.sessions.refuse_while_throttled(&user.email).await?;
        let stored = self
            .database
            .console_user_by_email(&user.email)
            .await
            .map_err(unavailable)?;
        let hash = stored.as_ref().map(|stored| stored.password_hash.as_str());
        if !password_matches(password, hash).await {
            self.sessions.count_failed_proof(&user.email).await?;
            tracing::info!(user_id = %user.id, "console re-authentication refused");
            return Err(ConsoleDenied::WrongCredentials);
        }
        self.database
            .mark_console_session_verified(&hash_token(token))
            .await
            .map_err(unavailable)
    }

    async fn audit(
        &self,
        user: &ConsoleUser,
        action: AuditAction,
        object_id: &str,
        detail: &str,
        reference: Option<&str>,
    ) -> Result<(), ConsoleDenied> {
        self.database
            .record_user_audit(user, action, object_id, detail, reference)
            .await
            .map_err(unavailable)
    }
}

#[async_trait::async_trait]
impl ConsoleCards for ConsoleCardService {
    #[tracing::instrument(skip_all, fields(%card_id))]
    async fn card(
        &self,
        token: &str,
        card_id: &CardId,
    ) -> Result<ConsoleCardDetail, ConsoleDenied> {
        let (user, verified_at_ms) = self.session(token).await?;
        let merchant = &user.merchant_id;
        let card = self
            .issuing
            .card(merchant, card_id)
            .await
            .map_err(refused)?;
        let holds = self
            .spending
            .pending_holds(merchant, card_id)
            .await
            .map_err(refused)?;
        let controls = match self.spending.settings(merchant, card_id).await {
            Ok(settings) => Some(settings.controls),
            Err(IssueError::CardNotFound) => None,
            Err(error) => return Err(refused(error)),
        };
        let statement = self
            .issuing
            .transactions(merchant, card_id)
            .await
            .map_err(refused)?;
        let authorizations = self
            .spending
            .authorizations(merchant, card_id)
            .await
            .map_err(refused)?;
        let callbacks = self
            .database
            .card_callbacks(merchant, card_id)
            .await
            .map_err(unavailable)?;
        Ok(ConsoleCardDetail {
            reveal_needs_password: !self.proof_is_fresh(verified_at_ms),
            reveal_needs_code: !self.proof_is_fresh(verified_at_ms)
                && self.sessions.has_authenticator(&user).await?,
            next_reference: random::id("console_"),
            user,
            card,
            holds,
            controls,
            statement,
            authorizations,
            callbacks,
        })
    }

    #[tracing::instrument(skip_all, fields(merchant_id = %user.merchant_id))]
    async fn card_ranges(&self, user: &ConsoleUser) -> Result<Vec<CardRange>, ConsoleDenied> {
        self.issuing
            .card_ranges(&user.merchant_id)
            .await
            .map_err(refused)
    }

    #[tracing::instrument(skip_all, fields(user_id = %user.id))]
    async fn issue(
        &self,
        user: &ConsoleUser,
        request: NewCard,
    ) -> Result<Result<CardView, IssueError>, ConsoleDenied> {
        require(
            user.role.may_move_money(),
            "only an owner or an admin can issue a card",
        )?;
        let order_no = request.order_no.as_str().to_owned();
        let card = match self.issuing.create_card(&user.merchant_id, request).await {
            Ok(card) => card,
            Err(IssueError::Internal(error)) => return Err(unavailable(error)),
            Err(refusal) => return Ok(Err(refusal)),
        };
        let detail = format!("{} deposit", card.deposit);
        self.audit(
            user,
            AuditAction::CardIssued,
            card.card_id.as_str(),
            &detail,
            Some(&order_no),
        )
        .await?;
        Ok(Ok(card))
    }

    #[tracing::instrument(skip_all, fields(%card_id, user_id = %user.id))]
    async fn act(
        &self,
        user: &ConsoleUser,
        card_id: &CardId,
        action: CardAction,
    ) -> Result<CardView, ConsoleDenied> {
        require(
            user.role.may_move_money(),
            "only an owner or an admin can change a card or move its money",
        )?;
        let merchant = &user.merchant_id;
        let (card, audited, detail, reference) = match action {
            CardAction::TopUp { amount, reference } => {
                let amount = Recharge::new(positive(amount)?)
                    .map_err(|error| ConsoleDenied::Invalid(error.to_string()))?;
                let order_no = self::reference(&reference)?;
                let card = self
                    .issuing
                    .recharge(merchant, card_id, amount, order_no)
                    .await
                    .map_err(refused)?;
                let detail = amount.amount().to_string();
                (card, AuditAction::CardToppedUp, detail, Some(reference))
            }
            CardAction::Withdraw { amount, reference } => {
                let amount = positive(amount)?;
                let order_no = self::reference(&reference)?;
                let card = self
                    .spending
                    .withdraw(merchant, card_id, amount, order_no)
                    .await
                    .map_err(refused)?;
                let detail = amount.to_string();
                (card, AuditAction::CardWithdrawn, detail, Some(reference))
            }
            CardAction::Freeze => {
                let card = self.issuing.freeze(merchant, card_id).await;
                (
                    card.map_err(refused)?,
                    AuditAction::CardFrozen,
                    String::new(),
                    None,
                )
            }
            CardAction::Unfreeze => {
                let card = self.issuing.unfreeze(merchant, card_id).await;
                (
                    card.map_err(refused)?,
                    AuditAction::CardUnfrozen,
                    String::new(),
                    None,
                )
            }
            CardAction::Delete => {
                let card = self
                    .issuing
                    .delete(merchant, card_id)
                    .await
                    .map_err(refused)?;
                let detail = format!(
                    "{} returned to the wallet",
                    card.returned.saturating_sub(card.withdrawn)
                );
                (card, AuditAction::CardDeleted, detail, None)
            }
            CardAction::SetControls(controls) => {
                let mut settings = self
                    .spending
                    .settings(merchant, card_id)
                    .await
                    .map_err(refused)?;
                settings.controls = controls;
                self.spending
                    .update_settings(merchant, card_id, settings)
                    .await
                    .map_err(refused)?;
                let card = self
                    .issuing
                    .card(merchant, card_id)
                    .await
                    .map_err(refused)?;
                (card, AuditAction::ControlsChanged, String::new(), None)
            }
        };
        self.audit(
            user,
            audited,
            card_id.as_str(),
            &detail,
            reference.as_deref(),
        )
        .await?;
        Ok(card)
    }

    #[tracing::instrument(skip_all, fields(%card_id))]
    async fn reveal(
        &self,
        token: &str,
        card_id: &CardId,
        password: Option<&str>,
        code: Option<&str>,
    ) -> Result<RevealedCard, ConsoleDenied> {
        let (user, verified_at_ms) = self.session(token).await?;
        require(
            user.role.may_reveal(),
            "only an owner or an admin can see a card's number",
        )?;
        if !self.proof_is_fresh(verified_at_ms) {
            let has_authenticator = self.sessions.has_authenticator(&user).await?;
            let Some(password) = given(password) else {
                return Err(if has_authenticator {
                    ConsoleDenied::CodeNeeded
                } else {
                    ConsoleDenied::PasswordNeeded
                });
            };
            if has_authenticator {
                // Both, before either is checked: a missing code does not use up the password.
                let code = given(code).ok_or(ConsoleDenied::CodeNeeded)?;
                self.sessions.check_code(&user, code).await?;
            }
            self.prove_again(token, &user, password).await?;
        }
        let revealed = self
            .issuing
            .reveal(&user.merchant_id, card_id)
            .await
            .map_err(refused)?;
        self.audit(&user, AuditAction::CardRevealed, card_id.as_str(), "", None)
            .await?;
        Ok(revealed)
    }

    #[tracing::instrument(skip_all, fields(merchant_id = %user.merchant_id))]
    async fn add_test_funds(
        &self,
        user: &ConsoleUser,
        amount: Cents,
        form_reference: &str,
    ) -> Result<(), ConsoleDenied> {
        require(user.role == Role::Owner, "only the owner adds test funds")?;
        let amount = positive(amount)?;
        if amount > MAX_TEST_FUNDS {
            return Err(ConsoleDenied::Invalid(format!(
                "Add at most {MAX_TEST_FUNDS} at a time."
            )));
        }
        let form_reference = reference(form_reference)?;
        let added = self
            .database
            .add_test_funds(&user.merchant_id, amount, form_reference.as_str())
            .await
            .map_err(unavailable)?;
        match added {
            TestFunding::NotSandbox => Err(ConsoleDenied::Refused(
                "Test funds are for sandbox merchants only; fund a live wallet by payment."
                    .to_owned(),
            )),
            // The same form sent twice: added once, audited once.
            TestFunding::AlreadyAdded => Ok(()),
            TestFunding::Added => {
                self.audit(
                    user,
                    AuditAction::TestFundsAdded,
                    user.merchant_id.as_str(),
                    &amount.to_string(),
                    Some(form_reference.as_str()),
                )
                .await
            }
        }
    }

    #[tracing::instrument(skip_all, fields(merchant_id = %user.merchant_id))]
    async fn audit_log(
        &self,
        user: &ConsoleUser,
        query: &AuditQuery,
    ) -> Result<Vec<AuditEntry>, ConsoleDenied> {
        self.database
            .audit_entries(&user.merchant_id, query, AUDIT_ENTRIES_PER_PAGE)
            .await
            .map_err(unavailable)
    }
}
