//! Widget sessions: minted by a merchant's backend, then opened by the widget's server functions
//! and its live-status stream with nothing but the token.

use app::domain::ids::{CardId, MerchantId, SessionId};
use app::{
    domain::{plan_names::PlanNames, recharge::MAX_RECHARGE, Cents},
    ports::{Caller, CardPlace, WidgetAccess, WidgetAction, WidgetDenied, WidgetGrant},
};

use crate::{
    rate_limits::{RateLimits, Throttled},
    secrets::random,
    store::{Database, StoreError, WidgetReservation, WidgetSession, WidgetUsage},
};

/// Sessions live 15 minutes unless the merchant asks otherwise, and never more than a day: the
/// token sits in a partner page's HTML. The 10-second minimum lets tests watch one expire.
pub const DEFAULT_LIFETIME_SECS: i64 = 15 * 60;
pub const MAX_LIFETIME_SECS: i64 = 24 * 60 * 60;
pub const MIN_LIFETIME_SECS: i64 = 10;

/// A session makes one card unless the merchant asks for more, and never more than this many.
pub const DEFAULT_MAX_CARDS: i64 = 1;
pub const MAX_MAX_CARDS: i64 = 100;

/// What a session may deposit in all when the merchant does not say: as much as its cards could
/// take at the largest deposit, so only `max_cards` limits it.
pub fn default_max_deposit(max_cards: i64) -> Cents {
    Cents(MAX_RECHARGE.0.saturating_mul(max_cards))
}

/// A session as the merchant asked for it, already validated.
pub struct SessionRequest {
    pub allowed_origins: Vec<String>,
    pub lifetime_secs: i64,
    pub customer_email: Option<String>,
    pub max_cards: i64,
    pub max_deposit: Cents,
    /// The chain of the session this one continues ([`WidgetSessions::continuable`]); `None`
    /// starts a new chain.
    pub chain_id: Option<SessionId>,
    pub plan_names: PlanNames,
    /// The console user minting it; `None` for an API key.
    pub created_by: Option<String>,
}

/// An earlier session a new one may continue: what it allowed and used, and how many cards its
/// chain has made for the continuation to show.
pub struct Continuable {
    pub session: WidgetSession,
    pub usage: WidgetUsage,
    pub chain_cards: i64,
}

impl Continuable {
    /// A continuation carries on where its session was: by default it may make the cards, and
    /// deposit the money, the session had left.
    pub fn cards_left(&self) -> i64 {
        self.session
            .max_cards
            .saturating_sub(self.usage.cards)
            .max(0)
    }

    pub fn deposit_left(&self) -> Cents {
        Cents(
            self.session
                .max_deposit
                .0
                .saturating_sub(self.usage.deposited.0)
                .max(0),
        )
    }
}

/// What the merchant's backend gets back: the token (shown once) and the stored session.
pub struct MintedSession {
    pub token: String,
    pub session: WidgetSession,
}

#[derive(Clone)]
pub struct WidgetSessions {
    database: Database,
    limits: std::sync::Arc<RateLimits>,
}

impl WidgetSessions {
    pub fn new(database: Database, limits: std::sync::Arc<RateLimits>) -> Self {
        Self { database, limits }
    }

    pub async fn mint(
        &self,
        merchant_id: &MerchantId,
        request: SessionRequest,
    ) -> Result<MintedSession, crate::store::StoreError> {
        let now = self.database.now_ms();
        // Hex only: it becomes part of the orderNo of every card the session makes.
        let id = SessionId::new(random::id(""));
        let session = WidgetSession {
            chain_id: request.chain_id.unwrap_or_else(|| id.clone()),
            id,
            merchant_id: merchant_id.to_owned(),
            allowed_origins: request.allowed_origins,
            customer_email: request.customer_email,
            created_at_ms: now,
            expires_at_ms: now + request.lifetime_secs * 1000,
            max_cards: request.max_cards,
            max_deposit: request.max_deposit,
            plan_names: request.plan_names,
            closed_at_ms: None,
            created_by: request.created_by,
        };
        let token = format!("wst_{}", random::token());
        self.database
            .create_widget_session(&session, &token)
            .await?;
        Ok(MintedSession { token, session })
    }

    /// One of the merchant's sessions, expired or not, that a new session may continue (`None`
    /// when the merchant has no session with this id).
    pub async fn continuable(
        &self,
        merchant_id: &MerchantId,
        session_id: &SessionId,
    ) -> Result<Option<Continuable>, StoreError> {
        let Some(session) = self
            .database
            .widget_session_by_id(merchant_id, session_id)
            .await?
        else {
            return Ok(None);
        };
        let usage = self
            .database
            .widget_session_usage(merchant_id, &session.id)
            .await?;
        let chain_cards = self
            .database
            .widget_chain_cards(merchant_id, &session.chain_id)
            .await?;
        Ok(Some(Continuable {
            session,
            usage,
            chain_cards,
        }))
    }

    /// The session behind a token, expired or not, for the frame page (which frames an expired
    /// session's message for its own partners, but nothing for an unknown token).
    pub async fn session(&self, token: &str) -> Result<Option<WidgetSession>, WidgetDenied> {
        self.database.widget_session(token).await.map_err(|error| {
            tracing::warn!(%error, "widget session lookup failed");
            WidgetDenied::Unavailable
        })
    }
}

impl WidgetSessions {
    /// What a looked-up session allows now, by the store's clock.
    pub fn grant(&self, session: Option<WidgetSession>) -> Result<WidgetGrant, WidgetDenied> {
        grant_of(session, self.database.now_ms())
    }

