//! The embedded widget's server functions. Every one takes the widget session token and acts for
//! that session's merchant only, on the cards made through that session only.

use leptos::prelude::*;
use leptos::server_fn::codec::PostUrl;

use super::browser_json::BrowserJson;
use serde::{Deserialize, Serialize};

use crate::domain::{
    card_form::{CardForm, FieldError},
    fee_type::FeeType,
    issuing::{CardRange, RevealedCard},
    plan_names::PlanNames,
    widget_card::WidgetCard,
    Cents,
};

/// A card range the form offers, with what each fee plan costs per month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RangeOption {
    pub id: String,
    pub brand: String,
    pub bin: String,
    pub currency: String,
    /// In plan order ([`FeeType::index`]): positions, not named pairs, so the browser's bundle
    /// needs no decoder for the plan codes.
    pub monthly_fees: [Cents; 3],
}

impl From<CardRange> for RangeOption {
    fn from(range: CardRange) -> Self {
        RangeOption {
            monthly_fees: FeeType::ALL.map(|plan| range.monthly_fee(plan)),
            id: range.id,
            brand: range.brand,
            bin: range.bin,
            currency: range.currency,
        }
    }
}

impl RangeOption {
    pub fn label(&self) -> String {
        format!("{} {} · {}", self.brand, self.bin, self.currency)
    }

    /// What a cardholder is shown: the brand as people write it (`Visa`, brands are ASCII; the
    /// Unicode case tables would cost the widget's bundle 10 KB) and the currency, no BIN.
    pub fn cardholder_label(&self) -> String {
        let mut brand = self.brand.to_ascii_lowercase();
        if let Some(first) = brand.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        format!("{brand} · {}", self.currency)
    }

    pub fn monthly_fee(&self, fee_type: FeeType) -> Option<Cents> {
        self.monthly_fees.get(fee_type.index()).copied()
    }
}

/// Everything the widget needs to start: the form's choices and the card to resume, if any.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetContext {
    pub ranges: Vec<RangeOption>,
    pub customer_email: Option<String>,
    /// The newest card made through this session: after a reload the tracker picks it up again.
    pub current_card: Option<WidgetCard>,
    /// How many more cards the session may make: "Create another card" is offered only then.
    pub cards_left: i64,
    /// What the merchant calls its fee plans here.
    pub plan_names: PlanNames,
}

/// The server's verdict on a submitted form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CreateAnswer {
    Created(WidgetCard),
    /// The deposit needs the customer's identity check (KYC) approved, and it is not: said next
    /// to the email, and the widget offers the check itself.
    NeedsIdentity {
        message: String,
    },
    /// Nothing was created: messages for fields, and one for the form as a whole.
    Refused {
        fields: Vec<FieldError>,
        message: Option<String>,
    },
}

/// The text a failed server function call shows: the server's sentence, without the framework's
/// prefix.
pub fn error_text(error: &ServerFnError) -> String {
    match error {
        ServerFnError::ServerError(message) => message.clone(),
        _ => "The card service could not be reached. Check your connection and try again.".into(),
    }
}

/// How the widget page starts: its context, or the sentence saying why it cannot. Computed by the
/// server while rendering the page and embedded in it, so the browser needs no extra round trip
/// (and no async hydration code) before the form is usable.
pub type WidgetStart = Result<WidgetContext, String>;

/// Id of the `<script type="application/json">` that carries the [`WidgetStart`] to the browser.
pub const START_ELEMENT_ID: &str = "ck-start";

#[cfg(feature = "ssr")]
pub use backend::start;

#[server(
    name = WidgetCreateCard,
    prefix = "/api/widget",
    endpoint = "create_card",
    input = PostUrl,
    output = BrowserJson
)]
pub async fn widget_create_card(
    session: String,
    form: CardForm,
    idempotency_key: String,
) -> Result<CreateAnswer, ServerFnError> {
    backend::create_card(&session, &form, &idempotency_key).await
}

