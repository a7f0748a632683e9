//! Benchmark `lti_mint` (filled in by its issue).
fn main() {}
