//! mis-mapping through its public API: lifecycle, identity across runs,
//! MAT structure, the sync guard, contracts, and bad input.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use chrono::NaiveDate;
use mis_mapping::{
    Approval, Contract, EnrolStatus, Enrolment, Export, GeneratorConfig, Group, GroupKind,
    Identifier, IdentifierKind, InMemoryIdentityMap, LaEstab, MemberRole, Membership, MisSnapshot,
    Names, OneRosterPackage, Person, PersonRole, PseudonymKey, School, Verdict, WITHHELD_NAME,
    generate,
};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn contract(extra: &str) -> Contract {
    Contract::from_toml(&format!(
        "consumer = \"test-app\"\nuser_fields = [\"givenName\", \"familyName\", \"grades\"]\ngroup_kinds = [\"teaching\", \"registration\"]\n{extra}"
    ))
    .unwrap()
}

fn col<'a>(pkg: &'a OneRosterPackage, file: &str, row: &'a [String], name: &str) -> &'a str {
    let t = pkg.table(file).unwrap();
    &row[t.column(name).unwrap()]
}

fn user_ids(pkg: &OneRosterPackage) -> Vec<String> {
    pkg.table("users")
        .map(|t| t.rows.iter().map(|r| r[0].clone()).collect())
        .unwrap_or_default()
}

fn school(n: &str) -> LaEstab {
    LaEstab::parse(n).unwrap()
}

/// A one-school snapshot with one pupil (UPN given), one teacher, one class.
fn small(pupil_mis: &str, upn: &str, enrol: Enrolment) -> MisSnapshot {
    let sch = school("8201234");
    let mut snap = MisSnapshot::new();
    snap.schools.push(School::new(sch.clone(), "Elm Academy"));
    let mut p = Person::new(
        pupil_mis,
        sch.clone(),
        PersonRole::Pupil,
        Names::new("Ada", "Lovelace"),
    );
    p.dob = Some(d("2012-03-04"));
    p.identifiers
        .push(Identifier::new(IdentifierKind::Upn, upn));
    p.enrolments.push(enrol);
    snap.people.push(p);
    let mut t = Person::new(
        "T1",
        sch.clone(),
        PersonRole::Teacher,
        Names::new("Tom", "Ng"),
    );
    t.email = Some("t.ng@elm.example".into());
    snap.people.push(t);
    let mut g = Group::new(
        "G1",
        sch.clone(),
        GroupKind::Teaching,
        "8x/Ma1",
        mis_mapping::AcademicYear::starting(2025),
    );
    g.subject = Some("Mathematics".into());
    snap.groups.push(g);
    snap.memberships.push(Membership::new(
        sch.clone(),
        "G1",
        pupil_mis,
        MemberRole::Pupil,
    ));
    snap.memberships
        .push(Membership::new(sch, "G1", "T1", MemberRole::Lead));
    snap
}

fn enrol(from: &str, to: Option<&str>) -> Enrolment {
    let mut e = Enrolment::new(school("8201234"), EnrolStatus::Current, Some(d(from)));
    e.to = to.map(d);
    e
}

#[test]
fn returning_pupil_gets_the_same_sourced_id_after_an_mis_migration() {
    let c = contract("");
    let key = PseudonymKey::from_secret(b"test secret");
    let mut ids = InMemoryIdentityMap::new();
    let upn = "B801200005001";
    let r1 = Export::new(&c, &key, d("2025-10-01"))
        .run(&small("101", upn, enrol("2025-09-03", None)), &mut ids);
    let first = user_ids(&r1.package);
    assert_eq!(first.len(), 2);
    // Leaves on 2025-10-10; grace 0 → gone and tombstoned by 2025-11-01.
    let r2 = Export::new(&c, &key, d("2025-11-01"))
        .previous(&r1.package)
        .approval(Approval::Granted)
        .run(
            &small("101", upn, enrol("2025-09-03", Some("2025-10-10"))),
            &mut ids,
        );
    assert_eq!(user_ids(&r2.package).len(), 1);
    assert_eq!(r2.report.lifecycle.tombstoned, 1);
    assert_eq!(r2.report.changes.as_ref().unwrap()["users.csv"].removed, 1);
    let delta = r2.delta.as_ref().unwrap().table("users").unwrap();
    assert!(delta.rows.iter().any(|r| r[1] == "tobedeleted"));
    // Returns in January, after the school moved to another MIS (new MIS id).
    let r3 = Export::new(&c, &key, d("2026-01-12"))
        .previous(&r2.package)
        .run(&small("NEW-9", upn, enrol("2026-01-05", None)), &mut ids);
    assert_eq!(r3.report.lifecycle.resurrected, 1);
    assert_eq!(
        user_ids(&r3.package),
        first,
        "same sourcedIds after return + migration"
    );
    assert!(r3.report.review.is_empty());
}

