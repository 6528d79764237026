//! Every statement the request path runs on a merchant's table names the merchant, so the
//! design of `docs/scaling.md` (distribute on `merchant_id`; a request is a one-node
//! transaction) stays true as code changes. The test drives every API route of both dialects and
//! the widget over real HTTP against PostgreSQL (the backend the design is for), records each SQL
//! statement the server runs (sqlx reports them to `tracing`), and checks each one that touches a
//! table with a `merchant_id` column: it must filter on it (`merchant_id = $n`, `IN`) or, for an
//! insert, write it. The few statements that cross merchants by design are listed below, each
//! with its reason; a new one fails the test until it filters by merchant or is listed here.
//! Tables keyed by card or account only (no `merchant_id` column yet) are listed too: a request
//! path that starts touching another such table fails the test as well.

mod support;

use std::{
    collections::BTreeSet,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use app::domain::ids::MerchantId;
use serde_json::{json, Value};
use server::store::{Database, Pool};
use support::{console_client, test_server::test_worker, TestDatabase, TestServer};
use tracing_subscriber::{layer::SubscriberExt, Layer};

/// Statements on merchant tables that do not filter by merchant: a distinctive part of the
/// statement, and why. Each must still occur (a stale entry fails the test). Authentication
/// lookups cross merchants by design (they find the merchant); the others reach a row by its id
/// after the same request checked that the row is the merchant's, and are the by-id statements
/// `docs/scaling.md` plans to give the merchant column.
const UNSCOPED_BY_REASON: &[(&str, &str)] = &[
    (
        "FROM api_keys WHERE",
        "authentication: the key's hash finds its merchant (a replicated lookup when distributed)",
    ),
    (
        "FROM widget_sessions WHERE token_hash",
        "authentication: the session token's hash finds its merchant",
    ),
    (
        "FROM console_users WHERE email = $1",
        "console sign-in: the email finds its login and so the merchant",
    ),
    (
        "WHERE s.token_hash = $1",
        "console authentication: the session token's hash finds its user and merchant",
    ),
    (
        "JOIN merchants m ON m.id = u.merchant_id WHERE u.id = $1",
        "the signed-in user's two-factor state, by the user id the session gave",
    ),
    (
        "SELECT merchant_id, order_no, callback_url, failure_reason FROM cards WHERE id = $1",
        "a status change's callback reads the card it changed, in the same transaction",
    ),
    (
        "UPDATE cards SET status = $1, updated_at_ms = $2 WHERE id = $3 AND status = $4",
        "the guarded status change shared with the worker; the request read the merchant's card",
    ),
    (
        "UPDATE customers SET kyc_status",
        "by the customer id the request found by (merchant, email)",
    ),
    (
        "WHERE e.reference = $1",
        "a money movement's replay check by its reference, which names the merchant's card",
    ),
    (
        "WHERE p.account",
        "ledger reads by account code, which names the merchant's card or wallet",
    ),
];

/// Tables without a `merchant_id` column that the request path may touch, and why that is
/// acceptable today (`docs/scaling.md` says how each gains the column).
const KEYED_WITHOUT_MERCHANT: &[(&str, &str)] = &[
    ("merchants", "the merchant itself, by its id"),
    (
        "card_ranges",
        "the catalogue: a reference table, the same for every merchant",
    ),
    (
        "card_events",
        "keyed by card; the card's merchant was checked before",
    ),
    (
        "card_controls",
        "keyed by card; the card's merchant was checked before",
    ),
    (
        "authorizations",
        "keyed by card; the card's merchant was checked before",
    ),
    (
        "postings",
        "keyed by account, whose code names the card or the merchant's wallet",
    ),
    (
        "account_balances",
        "keyed by account, whose code names the card or the merchant's wallet",
    ),
    (
        "console_sessions",
        "keyed by token hash; the user, and so the merchant, comes with it",
    ),
    (
        "console_sign_in_failures",
        "keyed by email: the sign-in throttle counts before any merchant is known",
    ),
    (
        "webhook_attempts",
        "keyed by outbox message; the message's merchant was checked before",
    ),
    (
        "kyc_reviews",
        "keyed by customer; the customer's merchant was checked before",
    ),
];

/// Every SQL statement run while `recording` is on.
#[derive(Clone, Default)]
struct Statements {
    recording: Arc<AtomicBool>,
    seen: Arc<Mutex<Vec<String>>>,
}

struct StatementVisitor<'a>(&'a mut Option<String>, &'a mut Option<String>);

impl tracing::field::Visit for StatementVisitor<'_> {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        match field.name() {
            "db.statement" => *self.0 = Some(value.to_owned()),
            "summary" => *self.1 = Some(value.to_owned()),
            _ => {}
        }
    }
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.record_str(field, &format!("{value:?}"));
    }
}

