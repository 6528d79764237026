//! Double-entry ledger: every cent moves as a journal entry whose postings sum to zero, between
//! accounts of the system. Money enters from `Funding` (a merchant paying into its wallet) and
//! leaves to `Spend` (card purchases) or `FeeIncome`. The checks here run on any list of entries,
//! in memory in tests or loaded from the database in production.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{
    card_status::CardStatus,
    ids::{CardId, MerchantId},
    money::Cents,
};

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Account {
    /// Outside money paid in by merchants; its balance is the negative of all money ever paid in.
    Funding,
    MerchantWallet(MerchantId),
    Card(CardId),
    /// Money spent with cards at their merchants.
    Spend,
    FeeIncome,
}

impl Account {
    /// Stable text form for storage: `funding`, `wallet:<merchant>`, `card:<card>`, `spend`, `fees`.
    pub fn code(&self) -> String {
        match self {
            Account::Funding => "funding".to_owned(),
            Account::MerchantWallet(merchant) => format!("wallet:{merchant}"),
            Account::Card(card) => format!("card:{card}"),
            Account::Spend => "spend".to_owned(),
            Account::FeeIncome => "fees".to_owned(),
        }
    }

    pub fn parse(code: &str) -> Option<Account> {
        match code.split_once(':') {
            Some(("wallet", id)) if !id.is_empty() => {
                Some(Account::MerchantWallet(MerchantId::new(id)))
            }
            Some(("card", id)) if !id.is_empty() => Some(Account::Card(CardId::new(id))),
            Some(_) => None,
            None => match code {
                "funding" => Some(Account::Funding),
                "spend" => Some(Account::Spend),
                "fees" => Some(Account::FeeIncome),
                _ => None,
            },
        }
    }
}

/// Why money moved. Determines which per-card figure an entry counts towards.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// Funding → wallet.
    WalletFunding,
    /// Funding → wallet: test money a sandbox merchant's owner added from the console.
    TestFunding,
    /// Wallet → card, when the card is created (reserved before provisioning starts).
    CardDeposit,
    /// Wallet → card, a later top-up.
    CardRecharge,
    /// Card → wallet: provisioning failed, the deposit goes back in full.
    DepositRefund,
    /// Card → spend: a captured purchase.
    Consumption,
    /// Card → fee income: monthly fee.
    CardFee,
    /// Card → wallet: the remaining balance when a card is deleted.
    CardClosure,
    /// Card → wallet: part of the balance taken back from a live card (a limit decrease).
    CardWithdrawal,
}

impl EntryKind {
    pub const ALL: [EntryKind; 9] = [
        EntryKind::WalletFunding,
        EntryKind::TestFunding,
        EntryKind::CardDeposit,
        EntryKind::CardRecharge,
        EntryKind::DepositRefund,
        EntryKind::Consumption,
        EntryKind::CardFee,
        EntryKind::CardClosure,
        EntryKind::CardWithdrawal,
    ];

    pub fn code(self) -> &'static str {
        match self {
            EntryKind::WalletFunding => "wallet_funding",
            EntryKind::TestFunding => "test_funding",
            EntryKind::CardDeposit => "card_deposit",
            EntryKind::CardRecharge => "card_recharge",
            EntryKind::DepositRefund => "deposit_refund",
            EntryKind::Consumption => "consumption",
            EntryKind::CardFee => "card_fee",
            EntryKind::CardClosure => "card_closure",
            EntryKind::CardWithdrawal => "card_withdrawal",
        }
    }

    pub fn parse(code: &str) -> Option<EntryKind> {
        Self::ALL.into_iter().find(|kind| kind.code() == code)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posting {
    pub account: Account,
    /// Positive: money arrives in the account; negative: it leaves.
    pub amount: Cents,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub kind: EntryKind,
    pub postings: Vec<Posting>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("amounts moved must be positive, got {0}")]
    NotPositive(Cents),
    #[error("money cannot move from an account to itself")]
    SameAccount,
    #[error("a {kind:?} entry cannot move money from {from:?} to {to:?}")]
    WrongAccounts {
        kind: EntryKind,
        from: Account,
        to: Account,
    },
}