#[test]
fn leaver_grace_and_joiner_lead_time() {
    let c = contract("include = { leavers_days = 14 }\n[lifecycle]\njoiner_lead_days = 7");
    let key = PseudonymKey::insecure_dev();
    // Left 2025-10-10, as of 2025-10-20: within 14 days' grace → released, disabled.
    let r = Export::new(&c, &key, d("2025-10-20")).run(
        &small(
            "1",
            "B801200005001",
            enrol("2025-09-03", Some("2025-10-10")),
        ),
        &mut InMemoryIdentityMap::new(),
    );
    let t = r.package.table("users").unwrap();
    let pupil = t
        .rows
        .iter()
        .find(|row| col(&r.package, "users", row, "role") == "student")
        .unwrap();
    assert_eq!(col(&r.package, "users", pupil, "enabledUser"), "false");
    assert_eq!(r.report.lifecycle.leavers_in_grace, 1);
    // Starts 2025-11-05, as of 2025-11-01: within 7 days' lead → released early.
    let r = Export::new(&c, &key, d("2025-11-01")).run(
        &small("1", "B801200005001", enrol("2025-11-05", None)),
        &mut InMemoryIdentityMap::new(),
    );
    assert_eq!(r.report.lifecycle.joiners_early, 1);
    // …but not 10 days before.
    let r = Export::new(&c, &key, d("2025-10-26")).run(
        &small("1", "B801200005001", enrol("2025-11-05", None)),
        &mut InMemoryIdentityMap::new(),
    );
    assert_eq!(user_ids(&r.package).len(), 1);
}

#[test]
fn trust_structure_shared_staff_and_dual_registration() {
    let trust = generate(&GeneratorConfig::new(3, 11).pupils_per_school(150));
    let c = contract("");
    let r = Export::new(&c, &PseudonymKey::insecure_dev(), d("2025-10-01"))
        .run(&trust, &mut InMemoryIdentityMap::new());
    let p = &r.package;
    let orgs = p.table("orgs").unwrap();
    let district = orgs
        .rows
        .iter()
        .find(|row| col(p, "orgs", row, "type") == "district")
        .unwrap();
    let schools: Vec<_> = orgs
        .rows
        .iter()
        .filter(|row| col(p, "orgs", row, "type") == "school")
        .collect();
    assert_eq!(schools.len(), 3);
    assert!(
        schools
            .iter()
            .all(|s| col(p, "orgs", s, "parentSourcedId") == district[0])
    );
    // Per-school sessions: a schoolYear for each school.
    let years = p
        .table("academicSessions")
        .unwrap()
        .rows
        .iter()
        .filter(|row| col(p, "academicSessions", row, "type") == "schoolYear")
        .count();
    assert_eq!(years, 3);
    // The trust data manager and shared teachers: one user, several orgs.
    let users = p.table("users").unwrap();
    let multi = users
        .rows
        .iter()
        .filter(|row| col(p, "users", row, "orgSourcedIds").contains(','))
        .count();
    assert!(r.report.lifecycle.shared_staff >= 3 && r.report.lifecycle.dual_registered >= 1);
    assert_eq!(
        multi,
        r.report.lifecycle.shared_staff + r.report.lifecycle.dual_registered
    );
    // Default deny: no emails, no UPNs, pseudonymous 32-hex ids.
    assert!(
        users
            .column("email")
            .map(|i| users.rows.iter().all(|row| row[i].is_empty()))
            .unwrap()
    );
    assert!(
        users
            .rows
            .iter()
            .all(|row| row[0].len() == 32 && row[0].bytes().all(|b| b.is_ascii_hexdigit()))
    );
    assert!(
        users
            .rows
            .iter()
            .all(|row| col(p, "users", row, "userIds").is_empty())
    );
    assert_eq!(r.report.released.sensitive.len(), 0);
    // Deterministic: same input, same package.
    let again = Export::new(&c, &PseudonymKey::insecure_dev(), d("2025-10-01"))
        .run(&trust, &mut InMemoryIdentityMap::new());
    assert_eq!(again.package, r.package);
    // And it validates under oneroster-model's strict profile.
    let zip = r.package.to_model().to_zip_bytes().unwrap();
    let report =
        oneroster_model::validate_zip_bytes(zip, &oneroster_model::ValidateOptions::new()).unwrap();
    assert!(report.is_valid(), "{:?}", report.findings());
}

