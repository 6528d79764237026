//! The console's people, their sessions and their failed sign-ins (migrations 0014, 0016).

use app::domain::{
    console_role::Role,
    console_user::ConsoleUser,
    ids::{MerchantId, UserId},
    CardStatus, Cents,
};

use super::{Database, StoreError};
use crate::secrets::random;

/// A console user as stored, with the hash their password is checked against.
pub struct StoredConsoleUser {
    pub user: ConsoleUser,
    pub password_hash: String,
}

/// A signed-in browser's session as stored.
pub struct StoredConsoleSession {
    pub user: ConsoleUser,
    pub created_at_ms: i64,
    pub last_seen_at_ms: i64,
    /// When its person last proved who they are: signed in, or typed the password again.
    pub verified_at_ms: i64,
    /// The password was right, the second factor's code is still due.
    pub awaiting_second_factor: bool,
}

/// What the console's overview shows of a merchant: its wallet and how many cards are in each
/// status (statuses without cards left out).
pub struct MerchantStanding {
    pub wallet: Cents,
    pub cards_by_status: Vec<(CardStatus, i64)>,
}

type UserRow = (String, String, String, String);

fn console_user(row: UserRow) -> Result<ConsoleUser, StoreError> {
    let (id, merchant_id, email, role) = row;
    let role = Role::parse(&role)
        .ok_or_else(|| StoreError::Corrupt(format!("console user {id} has role {role}")))?;
    Ok(ConsoleUser {
        id: UserId::new(id),
        merchant_id: MerchantId::new(merchant_id),
        email,
        role,
    })
}

