//! The `ltonode` binary: parse the command line, set up logging, run the command.

use ltonode::cli::Cli;
use ltonode::config::ConfigError;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse_args();
    // Logs go to stderr so the JSON that commands print on stdout stays parseable.
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    match ltonode::dispatch(cli, std::env::vars_os(), &mut std::io::stdout()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            // Configuration mistakes exit like clap's usage errors.
            if e.downcast_ref::<ConfigError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