#[server(
    name = WidgetCardStatus,
    prefix = "/api/widget",
    endpoint = "card",
    input = PostUrl,
    output = BrowserJson
)]
pub async fn widget_card(session: String, card_id: String) -> Result<WidgetCard, ServerFnError> {
    backend::card(&session, &crate::domain::ids::CardId::new(card_id)).await
}

#[server(
    name = WidgetReveal,
    prefix = "/api/widget",
    endpoint = "reveal",
    input = PostUrl,
    output = BrowserJson
)]
pub async fn widget_reveal(
    session: String,
    card_id: String,
) -> Result<RevealedCard, ServerFnError> {
    backend::reveal(&session, &crate::domain::ids::CardId::new(card_id)).await
}

/// The server side of the functions above, against the ports.
#[cfg(feature = "ssr")]
pub(crate) mod backend {
    use leptos::prelude::{expect_context, use_context, ServerFnError};

    use super::{CreateAnswer, RangeOption, WidgetContext};
    use crate::{
        domain::{
            card_form::{validate, CardForm, FieldError},
            ids::CardId,
            issuing::{IssueError, RevealedCard},
            order_no::OrderNo,
            recharge::KYC_THRESHOLD,
            widget_card::WidgetCard,
        },
        ports::{
            Caller, CardPlace, ClientAddress, SharedCardIssuing, SharedWidgetAccess, WidgetAction,
            WidgetDenied, WidgetGrant,
        },
    };

    fn denied(error: WidgetDenied) -> ServerFnError {
        ServerFnError::new(error)
    }

    /// The session a call acts for, if the token opens one and the calling page may use it.
    pub(crate) async fn open(
        session: &str,
    ) -> Result<(WidgetGrant, SharedWidgetAccess, SharedCardIssuing), ServerFnError> {
        let access = expect_context::<SharedWidgetAccess>();
        let grant = access.open(session, &caller()).await.map_err(refusal)?;
        Ok((grant, access, expect_context::<SharedCardIssuing>()))
    }

    /// The request's caller, from the headers and extensions leptos_axum hands server functions.
    fn caller() -> Caller {
        let Some(request) = use_context::<http::request::Parts>() else {
            return Caller::default();
        };
        let header = |name: http::HeaderName| {
            request
                .headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        Caller {
            address: request
                .extensions
                .get::<ClientAddress>()
                .map(|address| address.0),
            origin: header(http::header::ORIGIN),
            host: header(http::header::HOST),
        }
    }

    /// A refusal as the browser gets it, with the HTTP status a client (and an operator reading
    /// the access log) understands instead of the framework's 500; one for going too fast also
    /// says when to come back (`Retry-After`).
    pub(crate) fn refusal(error: WidgetDenied) -> ServerFnError {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            let status = match error {
                WidgetDenied::UnknownSession
                | WidgetDenied::Expired
                | WidgetDenied::Closed
                | WidgetDenied::NoLongerShown => http::StatusCode::UNAUTHORIZED,
                WidgetDenied::OriginNotAllowed => http::StatusCode::FORBIDDEN,
                WidgetDenied::Unavailable => http::StatusCode::SERVICE_UNAVAILABLE,
                WidgetDenied::CardsUsedUp { .. } | WidgetDenied::DepositUsedUp { .. } => {
                    http::StatusCode::CONFLICT
                }
                WidgetDenied::TooManyRequests { retry_after_secs } => {
                    response.insert_header(http::header::RETRY_AFTER, retry_after_secs.into());
                    http::StatusCode::TOO_MANY_REQUESTS
                }
            };
            response.set_status(status);
        }
        denied(error)
    }

    /// A sentence for the person at the form; internals stay in the server log.
    pub(crate) fn unavailable(error: IssueError) -> ServerFnError {
        tracing::warn!(%error, "widget request failed");
        refusal(WidgetDenied::Unavailable)
    }

