//! Benchmark `lti_launch` (filled in by its issue).
fn main() {}
