//! Spend controls and the authorization decision (dialect B's card settings, enforced for every
//! card whichever dialect issued it). Pure: the caller supplies the card's funds, its past approved
//! spend and the clock, so every rule can be tested at its boundary and across time.

use serde::{Deserialize, Serialize};

use crate::domain::{CardStatus, Cents};

/// The intervals a limit can apply to. Windows are rolling: DAILY is the last 24 hours, not the
/// calendar day, so a limit cannot be doubled by spending either side of midnight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LimitInterval {
    PerTransaction,
    Daily,
    Weekly,
    Monthly,
    Yearly,
    AllTime,
}

const DAY_MS: i64 = 86_400_000;

impl LimitInterval {
    pub const ALL: [LimitInterval; 6] = [
        LimitInterval::PerTransaction,
        LimitInterval::Daily,
        LimitInterval::Weekly,
        LimitInterval::Monthly,
        LimitInterval::Yearly,
        LimitInterval::AllTime,
    ];

    pub fn code(self) -> &'static str {
        match self {
            LimitInterval::PerTransaction => "PER_TRANSACTION",
            LimitInterval::Daily => "DAILY",
            LimitInterval::Weekly => "WEEKLY",
            LimitInterval::Monthly => "MONTHLY",
            LimitInterval::Yearly => "YEARLY",
            LimitInterval::AllTime => "ALL_TIME",
        }
    }

    pub fn parse(code: &str) -> Option<LimitInterval> {
        LimitInterval::ALL
            .into_iter()
            .find(|interval| interval.code() == code)
    }

    /// How far back spend counts against the limit; `None`: all of it (ALL_TIME) or only the
    /// purchase itself (PER_TRANSACTION).
    pub fn window_ms(self) -> Option<i64> {
        match self {
            LimitInterval::PerTransaction | LimitInterval::AllTime => None,
            LimitInterval::Daily => Some(DAY_MS),
            LimitInterval::Weekly => Some(7 * DAY_MS),
            LimitInterval::Monthly => Some(30 * DAY_MS),
            LimitInterval::Yearly => Some(365 * DAY_MS),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpendLimit {
    pub interval: LimitInterval,
    pub amount: Cents,
}

/// The limits a card gets when none are set (dialect B's seed: PER_TRANSACTION 1000 USD, DAILY
/// 5000 USD).
pub fn default_limits() -> Vec<SpendLimit> {
    vec![
        SpendLimit {
            interval: LimitInterval::PerTransaction,
            amount: Cents(100_000),
        },
        SpendLimit {
            interval: LimitInterval::Daily,
            amount: Cents(500_000),
        },
    ]
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpendControls {
    pub limits: Vec<SpendLimit>,
    /// Purchases before this instant (epoch ms) are declined.
    pub active_from_ms: Option<i64>,
    /// Purchases after this instant are declined.
    pub active_to_ms: Option<i64>,
    /// ISO codes; empty means every currency.
    pub allowed_currencies: Vec<String>,
    /// The single-purchase ceiling of the card itself (dialect B's `limit_per_transaction`).
    pub limit_per_transaction: Cents,
    /// After every top-up, `limit_per_transaction` becomes the card's balance.
    pub is_autolimit: bool,
}

/// Dialect B's words for a window that ends before it starts (the console uses them too).
pub const WINDOW_REVERSED: &str = "Value error, active_to must not be before active_from";

/// A currency as the controls name it: three ASCII letters (ISO 4217).
pub fn is_currency_code(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|byte| byte.is_ascii_alphabetic())
}

impl SpendControls {
    /// Whether the active window ends before it starts (then no purchase could ever pass).
    pub fn window_is_reversed(&self) -> bool {
        matches!((self.active_from_ms, self.active_to_ms), (Some(from), Some(to)) if from > to)
    }

    /// What a card starts with: the default limits, no time window, every currency, and the
    /// per-transaction ceiling following the balance.
    pub fn initial(balance: Cents) -> Self {
        Self {
            limits: default_limits(),
            active_from_ms: None,
            active_to_ms: None,
            allowed_currencies: Vec::new(),
            limit_per_transaction: balance,
            is_autolimit: true,
        }
    }
}

/// A purchase a card is asked to authorize.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Purchase {
    pub amount: Cents,
    pub currency: String,
    pub merchant_name: String,
    pub at_ms: i64,
}

/// Spend already approved on the card (pending or captured, not reversed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PastSpend {
    pub amount: Cents,
    pub at_ms: i64,
}

/// Where an authorization stands: approved ones hold funds (PENDING) until captured or reversed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthorizationStatus {
    Pending,
    Captured,
    Reversed,
    Declined,
}

impl AuthorizationStatus {
    pub fn code(self) -> &'static str {
        match self {
            AuthorizationStatus::Pending => "PENDING",
            AuthorizationStatus::Captured => "CAPTURED",
            AuthorizationStatus::Reversed => "REVERSED",
            AuthorizationStatus::Declined => "DECLINED",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        [
            Self::Pending,
            Self::Captured,
            Self::Reversed,
            Self::Declined,
        ]
        .into_iter()
        .find(|status| status.code() == code)
    }
}

