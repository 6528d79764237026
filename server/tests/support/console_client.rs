//! Talking to the console's server functions as a browser on the console's own pages would:
//! signing in, keeping the session cookie, calling a function with a form body.

use super::{http_client, TestServer};

/// The password the console tests give every login they make.
pub const PASSWORD: &str = "correct horse battery";
pub const SAME_SITE: (&str, &str) = ("Sec-Fetch-Site", "same-origin");

/// Form-encodes the characters the tests' values contain.
pub fn encode(text: &str) -> String {
    text.replace('+', "%2B")
        .replace(' ', "+")
        .replace('@', "%40")
}

/// The session cookie a response set (`name=value`).
pub fn session_cookie(response: &http_client::Response) -> String {
    let line = response
        .head
        .lines()
        .find(|line| {
            line.to_ascii_lowercase()
                .starts_with("set-cookie: cardkit_console=")
        })
        .unwrap_or_else(|| panic!("no session cookie: {} {}", response.head, response.body));
    let cookie = line.split_once(": ").unwrap().1;
    cookie.split(';').next().unwrap().to_owned()
}

/// Signs `email` in with `password`; answers the session cookie.
pub async fn signed_in(server: &TestServer, email: &str, password: &str) -> String {
    let form = format!("email={}&password={}", encode(email), encode(password));
    let response = http_client::post_form_with_headers(
        server.addr,
        "/api/console/sign_in",
        &form,
        &[SAME_SITE],
    )
    .await;
    assert!(response.status < 400, "{}", response.body);
    session_cookie(&response)
}

/// Calls the console server function `endpoint` as the holder of `cookie`.
pub async fn call(
    server: &TestServer,
    cookie: &str,
    endpoint: &str,
    form: &str,
) -> http_client::Response {
    http_client::post_form_with_headers(
        server.addr,
        &format!("/api/console/{endpoint}"),
        form,
        &[
            ("Cookie", cookie),
            SAME_SITE,
            ("Accept", "application/json"),
        ],
    )
    .await
}

/// A login with `role` for the merchant (email `<role>+<merchant>@shop.example`); answers the
/// email.
pub async fn member(
    server: &TestServer,
    merchant: &app::domain::ids::MerchantId,
    role: app::domain::console_role::Role,
) -> String {
    let email = format!("{}+{merchant}@shop.example", role.code());
    let hash = server::issuing::console_sessions::hash_password(PASSWORD).await;
    server
        .database
        .create_console_user(merchant, &email, &hash, role)
        .await
        .unwrap();
    email
}

/// The merchant's owner login, made and signed in; answers the session cookie.
pub async fn signed_in_owner(
    server: &TestServer,
    merchant: &app::domain::ids::MerchantId,
) -> String {
    let email = format!("owner+{merchant}@shop.example");
    server::onboarding::create_owner_login(&server.database, merchant, &email, Some(PASSWORD))
        .await
        .unwrap();
    signed_in(server, &email, PASSWORD).await
}