    /// A sentence for the browser, answered with `status`.
    fn refused_with(status: http::StatusCode, message: &str) -> ServerFnError {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(status);
        }
        ServerFnError::new(message)
    }

    /// One of this session's cards; any other card is "not found", whoever's it is.
    async fn own_card(
        grant: &WidgetGrant,
        access: &SharedWidgetAccess,
        issuing: &SharedCardIssuing,
        card_id: &CardId,
    ) -> Result<WidgetCard, ServerFnError> {
        let not_found = || refused_with(http::StatusCode::NOT_FOUND, "This card was not found.");
        match issuing.card(&grant.merchant_id, card_id).await {
            Ok(card)
                if access
                    .owns_card(grant, &card.order_no)
                    .await
                    .map_err(refusal)? =>
            {
                Ok(WidgetCard::from_view(&card))
            }
            Ok(_) | Err(IssueError::CardNotFound) => Err(not_found()),
            Err(error) => Err(unavailable(error)),
        }
    }

    /// The widget's starting point for a session's grant, opened from `parent_origin` (`None`
    /// when the page is opened on its own rather than framed).
    pub async fn start(
        access: &SharedWidgetAccess,
        issuing: &SharedCardIssuing,
        grant: WidgetGrant,
        parent_origin: Option<&str>,
    ) -> Result<WidgetContext, WidgetDenied> {
        if parent_origin.is_some_and(|origin| !grant.allows_origin(origin)) {
            return Err(WidgetDenied::OriginNotAllowed);
        }
        let unavailable = |error: IssueError| {
            tracing::warn!(%error, "widget start failed");
            WidgetDenied::Unavailable
        };
        let ranges = issuing
            .card_ranges(&grant.merchant_id)
            .await
            .map_err(unavailable)?
            .into_iter()
            .map(RangeOption::from)
            .collect();
        let current_card = match access.latest_card_id(&grant).await? {
            Some(card_id) => match issuing.card(&grant.merchant_id, &card_id).await {
                Ok(card) => Some(WidgetCard::from_view(&card)),
                Err(error) => return Err(unavailable(error)),
            },
            None => None,
        };
        // An ended session opens only on a card it made (to follow and reveal it).
        if grant.ended && current_card.is_none() {
            return Err(WidgetDenied::Expired);
        }
        let cards_left = access.cards_left(&grant).await?;
        Ok(WidgetContext {
            ranges,
            customer_email: grant.customer_email,
            current_card,
            cards_left,
            plan_names: grant.plan_names,
        })
    }

    /// The core's refusal of a card form, said next to the field it concerns; the caller words
    /// a wallet short of money itself (a cardholder and a merchant are told different things).
    pub(crate) fn form_refusal(error: IssueError) -> CreateAnswer {
        match error {
            IssueError::UnknownRange(_) => refused(
                Some("range_id"),
                "This card range is not available. Choose another.".into(),
            ),
            IssueError::KycRequired { .. } => CreateAnswer::NeedsIdentity {
                message: format!(
                    "Deposits above {KYC_THRESHOLD} need the customer's identity check (KYC) to \
                     be approved first, and it is not approved for this email. Lower the deposit \
                     to {KYC_THRESHOLD} or less, or complete KYC and try again."
                ),
            },
            IssueError::OrderNoConflict(_) => refused(
                None,
                "This form was already used to create a different card. Reload the page to \
                 start a new one."
                    .into(),
            ),
            IssueError::Invalid { message, .. } => refused(None, message),
            IssueError::Unavailable => refused(
                None,
                "We cannot reach our card system right now, so no card was created and nothing \
                 was charged. Please try again in a few seconds."
                    .into(),
            ),
            error => {
                tracing::warn!(%error, "card creation failed");
                refused(
                    None,
                    "Something went wrong on our side and no card was created. Nothing was \
                     charged. Please try again."
                        .into(),
                )
            }
        }
    }

    pub(crate) fn refused(field: Option<&str>, message: String) -> CreateAnswer {
        match field {
            Some(field) => CreateAnswer::Refused {
                fields: vec![FieldError {
                    field: field.to_owned(),
                    message,
                }],
                message: None,
            },
            None => CreateAnswer::Refused {
                fields: Vec::new(),
                message: Some(message),
            },
        }
    }

    pub async fn create_card(
        session: &str,
        form: &CardForm,
        idempotency_key: &str,
    ) -> Result<CreateAnswer, ServerFnError> {
        let (grant, access, issuing) = open(session).await?;
        access
            .admit(&grant, WidgetAction::CreateCard)
            .map_err(refusal)?;
        // The key comes from the form (one per filled-in form), so a double submit is one card.
        let key_ok = (8..=32).contains(&idempotency_key.len())
            && idempotency_key.bytes().all(|b| b.is_ascii_alphanumeric());
        let order_no = OrderNo::parse(&format!("{}{idempotency_key}", grant.order_no_prefix()));
        let Some(order_no) = order_no.ok().filter(|_| key_ok) else {
            return Ok(refused(
                None,
                "This form could not be sent. Reload the page and try again.".into(),
            ));
        };
        let mut form = form.clone();
        if form.email.trim().is_empty() {
            form.email = grant.customer_email.clone().unwrap_or_default();
        }
        let valid = match validate(&form) {
            Ok(valid) => valid,
            Err(fields) => {
                return Ok(CreateAnswer::Refused {
                    fields,
                    message: None,
                })
            }
        };
        // The session's caps are checked and a place taken before any money moves; a place whose
        // card is not made is given back, so a refused form does not use the session up.
        let place = match access
            .take_card_place(&grant, order_no.as_str(), valid.deposit.amount())
            .await
        {
            Ok(place) => place,
            Err(WidgetDenied::DepositUsedUp { left }) => {
                return Ok(refused(
                    Some("deposit"),
                    WidgetDenied::DepositUsedUp { left }.to_string(),
                ))
            }
            Err(refusal @ WidgetDenied::CardsUsedUp { .. }) => {
                return Ok(refused(None, refusal.to_string()))
            }
            Err(other) => return Err(refusal(other)),
        };
        let order_no_text = order_no.as_str().to_owned();
        let request = valid.into_new_card(order_no);
        let created = issuing.create_card(&grant.merchant_id, request).await;
        if created.is_err() && place == CardPlace::Taken {
            access.release_card_place(&grant, &order_no_text).await;
        }
        let answer = match created {
            Ok(card) => CreateAnswer::Created(WidgetCard::from_view(&card)),
            Err(IssueError::InsufficientFunds { .. }) => refused(
                None,
                "The merchant's account cannot fund this deposit right now. Try a smaller \
                 deposit, or contact the merchant."
                    .into(),
            ),
            Err(error) => form_refusal(error),
        };
        Ok(answer)
    }

    pub async fn card(session: &str, card_id: &CardId) -> Result<WidgetCard, ServerFnError> {
        let (grant, access, issuing) = open(session).await?;
        own_card(&grant, &access, &issuing, card_id).await
    }

    /// A card's number and CVC, for a card this session made (so within the session's lifetime,
    /// a day at most, of the card's creation).
    pub async fn reveal(session: &str, card_id: &CardId) -> Result<RevealedCard, ServerFnError> {
        let (grant, access, issuing) = open(session).await?;
        own_card(&grant, &access, &issuing, card_id).await?;
        access
            .admit(&grant, WidgetAction::Reveal)
            .map_err(refusal)?;
        issuing
            .reveal(&grant.merchant_id, card_id)
            .await
            .map_err(|error| match error {
                IssueError::IllegalTransition(_) | IssueError::CardNotFound => refused_with(
                    http::StatusCode::CONFLICT,
                    "The card details are not available for this card.",
                ),
                other => unavailable(other),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::RangeOption;
    use crate::domain::Cents;

    #[test]
    fn a_cardholder_sees_the_brand_as_written_and_no_bin() {
        let range = |brand: &str| RangeOption {
            id: "r".into(),
            brand: brand.into(),
            bin: "472593".into(),
            currency: "USD".into(),
            monthly_fees: [Cents::ZERO; 3],
        };
        assert_eq!(range("VISA").cardholder_label(), "Visa · USD");
        assert_eq!(range("MASTERCARD").cardholder_label(), "Mastercard · USD");
        assert_eq!(range("").cardholder_label(), " · USD");
        assert_eq!(range("VISA").label(), "VISA 472593 · USD");
    }
}