impl<S: tracing::Subscriber> Layer<S> for Statements {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if event.metadata().target() != "sqlx::query" || !self.recording.load(Ordering::SeqCst) {
            return;
        }
        let (mut statement, mut summary) = (None, None);
        event.record(&mut StatementVisitor(&mut statement, &mut summary));
        // sqlx leaves the statement empty when the summary already is the whole statement.
        let sql = statement
            .filter(|sql| !sql.trim().is_empty())
            .or(summary)
            .unwrap_or_default();
        let sql = sql.split_whitespace().collect::<Vec<_>>().join(" ");
        self.seen.lock().unwrap().push(sql);
    }
}

/// The statement's words and single punctuation marks, in order.
fn tokens(sql: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut word = String::new();
    for c in sql.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '$') {
            word.push(c);
        } else {
            if !word.is_empty() {
                tokens.push(std::mem::take(&mut word));
            }
            if !c.is_whitespace() {
                tokens.push(c.to_string());
            }
        }
    }
    if !word.is_empty() {
        tokens.push(word);
    }
    tokens
}

/// The tables a statement reads or writes (after FROM, JOIN, UPDATE, INTO), leaving out its
/// common table expressions, set-returning functions (`FROM UNNEST(…)`) and `DO UPDATE`.
fn tables(tokens: &[String]) -> BTreeSet<String> {
    let is = |token: &String, word: &str| token.eq_ignore_ascii_case(word);
    let ctes: BTreeSet<String> = tokens
        .windows(4)
        .filter(|four| {
            (is(&four[0], "WITH") || four[0] == ",") && is(&four[2], "AS") && four[3] == "("
        })
        .map(|four| four[1].to_ascii_lowercase())
        .collect();
    (1..tokens.len())
        .filter(|&i| {
            ["FROM", "JOIN", "UPDATE", "INTO"]
                .iter()
                .any(|keyword| is(&tokens[i - 1], keyword))
        })
        .filter(|&i| !(is(&tokens[i - 1], "UPDATE") && i >= 2 && is(&tokens[i - 2], "DO")))
        .filter(|&i| {
            let function = tokens.get(i + 1).is_some_and(|next| next == "(");
            !(function && (is(&tokens[i - 1], "FROM") || is(&tokens[i - 1], "JOIN")))
        })
        .map(|i| tokens[i].to_ascii_lowercase())
        .filter(|name| name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .filter(|name| !ctes.contains(name))
        .collect()
}

/// Whether the statement filters on a merchant (`merchant_id = $n`, `merchant_id IN (…)`), or
/// inserts rows into `table` with their merchant.
fn names_the_merchant(tokens: &[String], table: &str) -> bool {
    let is_merchant_column =
        |token: &String| token == "merchant_id" || token.ends_with(".merchant_id");
    let filters = tokens.windows(3).any(|three| {
        is_merchant_column(&three[0])
            && ((three[1] == "=" && three[2].starts_with('$'))
                || three[1].eq_ignore_ascii_case("IN"))
    });
    let inserts_with_merchant = tokens.windows(3).enumerate().any(|(i, three)| {
        three[0].eq_ignore_ascii_case("INTO")
            && three[1].eq_ignore_ascii_case(table)
            && three[2] == "("
            && tokens[i + 3..]
                .iter()
                .take_while(|token| *token != ")")
                .any(is_merchant_column)
    });
    filters || inserts_with_merchant
}

async fn merchant_tables(db: &Database) -> BTreeSet<String> {
    let Pool::Postgres(pool) = db.pool() else {
        unreachable!("a PostgreSQL test database")
    };
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND column_name = 'merchant_id'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    names.into_iter().collect()
}

/// Drives each API route once: every statement the request path runs is recorded.
async fn tour(server: &TestServer, merchant: &MerchantId, key: &str, card: &str) {
    let call = |method: &'static str, path: String, body: Option<Value>| async move {
        let body = body.map(|body| body.to_string());
        let (status, answer) = server.call(key, method, &path, body.as_deref()).await;
        assert!(status < 500, "{method} {path}: {status} {answer}");
        answer
    };
    let a = "/api/vcc/v1";
    let (status, _) = server
        .call("ck_unknown", "GET", "/api/v1/cards/bins", None)
        .await;
    assert_eq!(status, 401);
    let new_card = json!({
        "cardHolder": {"firstName": "Milton", "lastName": "Schmitt"}, "deposit": "1000",
        "vid": "vab_069af8a792ad", "orderNo": "tour-a", "callbackUrl": "http://127.0.0.1:9/hook",
        "email": "tour@example.com"
    });
    call("POST", format!("{a}/cards"), Some(new_card.clone())).await;
    call("POST", format!("{a}/cards"), Some(new_card)).await; // a replay of the same orderNo
    call("GET", format!("{a}/cards?page=1&pageSize=10"), None).await;
    call("GET", format!("{a}/cards/{card}"), None).await;
    call("GET", format!("{a}/cards/{card}/events"), None).await;
    call("GET", format!("{a}/cards/{card}/transactions"), None).await;
    call("GET", format!("{a}/card-ranges"), None).await;
    call("GET", format!("{a}/webhooks/secret"), None).await;
    call("POST", format!("{a}/cards/{card}/reveal"), None).await;
    let recharge = json!({"amount": "500", "orderNo": "tour-r"});
    call("POST", format!("{a}/cards/{card}/recharge"), Some(recharge)).await;
    call("POST", format!("{a}/cards/{card}/freeze"), None).await;
    call("POST", format!("{a}/cards/{card}/unfreeze"), None).await;
    let identity = json!({ "email": "tour@example.com", "firstName": "Ann", "lastName": "Lee",
                           "dateOfBirth": "1990-04-01", "country": "US" });
    call("POST", format!("{a}/kyc/ach"), Some(identity)).await;
    let shared = json!({"email": "tour2@example.com", "provider": "sumsub", "reference": "ref-1"});
    call("POST", format!("{a}/kyc/shared"), Some(shared)).await;
    call("GET", format!("{a}/kyc?email=tour%40example.com"), None).await;

    let b = "/api/v1/cards";
    let added = json!({"email": "tour-b@example.com", "limit_all_time": 10});
    call("POST", format!("{b}/card/add"), Some(added)).await;
    call("GET", format!("{b}/card/list?page=1&size=10"), None).await;
    call("GET", format!("{b}/card/{card}"), None).await;
    call("GET", format!("{b}/card/{card}/events"), None).await;
    call("GET", format!("{b}/bins"), None).await;
    let settings = json!({"nick_name": "tour"});
    call("PATCH", format!("{b}/card/{card}/settings"), Some(settings)).await;
    call(
        "POST",
        format!("{b}/card/{card}/topup"),
        Some(json!({"amount": 5})),
    )
    .await;
    call(
        "POST",
        format!("{b}/card/{card}/withdraw"),
        Some(json!({"amount": 1})),
    )
    .await;
    let purchase = json!({"amount": 1, "currency": "USD", "merchant_name": "Shop",
                          "merchant_category": "5734"});
    let mut authorizations = Vec::new();
    for _ in 0..2 {
        let held = call(
            "POST",
            format!("{b}/card/{card}/authorizations"),
            Some(purchase.clone()),
        )
        .await;
        let id = held["id"].as_str().or(held["authorization_id"].as_str());
        authorizations.push(id.unwrap_or_else(|| panic!("no id: {held}")).to_owned());
    }
    call(
        "POST",
        format!("{b}/authorizations/{}/capture", authorizations[0]),
        Some(json!({})),
    )
    .await;
    call(
        "POST",
        format!("{b}/authorizations/{}/reverse", authorizations[1]),
        None,
    )
    .await;
    call("GET", format!("{b}/card/{card}/transactions"), None).await;
    call("POST", format!("{b}/card/{card}/freeze"), None).await;
    call("POST", format!("{b}/card/{card}/unfreeze"), None).await;

    let minted = call(
        "POST",
        "/api/widget/v1/sessions".into(),
        Some(json!({"allowed_origins": ["https://partner.example"]})),
    )
    .await;
    let session = minted["session_token"].as_str().unwrap().to_owned();
    let form = format!(
        "session={session}&form%5Brange_id%5D=vab_069af8a792ad&form%5Bfirst_name%5D=Milton\
         &form%5Blast_name%5D=Schmitt&form%5Bdeposit%5D=25&form%5Bfee_type%5D=ONE\
         &form%5Bemail%5D=&idempotency_key=tourwidget"
    );
    let created =
        support::http_client::post_form(server.addr, "/api/widget/create_card", &form).await;
    assert_eq!(created.status, 200, "{}", created.body);
    let widget_card = created.json()["Created"]["card_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let status = format!("session={session}&card_id={widget_card}");
    let read = support::http_client::post_form(server.addr, "/api/widget/card", &status).await;
    assert_eq!(read.status, 200, "{}", read.body);

    // The console, signed in as the merchant's owner: its pages' reads and the exports.
    let cookie = console_client::signed_in_owner(server, merchant).await;
    let card_page = format!("card_id={card}");
    for (endpoint, form) in [
        ("overview", ""),
        ("cards", ""),
        ("card", card_page.as_str()),
        ("card_controls", card_page.as_str()),
        ("audit", ""),
        ("customers", ""),
        ("issue_options", ""),
        ("team", ""),
        ("security", ""),
    ] {
        let answer = console_client::call(server, &cookie, endpoint, form).await;
        assert!(
            answer.status < 500,
            "{endpoint}: {} {}",
            answer.status,
            answer.body
        );
    }
    // The widget builder: mint, list, close.
    let mint = "allowed_origins=https%3A%2F%2Fpartner.example&lifetime_secs=900&customer_email=\
                &max_cards=1";
    let minted = console_client::call(server, &cookie, "mint_widget_session", mint).await;
    assert_eq!(minted.status, 200, "{}", minted.body);
    let listed = console_client::call(server, &cookie, "widget_sessions", "").await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let built = format!(
        "session={}",
        minted.json()["session"]["id"].as_str().unwrap()
    );
    let closed = console_client::call(server, &cookie, "close_widget_session", &built).await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    for export in ["/console/cards.csv", "/console/wallet.csv"] {
        let answer = support::http_client::request_with_headers(
            server.addr,
            "GET",
            export,
            None,
            None,
            &[("Cookie", cookie.as_str())],
        )
        .await;
        assert_eq!(answer.status, 200, "{export}: {}", answer.body);
    }

    call("DELETE", format!("{a}/cards/{card}"), None).await;
    call("POST", format!("{b}/card/{card}/close"), None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_request_path_statements_on_merchant_tables_name_the_merchant() {
    let statements = Statements::default();
    let subscriber = tracing_subscriber::registry().with(statements.clone());
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let test_db = TestDatabase::postgres().await;
    let db = &test_db.database;
    // No worker: what runs is what requests run. The tour's card is provisioned beforehand.
    let server = TestServer::start_with(db, false).await;
    let (merchant, key) = server.merchant(1_000_000).await;
    let body = json!({
        "cardHolder": {"firstName": "Milton", "lastName": "Schmitt"}, "deposit": "1000",
        "vid": "vab_069af8a792ad", "orderNo": "tour-active", "callbackUrl": "http://127.0.0.1:9/hook"
    });
    let (_, created) = server
        .call(&key, "POST", "/api/vcc/v1/cards", Some(&body.to_string()))
        .await;
    let card = created["model"]["card"]["cardId"]
        .as_str()
        .unwrap()
        .to_owned();
    let worker = test_worker(db, "before-the-tour");
    let deadline = Instant::now() + Duration::from_secs(20);
    let card_id = app::domain::ids::CardId::new(card.clone());
    while db.card(&merchant, &card_id).await.unwrap().unwrap().status
        != app::domain::CardStatus::Active
    {
        worker.run_once().await.unwrap();
        assert!(
            Instant::now() < deadline,
            "the tour's card never became ACTIVE"
        );
    }

    statements.recording.store(true, Ordering::SeqCst);
    tour(&server, &merchant, &key, &card).await;
    statements.recording.store(false, Ordering::SeqCst);

    let merchant_owned = merchant_tables(db).await;
    assert!(merchant_owned.contains("cards"), "{merchant_owned:?}");
    for (table, _) in KEYED_WITHOUT_MERCHANT {
        assert!(
            !merchant_owned.contains(*table),
            "{table} has merchant_id now: take it off the list"
        );
    }
    let seen = statements.seen.lock().unwrap().clone();
    assert!(
        seen.len() > 50,
        "too few statements recorded: {}",
        seen.len()
    );
    let mut unscoped = BTreeSet::new();
    let mut unlisted = BTreeSet::new();
    let mut used_excuses = BTreeSet::new();
    for sql in &seen {
        let tokens = tokens(sql);
        let touched = tables(&tokens);
        let excused = UNSCOPED_BY_REASON
            .iter()
            .find(|(part, _)| sql.contains(part));
        if let Some((part, _)) = excused {
            used_excuses.insert(*part);
        }
        for table in &touched {
            if merchant_owned.contains(table) {
                if !names_the_merchant(&tokens, table) && excused.is_none() {
                    unscoped.insert(format!("{table}: {sql}"));
                }
            } else if !KEYED_WITHOUT_MERCHANT.iter().any(|(name, _)| name == table) {
                unlisted.insert(format!("{table}: {sql}"));
            }
        }
    }
    assert!(
        unscoped.is_empty() && unlisted.is_empty(),
        "request-path statements on merchant tables without the merchant:\n{}\n\n\
         tables touched that have no merchant_id and are not listed:\n{}",
        unscoped.into_iter().collect::<Vec<_>>().join("\n"),
        unlisted.into_iter().collect::<Vec<_>>().join("\n"),
    );
    let stale: Vec<_> = UNSCOPED_BY_REASON
        .iter()
        .filter(|(part, _)| !used_excuses.contains(part))
        .collect();
    assert!(stale.is_empty(), "listed, no longer run: {stale:?}");
}

#[test]
fn the_checker_tells_scoped_statements_from_unscoped_ones() {
    let scoped = [
        "SELECT status FROM cards WHERE merchant_id = $1 AND id = $2",
        "SELECT c.id FROM cards c JOIN customers u ON u.id = c.customer_id WHERE c.merchant_id = $1",
        "UPDATE cards SET status = $3 WHERE merchant_id IN ($1) AND id = $2",
        "INSERT INTO cards (id, merchant_id, email) VALUES ($1, $2, $3)",
        "WITH card AS (INSERT INTO cards (id, merchant_id) SELECT id, m FROM input) SELECT 1",
    ];
    for sql in scoped {
        assert!(names_the_merchant(&tokens(sql), "cards"), "{sql}");
    }
    let unscoped = [
        "SELECT status FROM cards WHERE id = $1",
        "SELECT merchant_id FROM cards WHERE id = $1",
        "SELECT c.id FROM cards c JOIN merchants m ON c.merchant_id = m.id",
        "UPDATE cards SET merchant_id = merchant_id WHERE id = $1",
        "INSERT INTO card_events (card_id, seq) SELECT id, 1 FROM cards WHERE merchant_id_x = $1",
        "INSERT INTO cards (id, email) SELECT id, merchant_id FROM input",
    ];
    for sql in unscoped {
        assert!(!names_the_merchant(&tokens(sql), "cards"), "{sql}");
    }
    let sql = "WITH input AS (SELECT * FROM UNNEST($1::text[]) AS t(id)), card AS (INSERT INTO \
               cards (id) SELECT id FROM input) INSERT INTO account_balances (account) SELECT \
               id FROM card ON CONFLICT (account) DO UPDATE SET balance = 1; \
               SELECT 1 FROM customers c JOIN card_events e ON true; UPDATE postings SET x = 1";
    let expected = [
        "cards",
        "account_balances",
        "customers",
        "card_events",
        "postings",
    ];
    assert_eq!(
        tables(&tokens(sql)),
        expected.iter().map(|name| name.to_string()).collect()
    );
}
