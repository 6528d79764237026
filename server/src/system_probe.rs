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
        Ok(SystemStatus {
            database_reachable: true,
            round_trip_micros: u64::try_from(round_trip.as_micros()).unwrap_or(u64::MAX),
        })
    }

    fn database_kind(&self) -> &'static str {
        self.database.backend().name()
    }
}
