//! The whole server in-process on a loopback port: issuing core, provisioning worker (simulated
//! processor without delays) and HTTP, over a test database.

use app::domain::ids::MerchantId;
use std::{net::SocketAddr, sync::Arc, time::Duration};

use super::http_client;
use app::domain::Cents;
use server::{
    http::connection_server::ConnectionSettings,
    issuing::{
        provisioning_worker::{ProvisioningWorker, WorkerSettings},
        simulated_processor::SimulatedProcessor,
        IssuingService,
    },
    onboarding::onboard_merchant,
    secrets::CardCipher,
    store::Database,
    webhooks::CallbackPolicy,
    EdgeSettings,
};
use tokio::{
    net::TcpListener,
    sync::{oneshot, watch},
    task::JoinHandle,
};

pub const TEST_KEY: [u8; 32] = [42; 32];

pub struct TestServer {
    pub addr: SocketAddr,
    pub database: Database,
    pub stop: Option<oneshot::Sender<()>>,
    pub task: Option<JoinHandle<std::io::Result<()>>>,
    stop_worker: Option<watch::Sender<bool>>,
    _site: tempfile::TempDir,
}

pub fn test_worker(database: &Database, owner: &str) -> ProvisioningWorker {
    let settings = WorkerSettings {
        owner: owner.to_owned(),
        lease: Duration::from_secs(30),
        poll_interval: Duration::from_millis(50),
        batch_size: 32,
    };
    let processor = Arc::new(SimulatedProcessor::new(Duration::ZERO, 0.0));
    ProvisioningWorker::new(
        database.clone(),
        CardCipher::new(&TEST_KEY),
        processor,
        settings,
    )
}

impl TestServer {
    /// With a running provisioning worker.
    pub async fn start(database: &Database) -> Self {
        Self::start_with(database, true).await
    }

    pub async fn start_with(database: &Database, with_worker: bool) -> Self {
        let max_connections = server::http::connection_limit::DEFAULT_MAX_CONNECTIONS;
        Self::start_limited(database, with_worker, max_connections).await
    }

    /// With at most `max_connections` connections open at once.
    pub async fn start_limited(
        database: &Database,
        with_worker: bool,
        max_connections: usize,
    ) -> Self {
        Self::start_configured(
            database,
            with_worker,
            max_connections,
            EdgeSettings::default(),
        )
        .await
    }

    /// With the HTTP edge (rate limits, client address) configured.
    pub async fn start_with_edge(
        database: &Database,
        with_worker: bool,
        edge: EdgeSettings,
    ) -> Self {
        let max_connections = server::http::connection_limit::DEFAULT_MAX_CONNECTIONS;
        Self::start_configured(database, with_worker, max_connections, edge).await
    }

    /// Without a worker, with the connections' limits and timeouts and the edge as given.
    pub async fn start_serving(
        database: &Database,
        connections: ConnectionSettings,
        edge: EdgeSettings,
    ) -> Self {
        let site = tempfile::tempdir().unwrap();
        Self::start_full(database, false, connections, edge, site).await
    }

    /// Without a worker, serving the browser bundle from `site` (its `pkg/` folder).
    pub async fn start_with_site(database: &Database, site: tempfile::TempDir) -> Self {
        let connections = ConnectionSettings::default();
        Self::start_full(database, false, connections, EdgeSettings::default(), site).await
    }

    async fn start_configured(
        database: &Database,
        with_worker: bool,
        max_connections: usize,
        edge: EdgeSettings,
    ) -> Self {
        let connections = ConnectionSettings {
            max_connections,
            ..ConnectionSettings::default()
        };
        let site = tempfile::tempdir().unwrap();
        Self::start_full(database, with_worker, connections, edge, site).await
    }

    async fn start_full(
        database: &Database,
        with_worker: bool,
        connections: ConnectionSettings,
        edge: EdgeSettings,
        site: tempfile::TempDir,
    ) -> Self {
        // The server's warnings and errors go to the test's captured output, so a failing test
        // shows what the server saw (the internal error behind a 500, say).
        let _ = tracing_subscriber::fmt()
            .with_env_filter("warn")
            .with_test_writer()
            .try_init();
        for range in server::issuing::catalog::card_ranges() {
            database.upsert_card_range(&range).await.unwrap();
        }
        let stop_worker = with_worker.then(|| {
            let (stop, stopped) = watch::channel(false);
            let worker = test_worker(database, "test-worker");
            tokio::spawn(async move { worker.run(stopped).await });
            stop
        });
        let issuing = Arc::new(IssuingService::new(
            database.clone(),
            CardCipher::new(&TEST_KEY),
            Duration::ZERO,
        ));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let policy = CallbackPolicy {
            allow_private: true,
        };
        let state =
            server::app_state_with(database.clone(), issuing, policy, site.path(), addr, edge);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            server::serve_configured(
                listener,
                state,
                Duration::from_secs(10),
                connections,
                async {
                    let _ = stopped.await;
                },
            )
            .await
        });
        TestServer {
            addr,
            database: database.clone(),
            stop: Some(stop),
            task: Some(task),
            stop_worker,
            _site: site,
        }
    }

    /// A new merchant with all card ranges, `funding` in its wallet; returns (merchant id, API key).
    pub async fn merchant(&self, funding: i64) -> (MerchantId, String) {
        let onboarded = onboard_merchant(&self.database, "Test Merchant", Cents(funding))
            .await
            .unwrap();
        (onboarded.merchant.id, onboarded.api_key)
    }

    /// A card made through dialect A (the seed's holder, 10.00 USD) whose status changes are
    /// called back to `callback_url`; answers its id.
    pub async fn card_with_callbacks(
        &self,
        key: &str,
        order_no: &str,
        callback_url: &str,
    ) -> String {
        let body = serde_json::json!({
            "cardHolder": { "firstName": "Milton", "lastName": "Schmitt" }, "deposit": "1000",
            "vid": "vab_069af8a792ad", "orderNo": order_no, "callbackUrl": callback_url
        });
        let created = http_client::request(
            self.addr,
            "POST",
            "/api/vcc/v1/cards",
            Some(key),
            Some(&body.to_string()),
        )
        .await;
        assert_eq!(created.status, 200, "{}", created.body);
        created.json()["model"]["card"]["cardId"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// An API call with `key` as bearer token; answers the status and the JSON body (panics,
    /// naming the request, when the body is not JSON: every API answer must be).
    pub async fn call(
        &self,
        key: &str,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> (u16, serde_json::Value) {
        let response = http_client::request(self.addr, method, path, Some(key), body).await;
        let json = serde_json::from_str(&response.body).unwrap_or_else(|_| {
            panic!(
                "{method} {path}: not JSON ({}): {}",
                response.status, response.body
            )
        });
        (response.status, json)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop_worker.take() {
            let _ = stop.send(true);
        }
    }
}
