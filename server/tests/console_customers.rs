//! The console's customers page over real HTTP, on SQLite and PostgreSQL: customers in email
//! order with their KYC status, card count and the verifier's reason for a rejection; found by
//! the start of an email or a customer id, filtered by status, paged by the last email; owners
//! and admins submit ACH reviews and record verifications done elsewhere through the issuing
//! core's KYC (a reviewed customer then passes dialect A's KYC gate), each in the audit log;
//! other roles, bad forms, other sites and other merchants are refused.

mod support;

use app::domain::{console_role::Role, email::Email, ids::MerchantId};
use serde_json::{json, Value};
use server::store::{CreateOutcome, Database};
use support::{
    console_client::{call, encode, member, signed_in, signed_in_owner, PASSWORD},
    http_client,
    new_cards::new_card,
    TestServer,
};

on_every_backend!(
    the_console_vouches_for_customers_and_lists_their_kyc,
    kyc_submissions_are_refused_to_other_roles_forms_and_sites,
    customers_page_by_email_and_stay_with_their_merchant,
);

async fn customers(server: &TestServer, cookie: &str, query: &str) -> Value {
    let answer = call(server, cookie, "customers", query).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.json()
}

/// The (email, KYC status) of each row.
fn rows(page: &Value) -> Vec<(String, String)> {
    page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["email"].as_str().unwrap().to_owned(),
                row["kyc_status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn ach_form(email: &str, last_name: &str) -> String {
    format!(
        "email={}&customer_id=&first_name=Ann&last_name={last_name}&date_of_birth=1990-04-01&country=us",
        encode(email)
    )
}

async fn card_for(db: &Database, merchant: &MerchantId, order: &str, email: &str) {
    let customer = db.upsert_customer(merchant, email, None).await.unwrap();
    let request = app::domain::issuing::NewCard {
        customer_email: Some(Email::parse(email).unwrap()),
        ..new_card(order, 1_000)
    };
    let outcome = db
        .create_card(merchant, &request, order, Some(&customer.id))
        .await
        .unwrap();
    assert!(matches!(outcome, CreateOutcome::Created(_)));
}

async fn the_console_vouches_for_customers_and_lists_their_kyc(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, key) = server.merchant(1_000_000).await;
    let owner = signed_in_owner(&server, &merchant).await;
    db.upsert_customer(&merchant, "carol@example.com", Some("crm-3"))
        .await
        .unwrap();
    card_for(db, &merchant, "carol-1", "carol@example.com").await;
    card_for(db, &merchant, "carol-2", "carol@example.com").await;

    let submitted = call(
        &server,
        &owner,
        "submit_ach_kyc",
        &ach_form("Ann@Example.com", "Lee"),
    )
    .await;
    assert_eq!(submitted.status, 200, "{}", submitted.body);
    assert_eq!(submitted.json()["status"], "PENDING");
    let rejected = call(
        &server,
        &owner,
        "submit_ach_kyc",
        &ach_form("rex@example.com", "Rejected"),
    )
    .await;
    assert_eq!(rejected.status, 200, "{}", rejected.body);
    let shared = call(
        &server,
        &owner,
        "sync_shared_kyc",
        "email=sue%40example.com&customer_id=crm-9&provider=Onfido&reference=chk_1",
    )
    .await;
    assert_eq!(shared.status, 200, "{}", shared.body);
    assert_eq!(shared.json()["status"], "APPROVED");

    // The reviews (no delay in tests) are decided when the page is read, before it is filtered:
    // a review that has come due is never left out of its verdict's list.
    let approved = customers(&server, &owner, "kyc=APPROVED").await;
    assert_eq!(
        rows(&approved),
        [
            ("ann@example.com".to_owned(), "APPROVED".to_owned()),
            ("sue@example.com".to_owned(), "APPROVED".to_owned()),
        ]
    );
    let page = customers(&server, &owner, "").await;
    assert_eq!(
        rows(&page),
        [
            ("ann@example.com".to_owned(), "APPROVED".to_owned()),
            ("carol@example.com".to_owned(), "NONE".to_owned()),
            ("rex@example.com".to_owned(), "REJECTED".to_owned()),
            ("sue@example.com".to_owned(), "APPROVED".to_owned()),
        ]
    );
    assert_eq!(page["may_submit"], true);
    assert_eq!(page["next_after"], Value::Null);
    let by_email = |email: &str| {
        page["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["email"] == email)
            .unwrap()
            .clone()
    };
    assert_eq!(by_email("carol@example.com")["cards"], 2);
    assert_eq!(by_email("carol@example.com")["external_id"], "crm-3");
    assert_eq!(by_email("ann@example.com")["cards"], 0);
    assert_eq!(by_email("ann@example.com")["kyc_source"], "ACH");
    assert_eq!(by_email("sue@example.com")["kyc_source"], "SHARED:Onfido");
    assert_eq!(
        by_email("rex@example.com")["rejection_reason"],
        "identity could not be verified"
    );
    assert_eq!(by_email("ann@example.com")["rejection_reason"], Value::Null);

    // Filters: the start of an email, a whole customer id; LIKE's wildcards are only text.
    let su = customers(&server, &owner, "q=SU").await;
    assert_eq!(rows(&su)[0].0, "sue@example.com");
    assert_eq!(rows(&su).len(), 1);
    let crm = customers(&server, &owner, "q=crm-3").await;
    assert_eq!(rows(&crm)[0].0, "carol@example.com");
    let wildcard = customers(&server, &owner, "q=%25").await;
    assert!(rows(&wildcard).is_empty(), "{wildcard}");
    let underscore = customers(&server, &owner, "q=a_n").await;
    assert!(rows(&underscore).is_empty(), "{underscore}");

    // The console's review is the core's: ann now passes dialect A's KYC gate above 1000 USD.
    let big = json!({
        "cardHolder": { "firstName": "Ann", "lastName": "Lee" }, "deposit": "150000",
        "vid": "vab_069af8a792ad", "orderNo": "ann-big", "email": "ann@example.com",
        "callbackUrl": "https://example.com/h"
    })
    .to_string();
    let big = server
        .call(&key, "POST", "/api/vcc/v1/cards", Some(&big))
        .await;
    assert_eq!((big.0, &big.1["success"]), (200, &json!(true)), "{}", big.1);
    let refused = json!({
        "cardHolder": { "firstName": "Rex", "lastName": "Lee" }, "deposit": "150000",
        "vid": "vab_069af8a792ad", "orderNo": "rex-big", "email": "rex@example.com",
        "callbackUrl": "https://example.com/h"
    })
    .to_string();
    let refused = server
        .call(&key, "POST", "/api/vcc/v1/cards", Some(&refused))
        .await;
    assert_eq!(refused.1["success"], false, "{}", refused.1);
    assert!(
        refused.1["msg"].as_str().unwrap().contains("KYC"),
        "{}",
        refused.1
    );

    // Each submission is in the audit log, with who did it and about which customer.
    let audit = call(&server, &owner, "audit", "action=customer.kyc_submitted").await;
    assert_eq!(audit.status, 200, "{}", audit.body);
    let entries = audit.json()["entries"].as_array().unwrap().clone();
    assert_eq!(entries.len(), 3, "{entries:?}");
    assert!(entries[0]["detail"]
        .as_str()
        .unwrap()
        .contains("verified at Onfido (reference chk_1)"));
    assert_eq!(entries[2]["detail"], "ACH review for ann@example.com");
    assert_eq!(
        entries[2]["object_id"],
        by_email("ann@example.com")["customer_id"]
    );
    assert!(entries[2]["actor"]["User"]["email"]
        .as_str()
        .unwrap()
        .starts_with("owner+"));
}

async fn kyc_submissions_are_refused_to_other_roles_forms_and_sites(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, _) = server.merchant(0).await;
    let owner = signed_in_owner(&server, &merchant).await;
    let admin_email = member(&server, &merchant, Role::Admin).await;
    let admin = signed_in(&server, &admin_email, PASSWORD).await;
    let admitted = call(
        &server,
        &admin,
        "submit_ach_kyc",
        &ach_form("amy@example.com", "Lee"),
    )
    .await;
    assert_eq!(admitted.status, 200, "{}", admitted.body);

    for role in [Role::Developer, Role::Viewer] {
        let email = member(&server, &merchant, role).await;
        let cookie = signed_in(&server, &email, PASSWORD).await;
        let page = customers(&server, &cookie, "").await;
        assert_eq!(page["may_submit"], false, "{role:?}");
        assert_eq!(rows(&page).len(), 1);
        let ach = call(
            &server,
            &cookie,
            "submit_ach_kyc",
            &ach_form("zed@example.com", "Lee"),
        )
        .await;
        assert_eq!(ach.status, 403, "{role:?}: {}", ach.body);
        assert!(ach.body.contains("vouch for a customer"), "{}", ach.body);
        let shared = call(
            &server,
            &cookie,
            "sync_shared_kyc",
            "email=zed%40example.com&customer_id=&provider=Onfido&reference=r1",
        )
        .await;
        assert_eq!(shared.status, 403, "{role:?}: {}", shared.body);
    }

    // A form with problems: every field in error named in one sentence, nothing stored.
    let bad = call(
        &server,
        &owner,
        "submit_ach_kyc",
        "email=nobody&customer_id=&first_name=Ann&last_name=Lee&date_of_birth=1990-02-30&country=Germany",
    )
    .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    for field in ["Email:", "Date of birth:", "Country:"] {
        assert!(bad.body.contains(field), "{field}: {}", bad.body);
    }
    assert!(!bad.body.contains("First name"), "{}", bad.body);
    let minor = call(
        &server,
        &owner,
        "submit_ach_kyc",
        "email=kid%40example.com&customer_id=&first_name=Kid&last_name=Lee&date_of_birth=2020-01-01&country=US",
    )
    .await;
    assert_eq!(minor.status, 200, "{}", minor.body);
    let page = customers(&server, &owner, "q=kid").await;
    assert_eq!(
        rows(&page),
        [("kid@example.com".to_owned(), "REJECTED".to_owned())]
    );
    assert_eq!(
        page["rows"][0]["rejection_reason"],
        "the customer must be at least 18 years old"
    );

    // Another site's POST, and no session at all.
    let cross_site = http_client::post_form_with_headers(
        server.addr,
        "/api/console/sync_shared_kyc",
        "email=eve%40example.com&customer_id=&provider=Onfido&reference=r1",
        &[("Cookie", &owner), ("Sec-Fetch-Site", "cross-site")],
    )
    .await;
    assert_eq!(cross_site.status, 403, "{}", cross_site.body);
    let signed_out = call(&server, "", "customers", "").await;
    assert_eq!(signed_out.status, 401, "{}", signed_out.body);
    let all = customers(&server, &owner, "").await;
    assert!(!rows(&all)
        .iter()
        .any(|(email, _)| email == "eve@example.com"));
    assert!(!rows(&all)
        .iter()
        .any(|(email, _)| email == "zed@example.com"));
}

