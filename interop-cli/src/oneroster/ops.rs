//! `interop oneroster diff|apply|convert|generate`.
//!
//! Inputs are package directories or zip files; `--out` is a directory
//! (created if missing; catalogue files the result does not contain are
//! removed from it so the manifest never lies). Exit codes: 0 success, 1 the
//! operation found problems that prevent a correct result (nothing written
//! for diff/apply; convert still writes its best effort), 2 the command could
//! not run (usage, unreadable input, unwritable output).
//!
//! `diff` streams (memory bounded by the old snapshot's ids); `apply` and
//! `convert` hold the packages in memory.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use oneroster_model::{
    DeltaOutcome, DeltaWarning, DiffToDirError, FileKind, GenerateOptions, Generator, Package,
    ReadLimits, Severity, Version,
};

/// Package operation subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum OpsCommand {
    /// Diff two bulk snapshots into a delta package (changed/added rows
    /// `active`, removed rows `tobedeleted`, dateLastModified = now).
    Diff {
        /// The older bulk snapshot (directory or .zip).
        old: PathBuf,
        /// The newer bulk snapshot (directory or .zip).
        new: PathBuf,
        /// Where to write the delta package (a directory).
        #[arg(long)]
        out: PathBuf,
    },
    /// Apply a delta package to a bulk snapshot, writing the new bulk snapshot.
    Apply {
        /// The bulk snapshot (directory or .zip).
        base: PathBuf,
        /// The delta package (directory or .zip).
        delta: PathBuf,
        /// Where to write the resulting bulk package (a directory).
        #[arg(long)]
        out: PathBuf,
    },
    /// Convert a package between OneRoster 1.1 and 1.2.
    Convert {
        /// The package (directory or .zip).
        input: PathBuf,
        /// The target version: 1.1 or 1.2.
        #[arg(long, value_parser = parse_version)]
        to: Version,
        /// Where to write the converted package (a directory).
        #[arg(long)]
        out: PathBuf,
    },
    /// Write a synthetic multi-academy-trust bulk package (OneRoster 1.2).
    Generate {
        /// Number of schools (at least 1).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=9_999))]
        schools: u32,
        /// Seed: the same seed gives the same package.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Where to write the package (a directory).
        #[arg(long)]
        out: PathBuf,
    },
}

fn parse_version(s: &str) -> Result<Version, String> {
    Version::parse(s).map_err(|_| format!("`{s}` is not a OneRoster version (expected 1.1 or 1.2)"))
}

pub(crate) fn run(cmd: OpsCommand) -> ExitCode {
    match run_inner(cmd) {
        Ok(code) => code,
        Err(Fail(msg)) => {
            eprintln!("interop oneroster: {msg}");
            ExitCode::from(2)
        }
    }
}

/// A reason the command could not run (exit 2).
struct Fail(String);

fn read(path: &Path) -> Result<Package, Fail> {
    Package::read(path, ReadLimits::default()).map_err(|e| {
        Fail(format!(
            "cannot read {}: {} [{}]",
            path.display(),
            crate::out::with_causes(&e),
            e.code()
        ))
    })
}

fn write(pkg: &Package, out: &Path) -> Result<(), Fail> {
    let fail = |e: std::io::Error| Fail(format!("cannot write {}: {e}", out.display()));
    std::fs::create_dir_all(out).map_err(fail)?;
    remove_stale(out, |k| pkg.table(k).is_some()).map_err(fail)?;
    pkg.write_dir(out).map_err(fail)
}

/// Remove catalogue files the new package does not contain, so a reused
/// output directory never holds files its manifest declares absent.
fn remove_stale(out: &Path, keep: impl Fn(FileKind) -> bool) -> std::io::Result<()> {
    for &k in FileKind::ALL {
        let p = out.join(k.file_name());
        if !keep(k) && p.is_file() {
            std::fs::remove_file(p)?;
        }
    }
    Ok(())
}

