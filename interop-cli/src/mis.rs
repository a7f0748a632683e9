//! `interop mis …`: UK identifiers, synthetic trusts, export to OneRoster.
//!
//! Exit codes: `check-id` 0 all valid, 1 any invalid; `generate` 0 written,
//! 2 usage or I/O; `export` 0 written, 1 quarantined by the sync guard or
//! contract refused, 2 usage or unreadable input.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::NaiveDate;
use mis_mapping::{
    AcademicYear, Approval, Contract, CtfRoster, Export, ExportRun, Finding, GeneratorConfig,
    IdKind, InMemoryIdentityMap, LaCodeList, MisSnapshot, OneRosterPackage, PseudonymKey, check_id,
    generate, read_csv_set, read_ctf, read_wonde, write_csv_set,
};
use serde_json::json;

/// Where the identity map lives inside an output folder (not part of the
/// OneRoster package; keyed digests only).
const STATE_DIR: &str = ".mis-state";
const STATE_FILE: &str = "identity.json";

/// MIS subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum MisCommand {
    /// Check UK identifiers; one JSON line per value. Exit 0 all valid, 1 any invalid.
    CheckId {
        /// The kind (guessed from the shape when omitted).
        #[arg(long, value_enum)]
        kind: Option<KindArg>,
        /// The values to check.
        #[arg(required = true)]
        values: Vec<String>,
    },
    /// Write the CSV export set of a synthetic trust.
    Generate {
        /// Number of schools (1 to 1,000: the whole trust is built in memory, ~1,100 people per school).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000))]
        schools: u32,
        /// Seed (same seed, same trust).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Pupils per school (about).
        #[arg(long, default_value_t = 1000, hide = true,
              value_parser = clap::value_parser!(u32).range(1..=5_000))]
        pupils_per_school: u32,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
    },
    /// Map an MIS extract to a OneRoster package under a data contract.
    Export {
        /// Input format.
        #[arg(long, value_enum)]
        source: SourceArg,
        /// The input: a CTF file or folder of them, a Wonde page folder, or a CSV export-set folder.
        input: PathBuf,
        /// The data contract (TOML).
        #[arg(long)]
        contract: PathBuf,
        /// The previous OneRoster package (for the delta and the sync guard).
        #[arg(long)]
        previous: Option<PathBuf>,
        /// Write even if the sync guard objects (recorded in the report).
        #[arg(long)]
        approve: bool,
        /// Snapshot date (default: today, UTC).
        #[arg(long, value_name = "YYYY-MM-DD")]
        as_of: Option<NaiveDate>,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
    },
}

/// `--kind` values.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub(crate) enum KindArg {
    Upn,
    Uln,
    Scn,
    Laestab,
    Urn,
    Ukprn,
}

impl From<KindArg> for IdKind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::Upn => Self::Upn,
            KindArg::Uln => Self::Uln,
            KindArg::Scn => Self::Scn,
            KindArg::Laestab => Self::LaEstab,
            KindArg::Urn => Self::Urn,
            KindArg::Ukprn => Self::Ukprn,
        }
    }
}

/// `--source` values.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub(crate) enum SourceArg {
    Ctf,
    Wonde,
    Csv,
}

pub(crate) fn run(cmd: MisCommand) -> ExitCode {
    match cmd {
        MisCommand::CheckId { kind, values } => check_ids(kind.map(IdKind::from), &values),
        MisCommand::Generate {
            schools,
            seed,
            pupils_per_school,
            out,
        } => generate_cmd(schools, seed, pupils_per_school, &out),
        MisCommand::Export {
            source,
            input,
            contract,
            previous,
            approve,
            as_of,
            out,
        } => export_cmd(&ExportArgs {
            source,
            input,
            contract,
            previous,
            approve,
            as_of,
            out,
        }),
    }
}

fn check_ids(kind: Option<IdKind>, values: &[String]) -> ExitCode {
    let list = LaCodeList::builtin();
    let mut all_valid = true;
    for v in values {
        let line = match kind.or_else(|| IdKind::infer(v)) {
            Some(k) => {
                let c = check_id(k, v, &list);
                for w in &c.warnings {
                    eprintln!("warning: {v}: {w}");
                }
                let reason = c.result.as_ref().err().map(ToString::to_string);
                all_valid &= reason.is_none();
                json!({"value": v, "kind": k.as_str(), "valid": reason.is_none(), "reason": reason})
            }
            None => {
                all_valid = false;
                json!({"value": v, "kind": "unknown", "valid": false,
                       "reason": "cannot tell the kind from the value; pass --kind"})
            }
        };
        outln!("{line}");
    }
    if all_valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn write_files(dir: &Path, files: &[(String, Vec<u8>)]) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    for (name, bytes) in files {
        fs::write(dir.join(name), bytes)?;
    }
    Ok(())
}

