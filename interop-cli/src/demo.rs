//! `interop demo`: the README's main job on built-in sample data.
//!
//! 1. OneRoster: generate a synthetic multi-academy-trust bulk package, write
//!    it, and validate it with every layer.
//! 2. UK MIS: generate a synthetic trust's MIS data, export it to OneRoster
//!    under the sample data contract (pseudonymous ids, named fields only),
//!    and validate the export with `oneroster-model`.
//! 3. LTI 1.3: a platform mints a minimised launch for a tool, the tool runs
//!    the whole login → launch pipeline on it, answers a deep-linking request,
//!    and the platform verifies the response.
//!
//! Everything runs in-process on generated data; files go to `--out` (or a
//! fresh folder under the system temporary directory).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use oneroster_model::{GenerateOptions, Generator, ValidateOptions, validate_path};

mod lti_flow;

/// Arguments of `interop demo`.
#[derive(Debug, clap::Args)]
pub(crate) struct DemoArgs {
    /// Where to write the demo's files (default: a fresh temporary folder).
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
    /// Schools in the generated trusts.
    #[arg(long, default_value_t = 3)]
    pub(crate) schools: u32,
    /// Seed for the generated data (same seed, same data).
    #[arg(long, default_value_t = 2026)]
    pub(crate) seed: u64,
}

/// A demo step failed: what was being done and why.
#[derive(Debug)]
pub(crate) struct StepError(pub(crate) String);

impl<E: std::fmt::Display> From<(&str, E)> for StepError {
    fn from((what, e): (&str, E)) -> Self {
        Self(format!("{what}: {e}"))
    }
}

/// One demo step: prints as it goes; `Ok(false)` when it found problems.
type Step = fn(&DemoArgs, &Path) -> Result<bool, StepError>;

pub(crate) fn run(args: DemoArgs) -> ExitCode {
    let out = args.out.clone().unwrap_or_else(default_out);
    outln!("interop demo — writing to {}\n", out.display());
    let steps: [(&str, Step); 3] = [
        ("OneRoster", oneroster_step),
        ("UK MIS → OneRoster", mis_step),
        ("LTI 1.3", lti_flow::run),
    ];
    let mut all_ok = true;
    for (name, step) in steps {
        outln!("== {name}");
        match step(&args, &out) {
            Ok(ok) => all_ok &= ok,
            Err(StepError(msg)) => {
                eprintln!("error: {msg}");
                return ExitCode::from(2);
            }
        }
        outln!();
    }
    outln!(
        "demo {}",
        if all_ok {
            "passed"
        } else {
            "found problems (see above)"
        }
    );
    if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn default_out() -> PathBuf {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S");
    std::env::temp_dir().join(format!("interop-demo-{stamp}-{}", std::process::id()))
}

/// Generate a trust package, write it, validate it.
fn oneroster_step(args: &DemoArgs, out: &Path) -> Result<bool, StepError> {
    let dir = out.join("oneroster-trust");
    std::fs::create_dir_all(&dir).map_err(|e| ("creating the output folder", e))?;
    let started = Instant::now();
    let generator = Generator::new(GenerateOptions::new(args.schools).seed(args.seed));
    let summary = generator
        .write_dir(&dir)
        .map_err(|e| ("writing the generated package", e))?;
    let rows: u64 = summary.rows.iter().map(|(_, n)| n).sum();
    outln!(
        "generated a {}-school trust package: {rows} rows in {} files ({} ms)",
        args.schools,
        summary.rows.len(),
        started.elapsed().as_millis()
    );
    validate_and_print(&dir)
}

/// Validate a written package with every layer and print a one-line verdict
/// plus the row counts.
fn validate_and_print(dir: &Path) -> Result<bool, StepError> {
    let started = Instant::now();
    let report =
        validate_path(dir, &ValidateOptions::new()).map_err(|e| ("reading the package back", e))?;
    let counts: Vec<String> = report
        .counts()
        .iter()
        .map(|(file, n)| format!("{file} {n}"))
        .collect();
    outln!("  {}", counts.join(", "));
    outln!(
        "validated {} (OneRoster {}): {} error(s), {} warning(s) in {} ms → {}",
        dir.display(),
        report
            .version()
            .map_or_else(|| "?".to_owned(), |v| v.to_string()),
        report.error_count(),
        report.warning_count(),
        started.elapsed().as_millis(),
        if report.is_valid() {
            "VALID"
        } else {
            "INVALID"
        }
    );
    for f in report.findings().iter().take(5) {
        outln!("  {f}");
    }
    Ok(report.is_valid())
}

/// Generate MIS data for a trust, export it under the sample contract,
/// validate the export.
fn mis_step(args: &DemoArgs, out: &Path) -> Result<bool, StepError> {
    use mis_mapping::{
        Contract, GeneratorConfig, InMemoryIdentityMap, PseudonymKey, SAMPLE_CONTRACT,
        export_synthetic_trust,
    };
    let contract = Contract::from_toml(SAMPLE_CONTRACT).map_err(|e| ("the sample contract", e))?;
    // The demo runs on generated data with the built-in development key; a
    // real export takes the key from the environment variable the contract names.
    let key = PseudonymKey::insecure_dev();
    let mut identities = InMemoryIdentityMap::new();
    let as_of = chrono::NaiveDate::from_ymd_opt(2025, 11, 3)
        .ok_or_else(|| StepError("bad demo date".into()))?;
    let started = Instant::now();
    let config = GeneratorConfig::new(usize::try_from(args.schools).unwrap_or(3), args.seed);
    let run = export_synthetic_trust(&config, &contract, &key, &mut identities, as_of);
    let report = &run.report;
    outln!(
        "exported a {}-school MIS trust as of {as_of} under contract `{}` (OneRoster {}) in {} ms: verdict {:?}",
        args.schools,
        report.released.consumer,
        report.oneroster_version,
        started.elapsed().as_millis(),
        report.verdict,
    );
    outln!(
        "  identities minted {}, matched {}, for review {}; data findings {}, guard findings {}",
        report.identities_minted,
        report.identities_matched,
        report.review.len(),
        report.findings.len(),
        report.guard.len()
    );
    outln!(
        "  released user fields (audit): {}",
        report.released.user_fields.join(", ")
    );
    let dir = out.join("mis-export");
    run.package
        .to_model()
        .write_dir(&dir)
        .map_err(|e| ("writing the exported package", e))?;
    // The run report sits beside the package, not inside it.
    std::fs::write(out.join("mis-export-report.json"), report.to_json())
        .map_err(|e| ("writing the run report", e))?;
    validate_and_print(&dir)
}
