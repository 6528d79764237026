//! A real `cardkit` process on a test database, for tests of what only separate processes show:
//! several instances on one PostgreSQL, an instance killed, a database restarted under one.

use std::{
    net::{SocketAddr, TcpListener},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use app::domain::ids::CardId;
use serde_json::json;

use super::http_client;

/// A `cardkit` process; killed (SIGKILL) when dropped, so a failing test leaves nothing behind.
pub struct Instance {
    pub child: Child,
    pub addr: SocketAddr,
    _data: tempfile::TempDir,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

pub fn start_instance(url: &str, key: &str) -> Instance {
    let addr = free_port();
    let data = tempfile::tempdir().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_cardkit"))
        .args(["--listen", &addr.to_string()])
        .args(["--database-url", url])
        .args(["--data-dir", &data.path().display().to_string()])
        .args(["--secret-key", key])
        .args(["--stage-delay-ms", "300"])
        .args(["--worker-lease-secs", "2"])
        .args(["--kyc-review-delay-ms", "0"])
        .arg("--allow-private-callbacks")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the cardkit binary starts");
    Instance {
        child,
        addr,
        _data: data,
    }
}

pub async fn wait_until_ready(instance: &Instance) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(stream) = tokio::net::TcpStream::connect(instance.addr).await {
            drop(stream);
            if http_client::get(instance.addr, "/readyz").await.status == 200 {
                return;
            }
        }
        assert!(
            Instant::now() < deadline,
            "{} never became ready",
            instance.addr
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A dialect A card creation through `instance`, as answered.
pub async fn request_card(
    instance: &Instance,
    api_key: &str,
    order_no: &str,
    hook: &str,
) -> http_client::Response {
    let body = json!({
        "cardHolder": { "firstName": "Milton", "lastName": "Schmitt" }, "deposit": "1000",
        "vid": "vab_069af8a792ad", "orderNo": order_no, "callbackUrl": hook
    });
    http_client::request(
        instance.addr,
        "POST",
        "/api/vcc/v1/cards",
        Some(api_key),
        Some(&body.to_string()),
    )
    .await
}

/// A card created through `instance` (dialect A), which must accept it.
pub async fn create_card(instance: &Instance, api_key: &str, order_no: &str, hook: &str) -> CardId {
    let created = request_card(instance, api_key, order_no, hook).await;
    assert_eq!(created.status, 200, "{}", created.body);
    let card = created.json()["model"]["card"]["cardId"]
        .as_str()
        .unwrap_or_else(|| panic!("no card: {}", created.body))
        .to_owned();
    CardId::new(card)
}

/// A widget session on `instance`, and a card created through it there: (session, card id).
pub async fn widget_card(
    instance: &Instance,
    api_key: &str,
    idempotency_key: &str,
) -> (String, String) {
    let minted = http_client::request(
        instance.addr,
        "POST",
        "/api/widget/v1/sessions",
        Some(api_key),
        Some(&json!({"allowed_origins": ["https://partner.example"]}).to_string()),
    )
    .await;
    assert_eq!(minted.status, 201, "{}", minted.body);
    let session = minted.json()["session_token"].as_str().unwrap().to_owned();
    let form = format!(
        "session={session}&form%5Brange_id%5D=vab_069af8a792ad&form%5Bfirst_name%5D=Milton\
         &form%5Blast_name%5D=Schmitt&form%5Bdeposit%5D=25&form%5Bfee_type%5D=ONE\
         &form%5Bemail%5D=&idempotency_key={idempotency_key}"
    );
    let created = http_client::post_form(instance.addr, "/api/widget/create_card", &form).await;
    let card_id = created.json()["Created"]["card_id"]
        .as_str()
        .unwrap_or_else(|| panic!("not created: {}", created.body))
        .to_owned();
    (session, card_id)
}

/// Waits until every card of `cards` is ACTIVE, failing after `within` with `after` in the message.
pub async fn wait_until_active(
    db: &server::store::Database,
    merchant: &app::domain::ids::MerchantId,
    cards: &[CardId],
    within: Duration,
    after: &str,
) {
    let deadline = Instant::now() + within;
    for card in cards {
        loop {
            let view = db.card(merchant, card).await.unwrap().unwrap();
            if view.status == app::domain::CardStatus::Active {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "card {card} stuck at {:?} {after}",
                view.status
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
