//! A person signed in to the console: who, for which merchant, with which role.

use serde::{Deserialize, Serialize};

use super::{
    console_role::Role,
    ids::{MerchantId, UserId},
};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleUser {
    pub id: UserId,
    pub merchant_id: MerchantId,
    pub email: String,
    pub role: Role,
}
