//! `interop oneroster validate`.

use std::process::ExitCode;

/// Validation subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum ValidateCommand {
    /// Validate a package (directory or zip).
    Validate {
        /// The package: a directory or a .zip file.
        input: std::path::PathBuf,
    },
}

pub(crate) fn run(_cmd: ValidateCommand) -> ExitCode {
    eprintln!("interop oneroster validate: not built yet");
    ExitCode::from(2)
}
