//! Where the row loop gets its records: the same thread, or a parsing
//! thread that hands over recycled batches.

use crate::source::ReadError;

/// Files at least this big are parsed on a second thread.
pub(super) const PARALLEL_THRESHOLD: u64 = 1 << 20;
/// Records per batch handed from the parsing thread.
const BATCH: usize = 256;
/// Batches in existence per file (one being filled, one queued, one being
/// checked): bounds the memory the pipeline holds.
const POOL: usize = 3;

/// Where the row loop gets records (with the bytes read so far).
pub(super) trait RowSource {
    fn next(&mut self) -> Option<Result<(&csv::ByteRecord, u64), ReadError>>;
    /// Lines read so far that ended with a bare CR.
    fn bare_carriage_returns(&self) -> u64;
}

/// Same-thread reading.
pub(super) struct Direct<R> {
    pub(super) t: crate::source::TableReader<R>,
    pub(super) rec: csv::ByteRecord,
}

impl<R: std::io::Read> RowSource for Direct<R> {
    fn next(&mut self) -> Option<Result<(&csv::ByteRecord, u64), ReadError>> {
        match self.t.read_record(&mut self.rec) {
            Ok(true) => Some(Ok((&self.rec, self.t.bytes_read()))),
            Ok(false) => None,
            Err(e) => Some(Err(e)),
        }
    }
    fn bare_carriage_returns(&self) -> u64 {
        self.t.bare_carriage_returns()
    }
}

pub(super) struct Batch {
    pub(super) recs: Vec<csv::ByteRecord>,
    pub(super) n: usize,
    pub(super) bytes: u64,
    pub(super) bare_cr: u64,
    pub(super) err: Option<ReadError>,
}

/// The parsing thread: fills recycled batches until the end or an error.
pub(super) fn produce<R: std::io::Read>(
    mut t: crate::source::TableReader<R>,
    tx: &std::sync::mpsc::SyncSender<Batch>,
    ret: &std::sync::mpsc::Receiver<Vec<csv::ByteRecord>>,
) {
    let mut allocated = 0;
    loop {
        let mut recs = match ret.try_recv() {
            Ok(r) => r,
            Err(_) if allocated < POOL => {
                allocated += 1;
                Vec::with_capacity(BATCH)
            }
            // Wait for the checker to hand one back (it stopped if it cannot).
            Err(_) => match ret.recv() {
                Ok(r) => r,
                Err(_) => return,
            },
        };
        let mut n = 0;
        let mut err = None;
        let mut done = false;
        while n < BATCH {
            if recs.len() <= n {
                recs.push(csv::ByteRecord::new());
            }
            let Some(r) = recs.get_mut(n) else { break };
            match t.read_record(r) {
                Ok(true) => n += 1,
                Ok(false) => {
                    done = true;
                    break;
                }
                Err(e) => {
                    err = Some(e);
                    done = true;
                    break;
                }
            }
        }
        // A send error means the checker stopped early: stop too.
        if tx
            .send(Batch {
                recs,
                n,
                bytes: t.bytes_read(),
                bare_cr: t.bare_carriage_returns(),
                err,
            })
            .is_err()
            || done
        {
            return;
        }
    }
}

/// Records from the parsing thread.
pub(super) struct Threaded {
    pub(super) rx: std::sync::mpsc::Receiver<Batch>,
    pub(super) ret_tx: std::sync::mpsc::Sender<Vec<csv::ByteRecord>>,
    pub(super) recs: Vec<csv::ByteRecord>,
    pub(super) n: usize,
    pub(super) idx: usize,
    pub(super) bytes: u64,
    pub(super) bare_cr: u64,
    pub(super) err: Option<ReadError>,
}

impl RowSource for Threaded {
    fn bare_carriage_returns(&self) -> u64 {
        self.bare_cr
    }
    fn next(&mut self) -> Option<Result<(&csv::ByteRecord, u64), ReadError>> {
        loop {
            if self.idx < self.n {
                let i = self.idx;
                self.idx += 1;
                let bytes = self.bytes;
                return self.recs.get(i).map(|r| Ok((r, bytes)));
            }
            if let Some(e) = self.err.take() {
                return Some(Err(e));
            }
            if !self.recs.is_empty() {
                // hand the buffers back for reuse (the producer may be gone: fine)
                let _ = self.ret_tx.send(std::mem::take(&mut self.recs));
            }
            let b = self.rx.recv().ok()?;
            self.recs = b.recs;
            self.n = b.n;
            self.idx = 0;
            self.bytes = b.bytes;
            self.bare_cr = b.bare_cr;
            self.err = b.err;
        }
    }
}
