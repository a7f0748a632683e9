//! Where the row loop gets its records: the same thread, or a parsing
//! thread that hands over recycled batches. Either way each record comes with
//! the id hashes of the columns the checks will look up (computed on the
//! parsing thread when there is one, so the checking thread does less).

use crate::source::ReadError;
use crate::values::id_hash_bytes;

/// Files at least this big are parsed on a second thread.
pub(super) const PARALLEL_THRESHOLD: u64 = 1 << 20;
/// Records per batch handed from the parsing thread.
const BATCH: usize = 256;
/// Batches in existence per file: one being filled, one being checked and
/// two queued or on their way back, so neither thread stalls on the other's
/// scheduling hiccups (two were measurably slower on a shared machine), while
/// the memory the pipeline holds stays bounded (about 400 KB).
const POOL: usize = 4;

/// A record, the bytes read so far, and the hashes of the id columns (one per
/// entry of the column list the source was made with; 0 for a missing or
/// empty field; none at all when the list is empty).
pub(super) type Row<'a> = (&'a csv::ByteRecord, u64, &'a [u64]);

/// Where the row loop gets records.
pub(super) trait RowSource {
    fn next(&mut self) -> Option<Result<Row<'_>, ReadError>>;
    /// Lines read so far that ended with a bare CR.
    fn bare_carriage_returns(&self) -> u64;
}

/// Hash the id columns `cols` of `rec` into `out`.
fn hash_ids(rec: &csv::ByteRecord, cols: &[usize], out: &mut Vec<u64>) {
    out.extend(cols.iter().map(|&i| {
        rec.get(i)
            .filter(|f| !f.is_empty())
            .map_or(0, id_hash_bytes)
    }));
}

/// Same-thread reading.
pub(super) struct Direct<R> {
    pub(super) t: crate::source::TableReader<R>,
    pub(super) rec: csv::ByteRecord,
    pub(super) cols: Vec<usize>,
    pub(super) hashes: Vec<u64>,
}

impl<R: std::io::Read> RowSource for Direct<R> {
    fn next(&mut self) -> Option<Result<Row<'_>, ReadError>> {
        match self.t.read_record(&mut self.rec) {
            Ok(true) => {
                self.hashes.clear();
                hash_ids(&self.rec, &self.cols, &mut self.hashes);
                Some(Ok((&self.rec, self.t.bytes_read(), &self.hashes)))
            }
            Ok(false) => None,
            Err(e) => Some(Err(e)),
        }
    }
    fn bare_carriage_returns(&self) -> u64 {
        self.t.bare_carriage_returns()
    }
}

/// Recycled buffers of one batch.
#[derive(Default)]
pub(super) struct Buffers {
    recs: Vec<csv::ByteRecord>,
    hashes: Vec<u64>,
}

pub(super) struct Batch {
    pub(super) bufs: Buffers,
    pub(super) n: usize,
    pub(super) bytes: u64,
    pub(super) bare_cr: u64,
    pub(super) err: Option<ReadError>,
}

/// The parsing thread: fills recycled batches until the end or an error.
pub(super) fn produce<R: std::io::Read>(
    mut t: crate::source::TableReader<R>,
    cols: &[usize],
    tx: &std::sync::mpsc::SyncSender<Batch>,
    ret: &std::sync::mpsc::Receiver<Buffers>,
) {
    let mut allocated = 0;
    loop {
        let mut bufs = match ret.try_recv() {
            Ok(r) => r,
            Err(_) if allocated < POOL => {
                allocated += 1;
                Buffers {
                    recs: Vec::with_capacity(BATCH),
                    hashes: Vec::with_capacity(BATCH * cols.len()),
                }
            }
            // Wait for the checker to hand one back (it stopped if it cannot).
            Err(_) => match ret.recv() {
                Ok(r) => r,
                Err(_) => return,
            },
        };
        bufs.hashes.clear();
        let mut n = 0;
        let mut err = None;
        let mut done = false;
        while n < BATCH {
            if bufs.recs.len() <= n {
                bufs.recs.push(csv::ByteRecord::new());
            }
            let Some(r) = bufs.recs.get_mut(n) else { break };
            match t.read_record(r) {
                Ok(true) => {
                    hash_ids(r, cols, &mut bufs.hashes);
                    n += 1;
                }
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
                bufs,
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
    pub(super) ret_tx: std::sync::mpsc::Sender<Buffers>,
    pub(super) width: usize,
    pub(super) bufs: Buffers,
    pub(super) n: usize,
    pub(super) idx: usize,
    pub(super) bytes: u64,
    pub(super) bare_cr: u64,
    pub(super) err: Option<ReadError>,
}

impl Threaded {
    /// Records from `rx`; each carries `width` id hashes.
    pub(super) fn new(
        rx: std::sync::mpsc::Receiver<Batch>,
        ret_tx: std::sync::mpsc::Sender<Buffers>,
        width: usize,
    ) -> Self {
        Self {
            rx,
            ret_tx,
            width,
            bufs: Buffers::default(),
            n: 0,
            idx: 0,
            bytes: 0,
            bare_cr: 0,
            err: None,
        }
    }
}

impl RowSource for Threaded {
    fn bare_carriage_returns(&self) -> u64 {
        self.bare_cr
    }
    fn next(&mut self) -> Option<Result<Row<'_>, ReadError>> {
        loop {
            if self.idx < self.n {
                let i = self.idx;
                self.idx += 1;
                let bytes = self.bytes;
                let hashes = self
                    .bufs
                    .hashes
                    .get(i * self.width..(i + 1) * self.width)
                    .unwrap_or_default();
                return self.bufs.recs.get(i).map(|r| Ok((r, bytes, hashes)));
            }
            if let Some(e) = self.err.take() {
                return Some(Err(e));
            }
            if !self.bufs.recs.is_empty() {
                // hand the buffers back for reuse (the producer may be gone: fine)
                let _ = self.ret_tx.send(std::mem::take(&mut self.bufs));
            }
            let b = self.rx.recv().ok()?;
            self.bufs = b.bufs;
            self.n = b.n;
            self.idx = 0;
            self.bytes = b.bytes;
            self.bare_cr = b.bare_cr;
            self.err = b.err;
        }
    }
}
