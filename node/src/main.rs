//! The `ltonode` binary: parse the command line, set up logging, run the command.

use ltonode::cli::{Cli, LogFormat};
use ltonode::config::ConfigError;
use std::io::IsTerminal;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse_args();
    // Logs go to stderr so the JSON that commands print on stdout stays parseable. Colour
    // codes only on a terminal, and never with NO_COLOR (https://no-color.org) set.
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Json => builder.json().with_ansi(false).init(),
        LogFormat::Text => {
            let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            builder.with_ansi(ansi).init();
        }
    }
    match ltonode::dispatch(cli, std::env::vars_os(), &mut std::io::stdout()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            // Configuration mistakes exit like clap's usage errors.
            // So do inputs a command could not use (a receipt verifier's bad trust
            // argument, an unreadable file, an unreachable node): exit 1 is kept for "checked
            // and found invalid".
            if e.downcast_ref::<ConfigError>().is_some()
                || e.downcast_ref::<ltonode::verify::VerifyError>().is_some()
            {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