fn generate_cmd(schools: u32, seed: u64, pupils: u32, out: &Path) -> ExitCode {
    let (Ok(schools), Ok(pupils)) = (usize::try_from(schools), usize::try_from(pupils)) else {
        eprintln!("error: --schools is too large for this platform");
        return ExitCode::from(2);
    };
    let snap = generate(&GeneratorConfig::new(schools, seed).pupils_per_school(pupils));
    if let Err(e) = write_files(out, &write_csv_set(&snap)) {
        eprintln!("error: cannot write {}: {e}", out.display());
        return ExitCode::from(2);
    }
    let pupils = snap
        .people
        .iter()
        .filter(|p| p.role == mis_mapping::PersonRole::Pupil)
        .count();
    outln!(
        "{}",
        json!({"schools": snap.schools.len(), "pupil_records": pupils, "people": snap.people.len(),
               "groups": snap.groups.len(), "memberships": snap.memberships.len(), "out": out.display().to_string()})
    );
    ExitCode::SUCCESS
}

struct ExportArgs {
    source: SourceArg,
    input: PathBuf,
    contract: PathBuf,
    previous: Option<PathBuf>,
    approve: bool,
    as_of: Option<NaiveDate>,
    out: PathBuf,
}

/// Read every file with one of `exts` in a folder (or the file itself).
fn read_inputs(path: &Path, exts: &[&str]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let meta = fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut out = Vec::new();
    let mut paths = Vec::new();
    if meta.is_dir() {
        let rd = fs::read_dir(path).map_err(|e| format!("cannot list {}: {e}", path.display()))?;
        for entry in rd.flatten() {
            let p = entry.path();
            let ok = p
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| exts.iter().any(|x| x.eq_ignore_ascii_case(e)));
            if ok && p.is_file() {
                paths.push(p);
            }
        }
        paths.sort();
    } else {
        paths.push(path.to_path_buf());
    }
    for p in paths {
        let bytes = fs::read(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        out.push((name, bytes));
    }
    if out.is_empty() {
        return Err(format!("no {} files in {}", exts.join("/"), path.display()));
    }
    Ok(out)
}

fn read_source(a: &ExportArgs, as_of: NaiveDate) -> Result<(MisSnapshot, Vec<Finding>), String> {
    match a.source {
        SourceArg::Csv => {
            let files = read_inputs(&a.input, &["csv"])?;
            read_csv_set(files.iter().map(|(n, b)| (n.as_str(), b.as_slice())))
                .map(|s| (s, Vec::new()))
                .map_err(|e| format!("{} [{}]", e, e.code()))
        }
        SourceArg::Wonde => {
            let files = read_inputs(&a.input, &["json"])?;
            read_wonde(
                files.iter().map(|(n, b)| (n.as_str(), b.as_slice())),
                AcademicYear::containing(as_of),
            )
            .map(|w| (w.snapshot, w.findings))
            .map_err(|e| format!("{} [{}]", e, e.code()))
        }
        SourceArg::Ctf => {
            let files = read_inputs(&a.input, &["xml"])?;
            let mut snap = MisSnapshot::new();
            let mut findings = Vec::new();
            for (name, bytes) in &files {
                let ctf = read_ctf(bytes, CtfRoster::Source)
                    .map_err(|e| format!("{name}: {e} [{}]", e.code()))?;
                let s = ctf.snapshot;
                for school in s.schools {
                    if !snap.schools.iter().any(|x| x.laestab == school.laestab) {
                        snap.schools.push(school);
                    }
                }
                snap.people.extend(s.people);
                for g in s.groups {
                    if !snap
                        .groups
                        .iter()
                        .any(|x| x.school == g.school && x.id == g.id)
                    {
                        snap.groups.push(g);
                    }
                }
                snap.memberships.extend(s.memberships);
                snap.capabilities = s.capabilities;
                findings.extend(ctf.findings.into_iter().map(|mut f| {
                    f.location.source = name.clone();
                    f
                }));
            }
            Ok((snap, findings))
        }
    }
}