#[test]
fn sensitive_fields_only_when_named_and_version_1_2_roles() {
    let trust = generate(&GeneratorConfig::new(1, 3).pupils_per_school(40));
    let c = Contract::from_toml(
        "consumer = \"sen-tool\"\noneroster_version = \"1.2\"\nuser_fields = [\"givenName\", \"familyName\", \"upn\", \"birthDate\", \"sen\"]\ngroup_kinds = [\"registration\"]",
    )
    .unwrap();
    let r = Export::new(&c, &PseudonymKey::insecure_dev(), d("2025-10-01"))
        .run(&trust, &mut InMemoryIdentityMap::new());
    let p = &r.package;
    let users = p.table("users").unwrap();
    assert!(
        users.column("orgSourcedIds").is_none(),
        "1.2 users have no orgSourcedIds"
    );
    assert!(users.column("metadata.uk.sen").is_some());
    assert!(users.column("metadata.uk.ethnicity").is_none());
    assert!(
        users
            .rows
            .iter()
            .any(|row| col(p, "users", row, "userIds").starts_with("{UPN:"))
    );
    let roles = p.table("roles").unwrap();
    assert!(roles.rows.len() >= users.rows.len());
    let demo = p.table("demographics").unwrap();
    assert!(
        demo.rows
            .iter()
            .all(|row| col(p, "demographics", row, "sex").is_empty())
    );
    assert!(
        demo.rows
            .iter()
            .any(|row| !col(p, "demographics", row, "birthDate").is_empty())
    );
    assert_eq!(r.report.released.sensitive, vec!["birthDate", "upn", "sen"]);
    assert!(
        p.table("classes")
            .unwrap()
            .rows
            .iter()
            .all(|row| col(p, "classes", row, "classType") == "homeroom")
    );
    let zip = p.to_model().to_zip_bytes().unwrap();
    let report =
        oneroster_model::validate_zip_bytes(zip, &oneroster_model::ValidateOptions::new()).unwrap();
    assert!(report.is_valid(), "{:?}", report.findings());
}

#[test]
fn a_contract_that_withholds_names_still_writes_a_valid_package() {
    let trust = generate(&GeneratorConfig::new(1, 4).pupils_per_school(30));
    for version in ["1.1", "1.2"] {
        let c = Contract::from_toml(&format!(
            "consumer = \"pseudonymous-app\"\noneroster_version = \"{version}\"\ngroup_kinds = [\"teaching\"]"
        ))
        .unwrap();
        let r = Export::new(&c, &PseudonymKey::insecure_dev(), d("2025-10-01"))
            .run(&trust, &mut InMemoryIdentityMap::new());
        let p = &r.package;
        let users = p.table("users").unwrap();
        assert!(!users.rows.is_empty());
        for row in &users.rows {
            assert_eq!(col(p, "users", row, "givenName"), WITHHELD_NAME);
            assert_eq!(col(p, "users", row, "familyName"), WITHHELD_NAME);
        }
        // No real name of the trust appears anywhere in the package.
        let surnames: std::collections::HashSet<&str> = trust
            .people
            .iter()
            .map(|person| person.names.legal_surname.as_str())
            .collect();
        for t in ["users", "classes", "orgs"] {
            for row in &p.table(t).unwrap().rows {
                assert!(row.iter().all(|cell| !surnames.contains(cell.as_str())));
            }
        }
        assert!(r.report.released.withheld.contains(&"givenName"));
        let zip = p.to_model().to_zip_bytes().unwrap();
        let report =
            oneroster_model::validate_zip_bytes(zip, &oneroster_model::ValidateOptions::new())
                .unwrap();
        assert!(report.is_valid(), "{version}: {:?}", report.findings());
    }
}

