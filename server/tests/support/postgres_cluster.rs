//! The PostgreSQL server for tests: `TEST_DATABASE_URL` when set, otherwise a throw-away cluster
//! (without fsync) started once per test process.

use std::{env, sync::OnceLock};

/// URL of a maintenance database on the test server, where test databases are created.
pub fn admin_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| match env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => dev_postgres::start(false)
            .unwrap_or_else(|error| panic!("cannot start a test PostgreSQL: {error}")),
    })
}