impl Database {
    /// A new login for `email` (already normalised, lower case) at `merchant_id`.
    pub async fn create_console_user(
        &self,
        merchant_id: &MerchantId,
        email: &str,
        password_hash: &str,
        role: Role,
    ) -> Result<ConsoleUser, StoreError> {
        let id = UserId::new(random::id("usr_"));
        self.execute(
            "INSERT INTO console_users (id, merchant_id, email, password_hash, role, created_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                (&id).into(),
                merchant_id.into(),
                email.into(),
                password_hash.into(),
                role.code().into(),
                self.now_ms().into(),
            ],
        )
        .await?;
        Ok(ConsoleUser {
            id,
            merchant_id: merchant_id.clone(),
            email: email.to_owned(),
            role,
        })
    }

    pub async fn console_user_by_email(
        &self,
        email: &str,
    ) -> Result<Option<StoredConsoleUser>, StoreError> {
        let row: Option<(String, String, String, String, String)> = self
            .fetch_optional(
                "SELECT id, merchant_id, email, role, password_hash FROM console_users \
                 WHERE email = $1",
                &[email.into()],
            )
            .await?;
        row.map(|(id, merchant_id, email, role, password_hash)| {
            Ok(StoredConsoleUser {
                user: console_user((id, merchant_id, email, role))?,
                password_hash,
            })
        })
        .transpose()
    }

    /// Failed sign-ins for `email` since `since_ms`; older ones are forgotten on the way.
    pub async fn sign_in_failures_since(
        &self,
        email: &str,
        since_ms: i64,
    ) -> Result<i64, StoreError> {
        self.execute(
            "DELETE FROM console_sign_in_failures WHERE email = $1 AND at_ms < $2",
            &[email.into(), since_ms.into()],
        )
        .await?;
        self.scalar(
            "SELECT COUNT(*) FROM console_sign_in_failures WHERE email = $1",
            &[email.into()],
        )
        .await
    }

    pub async fn record_sign_in_failure(&self, email: &str) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO console_sign_in_failures (email, at_ms) VALUES ($1, $2)",
            &[email.into(), self.now_ms().into()],
        )
        .await?;
        Ok(())
    }

    pub async fn clear_sign_in_failures(&self, email: &str) -> Result<(), StoreError> {
        self.execute(
            "DELETE FROM console_sign_in_failures WHERE email = $1",
            &[email.into()],
        )
        .await?;
        Ok(())
    }

    pub async fn insert_console_session(
        &self,
        token_hash: &str,
        user_id: &UserId,
        awaiting_second_factor: bool,
    ) -> Result<(), StoreError> {
        let now = self.now_ms();
        self.execute(
            "INSERT INTO console_sessions (token_hash, user_id, created_at_ms, last_seen_at_ms, \
             verified_at_ms, awaiting_second_factor) VALUES ($1, $2, $3, $3, $3, $4)",
            &[
                token_hash.into(),
                user_id.into(),
                now.into(),
                awaiting_second_factor.into(),
            ],
        )
        .await?;
        Ok(())
    }

    pub async fn console_session(
        &self,
        token_hash: &str,
    ) -> Result<Option<StoredConsoleSession>, StoreError> {
        type Row = (String, String, String, String, i64, i64, i64, bool);
        let row: Option<Row> = self
            .fetch_optional(
                "SELECT u.id, u.merchant_id, u.email, u.role, \
                 s.created_at_ms, s.last_seen_at_ms, s.verified_at_ms, s.awaiting_second_factor \
                 FROM console_sessions s JOIN console_users u ON u.id = s.user_id \
                 WHERE s.token_hash = $1",
                &[token_hash.into()],
            )
            .await?;
        row.map(
            |(id, merchant_id, email, role, created_at_ms, last_seen, verified_at_ms, awaiting)| {
                Ok(StoredConsoleSession {
                    user: console_user((id, merchant_id, email, role))?,
                    created_at_ms,
                    last_seen_at_ms: last_seen,
                    verified_at_ms,
                    awaiting_second_factor: awaiting,
                })
            },
        )
        .transpose()
    }

    pub async fn touch_console_session(&self, token_hash: &str) -> Result<(), StoreError> {
        self.execute(
            "UPDATE console_sessions SET last_seen_at_ms = $1 WHERE token_hash = $2",
            &[self.now_ms().into(), token_hash.into()],
        )
        .await?;
        Ok(())
    }

    /// The session's person has just typed their password again.
    pub async fn mark_console_session_verified(&self, token_hash: &str) -> Result<(), StoreError> {
        let now = self.now_ms();
        self.execute(
            "UPDATE console_sessions SET verified_at_ms = $1, last_seen_at_ms = $1 \
             WHERE token_hash = $2",
            &[now.into(), token_hash.into()],
        )
        .await?;
        Ok(())
    }

    pub async fn delete_console_session(&self, token_hash: &str) -> Result<(), StoreError> {
        self.execute(
            "DELETE FROM console_sessions WHERE token_hash = $1",
            &[token_hash.into()],
        )
        .await?;
        Ok(())
    }

    /// Signs a user out of every browser.
    pub async fn delete_console_sessions_of(&self, user_id: &UserId) -> Result<u64, StoreError> {
        self.execute(
            "DELETE FROM console_sessions WHERE user_id = $1",
            &[user_id.into()],
        )
        .await
    }

    /// The merchant's wallet balance and card counts, read in one snapshot.
    pub async fn merchant_standing(
        &self,
        merchant_id: &MerchantId,
    ) -> Result<MerchantStanding, StoreError> {
        let wallet_account = app::domain::ledger::Account::MerchantWallet(merchant_id.clone());
        let mut tx = self.begin_read().await?;
        let mut conn = tx.conn();
        let wallet = super::ledger::balance_of(&mut conn, &wallet_account).await?;
        let counts: Vec<(String, i64)> = conn
            .fetch_all(
                "SELECT status, COUNT(*) FROM cards WHERE merchant_id = $1 GROUP BY status",
                &[merchant_id.into()],
            )
            .await?;
        tx.commit().await?;
        let mut cards_by_status = counts
            .into_iter()
            .map(|(status, count)| {
                CardStatus::parse(&status)
                    .map(|status| (status, count))
                    .ok_or_else(|| StoreError::Corrupt(format!("card status {status}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        cards_by_status
            .sort_by_key(|(status, _)| CardStatus::ALL.iter().position(|known| known == status));
        Ok(MerchantStanding {
            wallet,
            cards_by_status,
        })
    }
}
