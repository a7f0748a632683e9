//! Platform-role commands: mint-launch, verify-deep-link-response, platform.

use std::process::ExitCode;

/// Platform-role subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum PlatformCommand {
    /// Print a signed id_token for a launch description.
    MintLaunch {
        /// The launch description (JSON).
        #[arg(long)]
        launch: std::path::PathBuf,
    },
}

pub(crate) fn run(_cmd: PlatformCommand) -> ExitCode {
    eprintln!("interop lti: not built yet");
    ExitCode::from(2)
}
