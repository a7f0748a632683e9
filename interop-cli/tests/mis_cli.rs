//! `interop mis …` as external checks call it: JSON lines, files, exit codes.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod cli_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cli_support::assert_success;

fn interop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(args)
        .env_remove("MATHS_APP_KEY")
        .output()
        .expect("run interop")
}

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../mis-mapping")
        .join(rel)
}

fn lines(o: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}

fn report(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("report.json")).expect("report.json"))
        .expect("json")
}

/// Runs `interop mis check-id --kind <kind>` on `values`.
fn check_id(kind: &str, values: &[&str]) -> Output {
    let mut args = vec!["mis", "check-id", "--kind", kind];
    args.extend_from_slice(values);
    interop(&args)
}

/// Runs `interop mis generate` for `schools` synthetic schools from `seed` into `out`.
fn generate(schools: &str, seed: &str, out: &Path) -> Output {
    interop(&[
        "mis",
        "generate",
        "--schools",
        schools,
        "--seed",
        seed,
        "--out",
        out.to_str().unwrap(),
    ])
}

/// Runs `interop mis export --source <source> <input> --contract <contract> --out <out>`,
/// followed by the `extra` flags (`--as-of`, `--previous`, `--approve`).
fn export(source: &str, input: &Path, contract: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "mis",
        "export",
        "--source",
        source,
        input.to_str().unwrap(),
        "--contract",
        contract.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    interop(&args)
}

#[test]
fn check_id_json_lines_and_exit_codes() {
    let o = check_id("upn", &["B801200005001", "L20112342401A"]);
    assert_eq!(o.status.code(), Some(0));
    let l = lines(&o);
    assert_eq!(l.len(), 2);
    assert_eq!(
        l[0],
        serde_json::json!({"value": "B801200005001", "kind": "upn", "valid": true, "reason": null})
    );
    // The help-page UPN is wrong.
    let o = check_id("upn", &["P207000016049", "Q207000016049"]);
    assert_eq!(o.status.code(), Some(1));
    let l = lines(&o);
    assert_eq!(l[0]["valid"], true);
    assert_eq!(l[1]["valid"], false);
    assert!(l[1]["reason"].as_str().unwrap().contains("'P'"));
    for (kind, good, bad) in [
        ("uln", "1234567899", "9876543210"),
        ("scn", "051234561", "051234562"),
        ("laestab", "8201234", "820123"),
        ("urn", "100000", "10000x"),
    ] {
        let o = check_id(kind, &[good]);
        assert_eq!(o.status.code(), Some(0), "{kind} {good}");
        let o = check_id(kind, &[bad]);
        assert_eq!(o.status.code(), Some(1), "{kind} {bad}");
        assert_eq!(lines(&o)[0]["kind"], kind);
    }
    assert_eq!(interop(&["mis", "check-id"]).status.code(), Some(2));
    assert_eq!(check_id("nhs", &["1"]).status.code(), Some(2));
}

#[test]
fn generate_refuses_sizes_outside_its_bounds() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("g");
    for n in ["0", "1001", "-1", "many"] {
        let o = interop(&[
            "mis",
            "generate",
            "--schools",
            n,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2), "--schools {n}");
    }
    assert!(!out.exists(), "nothing is written on a usage error");
}

#[test]
fn generate_export_then_delta_and_guard() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    assert_success(&generate("2", "9", &src));
    for f in [
        "schools.csv",
        "pupils.csv",
        "staff.csv",
        "groups.csv",
        "memberships.csv",
    ] {
        assert!(src.join(f).is_file(), "{f}");
    }
    let contract = fixture("contracts/sample.toml");
    let out1 = tmp.path().join("out1");
    let o = export("csv", &src, &contract, &out1, &["--as-of", "2025-10-01"]);
    assert_success(&o);
    assert!(String::from_utf8_lossy(&o.stderr).contains("development pseudonym key"));
    for f in [
        "manifest.csv",
        "orgs.csv",
        "users.csv",
        "classes.csv",
        "enrollments.csv",
        "report.json",
    ] {
        assert!(out1.join(f).is_file(), "{f}");
    }
    let r = report(&out1);
    assert_eq!(r["verdict"], "written");
    assert_eq!(r["oneroster_validation"]["valid"], true);
    // Its own state beside the package is not a warning about the package.
    assert_eq!(
        r["oneroster_validation"]["warnings"], 0,
        "{}",
        r["oneroster_validation"]
    );
    assert_eq!(r["released"]["dev_pseudonym_key"], true);
    // The export folder (with its report.json) validates as a package: the
    // extra non-CSV file is only a warning.
    let v = interop(&[
        "oneroster",
        "validate",
        "--format",
        "json",
        out1.to_str().unwrap(),
    ]);
    assert_eq!(
        v.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&v.stdout)
    );
    assert!(String::from_utf8_lossy(&v.stdout).contains("package.unknown_file"));
    assert!(
        r["released"]["withheld"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "upn")
    );
    // Four months later: leavers and joiners → a delta.
    let out2 = tmp.path().join("out2");
    let delta_flags = [
        "--as-of",
        "2026-02-02",
        "--previous",
        out1.to_str().unwrap(),
    ];
    assert_success(&export("csv", &src, &contract, &out2, &delta_flags));
    let r = report(&out2);
    assert!(r["changes"]["users.csv"]["removed"].as_u64().unwrap() > 0);
    assert!(r["changes"]["users.csv"]["added"].as_u64().unwrap() > 0);
    assert_eq!(
        r["identities_minted"], 0,
        "everyone was known from the previous run"
    );
    let delta = std::fs::read_to_string(out2.join("delta/users.csv")).unwrap();
    assert!(delta.contains(",tobedeleted,2026-02-02T00:00:00.000Z,"));
    // A broken extract (one school's pupils missing) is quarantined: only report.json.
    let broken = tmp.path().join("broken");
    std::fs::create_dir_all(&broken).unwrap();
    for f in std::fs::read_dir(&src).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, broken.join(f.file_name().unwrap())).unwrap();
    }
    let pupils = std::fs::read_to_string(src.join("pupils.csv")).unwrap();
    let first_school = pupils
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(1)
        .unwrap()
        .to_owned();
    let kept: Vec<&str> = pupils
        .lines()
        .filter(|l| !l.contains(&format!(",{first_school},")))
        .collect();
    std::fs::write(broken.join("pupils.csv"), kept.join("\n")).unwrap();
    let out3 = tmp.path().join("out3");
    let o = export("csv", &broken, &contract, &out3, &delta_flags);
    assert_eq!(o.status.code(), Some(1));
    let names: Vec<_> = std::fs::read_dir(&out3)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("report.json")]);
    assert_eq!(report(&out3)["verdict"], "quarantined");
    // --approve writes it anyway.
    let approved = [delta_flags.as_slice(), &["--approve"]].concat();
    let o = export("csv", &broken, &contract, &out3, &approved);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(report(&out3)["verdict"], "approved");
    assert!(out3.join("users.csv").is_file());
}

