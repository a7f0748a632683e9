//! `mis_mapping` — see the crate README. (Being built; the modules land issue by issue.)
