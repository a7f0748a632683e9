//! Standard output for every command. `println!` panics when stdout cannot
//! be written (a reader that closed the pipe, `| head`; a full disk), which
//! would end the process with exit 101 and a backtrace. Here a failed write
//! ends it with exit 2 (an I/O error, as the exit-code contract says) and a
//! one-line message on stderr (none for a closed pipe: the reader left).

use std::io::{self, Write};

/// Writes one line to stdout, or exits with 2 if it cannot.
pub(crate) fn line(args: std::fmt::Arguments<'_>) {
    let mut out = io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.write_all(b"\n")) {
        fail(&e);
    }
}

/// Writes `text` as is to stdout, or exits with 2 if it cannot.
pub(crate) fn text(text: &str) {
    let mut out = io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        fail(&e);
    }
}

/// Flushes stdout (at the end of a command), or exits with 2 if it cannot.
pub(crate) fn flush() {
    if let Err(e) = io::stdout().flush() {
        fail(&e);
    }
}

/// An error with its chain of causes on one line (`cannot read x: No such
/// file or directory (os error 2)`), for the messages of exit-2 failures.
pub(crate) fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let cause = s.to_string();
        // thiserror's transparent wrappers repeat their source's text.
        if !text.ends_with(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
        source = s.source();
    }
    text
}

fn fail(e: &io::Error) -> ! {
    if e.kind() != io::ErrorKind::BrokenPipe {
        eprintln!("error: cannot write to standard output: {e}");
    }
    std::process::exit(2)
}

/// `println!` for command output: see the module docs.
macro_rules! outln {
    () => {
        $crate::out::line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::out::line(format_args!($($arg)*))
    };
}
