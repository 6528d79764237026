//! A changed or lost card key is refused at start, on SQLite and PostgreSQL: not a server that
//! starts and then answers every reveal with a 500.

mod support;

use base64::{engine::general_purpose::STANDARD, Engine};
use clap::Parser;
use server::{
    config::Config,
    key_check::{verify_card_key, KeyCheckError},
    secrets::CardCipher,
    store::Database,
    StartupError,
};
use support::{test_server::test_worker, TestDatabase, TestServer};

fn config(url: &str, data_dir: &std::path::Path, key: [u8; 32]) -> Config {
    Config::try_parse_from([
        "cardkit",
        "--database-url",
        url,
        "--data-dir",
        &data_dir.display().to_string(),
        "--secret-key",
        &STANDARD.encode(key),
    ])
    .unwrap()
}

#[tokio::test]
async fn sqlite_a_start_with_another_card_key_is_refused() {
    let db = TestDatabase::sqlite().await;
    a_start_with_another_card_key_is_refused(&db.url).await;
}

#[tokio::test]
async fn postgres_a_start_with_another_card_key_is_refused() {
    let db = TestDatabase::postgres().await;
    a_start_with_another_card_key_is_refused(&db.url).await;
}

/// Through the real start-up path (`cardkit create-merchant` opens the database as `cardkit` does).
async fn a_start_with_another_card_key_is_refused(url: &str) {
    let data_dir = tempfile::tempdir().unwrap();
    server::create_merchant(
        config(url, data_dir.path(), [1; 32]),
        "Acme",
        0,
        None,
        false,
    )
    .await
    .expect("the first start records its key");
    server::create_merchant(
        config(url, data_dir.path(), [1; 32]),
        "Acme",
        0,
        None,
        false,
    )
    .await
    .expect("the same key starts again");
    let refused = server::create_merchant(
        config(url, data_dir.path(), [2; 32]),
        "Acme",
        0,
        None,
        false,
    )
    .await;
    match refused {
        Err(StartupError::KeyCheck(KeyCheckError::Mismatch)) => {}
        other => panic!("another key must be refused at start, got {other:?}"),
    }
    let message = StartupError::KeyCheck(KeyCheckError::Mismatch).to_string();
    assert!(message.contains("--secret-key"), "{message}");
}

on_every_backend!(data_written_before_check_values_existed_is_checked_by_decrypting_it);

/// A database with issued cards and no check value yet (written by an older Cardkit): the key is
/// tried on a stored card number before its check value is recorded.
async fn data_written_before_check_values_existed_is_checked_by_decrypting_it(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (_, key) = server.merchant(100_000).await;
    let body = serde_json::json!({
        "cardHolder": {"firstName": "Milton", "lastName": "Schmitt"}, "deposit": "1000",
        "vid": "vab_069af8a792ad", "orderNo": "old-1", "callbackUrl": "http://127.0.0.1:9/hook",
    });
    let created = support::http_client::request(
        server.addr,
        "POST",
        "/api/vcc/v1/cards",
        Some(&key),
        Some(&body.to_string()),
    )
    .await;
    assert_eq!(created.status, 200, "{}", created.body);
    test_worker(db, "old").run_once().await.unwrap();

    let other = CardCipher::new(&[7; 32]);
    assert!(matches!(
        verify_card_key(db, &other).await,
        Err(KeyCheckError::Mismatch)
    ));
    assert_eq!(
        db.key_check("card_secrets").await.unwrap(),
        None,
        "nothing recorded"
    );
    let original = CardCipher::new(&support::test_server::TEST_KEY);
    verify_card_key(db, &original)
        .await
        .expect("the original key");
    assert_eq!(
        db.key_check("card_secrets").await.unwrap(),
        Some(original.check_value())
    );
    assert!(matches!(
        verify_card_key(db, &other).await,
        Err(KeyCheckError::Mismatch)
    ));
}
