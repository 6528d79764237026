use std::{net::IpAddr, sync::Arc};

pub use crate::domain::widget_card::SESSION_CLOSED;
use crate::domain::{
    ids::{CardId, MerchantId, SessionId},
    plan_names::PlanNames,
    Cents,
};

/// Who is calling, as the HTTP layer saw it: the client's address (for limits on failed
/// attempts), the page that sent the request (`Origin`) and the host it was sent to (`Host`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Caller {
    pub address: Option<IpAddr>,
    pub origin: Option<String>,
    pub host: Option<String>,
}

/// The client address the HTTP layer found for a request (the peer, or the configured proxy
/// header), carried in the request's extensions to whoever needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

/// What a widget session does that is limited in rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WidgetAction {
    CreateCard,
    Reveal,
}

/// After its session ends, a card made through it can still be followed and revealed for this
/// long, so a cardholder whose card went live just as the form expired can still copy it.
pub const REVEAL_WINDOW_MS: i64 = 15 * 60 * 1000;

/// What a valid widget session allows: acting for one merchant, on the cards made through this
/// session (or the earlier sessions it continues) only, from the listed partner origins. Until
/// `expires_at_ms` it may create cards; for [`REVEAL_WINDOW_MS`] after, only follow and reveal
/// the ones its chain made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WidgetGrant {
    pub session_id: SessionId,
    /// The first session of the chain this one continues (its own id when it continues none):
    /// the cards of every session in the chain are this session's to show.
    pub chain_id: SessionId,
    pub merchant_id: MerchantId,
    pub allowed_origins: Vec<String>,
    /// Prefilled into the form, and the KYC customer of the cards made here.
    pub customer_email: Option<String>,
    pub expires_at_ms: i64,
    /// Cards the session may make in all.
    pub max_cards: i64,
    /// What the merchant calls its fee plans in this session's form.
    pub plan_names: PlanNames,
    /// The session's lifetime was over when this grant was given: it may only show the cards
    /// it made (within the reveal window), not make more.
    pub ended: bool,
}

impl WidgetGrant {
    /// Every card this session makes has an orderNo starting with this, which is how the session
    /// recognises its own cards (and idempotency keys of two sessions can never collide).
    pub fn order_no_prefix(&self) -> String {
        format!("w{}-", self.session_id)
    }

    /// Whether the session's cards may still be followed and revealed at `now_ms`.
    pub fn may_show_at(&self, now_ms: i64) -> bool {
        now_ms < self.expires_at_ms.saturating_add(REVEAL_WINDOW_MS)
    }

    pub fn allows_origin(&self, origin: &str) -> bool {
        self.allowed_origins.iter().any(|allowed| allowed == origin)
    }

    /// Whether a request may act for this session, given the page that sent it (`Origin`, which
    /// browsers always send with a POST and with a cross-site stream) and the `Host` it was sent
    /// to. The widget's own frame is same-origin; a partner page on the list may call too; any
    /// other page's scripts are refused even with a valid token. A request without `Origin` is
    /// not from a browser page, and the token alone decides.
    pub fn accepts_caller(&self, origin: Option<&str>, host: Option<&str>) -> bool {
        let Some(origin) = origin else {
            return true;
        };
        let same_origin = match (origin.split_once("://"), host) {
            (Some((_, authority)), Some(host)) => authority.eq_ignore_ascii_case(host),
            _ => false,
        };
        same_origin || self.allows_origin(origin)
    }
}

/// A session's place for one card, taken before the card is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardPlace {
    /// Taken now: if no card comes of it, give it back ([`WidgetAccess::release_card`]).
    Taken,
    /// Taken earlier for the same form (a retry or a double submit): the card is that form's.
    AlreadyTaken,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WidgetDenied {
    #[error("This card form link is not valid. Ask the site you came from to reload it.")]
    UnknownSession,
    /// The session's lifetime is over: it makes no more cards.
    #[error(
        "This card form has expired. Ask the site that showed it to you for a new one to create \
         a card."
    )]
    Expired,
    /// The session's cards were viewable for a while after it ended; that has passed too.
    #[error(
        "This card can no longer be shown here. Ask the site where you created it: it can show \
         you the card again."
    )]
    NoLongerShown,
    /// The merchant ended the session early (from its console): it neither makes nor shows
    /// cards any more.
    #[error("{}", SESSION_CLOSED)]
    Closed,
    #[error("This site is not allowed to show this card form.")]
    OriginNotAllowed,
    #[error("The card service is not available right now. Please try again shortly.")]
    Unavailable,
    #[error("{}", cards_used_up(*max_cards))]
    CardsUsedUp { max_cards: i64 },
    #[error("This card form may deposit {left} more at most. Lower the deposit and try again.")]
    DepositUsedUp { left: Cents },
    #[error("Too many attempts. Please wait {retry_after_secs} seconds and try again.")]
    TooManyRequests { retry_after_secs: u64 },
}

