use clap::Parser;

use server::config::{Cli, Command};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    if let Err(error) = server::telemetry::init(&cli.config.log, cli.config.log_format) {
        eprintln!("cardkit: {error}");
        return std::process::ExitCode::FAILURE;
    }
    let outcome = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => server::run(cli.config).await,
        Command::CreateMerchant {
            name,
            fund_cents,
            owner_email,
            owner_password_file,
            sandbox,
        } => {
            let owner = owner_email.map(|email| server::OwnerRequest {
                email,
                password_file: owner_password_file,
            });
            server::create_merchant(cli.config, &name, fund_cents, owner, sandbox).await
        }
    };
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = %error, "cardkit stopped");
            eprintln!("cardkit: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
