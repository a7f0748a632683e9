//! `oneroster_model` — see the crate README. (Being built; the modules land issue by issue.)