/// A fresh staging directory next to `out` (same file system, so files can
/// be renamed into place).
fn staging_dir(out: &Path) -> Result<PathBuf, Fail> {
    let name = out
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let staging = out.with_file_name(format!(".{name}.partial-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging)
        .map_err(|e| Fail(format!("cannot write {}: {e}", staging.display())))?;
    Ok(staging)
}

/// Move the files of `staging` into `out`, first removing catalogue files
/// the new package does not contain.
fn publish(staging: &Path, out: &Path, keep: impl Fn(FileKind) -> bool) -> std::io::Result<()> {
    std::fs::create_dir_all(out)?;
    remove_stale(out, keep)?;
    for entry in std::fs::read_dir(staging)? {
        let entry = entry?;
        std::fs::rename(entry.path(), out.join(entry.file_name()))?;
    }
    Ok(())
}

fn print_warnings(warnings: &[DeltaWarning]) {
    for w in warnings {
        eprintln!("warning {}: {w}", w.code());
    }
}

fn summary(verb: &str, out: &Path, outcome: &DeltaOutcome) {
    outln!(
        "{verb} OneRoster {} package written to {}",
        outcome.package.version(),
        out.display()
    );
    for (kind, (a, _)) in &outcome.counts {
        outln!("  {:<32} {a} rows", kind.file_name());
    }
    if !outcome.warnings.is_empty() {
        outln!("  {} warning(s) on stderr", outcome.warnings.len());
    }
}

fn run_inner(cmd: OpsCommand) -> Result<ExitCode, Fail> {
    match cmd {
        OpsCommand::Diff { old, new, out } => {
            // Streaming: memory is bounded by the old snapshot's ids. Written
            // to a sibling staging directory first, so a failed diff leaves
            // `--out` untouched.
            let staging = staging_dir(&out)?;
            let result = oneroster_model::diff_to_dir(
                &old,
                &new,
                chrono::Utc::now(),
                &staging,
                ReadLimits::default(),
            );
            let summary = match result {
                Ok(s) => s,
                Err(e) => {
                    let _ = std::fs::remove_dir_all(&staging);
                    return match e {
                        DiffToDirError::Delta(e) => {
                            eprintln!("error {}: {e}", e.code());
                            Ok(ExitCode::from(1))
                        }
                        other => Err(Fail(format!(
                            "{} [{}]",
                            crate::out::with_causes(&other),
                            other.code()
                        ))),
                    };
                }
            };
            print_warnings(&summary.warnings);
            let moved = publish(&staging, &out, |k| summary.counts.contains_key(&k));
            let _ = std::fs::remove_dir_all(&staging);
            moved.map_err(|e| Fail(format!("cannot write {}: {e}", out.display())))?;
            outln!(
                "delta OneRoster {} package written to {}",
                summary.version.map_or("?", |v| v.as_str()),
                out.display()
            );
            for (kind, (a, b)) in &summary.counts {
                outln!("  {:<32} {a} active, {b} tobedeleted", kind.file_name());
            }
            if !summary.warnings.is_empty() {
                outln!("  {} warning(s) on stderr", summary.warnings.len());
            }
            Ok(ExitCode::SUCCESS)
        }
        OpsCommand::Apply { base, delta, out } => {
            let (base, delta) = (read(&base)?, read(&delta)?);
            match oneroster_model::apply(&base, &delta) {
                Ok(outcome) => {
                    print_warnings(&outcome.warnings);
                    write(&outcome.package, &out)?;
                    summary("bulk", &out, &outcome);
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("error {}: {e}", e.code());
                    Ok(ExitCode::from(1))
                }
            }
        }
        OpsCommand::Convert { input, to, out } => {
            let pkg = read(&input)?;
            let from = pkg.version();
            let outcome = oneroster_model::convert(&pkg, to);
            for i in &outcome.issues {
                eprintln!("{} {}: {i}", i.severity(), i.code());
            }
            write(&outcome.package, &out)?;
            let errors = outcome
                .issues
                .iter()
                .filter(|i| i.severity() == Severity::Error)
                .count();
            outln!(
                "converted OneRoster {from} to {to}: written to {} ({errors} error(s), {} warning(s))",
                out.display(),
                outcome.issues.len() - errors
            );
            Ok(if errors > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        OpsCommand::Generate { schools, seed, out } => {
            let g = Generator::new(GenerateOptions::new(schools).seed(seed));
            let fail = |e: std::io::Error| Fail(format!("cannot write {}: {e}", out.display()));
            std::fs::create_dir_all(&out).map_err(fail)?;
            let files = g.files();
            remove_stale(&out, |k| files.contains(&k)).map_err(fail)?;
            let s = g.write_dir(&out).map_err(fail)?;
            outln!(
                "generated a {schools}-school trust (OneRoster {}, seed {seed}) in {}",
                Version::V1_2,
                out.display()
            );
            for (kind, n) in &s.rows {
                outln!("  {:<32} {n} rows", kind.file_name());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
