//! How the core reports failures: a store refusal becomes the [`IssueError`] each dialect maps
//! to its own shape, and an unexpected failure is logged and answered with a reference only.

use app::domain::issuing::IssueError;

use crate::{secrets::random, store::CardOperationError};

pub(crate) fn operation_error(error: CardOperationError) -> IssueError {
    match error {
        CardOperationError::NotFound => IssueError::CardNotFound,
        CardOperationError::Illegal { from, to } => {
            IssueError::IllegalTransition(format!("a card in status {from} cannot become {to}"))
        }
        CardOperationError::InsufficientFunds { available } => IssueError::InsufficientFunds {
            available,
            needed: app::domain::Cents(0),
        },
        CardOperationError::KeyReused(key) => IssueError::OrderNoConflict(key),
        CardOperationError::NotPending(status) => {
            IssueError::IllegalTransition(format!("the authorization is {status}, not PENDING"))
        }
        CardOperationError::Store(error) => internal(error),
    }
}

/// Logs the real error under a fresh reference and returns only the reference to the caller.
pub fn internal(error: impl std::fmt::Display) -> IssueError {
    let reference = random::id("err_");
    tracing::error!(%reference, %error, "internal error");
    IssueError::Internal(reference)
}
