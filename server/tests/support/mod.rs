//! Shared test support: databases of both backends and a minimal HTTP client.
#![allow(dead_code)] // each test binary uses a different part of it

pub mod balances;
pub mod callback_receiver;
pub mod cardkit_process;
pub mod console_client;
pub mod http_client;
pub mod money_invariants;
pub mod new_cards;
pub mod postgres_cluster;
pub mod test_database;
pub mod test_server;

#[allow(unused_imports)] // a test of separate processes makes its own database
pub use test_database::TestDatabase;
#[allow(unused_imports)] // not every test binary starts a server
pub use test_server::TestServer;

/// Defines each listed `async fn(&Database)` test once per backend: `sqlite::name` and
/// `postgres::name`, so every store behaviour is proven on both. `multi_thread:` before the list
/// runs them on a runtime with four worker threads, for tests whose tasks must truly race.
#[macro_export]
macro_rules! on_every_backend {
    (multi_thread: $($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $test() {
                    let db = $crate::support::TestDatabase::sqlite().await;
                    super::$test(&db.database).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $test() {
                    let db = $crate::support::TestDatabase::postgres().await;
                    super::$test(&db.database).await;
                }
            )*
        }
    };
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $test() {
                    let db = $crate::support::TestDatabase::sqlite().await;
                    super::$test(&db.database).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $test() {
                    let db = $crate::support::TestDatabase::postgres().await;
                    super::$test(&db.database).await;
                }
            )*
        }
    };
}