fn export_cmd(a: &ExportArgs) -> ExitCode {
    // Writing the package into the input folder would mix the two (and
    // replace any input file that has a OneRoster name).
    if let (Ok(i), Ok(o)) = (a.input.canonicalize(), a.out.canonicalize())
        && i == o
    {
        eprintln!(
            "error: --out {} is the input's own folder: choose another directory",
            a.out.display()
        );
        return ExitCode::from(2);
    }
    let contract_text = match fs::read_to_string(&a.contract) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read contract {}: {e}", a.contract.display());
            return ExitCode::from(2);
        }
    };
    let contract = match Contract::from_toml(&contract_text) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: contract refused: {e} [{}]", e.code());
            let report = json!({"verdict": "refused", "contract": a.contract.display().to_string(),
                                "error": {"code": e.code(), "message": e.to_string()}});
            if fs::create_dir_all(&a.out).is_ok() {
                let _ = fs::write(a.out.join("report.json"), format!("{report:#}\n"));
            }
            return ExitCode::from(1);
        }
    };
    let key = match contract
        .pseudonym_key_env
        .as_deref()
        .and_then(|v| std::env::var(v).ok())
        .filter(|v| !v.is_empty())
    {
        Some(secret) => PseudonymKey::from_secret(secret.as_bytes()),
        None => {
            eprintln!(
                "warning: {} is not set: using the built-in development pseudonym key (not for real consumers)",
                contract
                    .pseudonym_key_env
                    .as_deref()
                    .unwrap_or("pseudonym_key_env")
            );
            PseudonymKey::insecure_dev()
        }
    };
    let as_of = a.as_of.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let (snap, adapter_findings) = match read_source(a, as_of) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    // Previous package and identity map.
    let mut ids = InMemoryIdentityMap::new();
    let previous = match &a.previous {
        None => None,
        Some(p) => {
            let model =
                match oneroster_model::Package::read(p, oneroster_model::ReadLimits::default()) {
                    Ok(m) => m,
                    Err(e) => {
                        eprintln!(
                            "error: cannot read previous package {}: {}",
                            p.display(),
                            crate::out::with_causes(&e)
                        );
                        return ExitCode::from(2);
                    }
                };
            let state = p.join(STATE_DIR).join(STATE_FILE);
            match fs::File::open(&state) {
                Ok(f) => match InMemoryIdentityMap::read_json(std::io::BufReader::new(f)) {
                    Ok(m) => ids = m,
                    Err(e) => {
                        eprintln!(
                            "error: identity map {}: {e} [{}]",
                            state.display(),
                            e.code()
                        );
                        return ExitCode::from(2);
                    }
                },
                Err(_) => eprintln!(
                    "warning: no identity map at {}: people get new ids (the sync guard will compare)",
                    state.display()
                ),
            }
            Some(OneRosterPackage::from_model(&model))
        }
    };
    let mut export = Export::new(&contract, &key, as_of).approval(if a.approve {
        Approval::Granted
    } else {
        Approval::Required
    });
    if let Some(p) = &previous {
        export = export.previous(p);
    }
    let mut run = export.run(&snap, &mut ids);
    run.report.findings.splice(0..0, adapter_findings);
    let quarantined = run.is_quarantined();
    match write_outputs(a, &run, &ids, quarantined) {
        Ok(validation) => {
            outln!(
                "{}",
                json!({"verdict": run.report.verdict, "out": a.out.display().to_string(),
                       "counts": run.report.counts, "guard_findings": run.report.guard.len(),
                       "findings": run.report.findings.len(), "review": run.report.review.len(),
                       "validation": validation})
            );
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", a.out.display());
            return ExitCode::from(2);
        }
    }
    if quarantined {
        eprintln!(
            "quarantined: the sync guard found {} problem(s); nothing but report.json was written (re-run with --approve to write anyway)",
            run.report.guard.len()
        );
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Write the package (unless quarantined), the delta, the identity map and
/// `report.json`; returns the oneroster-model validation summary.
fn write_outputs(
    a: &ExportArgs,
    run: &ExportRun,
    ids: &InMemoryIdentityMap,
    quarantined: bool,
) -> std::io::Result<serde_json::Value> {
    fs::create_dir_all(&a.out)?;
    let mut validation = serde_json::Value::Null;
    if !quarantined {
        // Remove the files of an older package so absent files stay absent;
        // only OneRoster's own file names: anything else in --out is not ours.
        let ours = oneroster_model::FileKind::ALL
            .iter()
            .map(|k| k.file_name())
            .chain(["manifest.csv"]);
        for name in ours {
            let p = a.out.join(name);
            if p.is_file() {
                fs::remove_file(&p)?;
            }
        }
        let delta_dir = a.out.join("delta");
        if delta_dir.is_dir() {
            fs::remove_dir_all(&delta_dir)?;
        }
        let model = run.package.to_model();
        model.write_dir(&a.out)?;
        if let Some(d) = &run.delta {
            d.to_model().write_dir(&delta_dir)?;
        }
        let state = a.out.join(STATE_DIR);
        fs::create_dir_all(&state)?;
        let f = fs::File::create(state.join(STATE_FILE))?;
        ids.write_json(std::io::BufWriter::new(f))
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let report =
            oneroster_model::validate_path(&a.out, &oneroster_model::ValidateOptions::new())
                .map_err(|e| std::io::Error::other(e.to_string()))?;
        // The export's own extra entries (identity state, delta, report)
        // are expected beside the package: not warnings about it.
        let own = report
            .findings()
            .iter()
            .filter(|f| {
                f.code == oneroster_model::Code::PackageUnknownFile
                    && f.file.as_deref().is_some_and(|n| {
                        let top = n.split(['/', '\\']).next().unwrap_or(n);
                        [STATE_DIR, "delta", "report.json"].contains(&top)
                    })
            })
            .count() as u64;
        validation = json!({"valid": report.is_valid(), "errors": report.error_count(),
                            "warnings": report.warning_count().saturating_sub(own)});
    }
    let mut report = serde_json::to_value(&run.report).map_err(std::io::Error::other)?;
    if let Some(obj) = report.as_object_mut() {
        obj.insert("oneroster_validation".into(), validation.clone());
    }
    fs::write(a.out.join("report.json"), format!("{report:#}\n"))?;
    Ok(validation)
}
