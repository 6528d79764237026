//! A merchant's console team: its members and the invitations it sent (migration 0017).

use app::domain::{
    console_role::Role,
    console_team::PendingInvitation,
    console_user::ConsoleUser,
    ids::{MerchantId, UserId},
};

use super::{Database, StoreError};
use crate::secrets::random;

/// An invitation as stored, found by its link's secret.
pub struct StoredInvitation {
    pub merchant_id: MerchantId,
    pub email: String,
    pub role: Role,
    pub expires_at_ms: i64,
    pub accepted: bool,
}

/// Why accepting an invitation made no login.
#[derive(Debug)]
pub enum AcceptError {
    /// Used already (the invitation was accepted in the meantime).
    Used,
    /// The email has a login already (at this merchant or another).
    EmailTaken,
    Store(StoreError),
}

impl From<StoreError> for AcceptError {
    fn from(error: StoreError) -> Self {
        AcceptError::Store(error)
    }
}

fn role(code: &str) -> Result<Role, StoreError> {
    Role::parse(code).ok_or_else(|| StoreError::Corrupt(format!("console role {code}")))
}

impl Database {
    pub async fn insert_invitation(
        &self,
        token_hash: &str,
        merchant_id: &MerchantId,
        email: &str,
        role: Role,
        invited_by: &UserId,
        expires_at_ms: i64,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO console_invitations (token_hash, merchant_id, email, role, invited_by, \
             created_at_ms, expires_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                token_hash.into(),
                merchant_id.into(),
                email.into(),
                role.code().into(),
                invited_by.into(),
                self.now_ms().into(),
                expires_at_ms.into(),
            ],
        )
        .await?;
        Ok(())
    }

    pub async fn invitation(
        &self,
        token_hash: &str,
    ) -> Result<Option<StoredInvitation>, StoreError> {
        let row: Option<(String, String, String, i64, Option<i64>)> = self
            .fetch_optional(
                "SELECT merchant_id, email, role, expires_at_ms, accepted_at_ms \
                 FROM console_invitations WHERE token_hash = $1",
                &[token_hash.into()],
            )
            .await?;
        row.map(
            |(merchant_id, email, code, expires_at_ms, accepted_at_ms)| {
                Ok(StoredInvitation {
                    merchant_id: MerchantId::new(merchant_id),
                    email,
                    role: role(&code)?,
                    expires_at_ms,
                    accepted: accepted_at_ms.is_some(),
                })
            },
        )
        .transpose()
    }

    /// Marks the invitation used and makes its login, in one transaction: an invitation makes
    /// one login, however many times its link is sent.
    pub async fn accept_invitation(
        &self,
        token_hash: &str,
        invitation: &StoredInvitation,
        password_hash: &str,
    ) -> Result<ConsoleUser, AcceptError> {
        let now = self.now_ms();
        let mut tx = self.begin().await?;
        let mut conn = tx.conn();
        let marked = conn
            .execute(
                "UPDATE console_invitations SET accepted_at_ms = $1 \
                 WHERE token_hash = $2 AND accepted_at_ms IS NULL",
                &[now.into(), token_hash.into()],
            )
            .await
            .map_err(StoreError::from)?;
        if marked == 0 {
            return Err(AcceptError::Used);
        }
        let taken: Option<String> = conn
            .scalar_optional(
                "SELECT id FROM console_users WHERE email = $1",
                &[invitation.email.as_str().into()],
            )
            .await
            .map_err(StoreError::from)?;
        if taken.is_some() {
            return Err(AcceptError::EmailTaken);
        }
        let id = UserId::new(random::id("usr_"));
        conn.execute(
            "INSERT INTO console_users (id, merchant_id, email, password_hash, role, created_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                (&id).into(),
                (&invitation.merchant_id).into(),
                invitation.email.as_str().into(),
                password_hash.into(),
                invitation.role.code().into(),
                now.into(),
            ],
        )
        .await
        .map_err(StoreError::from)?;
        tx.commit().await?;
        Ok(ConsoleUser {
            id,
            merchant_id: invitation.merchant_id.clone(),
            email: invitation.email.clone(),
            role: invitation.role,
        })
    }

    /// The merchant's logins, owners first, then by email.
    pub async fn team_members(
        &self,
        merchant_id: &MerchantId,
    ) -> Result<Vec<ConsoleUser>, StoreError> {
        let rows: Vec<(String, String, String)> = self
            .fetch_all(
                "SELECT id, email, role FROM console_users WHERE merchant_id = $1 ORDER BY email",
                &[merchant_id.into()],
            )
            .await?;
        let mut members = rows
            .into_iter()
            .map(|(id, email, code)| {
                Ok(ConsoleUser {
                    id: UserId::new(id),
                    merchant_id: merchant_id.clone(),
                    email,
                    role: role(&code)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        members.sort_by_key(|member| member.role != Role::Owner);
        Ok(members)
    }

    /// Invitations not yet used and not yet expired, newest first.
    pub async fn pending_invitations(
        &self,
        merchant_id: &MerchantId,
    ) -> Result<Vec<PendingInvitation>, StoreError> {
        let rows: Vec<(String, String, i64)> = self
            .fetch_all(
                "SELECT email, role, expires_at_ms FROM console_invitations \
                 WHERE merchant_id = $1 AND accepted_at_ms IS NULL AND expires_at_ms > $2 \
                 ORDER BY created_at_ms DESC",
                &[merchant_id.into(), self.now_ms().into()],
            )
            .await?;
        rows.into_iter()
            .map(|(email, code, expires_at_ms)| {
                Ok(PendingInvitation {
                    email,
                    role: role(&code)?,
                    expires_at_ms,
                })
            })
            .collect()
    }

    /// Gives a member of the merchant another role; false when there is no such member.
    pub async fn set_member_role(
        &self,
        merchant_id: &MerchantId,
        user_id: &UserId,
        role: Role,
    ) -> Result<bool, StoreError> {
        let changed = self
            .execute(
                "UPDATE console_users SET role = $1 WHERE merchant_id = $2 AND id = $3",
                &[role.code().into(), merchant_id.into(), user_id.into()],
            )
            .await?;
        Ok(changed > 0)
    }

    /// Removes a member's login and every session of it; false when there is no such member.
    pub async fn remove_member(
        &self,
        merchant_id: &MerchantId,
        user_id: &UserId,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let mut conn = tx.conn();
        conn.execute(
            "DELETE FROM console_sessions WHERE user_id = $1 AND user_id IN \
             (SELECT id FROM console_users WHERE merchant_id = $2)",
            &[user_id.into(), merchant_id.into()],
        )
        .await
        .map_err(StoreError::from)?;
        let removed = conn
            .execute(
                "DELETE FROM console_users WHERE merchant_id = $1 AND id = $2",
                &[merchant_id.into(), user_id.into()],
            )
            .await
            .map_err(StoreError::from)?;
        tx.commit().await?;
        Ok(removed > 0)
    }
}
