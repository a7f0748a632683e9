//! `interop`: the command-line face of the workspace.
//!
//! Each area owns one module and one clap subcommand tree:
//! `oneroster` (validate, diff, apply, convert, generate), `lti` (tool and
//! platform tooling, the test platform), `mis` (UK MIS export), and `demo`,
//! the README's main job on built-in sample data.
//!
//! Exit codes are part of the interface: 0 success, 1 the input was checked
//! and found wanting (errors, invalid tokens, quarantined sync), 2 the command
//! could not run (usage, unreadable input).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[macro_use]
mod out;

mod demo;
mod http_fetch;
mod lti;
mod mis;
mod oneroster;

/// Education-technology interoperability: OneRoster, LTI 1.3, UK MIS.
#[derive(Debug, Parser)]
#[command(name = "interop", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the main job on built-in sample data and print a summary.
    Demo(demo::DemoArgs),
    /// OneRoster packages: validate, diff, apply, convert, generate.
    #[command(subcommand)]
    Oneroster(oneroster::OneRosterCommand),
    /// LTI 1.3: verify launches, keys, deep linking, the test platform.
    #[command(subcommand)]
    Lti(lti::LtiCommand),
    /// UK MIS data: identifiers, synthetic trusts, export to OneRoster.
    #[command(subcommand)]
    Mis(mis::MisCommand),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help/version on stdout with exit 0; usage errors are exit 2.
            let code = if err.use_stderr() { 2 } else { 0 };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    init_tracing();
    let code = match cli.command {
        Command::Demo(args) => demo::run(args),
        Command::Oneroster(cmd) => oneroster::run(cmd),
        Command::Lti(cmd) => lti::run(cmd),
        Command::Mis(cmd) => mis::run(cmd),
    };
    out::flush();
    code
}

/// Logs go to stderr, filtered by `RUST_LOG` (default: warnings only), so
/// stdout stays machine-readable.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour codes only on a terminal: logs piped to a file or a
        // collector stay plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}
