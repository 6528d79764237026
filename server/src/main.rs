use clap::Parser;

use server::config::Config;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = Config::parse();
    if let Err(error) = server::telemetry::init(&config.log, config.log_format) {
        eprintln!("cardkit: {error}");
        return std::process::ExitCode::FAILURE;
    }
    match server::run(config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = %error, "cardkit stopped");
            std::process::ExitCode::FAILURE
        }
    }
}