async fn customers_page_by_email_and_stay_with_their_merchant(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, _) = server.merchant(0).await;
    let (other, _) = server.merchant(0).await;
    for n in 0..60 {
        db.upsert_customer(&merchant, &format!("c{n:02}@example.com"), None)
            .await
            .unwrap();
    }
    db.upsert_customer(&other, "elsewhere@example.com", None)
        .await
        .unwrap();
    let owner = signed_in_owner(&server, &merchant).await;

    let first = customers(&server, &owner, "").await;
    assert_eq!(rows(&first).len(), 50);
    assert_eq!(rows(&first)[0].0, "c00@example.com");
    assert_eq!(first["next_after"], "c49@example.com");
    let second = customers(&server, &owner, "after=c49%40example.com").await;
    assert_eq!(rows(&second).len(), 10);
    assert_eq!(rows(&second)[0].0, "c50@example.com");
    assert_eq!(second["next_after"], Value::Null);
    assert!(!rows(&first)
        .iter()
        .chain(rows(&second).iter())
        .any(|(email, _)| email == "elsewhere@example.com"));

    let others_owner = signed_in_owner(&server, &other).await;
    let theirs = customers(&server, &others_owner, "q=c0").await;
    assert!(rows(&theirs).is_empty(), "{theirs}");
}