impl JournalEntry {
    /// Moves `amount` from one account to another: the only way entries are made, so every entry
    /// is balanced by construction and its accounts fit its kind.
    pub fn transfer(
        kind: EntryKind,
        from: Account,
        to: Account,
        amount: Cents,
    ) -> Result<Self, LedgerError> {
        if !amount.is_positive() {
            return Err(LedgerError::NotPositive(amount));
        }
        if from == to {
            return Err(LedgerError::SameAccount);
        }
        use Account::*;
        use EntryKind::*;
        let fits = match kind {
            WalletFunding | TestFunding => matches!((&from, &to), (Funding, MerchantWallet(_))),
            CardDeposit | CardRecharge => matches!((&from, &to), (MerchantWallet(_), Card(_))),
            DepositRefund | CardClosure | CardWithdrawal => {
                matches!((&from, &to), (Card(_), MerchantWallet(_)))
            }
            Consumption => matches!((&from, &to), (Card(_), Spend)),
            CardFee => matches!((&from, &to), (Card(_), FeeIncome)),
        };
        if !fits {
            return Err(LedgerError::WrongAccounts { kind, from, to });
        }
        Ok(JournalEntry {
            kind,
            postings: vec![
                Posting {
                    account: from,
                    amount: Cents(-amount.0),
                },
                Posting {
                    account: to,
                    amount,
                },
            ],
        })
    }

    pub fn is_balanced(&self) -> bool {
        self.postings
            .iter()
            .try_fold(0_i64, |sum, posting| sum.checked_add(posting.amount.0))
            == Some(0)
    }
}

/// A card's money as the seed reports it, plus what went back to the merchant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardFigures {
    /// Everything ever loaded: initial deposit and recharges.
    pub deposit: Cents,
    pub consume: Cents,
    pub fees: Cents,
    /// Refunded after failed provisioning or returned when the card was deleted.
    pub returned: Cents,
    pub balance: Cents,
}

/// Balances of every account and figures of every card, folded from journal entries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LedgerState {
    pub balances: BTreeMap<Account, Cents>,
    pub cards: BTreeMap<CardId, CardFigures>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvariantViolation {
    #[error("entry {index} is not balanced")]
    UnbalancedEntry { index: usize },
    #[error("an amount overflowed")]
    Overflow,
    #[error("money is not conserved: all balances sum to {0}, not 0")]
    NotConserved(Cents),
    #[error("account {0} is overdrawn: {1}")]
    Overdrawn(String, Cents),
    #[error("card {0}: deposit ≠ balance + consume + fees + returned")]
    CardFiguresDisagree(CardId),
    #[error("card {card}: pending authorizations hold {held}, more than its balance {balance}")]
    HoldsExceedBalance {
        card: CardId,
        held: Cents,
        balance: Cents,
    },
    #[error("card {card} is {status} with {balance} on it and {held} held: it must keep exactly what is held")]
    EndedCardKeepsMoney {
        card: CardId,
        status: CardStatus,
        balance: Cents,
        held: Cents,
    },
}

/// What the journal alone cannot tell about a card: its status and the funds its pending
/// authorizations hold. [`LedgerState::check_standing`] checks these against the balances.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardStanding {
    pub card: CardId,
    pub status: CardStatus,
    pub held: Cents,
}

