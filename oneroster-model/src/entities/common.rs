//! Helpers shared by the entity modules (`rostering`, `gradebook`).

use super::{RecordError, required};
use crate::ids::GuidRef;
use crate::package::RowRef;

macro_rules! json_entity {
    ($t:ty, $many:literal, $one:literal) => {
        impl JsonEntity for $t {
            const COLLECTION: &'static str = $many;
            const SINGLE: &'static str = $one;
        }
    };
}

pub(super) fn list(v: &[String]) -> String {
    v.join(",")
}

pub(super) fn gid(r: &Option<GuidRef>) -> String {
    r.as_ref()
        .map(|g| g.sourced_id.to_string())
        .unwrap_or_default()
}

pub(super) fn parse_token<T>(
    row: &RowRef<'_>,
    col: &'static str,
    expected: &'static str,
    f: fn(&str) -> Result<T, crate::vocab::InvalidToken>,
) -> Result<T, RecordError> {
    required(row, col, expected, |s| f(s).ok())
}