/// Why a purchase is declined; `code()` is what the API reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeclineReason {
    InvalidAmount,
    CardNotActive,
    BeforeActiveFrom,
    AfterActiveTo,
    CurrencyNotAllowed,
    MerchantNotAllowed,
    ExceedsCardTransactionLimit,
    ExceedsLimit(LimitInterval),
    InsufficientFunds,
}

impl DeclineReason {
    pub fn code(self) -> String {
        match self {
            DeclineReason::InvalidAmount => "INVALID_AMOUNT".into(),
            DeclineReason::CardNotActive => "CARD_NOT_ACTIVE".into(),
            DeclineReason::BeforeActiveFrom => "CARD_NOT_YET_ACTIVE".into(),
            DeclineReason::AfterActiveTo => "CARD_ACTIVE_PERIOD_ENDED".into(),
            DeclineReason::CurrencyNotAllowed => "CURRENCY_NOT_ALLOWED".into(),
            DeclineReason::MerchantNotAllowed => "MERCHANT_NOT_ALLOWED".into(),
            DeclineReason::ExceedsCardTransactionLimit => "EXCEEDS_LIMIT_PER_TRANSACTION".into(),
            DeclineReason::ExceedsLimit(interval) => format!("EXCEEDS_{}_LIMIT", interval.code()),
            DeclineReason::InsufficientFunds => "INSUFFICIENT_FUNDS".into(),
        }
    }
}

/// Everything the decision needs to know about the card.
pub struct CardForAuthorization<'a> {
    pub status: CardStatus,
    /// Balance less the holds of pending authorizations.
    pub spendable: Cents,
    pub controls: &'a SpendControls,
    /// The BIN's merchant allow-list; empty means every merchant.
    pub bin_merchants: &'a [String],
    pub past_spend: &'a [PastSpend],
}

/// Approves the purchase or names the first control it breaks. Each check admits exactly its
/// limit: a purchase AT a limit is approved, one cent more is declined.
pub fn authorize(
    card: &CardForAuthorization<'_>,
    purchase: &Purchase,
) -> Result<(), DeclineReason> {
    let controls = card.controls;
    if !purchase.amount.is_positive() {
        return Err(DeclineReason::InvalidAmount);
    }
    if card.status != CardStatus::Active {
        return Err(DeclineReason::CardNotActive);
    }
    if controls
        .active_from_ms
        .is_some_and(|from| purchase.at_ms < from)
    {
        return Err(DeclineReason::BeforeActiveFrom);
    }
    if controls.active_to_ms.is_some_and(|to| purchase.at_ms > to) {
        return Err(DeclineReason::AfterActiveTo);
    }
    if !controls.allowed_currencies.is_empty()
        && !controls
            .allowed_currencies
            .iter()
            .any(|currency| currency.eq_ignore_ascii_case(&purchase.currency))
    {
        return Err(DeclineReason::CurrencyNotAllowed);
    }
    if !card.bin_merchants.is_empty()
        && !card
            .bin_merchants
            .iter()
            .any(|merchant| merchant.eq_ignore_ascii_case(purchase.merchant_name.trim()))
    {
        return Err(DeclineReason::MerchantNotAllowed);
    }
    if purchase.amount > controls.limit_per_transaction {
        return Err(DeclineReason::ExceedsCardTransactionLimit);
    }
    for limit in &controls.limits {
        let counted = match (limit.interval, limit.interval.window_ms()) {
            (LimitInterval::PerTransaction, _) => Cents::ZERO,
            (_, None) => sum(card.past_spend.iter()),
            (_, Some(window)) => sum(card
                .past_spend
                .iter()
                .filter(|spend| spend.at_ms > purchase.at_ms - window)),
        };
        let after = counted.checked_add(purchase.amount);
        if after.is_none_or(|after| after > limit.amount) {
            return Err(DeclineReason::ExceedsLimit(limit.interval));
        }
    }
    if purchase.amount > card.spendable {
        return Err(DeclineReason::InsufficientFunds);
    }
    Ok(())
}

