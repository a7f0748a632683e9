//! Source adapters: real MIS formats → [`MisSnapshot`](crate::MisSnapshot).

pub(crate) mod csv_set;
pub(crate) mod ctf;
pub(crate) mod wonde;
