//! Benchmark `mis_export` (filled in by its issue).
fn main() {}
