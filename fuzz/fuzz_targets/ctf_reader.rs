//! Fuzz the DfE CTF reader: any bytes must give `Ok` or a typed `CtfError`,
//! never a panic, for both roster choices.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mis_mapping::{CtfRoster, read_ctf};

fuzz_target!(|data: &[u8]| {
    for roster in [CtfRoster::Source, CtfRoster::Destination] {
        if let Ok(import) = read_ctf(data, roster) {
            // Whatever was read must be usable downstream without panics.
            let _ = import.snapshot.people.len();
            let _ = import.findings.len();
        }
    }
});
