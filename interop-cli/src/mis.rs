//! `interop mis …`: UK identifiers, synthetic trusts, export to OneRoster.

use std::process::ExitCode;

/// MIS subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum MisCommand {
    /// Check UK identifiers (UPN, ULN, SCN, LAESTAB, URN).
    CheckId {
        /// The values to check.
        values: Vec<String>,
    },
}

pub(crate) fn run(_cmd: MisCommand) -> ExitCode {
    eprintln!("interop mis: not built yet");
    ExitCode::from(2)
}
