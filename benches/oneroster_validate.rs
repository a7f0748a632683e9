//! Benchmark `oneroster_validate` (filled in by its issue).
fn main() {}