fn sum<'a>(spends: impl Iterator<Item = &'a PastSpend>) -> Cents {
    Cents(spends.map(|spend| spend.amount.0).sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_587_543_000;

    fn controls() -> SpendControls {
        SpendControls::initial(Cents(1_000_000))
    }

    fn purchase(cents: i64) -> Purchase {
        Purchase {
            amount: Cents(cents),
            currency: "USD".into(),
            merchant_name: "Acme".into(),
            at_ms: NOW,
        }
    }

    fn decide(
        controls: &SpendControls,
        past: &[PastSpend],
        spendable: i64,
        purchase: &Purchase,
    ) -> Result<(), DeclineReason> {
        authorize(
            &CardForAuthorization {
                status: CardStatus::Active,
                spendable: Cents(spendable),
                controls,
                bin_merchants: &[],
                past_spend: past,
            },
            purchase,
        )
    }

    #[test]
    fn every_limit_admits_its_boundary_and_refuses_a_cent_more() {
        let controls = controls();
        // PER_TRANSACTION 1000 USD.
        assert_eq!(
            decide(&controls, &[], 10_000_000, &purchase(100_000)),
            Ok(())
        );
        assert_eq!(
            decide(&controls, &[], 10_000_000, &purchase(100_001)),
            Err(DeclineReason::ExceedsLimit(LimitInterval::PerTransaction))
        );
        // DAILY 5000 USD over the last 24 hours.
        let spent = [PastSpend {
            amount: Cents(450_000),
            at_ms: NOW - 1000,
        }];
        assert_eq!(
            decide(&controls, &spent, 10_000_000, &purchase(50_000)),
            Ok(())
        );
        assert_eq!(
            decide(&controls, &spent, 10_000_000, &purchase(50_001)),
            Err(DeclineReason::ExceedsLimit(LimitInterval::Daily))
        );
        // The card's own per-transaction ceiling, and its funds.
        let mut tight = controls.clone();
        tight.limit_per_transaction = Cents(700);
        assert_eq!(decide(&tight, &[], 10_000, &purchase(700)), Ok(()));
        assert_eq!(
            decide(&tight, &[], 10_000, &purchase(701)),
            Err(DeclineReason::ExceedsCardTransactionLimit)
        );
        assert_eq!(decide(&controls, &[], 2_500, &purchase(2_500)), Ok(()));
        assert_eq!(
            decide(&controls, &[], 2_500, &purchase(2_501)),
            Err(DeclineReason::InsufficientFunds)
        );
    }

    #[test]
    fn rolling_windows_forget_spend_exactly_when_it_leaves_them() {
        for (interval, window) in [
            (LimitInterval::Daily, DAY_MS),
            (LimitInterval::Weekly, 7 * DAY_MS),
            (LimitInterval::Monthly, 30 * DAY_MS),
            (LimitInterval::Yearly, 365 * DAY_MS),
        ] {
            let mut controls = controls();
            controls.limits = vec![SpendLimit {
                interval,
                amount: Cents(10_000),
            }];
            let past = |at_ms| {
                [PastSpend {
                    amount: Cents(10_000),
                    at_ms,
                }]
            };
            // Spent a full window ago to the millisecond: out of the window.
            assert_eq!(
                decide(&controls, &past(NOW - window), 1 << 40, &purchase(10_000)),
                Ok(())
            );
            // A millisecond later it still counts.
            assert_eq!(
                decide(&controls, &past(NOW - window + 1), 1 << 40, &purchase(1)),
                Err(DeclineReason::ExceedsLimit(interval)),
                "{interval:?}"
            );
        }
        let mut controls = controls();
        controls.limits = vec![SpendLimit {
            interval: LimitInterval::AllTime,
            amount: Cents(10_000),
        }];
        let long_ago = [PastSpend {
            amount: Cents(9_999),
            at_ms: 0,
        }];
        assert_eq!(decide(&controls, &long_ago, 1 << 40, &purchase(1)), Ok(()));
        assert_eq!(
            decide(&controls, &long_ago, 1 << 40, &purchase(2)),
            Err(DeclineReason::ExceedsLimit(LimitInterval::AllTime))
        );
    }

    #[test]
    fn time_window_currency_merchant_and_status_are_enforced() {
        let mut controls = controls();
        controls.active_from_ms = Some(NOW);
        controls.active_to_ms = Some(NOW + 10);
        controls.allowed_currencies = vec!["USD".into(), "EUR".into()];
        let at = |at_ms| Purchase {
            at_ms,
            ..purchase(100)
        };
        assert_eq!(decide(&controls, &[], 1000, &at(NOW)), Ok(()));
        assert_eq!(decide(&controls, &[], 1000, &at(NOW + 10)), Ok(()));
        assert_eq!(
            decide(&controls, &[], 1000, &at(NOW - 1)),
            Err(DeclineReason::BeforeActiveFrom)
        );
        assert_eq!(
            decide(&controls, &[], 1000, &at(NOW + 11)),
            Err(DeclineReason::AfterActiveTo)
        );
        let gbp = Purchase {
            currency: "GBP".into(),
            ..purchase(100)
        };
        assert_eq!(
            decide(&controls, &[], 1000, &gbp),
            Err(DeclineReason::CurrencyNotAllowed)
        );
        let allow_list = ["Facebook".to_owned()];
        let card = |status| CardForAuthorization {
            status,
            spendable: Cents(1000),
            controls: &controls,
            bin_merchants: &allow_list,
            past_spend: &[],
        };
        let facebook = Purchase {
            merchant_name: "facebook".into(),
            ..purchase(100)
        };
        assert_eq!(authorize(&card(CardStatus::Active), &facebook), Ok(()));
        assert_eq!(
            authorize(&card(CardStatus::Active), &purchase(100)),
            Err(DeclineReason::MerchantNotAllowed)
        );
        assert_eq!(
            authorize(&card(CardStatus::Freeze), &facebook),
            Err(DeclineReason::CardNotActive)
        );
        assert_eq!(
            decide(&controls, &[], 1000, &purchase(0)),
            Err(DeclineReason::InvalidAmount)
        );
    }
}
