//! Service ports: what the application needs from the outside world, implemented by the server's
//! adapters and handed to server functions and HTTP dialects.
mod card_issuing;
mod card_processor;
mod card_spending;
mod system_probe;

pub use card_issuing::{
    CardFilter, CardIssuing, CardPage, CardTransactionView, KycView, RevealedCard,
    SharedCardIssuing, SharedKyc,
};
pub use card_processor::{CardProcessor, StageError};
pub use card_spending::{
    AuthorizationView, CardSettings, CardSpending, PurchaseRequest, SharedCardSpending,
};
pub use system_probe::{SharedSystemProbe, SystemProbe};
