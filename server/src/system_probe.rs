use std::time::Instant;

use app::{api::system::SystemStatus, ports::SystemProbe};

use crate::store::Database;

/// Answers the "Check system" server function from the live database.
pub struct DatabaseProbe {
    database: Database,
}

impl DatabaseProbe {
    pub fn new(database: Database) -> Self {
        Self { database }
    }
}

#[async_trait::async_trait]
impl SystemProbe for DatabaseProbe {
    async fn status(&self) -> Result<SystemStatus, String> {
        let started = Instant::now();
        self.database
            .ping()
            .await
            .map_err(|error| error.to_string())?;
        let round_trip = started.elapsed();
        let schema_version = self
            .database
            .schema_version()
            .await
            .map_err(|error| error.to_string())?;
        Ok(SystemStatus {
            database_backend: self.database.backend().name().to_owned(),
            schema_version,
            round_trip_micros: u64::try_from(round_trip.as_micros()).unwrap_or(u64::MAX),
            server_version: env!("CARGO_PKG_VERSION").to_owned(),
        })
    }
}
