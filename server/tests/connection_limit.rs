//! At most the configured number of connections is open at once: idle clients that hold
//! connections without sending anything cannot take the whole server; the next connection is
//! served as soon as one of them goes.

mod support;

use std::time::Duration;

use support::{http_client, TestDatabase, TestServer};
use tokio::{io::AsyncWriteExt, net::TcpStream, time::timeout};

#[tokio::test]
async fn connections_beyond_the_cap_wait_until_one_closes() {
    let db = TestDatabase::sqlite().await;
    let server = TestServer::start_limited(&db.database, false, 2).await;

    // Two clients connect and send nothing: each holds a slot.
    let idle_one = TcpStream::connect(server.addr).await.unwrap();
    let _idle_two = TcpStream::connect(server.addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    // A third is accepted only when a slot frees up.
    let mut third = TcpStream::connect(server.addr).await.unwrap();
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut waiting = tokio::spawn(http_client::read_response(third));
    assert!(
        timeout(Duration::from_millis(700), &mut waiting)
            .await
            .is_err(),
        "a third connection was served while two held the only slots"
    );

    drop(idle_one);
    let response = timeout(Duration::from_secs(5), waiting)
        .await
        .expect("served once a slot was free")
        .unwrap();
    assert_eq!(response.status, 200, "{}", response.body);
}
