//! The console's team over real HTTP, on SQLite and PostgreSQL: an owner invites a member by a
//! link that works once and expires; the member joins with a password and is signed in; roles
//! change and members are removed under the rules (never the owner, never oneself, only by an
//! owner or an admin), each change in the audit log; a removed member's sessions end at once.

mod support;

use std::time::Duration;

use server::{clock::ManualClock, onboarding::create_owner_login, store::Database};
use support::{
    console_client::{call, encode, session_cookie, signed_in, PASSWORD, SAME_SITE},
    http_client, TestServer,
};

on_every_backend!(
    an_invited_member_joins_once_and_the_owner_manages_them,
    an_invitation_expires_and_only_managers_invite,
);

async fn accept(server: &TestServer, token: &str, password: &str) -> http_client::Response {
    http_client::post_form_with_headers(
        server.addr,
        "/api/console/accept_invitation",
        &format!("token={}&password={}", encode(token), encode(password)),
        &[SAME_SITE],
    )
    .await
}

async fn owner(server: &TestServer) -> (String, String) {
    let (merchant, _) = server.merchant(0).await;
    let email = format!("owner+{merchant}@shop.example");
    create_owner_login(&server.database, &merchant, &email, Some(PASSWORD))
        .await
        .unwrap();
    let cookie = signed_in(server, &email, PASSWORD).await;
    (email, cookie)
}

/// The team as JSON: (email, role, id) of each member.
async fn members(server: &TestServer, cookie: &str) -> Vec<(String, String, String)> {
    let team = call(server, cookie, "team", "").await;
    assert_eq!(team.status, 200, "{}", team.body);
    team.json()["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|member| {
            (
                member["email"].as_str().unwrap().to_owned(),
                member["role"].as_str().unwrap().to_owned(),
                member["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn an_invited_member_joins_once_and_the_owner_manages_them(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (owner_email, owner) = owner(&server).await;
    let invited = call(
        &server,
        &owner,
        "invite",
        "email=Dev%40Shop.example&role=developer",
    )
    .await;
    assert_eq!(invited.status, 200, "{}", invited.body);
    let invitation = invited.json();
    let token = invitation["token"].as_str().unwrap().to_owned();
    assert_eq!(invitation["email"], "dev@shop.example");

    // A short password is refused and the link still works; then it signs the member in, once.
    let short = accept(&server, &token, "short").await;
    assert_eq!(short.status, 400, "{}", short.body);
    let joined = accept(&server, &token, PASSWORD).await;
    assert!(joined.status < 400, "{} {}", joined.status, joined.body);
    let developer = session_cookie(&joined);
    let again = accept(&server, &token, "another long password").await;
    assert_eq!(again.status, 404, "{}", again.body);
    assert!(again.body.contains("not valid any more"), "{}", again.body);

    let team = members(&server, &developer).await;
    assert_eq!(team.len(), 2);
    assert_eq!(
        (team[0].0.as_str(), team[0].1.as_str()),
        (owner_email.as_str(), "Owner")
    );
    let dev_id = team
        .iter()
        .find(|m| m.0 == "dev@shop.example")
        .unwrap()
        .2
        .clone();
    let owner_id = team[0].2.clone();

    // A developer manages nothing; nobody changes the owner or themselves.
    let refused = call(
        &server,
        &developer,
        "change_role",
        &format!("member={dev_id}&role=admin"),
    )
    .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let invite = call(
        &server,
        &developer,
        "invite",
        "email=x%40shop.example&role=viewer",
    )
    .await;
    assert_eq!(invite.status, 403, "{}", invite.body);
    let owner_change = call(
        &server,
        &owner,
        "change_role",
        &format!("member={owner_id}&role=viewer"),
    )
    .await;
    assert_eq!(owner_change.status, 403, "{}", owner_change.body);
    let to_owner = call(
        &server,
        &owner,
        "change_role",
        &format!("member={dev_id}&role=owner"),
    )
    .await;
    assert_eq!(to_owner.status, 400, "{}", to_owner.body);

    let changed = call(
        &server,
        &owner,
        "change_role",
        &format!("member={dev_id}&role=viewer"),
    )
    .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert!(members(&server, &owner)
        .await
        .iter()
        .any(|m| m.0 == "dev@shop.example" && m.1 == "Viewer"));

    // Removed: the member's session ends at once, and the login is gone.
    let removed = call(
        &server,
        &owner,
        "remove_member",
        &format!("member={dev_id}"),
    )
    .await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    assert_eq!(call(&server, &developer, "team", "").await.status, 401);
    assert_eq!(members(&server, &owner).await.len(), 1);

    let audit = call(&server, &owner, "audit", "").await;
    let actions: Vec<String> = audit.json()["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        actions,
        [
            "team.member_removed",
            "team.role_changed",
            "team.member_invited"
        ]
    );
}

async fn an_invitation_expires_and_only_managers_invite(db: &Database) {
    let hand = ManualClock::starting_now();
    let db = db.clone().with_clock(hand.clock());
    let server = TestServer::start_with(&db, false).await;
    let (owner_email, owner) = owner(&server).await;
    let invited = call(
        &server,
        &owner,
        "invite",
        "email=late%40shop.example&role=viewer",
    )
    .await;
    let token = invited.json()["token"].as_str().unwrap().to_owned();
    let pending = call(&server, &owner, "team", "").await.json();
    assert_eq!(pending["invitations"][0]["email"], "late@shop.example");

    hand.advance(Duration::from_secs(7 * 24 * 3600));
    let late = accept(&server, &token, PASSWORD).await;
    assert_eq!(late.status, 404, "{}", late.body);
    // A week on, the owner's own session has long ended too.
    let owner = signed_in(&server, &owner_email, PASSWORD).await;
    let pending = call(&server, &owner, "team", "").await.json();
    assert_eq!(pending["invitations"].as_array().unwrap().len(), 0);

    for bad in [
        "email=not-an-email&role=viewer",
        "email=a%40shop.example&role=owner",
    ] {
        let refused = call(&server, &owner, "invite", bad).await;
        assert_eq!(refused.status, 400, "{bad}: {}", refused.body);
    }
    // A link that was never made.
    assert_eq!(accept(&server, "made-up", PASSWORD).await.status, 404);
}