    /// Whether a grant's session may no longer show its cards (a stream then ends).
    pub fn has_expired(&self, grant: &WidgetGrant) -> bool {
        !grant.may_show_at(self.database.now_ms())
    }

    /// Whether the merchant has closed a grant's session since the grant was given (a stream
    /// then says so and ends). A failed read is not taken for a closing: the next read decides.
    pub async fn was_closed(&self, grant: &WidgetGrant) -> bool {
        match self
            .database
            .widget_session_by_id(&grant.merchant_id, &grant.session_id)
            .await
        {
            Ok(session) => session.is_none_or(|session| session.closed_at_ms.is_some()),
            Err(error) => {
                tracing::warn!(%error, "widget session re-read failed");
                false
            }
        }
    }

    /// How long a grant's session has left, by the store's clock (negative once it has run out).
    pub fn expires_in_ms(&self, grant: &WidgetGrant) -> i64 {
        grant.expires_at_ms - self.database.now_ms()
    }
}

/// What a looked-up session allows: nothing when it is unknown or its cards may no longer be
/// shown; after it has ended and within the reveal window, only showing the cards it made.
fn grant_of(session: Option<WidgetSession>, now_ms: i64) -> Result<WidgetGrant, WidgetDenied> {
    let session = session.ok_or(WidgetDenied::UnknownSession)?;
    if session.closed_at_ms.is_some() {
        return Err(WidgetDenied::Closed);
    }
    let grant = WidgetGrant {
        ended: session.is_expired(now_ms),
        session_id: session.id,
        chain_id: session.chain_id,
        merchant_id: session.merchant_id,
        allowed_origins: session.allowed_origins,
        customer_email: session.customer_email,
        expires_at_ms: session.expires_at_ms,
        max_cards: session.max_cards,
        plan_names: session.plan_names,
    };
    if !grant.may_show_at(now_ms) {
        return Err(WidgetDenied::NoLongerShown);
    }
    Ok(grant)
}

fn too_many(throttled: Throttled) -> WidgetDenied {
    WidgetDenied::TooManyRequests {
        retry_after_secs: throttled.retry_after_secs(),
    }
}

#[async_trait::async_trait]
impl WidgetAccess for WidgetSessions {
    async fn open(&self, token: &str, caller: &Caller) -> Result<WidgetGrant, WidgetDenied> {
        if let Some(address) = caller.address {
            self.limits.check_not_blocked(address).map_err(too_many)?;
        }
        let session = self.session(token).await?;
        if session.is_none() {
            if let Some(address) = caller.address {
                self.limits.note_failed_credential(address);
            }
        }
        let grant = self.grant(session)?;
        if !grant.accepts_caller(caller.origin.as_deref(), caller.host.as_deref()) {
            return Err(WidgetDenied::OriginNotAllowed);
        }
        Ok(grant)
    }

    fn admit(&self, grant: &WidgetGrant, action: WidgetAction) -> Result<(), WidgetDenied> {
        if action == WidgetAction::CreateCard && grant.ended {
            return Err(WidgetDenied::Expired);
        }
        self.limits
            .check_session(&grant.session_id, action)
            .map_err(too_many)
    }

    async fn latest_card_id(&self, grant: &WidgetGrant) -> Result<Option<CardId>, WidgetDenied> {
        self.database
            .latest_widget_card(&grant.merchant_id, &grant.chain_id)
            .await
            .map_err(unavailable)
    }

    async fn owns_card(&self, grant: &WidgetGrant, order_no: &str) -> Result<bool, WidgetDenied> {
        self.database
            .widget_chain_reserved(&grant.merchant_id, &grant.chain_id, order_no)
            .await
            .map_err(unavailable)
    }

    async fn take_card_place(
        &self,
        grant: &WidgetGrant,
        order_no: &str,
        deposit: Cents,
    ) -> Result<CardPlace, WidgetDenied> {
        let reservation = self
            .database
            .reserve_widget_card(
                &grant.merchant_id,
                &grant.session_id,
                order_no,
                deposit,
                self.database.now_ms(),
            )
            .await
            .map_err(unavailable)?;
        match reservation {
            WidgetReservation::Reserved => Ok(CardPlace::Taken),
            WidgetReservation::AlreadyReserved => Ok(CardPlace::AlreadyTaken),
            WidgetReservation::CardsUsedUp { max_cards } => {
                Err(WidgetDenied::CardsUsedUp { max_cards })
            }
            WidgetReservation::DepositUsedUp { left } => Err(WidgetDenied::DepositUsedUp { left }),
        }
    }

    async fn cards_left(&self, grant: &WidgetGrant) -> Result<i64, WidgetDenied> {
        if grant.ended {
            return Ok(0);
        }
        let usage = self
            .database
            .widget_session_usage(&grant.merchant_id, &grant.session_id)
            .await
            .map_err(unavailable)?;
        Ok(grant.max_cards.saturating_sub(usage.cards).max(0))
    }

    async fn release_card_place(&self, grant: &WidgetGrant, order_no: &str) {
        let released = self
            .database
            .release_widget_card(&grant.merchant_id, &grant.session_id, order_no)
            .await;
        if let Err(error) = released {
            // The place stays taken: the session can make one card fewer, and no money moves.
            tracing::warn!(%error, session_id = %grant.session_id, "widget card place not released");
        }
    }
}

fn unavailable(error: StoreError) -> WidgetDenied {
    tracing::warn!(%error, "widget session store failed");
    WidgetDenied::Unavailable
}