impl LedgerState {
    /// Folds `entries` in order and checks, after every entry, that no wallet or card is overdrawn;
    /// at the end, that money is conserved and every card's figures add up.
    pub fn replay<'a>(
        entries: impl IntoIterator<Item = &'a JournalEntry>,
    ) -> Result<Self, InvariantViolation> {
        let mut state = LedgerState::default();
        for (index, entry) in entries.into_iter().enumerate() {
            if !entry.is_balanced() {
                return Err(InvariantViolation::UnbalancedEntry { index });
            }
            state.apply(entry)?;
        }
        state.check()?;
        Ok(state)
    }

    fn apply(&mut self, entry: &JournalEntry) -> Result<(), InvariantViolation> {
        for posting in &entry.postings {
            let balance = self.balances.entry(posting.account.clone()).or_default();
            *balance = balance
                .checked_add(posting.amount)
                .ok_or(InvariantViolation::Overflow)?;
            let overdrawable = matches!(posting.account, Account::Funding);
            if balance.0 < 0 && !overdrawable {
                return Err(InvariantViolation::Overdrawn(
                    posting.account.code(),
                    *balance,
                ));
            }
            if let Account::Card(card) = &posting.account {
                let figures = self.cards.entry(card.clone()).or_default();
                let amount = Cents(posting.amount.0.abs());
                let figure = match entry.kind {
                    EntryKind::CardDeposit | EntryKind::CardRecharge => &mut figures.deposit,
                    EntryKind::Consumption => &mut figures.consume,
                    EntryKind::CardFee => &mut figures.fees,
                    EntryKind::DepositRefund
                    | EntryKind::CardClosure
                    | EntryKind::CardWithdrawal => &mut figures.returned,
                    EntryKind::WalletFunding | EntryKind::TestFunding => continue,
                };
                *figure = figure
                    .checked_add(amount)
                    .ok_or(InvariantViolation::Overflow)?;
                figures.balance = *balance;
            }
        }
        Ok(())
    }

    /// The two invariants: the sum of all balances is zero, and for every card
    /// deposit = balance + consume + fees + returned.
    pub fn check(&self) -> Result<(), InvariantViolation> {
        let total = self
            .balances
            .values()
            .try_fold(Cents::ZERO, |sum, balance| sum.checked_add(*balance))
            .ok_or(InvariantViolation::Overflow)?;
        if total != Cents::ZERO {
            return Err(InvariantViolation::NotConserved(total));
        }
        for (card, figures) in &self.cards {
            let accounted = [figures.consume, figures.fees, figures.returned]
                .into_iter()
                .try_fold(figures.balance, |sum, figure| sum.checked_add(figure))
                .ok_or(InvariantViolation::Overflow)?;
            if accounted != figures.deposit {
                return Err(InvariantViolation::CardFiguresDisagree(card.clone()));
            }
        }
        Ok(())
    }

    pub fn balance(&self, account: &Account) -> Cents {
        self.balances.get(account).copied().unwrap_or_default()
    }

    /// The invariants between the ledger and the cards: every approved authorization can be
    /// captured (holds never exceed the balance), and a card that has ended keeps nothing beyond
    /// what its pending authorizations hold — a deleted card's holds stay capturable, the rest
    /// went back to the wallet; a failed card was refunded in full.
    pub fn check_standing<'a>(
        &self,
        cards: impl IntoIterator<Item = &'a CardStanding>,
    ) -> Result<(), InvariantViolation> {
        for standing in cards {
            let balance = self.balance(&Account::Card(standing.card.clone()));
            let ended = matches!(
                standing.status,
                CardStatus::Deleted | CardStatus::CardFailedRefund
            );
            if ended && balance != standing.held {
                return Err(InvariantViolation::EndedCardKeepsMoney {
                    card: standing.card.clone(),
                    status: standing.status,
                    balance,
                    held: standing.held,
                });
            }
            if standing.held > balance {
                return Err(InvariantViolation::HoldsExceedBalance {
                    card: standing.card.clone(),
                    held: standing.held,
                    balance,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn wallet() -> Account {
        Account::MerchantWallet(MerchantId::new("m_1"))
    }
    fn card(n: u8) -> Account {
        Account::Card(CardId::new(format!("c_{n}")))
    }

    #[test]
    fn entries_are_balanced_by_construction() {
        let entry =
            JournalEntry::transfer(EntryKind::CardDeposit, wallet(), card(1), Cents(1000)).unwrap();
        assert!(entry.is_balanced());
        assert_eq!(entry.postings[0].amount, Cents(-1000));
    }

    #[test]
    fn refuses_nonsense_transfers() {
        use EntryKind::*;
        assert_eq!(
            JournalEntry::transfer(CardDeposit, wallet(), card(1), Cents(0)),
            Err(LedgerError::NotPositive(Cents(0)))
        );
        assert_eq!(
            JournalEntry::transfer(CardClosure, card(1), card(1), Cents(5)),
            Err(LedgerError::SameAccount)
        );
        assert!(matches!(
            JournalEntry::transfer(Consumption, wallet(), Account::Spend, Cents(5)),
            Err(LedgerError::WrongAccounts { .. })
        ));
    }

    #[test]
    fn a_failed_card_is_refunded_in_full() {
        let entries = [
            JournalEntry::transfer(
                EntryKind::WalletFunding,
                Account::Funding,
                wallet(),
                Cents(5000),
            )
            .unwrap(),
            JournalEntry::transfer(EntryKind::CardDeposit, wallet(), card(1), Cents(1000)).unwrap(),
            JournalEntry::transfer(EntryKind::DepositRefund, card(1), wallet(), Cents(1000))
                .unwrap(),
        ];
        let state = LedgerState::replay(&entries).unwrap();
        assert_eq!(state.balance(&wallet()), Cents(5000));
        assert_eq!(
            state.cards[&CardId::new("c_1")],
            CardFigures {
                deposit: Cents(1000),
                returned: Cents(1000),
                ..CardFigures::default()
            }
        );
    }

    #[test]
    fn overdrawing_a_wallet_is_detected() {
        let entries = [
            JournalEntry::transfer(EntryKind::CardDeposit, wallet(), card(1), Cents(1)).unwrap(),
        ];
        assert!(matches!(
            LedgerState::replay(&entries),
            Err(InvariantViolation::Overdrawn(..))
        ));
    }

    fn funded_card(deposit: i64) -> LedgerState {
        let entries = [
            JournalEntry::transfer(
                EntryKind::WalletFunding,
                Account::Funding,
                wallet(),
                Cents(10_000),
            )
            .unwrap(),
            JournalEntry::transfer(EntryKind::CardDeposit, wallet(), card(1), Cents(deposit))
                .unwrap(),
        ];
        LedgerState::replay(&entries).unwrap()
    }

    fn standing(status: CardStatus, held: i64) -> CardStanding {
        CardStanding {
            card: CardId::new("c_1"),
            status,
            held: Cents(held),
        }
    }

    #[test]
    fn holds_up_to_the_balance_are_fine_and_a_cent_more_is_not() {
        let state = funded_card(1_000);
        assert_eq!(
            state.check_standing(&[standing(CardStatus::Active, 1_000)]),
            Ok(())
        );
        assert_eq!(
            state.check_standing(&[standing(CardStatus::Active, 1_001)]),
            Err(InvariantViolation::HoldsExceedBalance {
                card: CardId::new("c_1"),
                held: Cents(1_001),
                balance: Cents(1_000),
            })
        );
    }

    #[test]
    fn a_deleted_card_keeps_only_what_is_held() {
        let state = funded_card(1_000);
        assert_eq!(
            state.check_standing(&[standing(CardStatus::Deleted, 1_000)]),
            Ok(())
        );
        assert!(matches!(
            state.check_standing(&[standing(CardStatus::Deleted, 400)]),
            Err(InvariantViolation::EndedCardKeepsMoney { .. })
        ));
        assert!(matches!(
            state.check_standing(&[standing(CardStatus::CardFailedRefund, 0)]),
            Err(InvariantViolation::EndedCardKeepsMoney { .. })
        ));
        // An expired card keeps its balance until the merchant deletes it.
        assert_eq!(
            state.check_standing(&[standing(CardStatus::Expired, 0)]),
            Ok(())
        );
    }

    #[test]
    fn a_tampered_entry_is_detected() {
        let mut entry = JournalEntry::transfer(
            EntryKind::WalletFunding,
            Account::Funding,
            wallet(),
            Cents(9),
        )
        .unwrap();
        entry.postings[1].amount = Cents(10);
        assert_eq!(
            LedgerState::replay(&[entry]),
            Err(InvariantViolation::UnbalancedEntry { index: 0 })
        );
    }

    #[test]
    fn entry_kind_codes_round_trip_and_match_serde() {
        for kind in EntryKind::ALL {
            assert_eq!(EntryKind::parse(kind.code()), Some(kind));
            assert_eq!(
                serde_json::to_string(&kind).unwrap(),
                format!("\"{}\"", kind.code())
            );
        }
    }

    #[test]
    fn account_codes_round_trip() {
        for account in [
            Account::Funding,
            wallet(),
            card(7),
            Account::Spend,
            Account::FeeIncome,
        ] {
            assert_eq!(Account::parse(&account.code()), Some(account));
        }
        assert_eq!(Account::parse("card:"), None);
        assert_eq!(Account::parse("bank"), None);
    }

    /// One business operation, as the services will perform them: each is refused (no entry)
    /// when the paying account lacks the money, exactly as the real services must.
    #[derive(Clone, Debug)]
    enum Operation {
        Fund(i64),
        Deposit(u8, i64),
        Recharge(u8, i64),
        Consume(u8, i64),
        Fee(u8, i64),
        FailAndRefund(u8),
        Close(u8),
    }

    fn operation() -> impl Strategy<Value = Operation> {
        let card = 0_u8..4;
        let amount = 1_i64..600_000;
        prop_oneof![
            amount.clone().prop_map(Operation::Fund),
            (card.clone(), amount.clone()).prop_map(|(c, a)| Operation::Deposit(c, a)),
            (card.clone(), amount.clone()).prop_map(|(c, a)| Operation::Recharge(c, a)),
            (card.clone(), amount.clone()).prop_map(|(c, a)| Operation::Consume(c, a)),
            (card.clone(), 1_i64..2_000).prop_map(|(c, a)| Operation::Fee(c, a)),
            card.clone().prop_map(Operation::FailAndRefund),
            card.prop_map(Operation::Close),
        ]
    }

    fn entry_for(state: &LedgerState, operation: &Operation) -> Option<JournalEntry> {
        use EntryKind::*;
        let affordable = |from: &Account, amount: i64| state.balance(from).0 >= amount;
        let whole_balance = |c: u8| state.balance(&card(c)).0;
        let (kind, from, to, amount) = match *operation {
            Operation::Fund(amount) => (WalletFunding, Account::Funding, wallet(), amount),
            Operation::Deposit(c, amount) => (CardDeposit, wallet(), card(c), amount),
            Operation::Recharge(c, amount) => (CardRecharge, wallet(), card(c), amount),
            Operation::Consume(c, amount) => (Consumption, card(c), Account::Spend, amount),
            Operation::Fee(c, amount) => (CardFee, card(c), Account::FeeIncome, amount),
            Operation::FailAndRefund(c) => (DepositRefund, card(c), wallet(), whole_balance(c)),
            Operation::Close(c) => (CardClosure, card(c), wallet(), whole_balance(c)),
        };
        if amount <= 0 || (from != Account::Funding && !affordable(&from, amount)) {
            return None;
        }
        JournalEntry::transfer(kind, from, to, Cents(amount)).ok()
    }

    proptest! {
        #[test]
        fn any_sequence_of_permitted_operations_keeps_the_invariants(
            operations in proptest::collection::vec(operation(), 0..80)
        ) {
            let mut entries = Vec::new();
            let mut state = LedgerState::default();
            for operation in &operations {
                if let Some(entry) = entry_for(&state, operation) {
                    entries.push(entry);
                    state = LedgerState::replay(&entries).expect("invariants hold after every entry");
                }
            }
            let funded: i64 = operations.iter().map(|op| match op { Operation::Fund(a) => *a, _ => 0 }).sum();
            prop_assert_eq!(state.balance(&Account::Funding), Cents(-funded));
            let spent_and_fees = state.balance(&Account::Spend).0 + state.balance(&Account::FeeIncome).0;
            let on_cards: i64 = state.cards.values().map(|figures| figures.balance.0).sum();
            prop_assert_eq!(state.balance(&wallet()).0 + on_cards + spent_and_fees, funded);
        }
    }
}