fn cards_used_up(max_cards: i64) -> String {
    let made = match max_cards {
        // A continuation minted only to show an earlier session's card.
        0 => "only shows cards made earlier".to_owned(),
        1 => "has already made the 1 card it may make".to_owned(),
        n => format!("has already made the {n} cards it may make"),
    };
    format!("This card form {made}. Ask the site for a new form to make another.")
}

/// Widget sessions as the widget's server functions and endpoints see them.
#[async_trait::async_trait]
pub trait WidgetAccess: Send + Sync {
    /// The session a token opens, if it exists, may still show its cards
    /// ([`WidgetGrant::may_show_at`]), and the calling page may use it
    /// ([`WidgetGrant::accepts_caller`]). Unknown tokens count against the caller's address, and
    /// past its limit it is refused before any lookup.
    async fn open(&self, token: &str, caller: &Caller) -> Result<WidgetGrant, WidgetDenied>;
    /// Whether the session may do `action` now: within its rate, and a card only while the
    /// session has not ended ([`WidgetDenied::Expired`]).
    fn admit(&self, grant: &WidgetGrant, action: WidgetAction) -> Result<(), WidgetDenied>;
    /// The newest card made through this session or one it continues, so a reload resumes it.
    async fn latest_card_id(&self, grant: &WidgetGrant) -> Result<Option<CardId>, WidgetDenied>;
    /// Whether the card with this orderNo was made through this session or one it continues.
    async fn owns_card(&self, grant: &WidgetGrant, order_no: &str) -> Result<bool, WidgetDenied>;
    /// Takes a place for the card a form will make, within the session's caps on cards and on
    /// the total deposited (a card that failed and was refunded no longer counts). Refused with
    /// [`WidgetDenied::CardsUsedUp`] or [`WidgetDenied::DepositUsedUp`].
    async fn take_card_place(
        &self,
        grant: &WidgetGrant,
        order_no: &str,
        deposit: Cents,
    ) -> Result<CardPlace, WidgetDenied>;
    /// Gives back a place [taken](CardPlace::Taken) for a card that was not made.
    async fn release_card_place(&self, grant: &WidgetGrant, order_no: &str);
    /// How many more cards the session may make (failed and refunded cards do not count).
    async fn cards_left(&self, grant: &WidgetGrant) -> Result<i64, WidgetDenied>;
}

pub type SharedWidgetAccess = Arc<dyn WidgetAccess>;

#[cfg(test)]
mod tests {
    use super::{MerchantId, PlanNames, SessionId, WidgetGrant};

    fn grant() -> WidgetGrant {
        WidgetGrant {
            session_id: SessionId::new("s1"),
            chain_id: SessionId::new("s1"),
            merchant_id: MerchantId::new("m1"),
            allowed_origins: vec!["https://shop.example".into()],
            customer_email: None,
            expires_at_ms: 0,
            max_cards: 1,
            plan_names: PlanNames::default(),
            ended: false,
        }
    }

    #[test]
    fn the_frame_and_the_listed_pages_may_call_and_no_other_page() {
        let grant = grant();
        let host = Some("cards.example:8443");
        assert!(grant.accepts_caller(Some("https://cards.example:8443"), host));
        assert!(grant.accepts_caller(Some("https://CARDS.example:8443"), host));
        assert!(grant.accepts_caller(Some("https://shop.example"), host));
        assert!(grant.accepts_caller(None, host));
        for page in [
            "https://evil.example",
            "https://cards.example",
            "https://shop.example.evil.example",
            "null",
            "",
        ] {
            assert!(!grant.accepts_caller(Some(page), host), "{page}");
        }
        assert!(!grant.accepts_caller(Some("https://cards.example:8443"), None));
    }
}
