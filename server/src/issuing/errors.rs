//! How the core reports failures: a store refusal becomes the [`IssueError`] each dialect maps
//! to its own shape, an unreachable database is "try again", and an unexpected failure is logged
//! and answered with a reference only.

use app::domain::issuing::IssueError;

use crate::{
    secrets::random,
    store::{CardOperationError, StoreError},
};

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
        CardOperationError::Store(error) => store_failure(error),
    }
}

/// A store failure as the caller meets it: an unreachable database is [`IssueError::Unavailable`]
/// (503, try again); anything else is logged under a fresh reference, and only the reference is
/// returned.
pub fn store_failure(error: StoreError) -> IssueError {
    if error.is_unavailable() {
        tracing::warn!(%error, "database unavailable");
        return IssueError::Unavailable;
    }
    unexpected(error)
}

/// Logs `error` under a fresh reference and returns only the reference to the caller.
pub fn unexpected(error: impl std::fmt::Display) -> IssueError {
    let reference = random::id("err_");
    tracing::error!(%reference, %error, "internal error");
    IssueError::Internal(reference)
}
