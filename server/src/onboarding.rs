//! Bringing merchants in: the `create-merchant` command and the sandbox merchant of a first start.

use std::{io::Write, net::SocketAddr, os::unix::fs::OpenOptionsExt, path::Path};

use app::domain::Cents;

use crate::{
    issuing::catalog,
    store::{Database, Merchant, StoreError},
};

pub struct Onboarded {
    pub merchant: Merchant,
    pub api_key: String,
}

/// Wallet of the sandbox merchant: $10,000.00.
pub const SANDBOX_FUNDING: Cents = Cents(1_000_000);

/// Creates a merchant with every catalogue card range, an API key, and `funding` in its wallet.
pub async fn onboard_merchant(
    database: &Database,
    name: &str,
    funding: Cents,
) -> Result<Onboarded, StoreError> {
    let merchant = database.create_merchant(name).await?;
    for range in catalog::card_ranges() {
        database.grant_card_range(&merchant.id, &range.id).await?;
    }
    let key = database.issue_api_key(&merchant.id, "default").await?;
    if funding.is_positive() {
        database
            .fund_wallet(
                &merchant.id,
                funding,
                &format!("onboarding:{}", merchant.id),
            )
            .await?;
    }
    Ok(Onboarded {
        merchant,
        api_key: key.token,
    })
}

/// On the first start of an empty embedded database: a funded sandbox merchant whose key is printed
/// and kept in `<data-dir>/sandbox-api-key` (mode 0600), so `make run` works without any setup.
pub async fn seed_sandbox(
    database: &Database,
    data_dir: &Path,
    listen: SocketAddr,
) -> Result<(), StoreError> {
    let merchants: i64 = database
        .scalar("SELECT COUNT(*) FROM merchants", &[])
        .await?;
    if merchants > 0 {
        return Ok(());
    }
    let onboarded = onboard_merchant(database, "Sandbox", SANDBOX_FUNDING).await?;
    let key_file = data_dir.join("sandbox-api-key");
    let saved = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&key_file)
        .and_then(|mut file| file.write_all(onboarded.api_key.as_bytes()));
    if let Err(error) = saved {
        tracing::warn!(%error, path = %key_file.display(), "could not save the sandbox API key");
    }
    println!(
        "\nSandbox merchant {} created with {} in its wallet.\n\
         API key (also in {}):\n    {}\n\
         Callbacks are signed (Standard Webhooks) with:\n    {}\n\
         Try:\n    curl -H \"Authorization: Bearer $(cat {})\" http://{listen}/api/vcc/v1/card-ranges\n",
        onboarded.merchant.id,
        SANDBOX_FUNDING,
        key_file.display(),
        onboarded.api_key,
        onboarded.merchant.webhook_secret,
        key_file.display(),
    );
    Ok(())
}
