//! `interop oneroster diff|apply|convert|generate`.

use std::process::ExitCode;

/// Package operation subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum OpsCommand {
    /// Write a synthetic multi-academy-trust bulk package.
    Generate {
        /// Where to write the package.
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

pub(crate) fn run(_cmd: OpsCommand) -> ExitCode {
    eprintln!("interop oneroster: not built yet");
    ExitCode::from(2)
}
