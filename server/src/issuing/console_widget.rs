//! The developers' area's widget builder ([`ConsoleWidget`]) over the widget sessions: only roles
//! that manage the integration may mint, list or close; a session minted here follows the same
//! rules as one the session API mints (origins as browsers write them, 10 s to 24 h, 1 to 100
//! cards), and minting and closing are in the audit log (object: the session id; never a token).

use app::{
    domain::{
        audit::AuditAction,
        console_user::ConsoleUser,
        email::Email,
        ids::SessionId,
        widget_builder::{
            LiveWidgetSession, LiveWidgetSessions, MintedWidgetSession, SessionOrder,
        },
    },
    ports::{ConsoleDenied, ConsoleWidget, SessionForm},
};

use super::{
    developers_area::integration_only,
    partner_origin::normalize_origin,
    widget_sessions::{
        default_max_deposit, SessionRequest, WidgetSessions, MAX_LIFETIME_SECS, MAX_MAX_CARDS,
        MIN_LIFETIME_SECS,
    },
};
use crate::store::{Database, SessionClosing, WidgetSession};

/// As many partner origins as the session API takes.
const MAX_ORIGINS: usize = 10;

#[derive(Clone)]
pub struct ConsoleWidgetService {
    database: Database,
    sessions: WidgetSessions,
}

fn unavailable(error: impl std::fmt::Display) -> ConsoleDenied {
    tracing::warn!(%error, "console widget session store failed");
    ConsoleDenied::Unavailable
}

fn may_manage(user: &ConsoleUser) -> Result<(), ConsoleDenied> {
    integration_only(
        user,
        "widget sessions are for developers, admins and owners",
    )
}

/// The form, checked by the session API's rules, or the first problem as a sentence.
pub fn session_order(form: &SessionForm) -> Result<SessionOrder, ConsoleDenied> {
    let invalid = |sentence: String| ConsoleDenied::Invalid(sentence);
    let mut origins = Vec::new();
    for text in form
        .allowed_origins
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|text| !text.is_empty())
    {
        let origin =
            normalize_origin(text).map_err(|reason| invalid(format!("“{text}”: {reason}.")))?;
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    if origins.is_empty() || origins.len() > MAX_ORIGINS {
        return Err(invalid(format!(
            "List 1 to {MAX_ORIGINS} partner origins, such as https://shop.example."
        )));
    }
    if !(MIN_LIFETIME_SECS..=MAX_LIFETIME_SECS).contains(&form.lifetime_secs) {
        return Err(invalid(
            "A session lasts from 10 seconds to 24 hours.".to_owned(),
        ));
    }
    let customer_email = match form.customer_email.trim() {
        "" => None,
        text => Some(
            Email::parse(text)
                .map_err(|error| invalid(format!("Customer email: {error}")))?
                .as_str()
                .to_owned(),
        ),
    };
    if !(1..=MAX_MAX_CARDS).contains(&form.max_cards) {
        return Err(invalid(format!(
            "A session makes 1 to {MAX_MAX_CARDS} cards."
        )));
    }
    Ok(SessionOrder {
        allowed_origins: origins,
        lifetime_secs: form.lifetime_secs,
        customer_email,
        max_cards: form.max_cards,
    })
}

fn listed(session: WidgetSession, cards_made: i64) -> LiveWidgetSession {
    LiveWidgetSession {
        id: session.id.to_string(),
        allowed_origins: session.allowed_origins,
        customer_email: session.customer_email,
        created_at_ms: session.created_at_ms,
        expires_at_ms: session.expires_at_ms,
        created_by: session.created_by,
        max_cards: session.max_cards,
        cards_made,
    }
}

impl ConsoleWidgetService {
    pub fn new(database: Database, sessions: WidgetSessions) -> Self {
        Self { database, sessions }
    }

    async fn audit(
        &self,
        user: &ConsoleUser,
        action: AuditAction,
        session: &SessionId,
        detail: &str,
    ) -> Result<(), ConsoleDenied> {
        self.database
            .record_user_audit(user, action, session.as_str(), detail, None)
            .await
            .map_err(unavailable)
    }
}

#[async_trait::async_trait]
impl ConsoleWidget for ConsoleWidgetService {
    async fn live_sessions(&self, user: &ConsoleUser) -> Result<LiveWidgetSessions, ConsoleDenied> {
        may_manage(user)?;
        let now_ms = self.database.now_ms();
        let sessions = self
            .database
            .live_widget_sessions(&user.merchant_id, now_ms)
            .await
            .map_err(unavailable)?;
        Ok(LiveWidgetSessions {
            sessions: sessions
                .into_iter()
                .map(|(session, made)| listed(session, made))
                .collect(),
            now_ms,
        })
    }

    async fn mint(
        &self,
        user: &ConsoleUser,
        form: SessionForm,
    ) -> Result<MintedWidgetSession, ConsoleDenied> {
        may_manage(user)?;
        let order = session_order(&form)?;
        let request = SessionRequest {
            allowed_origins: order.allowed_origins.clone(),
            lifetime_secs: order.lifetime_secs,
            customer_email: order.customer_email.clone(),
            max_cards: order.max_cards,
            max_deposit: default_max_deposit(order.max_cards),
            chain_id: None,
            plan_names: Default::default(),
            created_by: Some(user.email.clone()),
        };
        let minted = self
            .sessions
            .mint(&user.merchant_id, request)
            .await
            .map_err(unavailable)?;
        let detail = format!(
            "for {} until {} UTC, {} card(s)",
            order.allowed_origins.join(", "),
            app::domain::calendar::format_datetime(minted.session.expires_at_ms),
            order.max_cards
        );
        self.audit(
            user,
            AuditAction::WidgetSessionCreated,
            &minted.session.id,
            &detail,
        )
        .await?;
        Ok(MintedWidgetSession {
            token: minted.token,
            session: listed(minted.session, 0),
            order,
        })
    }

    async fn close(&self, user: &ConsoleUser, session: &SessionId) -> Result<(), ConsoleDenied> {
        may_manage(user)?;
        let closing = self
            .database
            .close_widget_session(&user.merchant_id, session, self.database.now_ms())
            .await
            .map_err(unavailable)?;
        match closing {
            SessionClosing::Closed => {
                self.audit(
                    user,
                    AuditAction::WidgetSessionClosed,
                    session,
                    "closed early",
                )
                .await
            }
            SessionClosing::Unknown => Err(ConsoleDenied::Invalid(
                "There is no such widget session.".to_owned(),
            )),
            SessionClosing::AlreadyOver => Err(ConsoleDenied::Refused(
                "This session has ended already.".to_owned(),
            )),
        }
    }
}
