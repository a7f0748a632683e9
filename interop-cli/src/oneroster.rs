//! `interop oneroster …`: validate, diff, apply, convert, generate.

use std::process::ExitCode;

/// OneRoster subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum OneRosterCommand {
    /// Validate a package (directory or zip).
    Validate {
        /// The package: a directory or a .zip file.
        input: std::path::PathBuf,
    },
}

pub(crate) fn run(_cmd: OneRosterCommand) -> ExitCode {
    eprintln!("interop oneroster: not built yet");
    ExitCode::from(2)
}
