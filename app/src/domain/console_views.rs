//! What the console's pages show, as the core reads it: the merchant at a glance, and the card
//! table with its cursor. Shared by the server (which fills them) and the browser (which renders
//! them).

use serde::{Deserialize, Serialize};

use super::{
    console_user::ConsoleUser, ids::CardId, merchant_activity::MerchantActivity, CardStatus, Cents,
};

/// The merchant at a glance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleOverview {
    pub user: ConsoleUser,
    pub wallet: Cents,
    /// The wallet's newest statement lines.
    pub recent_wallet: Vec<WalletLine>,
    /// Statuses in the lifecycle's order; those without cards left out.
    pub cards_by_status: Vec<(CardStatus, i64)>,
    /// The last thirty days: cards issued, money spent, money in and out of the wallet.
    pub activity: MerchantActivity,
    /// A sandbox merchant, whose owner may add test money.
    pub sandbox: bool,
    /// Names the test-funds form of this page, so sending it twice adds the money once.
    pub next_reference: String,
}

impl ConsoleOverview {
    pub fn total_cards(&self) -> i64 {
        self.cards_by_status.iter().map(|(_, count)| count).sum()
    }
}

/// Cards a page of the console's card table holds.
pub const CARDS_PER_PAGE: i64 = 50;

/// One row of the console's card table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleCardRow {
    pub card_id: CardId,
    pub status: CardStatus,
    pub holder: String,
    pub last4: Option<String>,
    pub balance: Cents,
    pub created_at_ms: i64,
    pub order_no: String,
    pub customer_email: Option<String>,
}

/// Where a page of the card table ends: the last row's creation time and id. Written into the
/// "next page" link as `created_at_ms.card_id`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardCursor {
    pub created_at_ms: i64,
    pub card_id: CardId,
}

impl CardCursor {
    pub fn of(row: &ConsoleCardRow) -> Self {
        CardCursor {
            created_at_ms: row.created_at_ms,
            card_id: row.card_id.clone(),
        }
    }

    pub fn encode(&self) -> String {
        format!("{}.{}", self.created_at_ms, self.card_id)
    }

    /// `None` for text that is no cursor (a hand-edited link starts from the newest card).
    pub fn decode(text: &str) -> Option<Self> {
        let (created_at_ms, card_id) = text.split_once('.')?;
        Some(CardCursor {
            created_at_ms: created_at_ms.parse().ok()?,
            card_id: CardId::new(card_id),
        })
    }
}

/// A page of the card table and the cursor of the next one, if there is more.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleCardPage {
    pub rows: Vec<ConsoleCardRow>,
    pub next: Option<CardCursor>,
}

/// What the card table's live stream watches: the events and balances of the cards on the page,
/// and the merchant's newest card. Any change in it means the page is worth reading again;
/// equal marks mean nothing the table shows has moved. Cheap to take (index reads only), so a
/// stream can take it often.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardTableMark {
    /// How many status events the shown cards have between them (events are only appended).
    pub shown_events: i64,
    /// Their balances added up (a top-up or a purchase changes it without an event).
    pub shown_balance: i64,
    /// The merchant's newest card: a card issued since the page was read.
    pub newest_card: Option<CardId>,
}

/// Cards one stream may watch: a page of the table, and no more.
pub const MAX_WATCHED_CARDS: usize = CARDS_PER_PAGE as usize;

/// What the card table shows: a status, a search, a starting point.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardTableQuery {
    pub status: Option<CardStatus>,
    /// An exact order number, card id, last four digits or customer email.
    pub search: Option<String>,
    pub after: Option<CardCursor>,
}

impl CardTableQuery {
    /// From the page's query string values (`status`, `q`, `after`), forgiving of blanks.
    pub fn from_params(status: Option<&str>, search: Option<&str>, after: Option<&str>) -> Self {
        fn present(text: Option<&str>) -> Option<&str> {
            text.map(str::trim).filter(|text| !text.is_empty())
        }
        CardTableQuery {
            status: present(status).and_then(CardStatus::parse),
            search: present(search).map(str::to_owned),
            after: present(after).and_then(CardCursor::decode),
        }
    }
}

/// One line of the merchant wallet's statement: money in (funding, refunds, returns from cards)
/// and out (deposits, top-ups), newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletLine {
    pub entry_id: i64,
    pub kind: super::ledger::EntryKind,
    pub reference: String,
    pub card_id: Option<CardId>,
    /// Positive: into the wallet; negative: out of it.
    pub amount: Cents,
    pub at_ms: i64,
}

/// Lines the overview shows of the wallet's statement (the CSV has them all).
pub const RECENT_WALLET_LINES: i64 = 20;
