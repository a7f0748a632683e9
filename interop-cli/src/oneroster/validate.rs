//! `interop oneroster validate`.
//!
//! Exit codes: 0 no errors (warnings allowed), 1 errors found, 2 could not run.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use oneroster_model::{
    Finding, PackageSource, Profile, Progress, ReferenceMode, Report, RuleSet, ValidateOptions,
    validate_source,
};

/// Validation subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum ValidateCommand {
    /// Validate a package (directory or zip): archive, manifest, CSV syntax,
    /// table schema, fields, references and semantics.
    Validate {
        /// The package: a directory or a .zip file.
        input: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// How strictly to read the spec.
        #[arg(long, value_enum, default_value_t = ProfileArg::Strict)]
        profile: ProfileArg,
        /// Print at most N findings (all are still counted).
        #[arg(long, value_name = "N")]
        max_findings: Option<usize>,
        /// Optional rule sets (comma-separated).
        #[arg(long, value_enum, value_delimiter = ',')]
        rules: Vec<RulesArg>,
        /// Which rows have their references checked.
        #[arg(long, value_enum, default_value_t = ReferencesArg::BulkOnly)]
        references: ReferencesArg,
    },
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Human-readable, grouped by file.
    Text,
    /// One JSON object on stdout.
    Json,
}

/// Validation profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ProfileArg {
    /// The 1.2.1 text.
    Strict,
    /// Case-folded enums/booleans, date-only datetimes etc. become warnings.
    Lenient,
}

/// Optional rule sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum RulesArg {
    /// Grades must be CEDS codes.
    Ceds,
    /// Microsoft School Data Sync readiness.
    Sds,
}

/// Reference checking scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ReferencesArg {
    /// Rows of bulk files only.
    BulkOnly,
    /// Every row.
    AllRows,
}

/// Packages above this size get a progress bar (when stderr is a terminal).
const PROGRESS_THRESHOLD: u64 = 8 << 20;

