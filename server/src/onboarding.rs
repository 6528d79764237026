//! Bringing merchants in: the `create-merchant` command and the sandbox merchant of a first start.

use std::{io::Write, net::SocketAddr, os::unix::fs::OpenOptionsExt, path::Path};

use app::domain::{console_role::Role, email::Email, ids::MerchantId, Cents};

use crate::{
    issuing::{catalog, console_sessions::hash_password},
    secrets::random,
    store::{Database, Merchant, StoreError},
};

/// The email of the sandbox merchant's owner login.
pub const SANDBOX_OWNER_EMAIL: &str = "owner@sandbox.cardkit.test";

/// A console login made at onboarding, with its password when one was generated (shown once).
pub struct OwnerLogin {
    pub email: String,
    pub generated_password: Option<String>,
}

/// The merchant's owner login for the console: `password`, or a generated one-time password.
pub async fn create_owner_login(
    database: &Database,
    merchant_id: &MerchantId,
    email: &str,
    password: Option<&str>,
) -> Result<OwnerLogin, StoreError> {
    let email = Email::parse(email)
        .map_err(|_| StoreError::Invalid(format!("{email:?} is not an email address")))?;
    let generated = password.is_none().then(random::token);
    let password = password.or(generated.as_deref()).unwrap_or_default();
    if password.chars().count() < 12 {
        return Err(StoreError::Invalid(
            "an owner password has at least 12 characters".to_owned(),
        ));
    }
    let hash = hash_password(password).await;
    let email = email.as_str().to_lowercase();
    database
        .create_console_user(merchant_id, &email, &hash, Role::Owner)
        .await?;
    Ok(OwnerLogin {
        email,
        generated_password: generated,
    })
}

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
    database.mark_sandbox(&onboarded.merchant.id).await?;
    let owner =
        create_owner_login(database, &onboarded.merchant.id, SANDBOX_OWNER_EMAIL, None).await?;
    let password = owner.generated_password.unwrap_or_default();
    let key_file = data_dir.join("sandbox-api-key");
    save_owner_only(&key_file, onboarded.api_key.as_bytes());
    let login_file = data_dir.join("sandbox-console-login");
    save_owner_only(
        &login_file,
        format!("{}\n{password}\n", owner.email).as_bytes(),
    );
    println!(
        "\nSandbox merchant {} created with {} in its wallet.\n\
         API key (also in {}):\n    {}\n\
         Callbacks are signed (Standard Webhooks) with:\n    {}\n\
         Try:\n    curl -H \"Authorization: Bearer $(cat {})\" http://{listen}/api/vcc/v1/card-ranges\n\
         Console: http://{listen}/console/sign-in as {} with the password (also in {}):\n    {}\n",
        onboarded.merchant.id,
        SANDBOX_FUNDING,
        key_file.display(),
        onboarded.api_key,
        onboarded.merchant.webhook_secret,
        key_file.display(),
        owner.email,
        login_file.display(),
        password,
    );
    Ok(())
}

/// Writes a file only its owner can read; a failure is logged (the secret was printed anyway).
fn save_owner_only(path: &Path, contents: &[u8]) {
    let saved = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut file| file.write_all(contents));
    if let Err(error) = saved {
        tracing::warn!(%error, path = %path.display(), "could not save a sandbox secret");
    }
}
