//! `interop demo`: the README's main job on built-in sample data.

use std::process::ExitCode;

/// Arguments of `interop demo`.
#[derive(Debug, clap::Args)]
pub(crate) struct DemoArgs {
    /// Where to write the demo's files (default: a fresh temporary folder).
    #[arg(long)]
    pub(crate) out: Option<std::path::PathBuf>,
}

pub(crate) fn run(_args: DemoArgs) -> ExitCode {
    eprintln!("interop demo: not built yet");
    ExitCode::from(2)
}