#[test]
fn ctf_and_wonde_sources_and_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let contract = fixture("contracts/sample.toml");
    let as_of = ["--as-of", "2025-10-05"];
    let out = tmp.path().join("ctf");
    let o = export("ctf", &fixture("fixtures/ctf"), &contract, &out, &as_of);
    assert_success(&o);
    let r = report(&out);
    let codes: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"ctf.invalid_upn") && codes.contains(&"ctf.bad_date"),
        "{codes:?}"
    );
    let out = tmp.path().join("wonde");
    let wonde = fixture("fixtures/wonde");
    assert_success(&export("wonde", &wonde, &contract, &out, &as_of));
    assert_eq!(report(&out)["counts"]["users.csv"], 5);
    // Unreadable input → 2; unknown CTF version → 2; refused contract → 1.
    for (src, input) in [
        ("ctf", "fixtures/ctf/bad/malformed.xml"),
        ("ctf", "fixtures/ctf/bad/unknown-version.xml"),
        ("csv", "does-not-exist"),
    ] {
        let input = fixture(input);
        let o = export(src, &input, &contract, &tmp.path().join("x"), &[]);
        assert_eq!(o.status.code(), Some(2), "{input:?}");
    }
    let refused = fixture("contracts/refused.toml");
    let o = export("wonde", &wonde, &refused, &tmp.path().join("r"), &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("shoeSize"));
    let unknown_source = export("sims", Path::new("x"), &contract, Path::new("y"), &[]);
    assert_eq!(unknown_source.status.code(), Some(2));
}

#[test]
fn export_leaves_files_that_are_not_its_own_and_refuses_its_input_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    assert_success(&generate("1", "3", &src));
    let contract = fixture("contracts/sample.toml");
    let export_to = |out: &Path| {
        let o = export("csv", &src, &contract, out, &["--as-of", "2025-10-01"]);
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    // Writing into the input folder is refused before anything is touched.
    let (code, err) = export_to(&src);
    assert_eq!(code, Some(2), "{err}");
    assert!(src.join("pupils.csv").is_file());
    // An output folder with someone else's CSV and a stale package file:
    // the stale OneRoster file goes, the other CSV stays.
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("notes.csv"), "keep,me\n").unwrap();
    std::fs::write(out.join("demographics.csv"), "sourcedId\n").unwrap();
    let (code, err) = export_to(&out);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        std::fs::read_to_string(out.join("notes.csv")).unwrap(),
        "keep,me\n"
    );
    assert!(out.join("users.csv").is_file());
    // The sample contract releases no demographics: the stale file is gone.
    assert!(!out.join("demographics.csv").exists());
}

#[test]
fn a_closed_or_full_stdout_is_an_io_error_exit_2_not_a_panic() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let values: Vec<String> = (1..=20_000).map(|i| format!("B8012{i:08}")).collect();
    // The reader goes away after one line (`| head -1`).
    let mut child = Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(["mis", "check-id", "--kind", "upn"])
        .args(&values)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("{\"value\""), "{first}");
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"));
    // A full disk.
    if let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") {
        let o = Command::new(env!("CARGO_BIN_EXE_interop"))
            .args(["mis", "check-id", "--kind", "upn", "B801200005001"])
            .stdout(full)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("cannot write to standard output"), "{err}");
    }
}