pub(crate) fn run(cmd: ValidateCommand) -> ExitCode {
    let ValidateCommand::Validate {
        input,
        format,
        profile,
        max_findings,
        rules,
        references,
    } = cmd;
    let mut opts = ValidateOptions::new()
        .profile(match profile {
            ProfileArg::Strict => Profile::Strict,
            ProfileArg::Lenient => Profile::Lenient,
        })
        .references(match references {
            ReferencesArg::BulkOnly => ReferenceMode::BulkOnly,
            ReferencesArg::AllRows => ReferenceMode::AllRows,
        });
    if let Some(n) = max_findings {
        // keep only what will be printed (all findings are still counted)
        opts = opts.max_findings(n);
    }
    for r in rules {
        opts = opts.rule_set(match r {
            RulesArg::Ceds => RuleSet::CedsGrades,
            RulesArg::Sds => RuleSet::SdsReadiness,
        });
    }
    let mut src = match PackageSource::open(&input, opts.current_limits()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("interop oneroster validate: {}: {e}", input.display());
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                eprintln!("  caused by: {s}");
                source = s.source();
            }
            return ExitCode::from(2);
        }
    };
    let bar =
        (std::io::stderr().is_terminal() && src.total_size() >= PROGRESS_THRESHOLD).then(|| {
            let bar = indicatif::ProgressBar::new(src.total_size());
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} {msg:>24} [{bar:40}] {bytes}/{total_bytes} ({eta})",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar
        });
    let report = validate_source(&mut src, &opts, &mut |p: Progress| {
        if let Some(bar) = &bar {
            bar.set_length(p.bytes_total.max(p.bytes_done));
            bar.set_position(p.bytes_done);
            bar.set_message(p.file.file_name());
        }
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let out = match format {
        Format::Json => render_json(&report, max_findings),
        Format::Text => render_text(&report, &input, profile, max_findings),
    };
    crate::out::text(&out);
    if report.is_valid() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn shown(report: &Report, max: Option<usize>) -> &[Finding] {
    let all = report.findings();
    match max {
        Some(n) => all.get(..n.min(all.len())).unwrap_or(all),
        None => all,
    }
}

fn render_json(report: &Report, max: Option<usize>) -> String {
    let version = report.version().map(|v| v.as_str());
    let value = serde_json::json!({
        "valid": report.is_valid(),
        "version": version,
        "counts": report.counts(),
        "findings": shown(report, max),
    });
    let mut s = serde_json::to_string_pretty(&value).unwrap_or_else(|_| "{}".to_owned());
    s.push('\n');
    s
}

fn render_text(
    report: &Report,
    input: &std::path::Path,
    profile: ProfileArg,
    max: Option<usize>,
) -> String {
    use std::fmt::Write as _;
    let findings = shown(report, max);
    let mut out = String::new();
    let version = report.version().map_or("unknown", |v| v.as_str());
    let profile = match profile {
        ProfileArg::Strict => "strict",
        ProfileArg::Lenient => "lenient",
    };
    let _ = writeln!(
        out,
        "OneRoster {version} package {} ({profile} profile)",
        input.display()
    );
    // Group: package-level first, then files in the order the counts list them,
    // then any other file named by a finding.
    let mut groups: BTreeMap<usize, (String, Vec<&Finding>)> = BTreeMap::new();
    let mut order: Vec<String> = vec![String::new(), "manifest.csv".to_owned()];
    order.extend(report.counts().keys().cloned());
    // Files whose findings were all beyond --max-findings still get a section.
    for name in report.findings_per_file().keys() {
        if !order.contains(name) {
            order.push(name.clone());
        }
    }
    for f in findings {
        let key = f.file.clone().unwrap_or_default();
        let pos = match order.iter().position(|k| *k == key) {
            Some(p) => p,
            None => {
                order.push(key.clone());
                order.len() - 1
            }
        };
        groups
            .entry(pos)
            .or_insert_with(|| (key, Vec::new()))
            .1
            .push(f);
    }
    for (pos, name) in order.iter().enumerate() {
        let mut list: Vec<&Finding> = groups.get(&pos).map(|(_, l)| l.clone()).unwrap_or_default();
        list.sort_by_key(|f| f.line.unwrap_or(0));
        // Counted before the cap: a file is `ok` only when it truly had no finding.
        let total = report
            .findings_per_file()
            .get(name)
            .map_or(0, oneroster_model::FindingTally::total);
        let not_shown = total.saturating_sub(list.len() as u64);
        if name.is_empty() || (name == "manifest.csv" && !report.counts().contains_key(name)) {
            if total == 0 {
                continue;
            }
            let _ = writeln!(
                out,
                "\n{}",
                if name.is_empty() {
                    "package"
                } else {
                    name.as_str()
                }
            );
        } else {
            let rows = report
                .counts()
                .get(name)
                .map_or(String::new(), |n| format!(" ({n} rows)"));
            let status = if total == 0 { "  ok" } else { "" };
            let _ = writeln!(out, "\n{name}{rows}{status}");
        }
        for f in &list {
            let loc = match (f.line, &f.column) {
                (Some(l), Some(c)) => format!("line {l} [{c}]"),
                (Some(l), None) => format!("line {l}"),
                (None, Some(c)) => format!("[{c}]"),
                (None, None) => String::new(),
            };
            let mut detail = String::new();
            if let Some(a) = &f.actual {
                let _ = write!(detail, " found `{a}`");
            }
            if let Some(e) = &f.expected {
                let _ = write!(
                    detail,
                    "{}expected {e}",
                    if detail.is_empty() { " " } else { ", " }
                );
            }
            let _ = writeln!(
                out,
                "  {:<7} {:<38} {loc}: {}{}",
                f.severity.as_str(),
                f.code.as_str(),
                f.message,
                if detail.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", detail.trim_start())
                }
            );
        }
        if not_shown > 0 {
            let _ = writeln!(
                out,
                "  … {not_shown} more finding(s) not shown (--max-findings)"
            );
        }
    }
    let rows: u64 = report.counts().values().sum();
    let hidden = report.error_count() + report.warning_count() - findings.len() as u64;
    let _ = writeln!(
        out,
        "\nSummary: {} error(s), {} warning(s) in {} file(s), {rows} data row(s){}. {}",
        report.error_count(),
        report.warning_count(),
        report.counts().len(),
        if hidden > 0 {
            format!("; {hidden} finding(s) not shown (--max-findings)")
        } else {
            String::new()
        },
        if report.is_valid() {
            "VALID"
        } else {
            "INVALID"
        },
    );
    out
}
