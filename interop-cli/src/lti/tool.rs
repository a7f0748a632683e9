//! Tool-role commands: verify-launch, keygen, jwks, deep-link-response.

use std::process::ExitCode;

/// Tool-role subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum ToolCommand {
    /// Generate an RSA private key (PEM).
    Keygen {
        /// Where to write the key.
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

pub(crate) fn run(_cmd: ToolCommand) -> ExitCode {
    eprintln!("interop lti: not built yet");
    ExitCode::from(2)
}
