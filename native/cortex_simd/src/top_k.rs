//! Exact top-k of several queries against row-major rows, scoring and selection fused.
//!
//! One pass over the rows serves every query: rows are taken in blocks that stay in L2, and within
//! a block `R` rows are loaded into registers a vector at a time and multiplied with `Q` queries,
//! so a row is read from memory once however many queries there are (out of cache, one query at a time is memory-bound: FAISS switches to a
//! matrix product for the same reason). Each query keeps its `k` best rows in a binary heap whose
//! root is the worst kept, so most rows cost one comparison after scoring.
//!
//! Order: a higher key is better; equal keys go to the smaller id. Dot products are their own key;
//! squared Euclidean distances are negated (smaller is better) and negated back at the end.
//!
//! The driver ([`run`]) and the selection know nothing of element types: a [`Scorer`] supplies
//! the keys of each tile. The f32 scorer is here; the int8 and bf16 ones are in `quantized.rs`.

use crate::simd::SimdF32;

/// What the rows are scored by.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Metric {
    /// `q · row`, higher is better.
    Dot,
    /// `Σ (q[i] - row[i])²`, lower is better.
    SquaredEuclidean,
}

/// Where the kept rows of every query go: `k` slots per query, query `q` at `[q·k, (q+1)·k)`.
pub(crate) struct Heaps {
    pub keys: *mut f32,
    pub ids: *mut i64,
    pub k: usize,
    pub queries: usize,
    /// Slots filled in every heap (each query sees the same rows, so they fill together).
    pub filled: usize,
}

/// True when `(a_key, a_id)` ranks below `(b_key, b_id)`: lower keys rank below higher, a NaN key
/// (finite rows whose products overflowed) below every number, and equal keys (or two NaNs) by
/// id, the larger below. A total order, so a NaN at the root is replaced like any poor score.
#[inline(always)]
fn worse(a_key: f32, a_id: i64, b_key: f32, b_id: i64) -> bool {
    a_key < b_key || (a_key == b_key && a_id > b_id) || (a_key.is_nan() && (!b_key.is_nan() || a_id > b_id))
}

impl Heaps {
    /// Offers row `id` with `key` to query `q`'s heap (call [`Heaps::row_done`] after each row).
    ///
    /// # Safety
    /// `q < queries`; `keys` and `ids` hold `queries * k` slots.
    #[inline(always)]
    unsafe fn offer(&mut self, q: usize, key: f32, id: i64) {
        // SAFETY: every index below is < k within query q's slots.
        unsafe {
            let keys = self.keys.add(q * self.k);
            let ids = self.ids.add(q * self.k);
            if self.filled < self.k {
                let mut at = self.filled;
                // Sift up: the worst rises to the root.
                while at > 0 {
                    let parent = (at - 1) / 2;
                    if !worse(key, id, *keys.add(parent), *ids.add(parent)) {
                        break;
                    }
                    *keys.add(at) = *keys.add(parent);
                    *ids.add(at) = *ids.add(parent);
                    at = parent;
                }
                *keys.add(at) = key;
                *ids.add(at) = id;
            } else if worse(*keys, *ids, key, id) {
                sift_down(keys, ids, self.k, 0, key, id);
            }
        }
    }

    /// Counts one more row into every heap's fill.
    #[inline(always)]
    fn row_done(&mut self) {
        if self.filled < self.k {
            self.filled += 1;
        }
    }

    /// Sorts each heap best first and turns keys back into scores.
    ///
    /// # Safety
    /// As [`Heaps::offer`].
    pub(crate) unsafe fn finish(&mut self, metric: Metric) {
        for q in 0..self.queries {
            // SAFETY: every index is < filled <= k within query q's slots.
            unsafe {
                let keys = self.keys.add(q * self.k);
                let ids = self.ids.add(q * self.k);
                // Heap sort: move the root (the worst) behind the shrinking heap.
                let mut size = self.filled;
                while size > 1 {
                    size -= 1;
                    let (last_key, last_id) = (*keys.add(size), *ids.add(size));
                    *keys.add(size) = *keys;
                    *ids.add(size) = *ids;
                    sift_down(keys, ids, size, 0, last_key, last_id);
                }
                if metric == Metric::SquaredEuclidean {
                    for i in 0..self.filled {
                        *keys.add(i) = -*keys.add(i);
                    }
                }
            }
        }
    }
}

/// Places `(key, id)` at `at` of a heap of `size` and lets it sink below better children.
///
/// # Safety
/// `keys` and `ids` hold `size` slots and `at < size`.
#[inline(always)]
unsafe fn sift_down(keys: *mut f32, ids: *mut i64, size: usize, mut at: usize, key: f32, id: i64) {
    // SAFETY: every index is checked against size before use.
    unsafe {
        loop {
            let left = 2 * at + 1;
            if left >= size {
                break;
            }
            let right = left + 1;
            let child = if right < size && worse(*keys.add(right), *ids.add(right), *keys.add(left), *ids.add(left)) {
                right
            } else {
                left
            };
            if !worse(*keys.add(child), *ids.add(child), key, id) {
                break;
            }
            *keys.add(at) = *keys.add(child);
            *ids.add(at) = *ids.add(child);
            at = child;
        }
        *keys.add(at) = key;
        *ids.add(at) = id;
    }
}

