//! `interop lti …`: tool-side tooling (`tool.rs`) and platform-side tooling
//! with the test platform (`platform.rs`), merged into one subcommand list.

use std::process::ExitCode;

mod platform;
mod tool;

/// LTI subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum LtiCommand {
    /// Tool-role commands.
    #[command(flatten)]
    Tool(tool::ToolCommand),
    /// Platform-role commands.
    #[command(flatten)]
    Platform(platform::PlatformCommand),
}

pub(crate) fn run(cmd: LtiCommand) -> ExitCode {
    match cmd {
        LtiCommand::Tool(cmd) => tool::run(cmd),
        LtiCommand::Platform(cmd) => platform::run(cmd),
    }
}
