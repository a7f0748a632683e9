//! `interop oneroster …`: `validate` (validate.rs) and the package operations
//! diff, apply, convert and generate (ops.rs), merged into one subcommand list.

use std::process::ExitCode;

mod ops;
mod validate;

/// OneRoster subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum OneRosterCommand {
    /// Validation.
    #[command(flatten)]
    Validate(validate::ValidateCommand),
    /// Package operations.
    #[command(flatten)]
    Ops(ops::OpsCommand),
}

pub(crate) fn run(cmd: OneRosterCommand) -> ExitCode {
    match cmd {
        OneRosterCommand::Validate(cmd) => validate::run(cmd),
        OneRosterCommand::Ops(cmd) => ops::run(cmd),
    }
}