#[test]
fn guard_quarantines_a_vanishing_school_and_mass_nulls() {
    let trust = generate(&GeneratorConfig::new(3, 5).pupils_per_school(120));
    let c = contract("");
    let key = PseudonymKey::insecure_dev();
    let mut ids = InMemoryIdentityMap::new();
    let base = Export::new(&c, &key, d("2025-10-01")).run(&trust, &mut ids);
    assert_eq!(base.report.verdict, Verdict::Written);
    // Same data a day later: nothing to guard.
    let same = Export::new(&c, &key, d("2025-10-02"))
        .previous(&base.package)
        .run(&trust, &mut ids.clone());
    assert_eq!(same.report.verdict, Verdict::Written);
    assert!(same.delta.as_ref().unwrap().tables().next().is_none());
    // One school missing from the extract.
    let mut broken = trust.clone();
    let gone = broken.schools.remove(0).laestab;
    broken.people.retain(|p| p.school != gone);
    let r = Export::new(&c, &key, d("2025-10-02"))
        .previous(&base.package)
        .run(&broken, &mut ids.clone());
    assert!(r.is_quarantined());
    let codes: Vec<_> = r.report.guard.iter().map(|f| f.code).collect();
    assert!(codes.contains(&"guard.school_vanished"), "{codes:?}");
    assert!(codes.contains(&"guard.mass_removal"), "{codes:?}");
    assert!(codes.contains(&"guard.class_vanished"), "{codes:?}");
    // Approved: written, and the report says so.
    let r = Export::new(&c, &key, d("2025-10-02"))
        .previous(&base.package)
        .approval(Approval::Granted)
        .run(&broken, &mut ids.clone());
    assert_eq!(r.report.verdict, Verdict::Approved);
    // Names suppressed (lost MIS permission) → field going null en masse.
    let mut nameless = trust.clone();
    for p in &mut nameless.people {
        p.names.legal_surname.clear();
    }
    let r = Export::new(&c, &key, d("2025-10-02"))
        .previous(&base.package)
        .run(&nameless, &mut ids.clone());
    assert!(
        r.report
            .guard
            .iter()
            .any(|f| f.code == "guard.field_nulled")
    );
    // Academic year changes in November: outside the rollover window.
    let r = Export::new(&c, &key, d("2026-11-02"))
        .previous(&base.package)
        .approval(Approval::Granted)
        .run(&trust, &mut ids.clone());
    let f = r
        .report
        .guard
        .iter()
        .find(|f| f.code == "guard.year_changed_outside_window")
        .unwrap();
    // Read by support staff: plain lists, no Rust Debug brackets or quotes.
    assert!(
        f.message.contains("outside rollover months 7, 8, 9"),
        "{}",
        f.message
    );
    assert!(
        !f.message.contains('[') && !f.message.contains('"'),
        "{}",
        f.message
    );
}

#[test]
fn bad_input_becomes_findings_not_panics() {
    let sch = school("8201234");
    let mut snap = small(
        "1",
        "Q207000016049",
        enrol("2025-09-03", Some("2025-01-01")),
    );
    // Duplicate record, contradictory dates, promotion cycle, dangling membership.
    let dup = snap.people[0].clone();
    snap.people.push(dup);
    let mut a = Group::new(
        "A",
        sch.clone(),
        GroupKind::Registration,
        "7A",
        mis_mapping::AcademicYear::starting(2025),
    );
    a.promoted_to = Some("B".into());
    let mut b = Group::new(
        "B",
        sch.clone(),
        GroupKind::Registration,
        "8A",
        mis_mapping::AcademicYear::starting(2026),
    );
    b.promoted_to = Some("A".into());
    let mut late = Group::new(
        "L",
        sch.clone(),
        GroupKind::Teaching,
        "x",
        mis_mapping::AcademicYear::starting(2025),
    );
    late.from = Some(d("2026-01-01"));
    late.to = Some(d("2025-01-01"));
    snap.groups.extend([a, b, late]);
    snap.memberships
        .push(Membership::new(sch, "G1", "ghost", MemberRole::Pupil));
    let r = Export::new(
        &contract(""),
        &PseudonymKey::insecure_dev(),
        d("2025-10-01"),
    )
    .run(&snap, &mut InMemoryIdentityMap::new());
    let codes: Vec<_> = r.report.findings.iter().map(|f| f.code).collect();
    for want in [
        "person.invalid_upn",
        "person.duplicate_record",
        "person.dates_contradict",
        "group.promotion_cycle",
        "group.dates_contradict",
        "membership.unknown_person",
    ] {
        assert!(codes.contains(&want), "{want} missing from {codes:?}");
    }
    assert!(r.report.findings.iter().all(|f| f.location.key.is_some()));
}

#[test]
fn rollover_promotion_links_carry_class_identity_in_metadata() {
    let sch = school("8201234");
    let mut snap = small("1", "B801200005001", enrol("2024-09-03", None));
    let mut old = Group::new(
        "OLD",
        sch.clone(),
        GroupKind::Teaching,
        "7x/Ma1",
        mis_mapping::AcademicYear::starting(2024),
    );
    old.promoted_to = Some("G1".into());
    snap.groups.push(old);
    let r = Export::new(
        &contract(""),
        &PseudonymKey::insecure_dev(),
        d("2025-10-01"),
    )
    .run(&snap, &mut InMemoryIdentityMap::new());
    let p = &r.package;
    let classes = p.table("classes").unwrap();
    assert_eq!(classes.rows.len(), 1, "only the current year's class");
    let row = &classes.rows[0];
    assert_eq!(
        col(p, "classes", row, "metadata.uk.promotedFrom"),
        "class-8201234-2024-teaching-7x_Ma1"
    );
    assert_eq!(col(p, "classes", row, "termSourcedIds"), "ay-8201234-2025");
    assert!(
        r.report
            .findings
            .iter()
            .all(|f| f.code != "group.promotion_cycle")
    );
}
