//! Typed OneRoster 1.1 / 1.2: the CSV binding's file catalogue, packages read
//! from directories or zips and written deterministically, and layered
//! streaming validation with stable finding codes.
//!
//! What it does not do: no network, no clock, no randomness. The only I/O is
//! reading a package from a directory or zip ([`PackageSource`], [`Package::read`])
//! and writing one ([`Package::write_dir`], [`Package::write_zip`]).
//!
//! # Contents
//! - [`schema`](FileKind::columns): every file and column of 1.1 and 1.2 in
//!   spec order, with [`Requirement`], [`FieldType`], [`Vocabulary`] and reference targets.
//! - Vocabularies as enums ([`OrgType`], [`Role`], …) with `ext:` arms where allowed.
//! - [`SourcedId`] and [`GuidRef`].
//! - [`Package`]: manifest + [`Table`]s + other files, read from a directory or a
//!   zip under [`ReadLimits`], written deterministically and losslessly.
//! - [`TableReader`]: a streaming CSV reader for one file.
//! - [`validate_path`] / [`validate_source`]: layered streaming validation
//!   ([`ValidateOptions`], [`Profile`], [`RuleSet`]) into a [`Report`] of
//!   [`Finding`]s with stable [`Code`]s.
//! - Typed entities ([`Org`], [`UserV1p2`], [`Enrollment`], …) with a CSV
//!   binding ([`Record`]) and the REST JSON shapes ([`parse_collection`],
//!   [`StatusInfo`]).
//! - [`diff`] / [`diff_to_dir`]: two bulk snapshots → a delta package
//!   (`tobedeleted` for removals); [`apply`]: a delta onto a bulk snapshot.
//!   `apply(base, diff(base, next)) == next` is a property test.
//! - [`convert`]: 1.1 ↔ 1.2 (users.role/orgSourcedIds ↔ roles.csv, line item
//!   sessions), with a [`ConvertIssue`] for everything that cannot be carried.
//! - [`generate`] / [`Generator`]: a synthetic, valid multi-academy-trust bulk
//!   package, deterministic per seed, streamed to disk.
//!
//! # Example
//! ```
//! use oneroster_model::{FileKind, FileMode, Package, ReadLimits, Version};
//!
//! // Build a tiny 1.2 package, write it as a zip, read it back.
//! let mut pkg = Package::new(Version::V1_2);
//! pkg.table_mut(FileKind::Orgs).push_named(&[
//!     ("sourcedId", "trust-1"), ("name", "Northern Trust"), ("type", "district"),
//! ])?;
//! pkg.manifest_mut().set_mode(FileKind::Orgs, FileMode::Bulk);
//! let zip = pkg.to_zip_bytes()?;
//! let back = Package::from_zip_bytes(zip, ReadLimits::default())?;
//! let orgs = back.table(FileKind::Orgs).expect("orgs.csv");
//! assert_eq!(orgs.row(0).and_then(|r| r.get("name")), Some("Northern Trust"));
//!
//! // Validate it: a district alone is a valid package.
//! let dir = tempfile::tempdir()?;
//! back.write_dir(dir.path())?;
//! let report = oneroster_model::validate_path(dir.path(), &Default::default())?;
//! assert!(report.is_valid(), "{:?}", report.findings());
//! assert_eq!(report.counts()["orgs.csv"], 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! See the README for the layers, the finding codes and the performance notes.

#![warn(missing_docs)]

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod convert;
mod delta;
mod entities;
mod generate;
mod ids;
mod manifest;
mod package;
mod report;
mod schema;
mod source;
mod validate;
mod values;
mod vocab;

pub use convert::{ConvertIssue, ConvertOutcome, convert};
pub use delta::{
    DeltaError, DeltaInput, DeltaOutcome, DeltaSummary, DeltaWarning, DiffToDirError, apply, diff,
    diff_to_dir,
};
pub use entities::{
    AcademicSession, Base, Category, Class, CodeMajor, CodeMinor, CodeMinorField, Course,
    Demographics, Enrollment, ImsxSeverity, JsonEntity, JsonError, LearningObjectiveLink, LineItem,
    Metadata, Org, Record, RecordError, Resource, ResourceLink, ResultRecord, RoleRecord,
    ScoreScale, ScoreScaleLink, ScoreScaleValue, StatusInfo, UserId, UserProfile, UserResource,
    UserRole, UserV1p1, UserV1p2, parse_collection, parse_single, to_collection_json,
    to_single_json,
};
pub use generate::{GenerateOptions, GenerateSummary, Generator, generate};
pub use ids::{GuidRef, InvalidId, SourcedId};
pub use manifest::Manifest;
pub use package::{Package, RowRef, Table, TableError};
pub use report::{Code, Finding, FindingTally, REDACTED, Report, Severity};
pub use schema::{Column, FieldType, FileKind, Requirement, is_secret_column};
pub use source::{
    CsvErrorKind, Entry, LimitKind, PackageSource, ReadError, ReadLimits, TableReader,
};
pub use validate::{
    Parallelism, Profile, Progress, ReferenceMode, RuleSet, ValidateOptions, validate_path,
    validate_source, validate_zip_bytes,
};
pub use values::{
    format_date, format_datetime, is_case_urn, is_date, is_year, list_items, parse_bool,
    parse_braced_pairs, parse_date, parse_datetime, parse_float, parse_integer,
};
pub use vocab::{
    CEDS_GRADES, ClassType, EnrollmentRole, FileMode, GuidRefType, Importance, InvalidToken,
    LearningObjectiveSource, OrgType, Role, RoleType, RoleV1p1, ScoreStatus, SessionType, Sex,
    StatusType, TokenMatch, Version, Vocabulary, is_extension_token,
};

/// Re-exported so callers can use [`TableReader`] without naming the `csv` crate version.
pub use csv;