/// The `R x Q` keys of rows `rows[..]` against queries `queries[..]`, reading `dimension` floats.
/// Every pair sums its products in one accumulator, vector after vector, then across lanes: the
/// same order whatever the tile, so a row's score against a query has the same bits whether the
/// query was searched alone or in a batch.
///
/// # Safety
/// Every pointer holds `dimension` readable floats; the CPU supports `S`.
#[inline(always)]
unsafe fn keys<S: SimdF32, const R: usize, const Q: usize, const EUCLIDEAN: bool>(
    rows: [*const f32; R],
    queries: [*const f32; Q],
    dimension: usize,
) -> [[f32; Q]; R] {
    // SAFETY: loads stay below `dimension` (the last vector is masked).
    unsafe {
        let mut acc = [[S::zero(); Q]; R];
        let mut i = 0;
        // Whole vectors with plain loads (no per-load length test in the hot loop), then the
        // masked rest: the same vectors, in the same order, as one loop over both would take.
        while dimension - i >= S::LANES {
            let row: [S::V; R] = core::array::from_fn(#[inline(always)] |r| S::load(rows[r].add(i)));
            for q in 0..Q {
                let query = S::load(queries[q].add(i));
                for r in 0..R {
                    acc[r][q] = step::<S, EUCLIDEAN>(row[r], query, acc[r][q]);
                }
            }
            i += S::LANES;
        }
        if i < dimension {
            let lanes = dimension - i;
            let row: [S::V; R] = core::array::from_fn(#[inline(always)] |r| S::load_first(rows[r].add(i), lanes));
            for q in 0..Q {
                let query = S::load_first(queries[q].add(i), lanes);
                for r in 0..R {
                    acc[r][q] = step::<S, EUCLIDEAN>(row[r], query, acc[r][q]);
                }
            }
        }
        let mut out = [[0.0f32; Q]; R];
        for r in 0..R {
            for q in 0..Q {
                let sum = S::sum(acc[r][q]);
                out[r][q] = if EUCLIDEAN { -sum } else { sum };
            }
        }
        out
    }
}

/// One accumulation: `row · query` or `(row - query)²`, lane by lane.
#[inline(always)]
unsafe fn step<S: SimdF32, const EUCLIDEAN: bool>(row: S::V, query: S::V, acc: S::V) -> S::V {
    // SAFETY: register arithmetic in the caller's instruction set.
    unsafe {
        if EUCLIDEAN {
            let d = S::sub(row, query);
            S::mul_add(d, d, acc)
        } else {
            S::mul_add(row, query, acc)
        }
    }
}

/// What the top-k driver needs from an element type and an instruction set: the keys of a tile of
/// rows against a group of queries. The f32 kernels below are one scorer; the quantized kernels
/// (`quantized.rs`) are others, so every element type shares one driver and one selection.
pub(crate) trait Scorer {
    /// Bytes one row occupies, for the block size.
    fn row_bytes(&self) -> usize;

    /// `keys[r][j]`: the key of row `row + r` against query `first + j`, higher is better. A pair's
    /// key must not depend on `R`, `Q` or the tile's position, so a query scores the same bits
    /// alone and in any batch.
    ///
    /// # Safety
    /// The rows and queries exist; the CPU supports the scorer's instruction set.
    unsafe fn keys<const R: usize, const Q: usize>(&self, row: usize, first: usize) -> [[f32; Q]; R];
}

/// f32 rows and queries, scored by dot product or negated squared distance.
struct F32Scorer<S, const EUCLIDEAN: bool> {
    queries: *const f32,
    rows: *const f32,
    dimension: usize,
    isa: core::marker::PhantomData<S>,
}

impl<S: SimdF32, const EUCLIDEAN: bool> Scorer for F32Scorer<S, EUCLIDEAN> {
    #[inline(always)]
    fn row_bytes(&self) -> usize {
        self.dimension * core::mem::size_of::<f32>()
    }

    #[inline(always)]
    unsafe fn keys<const R: usize, const Q: usize>(&self, row: usize, first: usize) -> [[f32; Q]; R] {
        // SAFETY: the pointers address rows `row .. row + R` and queries `first .. first + Q`.
        unsafe {
            let row_ptrs: [*const f32; R] = core::array::from_fn(|r| self.rows.add((row + r) * self.dimension));
            let query_ptrs: [*const f32; Q] = core::array::from_fn(|j| self.queries.add((first + j) * self.dimension));
            keys::<S, R, Q, EUCLIDEAN>(row_ptrs, query_ptrs, self.dimension)
        }
    }
}

/// Scores rows `row .. row + R` against queries `first .. first + Q` and offers them to the heaps.
///
/// # Safety
/// As [`run`]; the rows and queries exist.
#[inline(always)]
unsafe fn offer_rows<T: Scorer, const R: usize, const Q: usize>(scorer: &T, first: usize, ids: *const i64, row: usize, heaps: &mut Heaps) {
    // SAFETY: the scorer reads rows `row .. row + R` and queries `first .. first + Q`; ids likewise.
    unsafe {
        let scores = scorer.keys::<R, Q>(row, first);
        for (r, row_scores) in scores.iter().enumerate() {
            let id = *ids.add(row + r);
            for (j, &score) in row_scores.iter().enumerate() {
                heaps.offer(first + j, score, id);
            }
        }
    }
}

/// Offers rows `row .. row + R` to every query, `Q` queries at a time, then one at a time.
///
/// # Safety
/// As [`offer_rows`].
#[inline(always)]
unsafe fn offer_rows_to_all<T: Scorer, const R: usize, const Q: usize>(scorer: &T, ids: *const i64, row: usize, heaps: &mut Heaps) {
    // SAFETY: forwarded; q stays below heaps.queries.
    unsafe {
        let mut q = 0;
        while heaps.queries - q >= Q {
            offer_rows::<T, R, Q>(scorer, q, ids, row, heaps);
            q += Q;
        }
        while q < heaps.queries {
            offer_rows::<T, R, 1>(scorer, q, ids, row, heaps);
            q += 1;
        }
    }
}

/// Offers rows `from .. to` to queries `first .. first + Q`, `R` rows at a time, then singly.
///
/// # Safety
/// As [`offer_rows`], for every row of the range.
#[inline(always)]
unsafe fn offer_range<T: Scorer, const R: usize, const Q: usize>(
    scorer: &T,
    first: usize,
    ids: *const i64,
    from: usize,
    to: usize,
    heaps: &mut Heaps,
) {
    // SAFETY: forwarded; every row offered is below `to`.
    unsafe {
        let mut r = from;
        while to - r >= R {
            offer_rows::<T, R, Q>(scorer, first, ids, r, heaps);
            r += R;
        }
        while r < to {
            offer_rows::<T, 1, Q>(scorer, first, ids, r, heaps);
            r += 1;
        }
    }
}

/// Rows a query alone is scored against at once: 8 accumulators are 8 FMA chains, enough for two
/// FMA ports at latency 4 (one accumulator per pair keeps the summation order of every tile).
const SINGLE_QUERY_ROWS: usize = 8;

/// Bytes of rows scored against every query before moving on: the block stays in L2 while each
/// group of `Q` queries (in L1) passes over it, so a row comes from memory once for all queries
/// and the 16 queries of a pass need not fit in L1 together.
const BLOCK_BYTES: usize = 192 * 1024;

/// Fills `heaps` with each query's best rows among `count` rows of `dimension` floats.
///
/// # Safety
/// `queries` holds `heaps.queries * dimension` floats, `rows` `count * dimension`, `ids` `count`;
/// the heaps are empty (`filled == 0`) and their slots writable; `dimension > 0`; the CPU supports `S`.
#[inline(always)]
pub(crate) unsafe fn top_k<S: SimdF32, const R: usize, const Q: usize, const EUCLIDEAN: bool>(
    queries: *const f32,
    rows: *const f32,
    ids: *const i64,
    dimension: usize,
    count: usize,
    heaps: &mut Heaps,
) {
    let scorer = F32Scorer::<S, EUCLIDEAN> { queries, rows, dimension, isa: core::marker::PhantomData };
    // SAFETY: forwarded from the caller.
    unsafe { run::<_, R, Q>(&scorer, ids, count, heaps) }
}

/// Fills `heaps` with each query's best rows among `count` rows, scored `R` rows by `Q` queries
/// at a time by `scorer`.
///
/// # Safety
/// `scorer` reads `heaps.queries` queries and `count` rows; `ids` holds `count` ids; the heaps
/// are empty (`filled == 0`) and their slots writable; the CPU supports the scorer's instruction
/// set.
#[inline(always)]
pub(crate) unsafe fn run<T: Scorer, const R: usize, const Q: usize>(scorer: &T, ids: *const i64, count: usize, heaps: &mut Heaps) {
    // SAFETY: forwarded; the loops stay below `count` and `heaps.queries`.
    unsafe {
        // While the heaps fill, every row goes to every query before the next (the heaps fill in
        // step, so one `filled` serves them all).
        let mut row = 0;
        while row < count && heaps.filled < heaps.k {
            offer_rows_to_all::<T, 1, Q>(scorer, ids, row, heaps);
            heaps.row_done();
            row += 1;
        }
        // Full heaps only compare against their root, so the order rows reach them no longer
        // matters: block by block, query group by query group.
        // `.max(1)`: the divisor is never 0 (rows are never empty), and the compiler then needs no
        // panic path.
        let block_rows = (BLOCK_BYTES / scorer.row_bytes().max(1)).max(R);
        while row < count {
            let end = (row + block_rows).min(count);
            let mut q = 0;
            while q < heaps.queries {
                let group = (heaps.queries - q).min(Q);
                if group == Q {
                    offer_range::<T, R, Q>(scorer, q, ids, row, end, heaps);
                } else {
                    for single in q..q + group {
                        offer_range::<T, SINGLE_QUERY_ROWS, 1>(scorer, single, ids, row, end, heaps);
                    }
                }
                q += group;
            }
            row = end;
        }
    }
}
