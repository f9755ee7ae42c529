//! The kernels, written once for any instruction set `S`, unroll factor `U` and way of reading
//! the inputs (`Reader`s: plain loads, or aligned loads recombined by permutes).
//!
//! Every kernel walks its input in one order, [`for_each_vector`]: logical vector `i` (elements
//! `[i·LANES, (i+1)·LANES)`, the last one partial) goes to accumulator `i % U`, and the `U`
//! accumulators are summed as a tree. Because the order is fixed, and readers all produce the same
//! logical vectors, a stream such as `x·y` sums to the same bits whichever kernel or reader
//! computes it and wherever the inputs sit in memory: a batch result equals the pair result for
//! that row exactly, and the query norm a cosine batch computes once equals the norm inside pair
//! cosine.
//!
//! `U` independent accumulators keep `U` FMA chains in flight; the FMA latency is 4 cycles and two
//! ports issue one each per cycle, so one accumulator would leave most of the machine idle.

use crate::simd::{Reader, SimdF32};

/// Calls `step(j, lanes, edge)` for each logical vector of an `n`-float pass: accumulator index
/// `j` (`< U`), how many floats the vector holds (`LANES`, or fewer for the last one), and whether
/// readers must check bounds (`false` only while at least one whole vector follows).
#[inline(always)]
fn for_each_vector<S: SimdF32, const U: usize>(n: usize, mut step: impl FnMut(usize, usize, bool)) {
    let group = S::LANES * U;
    let mut offset = 0;
    while n - offset >= group + S::LANES {
        for j in 0..U {
            step(j, S::LANES, false);
        }
        offset += group;
    }
    // The rest: at most U whole vectors and a partial one. A vector is at the edge only when less
    // than one whole vector follows it.
    if n - offset >= group {
        for j in 0..U {
            let start = offset + j * S::LANES;
            step(j, S::LANES, n - start < 2 * S::LANES);
        }
        offset += group;
    }
    // Fewer than U vectors remain, so j stays below U and vector i still goes to i % U.
    for j in 0..U {
        if offset >= n {
            break;
        }
        let lanes = if n - offset < S::LANES { n - offset } else { S::LANES };
        step(j, lanes, n - offset < 2 * S::LANES);
        offset += lanes;
    }
}

/// Sums `U` accumulators as a balanced tree, then across lanes.
#[inline(always)]
unsafe fn reduce<S: SimdF32, const U: usize>(mut acc: [S::V; U]) -> f32 {
    const { assert!(U.is_power_of_two()) };
    let mut width = U;
    while width > 1 {
        width /= 2;
        for k in 0..width {
            // SAFETY: pure register arithmetic in the caller's instruction set.
            acc[k] = unsafe { S::add(acc[k], acc[k + width]) };
        }
    }
    // SAFETY: as above.
    unsafe { S::sum(acc[0]) }
}

/// `Σ x[i]·y[i]`.
///
/// # Safety
/// `x` and `y` point to `n` readable floats each; the CPU supports `S`.
#[inline(always)]
pub(crate) unsafe fn dot<S: SimdF32, const U: usize, RX: Reader<S>, RY: Reader<S>>(x: *const f32, y: *const f32, n: usize) -> f32 {
    // SAFETY: each reader reads each logical vector of its n floats once.
    unsafe {
        let (mut xs, mut ys) = (RX::new(x, n), RY::new(y, n));
        let mut acc = [S::zero(); U];
        for_each_vector::<S, U>(n, #[inline(always)] |j, lanes, edge| {
            acc[j] = S::mul_add(xs.next(lanes, edge), ys.next(lanes, edge), acc[j]);
        });
        reduce::<S, U>(acc)
    }
}

/// `Σ (x[i] - y[i])²`.
///
/// # Safety
/// As [`dot`].
#[inline(always)]
pub(crate) unsafe fn squared_euclidean<S: SimdF32, const U: usize, RX: Reader<S>, RY: Reader<S>>(
    x: *const f32,
    y: *const f32,
    n: usize,
) -> f32 {
    // SAFETY: as in dot; lanes past the end read as 0 in both, so their difference adds nothing.
    unsafe {
        let (mut xs, mut ys) = (RX::new(x, n), RY::new(y, n));
        let mut acc = [S::zero(); U];
        for_each_vector::<S, U>(n, #[inline(always)] |j, lanes, edge| {
            let d = S::sub(xs.next(lanes, edge), ys.next(lanes, edge));
            acc[j] = S::mul_add(d, d, acc[j]);
        });
        reduce::<S, U>(acc)
    }
}

/// `(x·y, x·x, y·y)` in one pass; with `NORM_X = false` the second is not computed (0).
///
/// # Safety
/// As [`dot`].
#[inline(always)]
pub(crate) unsafe fn cosine_parts<S: SimdF32, const U: usize, const NORM_X: bool, RX: Reader<S>, RY: Reader<S>>(
    x: *const f32,
    y: *const f32,
    n: usize,
) -> (f32, f32, f32) {
    // SAFETY: as in dot.
    unsafe {
        let (mut xs, mut ys) = (RX::new(x, n), RY::new(y, n));
        let mut xy = [S::zero(); U];
        let mut xx = [S::zero(); U];
        let mut yy = [S::zero(); U];
        for_each_vector::<S, U>(n, #[inline(always)] |j, lanes, edge| {
            let a = xs.next(lanes, edge);
            let b = ys.next(lanes, edge);
            xy[j] = S::mul_add(a, b, xy[j]);
            if NORM_X {
                xx[j] = S::mul_add(a, a, xx[j]);
            }
            yy[j] = S::mul_add(b, b, yy[j]);
        });
        let norm_x = if NORM_X { reduce::<S, U>(xx) } else { 0.0 };
        (reduce::<S, U>(xy), norm_x, reduce::<S, U>(yy))
    }
}

/// Cosine similarity of two vectors in one pass (the rare badly scaled pair takes a second, f64
/// pass: see [`cosine_f64`]).
///
/// # Safety
/// As [`dot`].
#[inline(always)]
pub(crate) unsafe fn cosine<S: SimdF32, const U: usize, RX: Reader<S>, RY: Reader<S>>(x: *const f32, y: *const f32, n: usize) -> f32 {
    // SAFETY: forwarded from the caller.
    unsafe {
        let (xy, xx, yy) = cosine_parts::<S, U, true, RX, RY>(x, y, n);
        finish_cosine(x, y, n, xy, xx, yy)
    }
}

/// `out[r] = query · row r` for `count` row-major rows of `dimension` floats; `R` rows share each
/// read of the query.
///
/// # Safety
/// `query` holds `dimension` floats, `rows` `dimension * count`, `out` has room for `count` and
/// overlaps neither; the CPU supports `S`.
#[inline(always)]
pub(crate) unsafe fn batch_dot<S: SimdF32, const U: usize, const R: usize, RQ: Reader<S>, RR: Reader<S>>(
    query: *const f32,
    rows: *const f32,
    dimension: usize,
    count: usize,
    out: *mut f32,
) {
    // SAFETY: row r occupies rows[r*dimension .. (r+1)*dimension] and r < count, so every read is
    // inside `rows`; every store is to out[r] with r < count.
    unsafe {
        let mut r = 0;
        while count - r >= R {
            let first = rows.add(r * dimension);
            let mut qs = RQ::new(query, dimension);
            let mut rs: [RR; R] = core::array::from_fn(#[inline(always)] |k| RR::new(first.add(k * dimension), dimension));
            let mut acc = [[S::zero(); U]; R];
            for_each_vector::<S, U>(dimension, #[inline(always)] |j, lanes, edge| {
                let q = qs.next(lanes, edge);
                for (row_acc, row) in acc.iter_mut().zip(rs.iter_mut()) {
                    row_acc[j] = S::mul_add(q, row.next(lanes, edge), row_acc[j]);
                }
            });
            for (k, row_acc) in acc.into_iter().enumerate() {
                out.add(r + k).write_unaligned(reduce::<S, U>(row_acc));
            }
            r += R;
        }
        while r < count {
            out.add(r).write_unaligned(dot::<S, U, RQ, RR>(query, rows.add(r * dimension), dimension));
            r += 1;
        }
    }
}

/// `out[r] = cosine(query, row r)`; the query's norm is computed once.
///
/// # Safety
/// As [`batch_dot`].
#[inline(always)]
pub(crate) unsafe fn batch_cosine<S: SimdF32, const U: usize, RQ: Reader<S>, RR: Reader<S>>(
    query: *const f32,
    rows: *const f32,
    dimension: usize,
    count: usize,
    out: *mut f32,
) {
    // SAFETY: as in batch_dot.
    unsafe {
        // dot(q, q) walks q exactly as the x·x stream of cosine_parts does, so it is the same sum,
        // and each row takes the same f32-or-f64 decision as pair cosine: the results are equal.
        let query_norm = dot::<S, U, RQ, RQ>(query, query, dimension);
        for r in 0..count {
            let row = rows.add(r * dimension);
            let (xy, _, yy) = cosine_parts::<S, U, false, RQ, RR>(query, row, dimension);
            out.add(r).write_unaligned(finish_cosine(query, row, dimension, xy, query_norm, yy));
        }
    }
}

/// A pair kernel whose readers the instruction set chooses (see [`ReaderChoice`]).
pub(crate) trait PairKernel<S: SimdF32> {
    /// Whether permuting readers pay for this kernel: they do when loads are its bottleneck (dot:
    /// two loads a vector for one FMA), not when the FMA and shuffle units already are (cosine:
    /// three FMAs a vector, and the readers' registers push its accumulators onto the stack).
    const PERMUTES: bool;

    /// Runs the kernel with the given readers.
    ///
    /// # Safety
    /// As [`dot`].
    unsafe fn run<RX: Reader<S>, RY: Reader<S>>(x: *const f32, y: *const f32, n: usize) -> f32;
}

/// A batch kernel whose readers the instruction set chooses (see [`ReaderChoice`]).
pub(crate) trait BatchKernel<S: SimdF32> {
    /// As [`PairKernel::PERMUTES`].
    const PERMUTES: bool;

    /// Runs the kernel with the given readers.
    ///
    /// # Safety
    /// As [`batch_dot`].
    unsafe fn run<RQ: Reader<S>, RR: Reader<S>>(query: *const f32, rows: *const f32, dimension: usize, count: usize, out: *mut f32);
}

/// How an instruction set reads its inputs: it looks at where they sit and runs the kernel with
/// the readers that load them fastest.
pub(crate) trait ReaderChoice: SimdF32 {
    /// Runs a pair kernel.
    ///
    /// # Safety
    /// As [`dot`].
    unsafe fn pair<K: PairKernel<Self>>(x: *const f32, y: *const f32, n: usize) -> f32;

    /// Runs a batch kernel.
    ///
    /// # Safety
    /// As [`batch_dot`].
    unsafe fn batch<K: BatchKernel<Self>>(query: *const f32, rows: *const f32, dimension: usize, count: usize, out: *mut f32);
}

/// Dot, as a [`PairKernel`].
pub(crate) struct Dot<const U: usize>;
/// Squared Euclidean distance, as a [`PairKernel`].
pub(crate) struct SquaredEuclidean<const U: usize>;
/// Cosine, as a [`PairKernel`].
pub(crate) struct Cosine<const U: usize>;
/// Batch dot, as a [`BatchKernel`].
pub(crate) struct BatchDot<const U: usize, const R: usize>;
/// Batch cosine, as a [`BatchKernel`].
pub(crate) struct BatchCosine<const U: usize>;

impl<S: SimdF32, const U: usize> PairKernel<S> for Dot<U> {
    const PERMUTES: bool = true;
    #[inline(always)]
    unsafe fn run<RX: Reader<S>, RY: Reader<S>>(x: *const f32, y: *const f32, n: usize) -> f32 {
        // SAFETY: forwarded from the caller.
        unsafe { dot::<S, U, RX, RY>(x, y, n) }
    }
}

impl<S: SimdF32, const U: usize> PairKernel<S> for SquaredEuclidean<U> {
    const PERMUTES: bool = true;
    #[inline(always)]
    unsafe fn run<RX: Reader<S>, RY: Reader<S>>(x: *const f32, y: *const f32, n: usize) -> f32 {
        // SAFETY: forwarded from the caller.
        unsafe { squared_euclidean::<S, U, RX, RY>(x, y, n) }
    }
}

impl<S: SimdF32, const U: usize> PairKernel<S> for Cosine<U> {
    // Three FMAs a vector keep the FMA ports busy; permutes compete for them (768 floats, both
    // inputs misaligned: 30.1 ns plain, 38.2 permuting both, 29.5 permuting one).
    const PERMUTES: bool = false;
    #[inline(always)]
    unsafe fn run<RX: Reader<S>, RY: Reader<S>>(x: *const f32, y: *const f32, n: usize) -> f32 {
        // SAFETY: forwarded from the caller.
        unsafe { cosine::<S, U, RX, RY>(x, y, n) }
    }
}

impl<S: SimdF32, const U: usize, const R: usize> BatchKernel<S> for BatchDot<U, R> {
    // R rows x U accumulators plus a permuting reader per row spill; batch rows are usually
    // 64-byte aligned anyway (VectorIndex stores them so).
    const PERMUTES: bool = false;
    #[inline(always)]
    unsafe fn run<RQ: Reader<S>, RR: Reader<S>>(query: *const f32, rows: *const f32, dimension: usize, count: usize, out: *mut f32) {
        // SAFETY: forwarded from the caller.
        unsafe { batch_dot::<S, U, R, RQ, RR>(query, rows, dimension, count, out) }
    }
}

impl<S: SimdF32, const U: usize> BatchKernel<S> for BatchCosine<U> {
    const PERMUTES: bool = false;
    #[inline(always)]
    unsafe fn run<RQ: Reader<S>, RR: Reader<S>>(query: *const f32, rows: *const f32, dimension: usize, count: usize, out: *mut f32) {
        // SAFETY: forwarded from the caller.
        unsafe { batch_cosine::<S, U, RQ, RR>(query, rows, dimension, count, out) }
    }
}

/// The smallest squared norm the f32 cosine trusts: 2^-64. Below it, squares of the entries may
/// have underflowed (a vector of 1e-25s has an f32 squared norm of exactly 0), so the cosine
/// would no longer be scale-invariant.
const MIN_SQUARED_NORM: f32 = f32::from_bits((127 - 64) << 23);

/// The largest squared norm the f32 cosine takes: 2^100, so `sqrt(x·x) · sqrt(y·y)` stays below
/// 2^100 and cannot overflow. Larger (or infinite) norms take the f64 path.
const MAX_SQUARED_NORM: f32 = f32::from_bits((127 + 100) << 23);

/// The cosine from f32 sums when both squared norms are well scaled; otherwise recomputed in f64
/// from the vectors themselves (the rare pair whose squares underflowed or overflowed).
///
/// # Safety
/// `x`, `y`: `n` readable floats each.
#[inline(always)]
unsafe fn finish_cosine(x: *const f32, y: *const f32, n: usize, xy: f32, xx: f32, yy: f32) -> f32 {
    if is_well_scaled(xx) && is_well_scaled(yy) {
        cosine_from_parts(xy, xx, yy)
    } else {
        // SAFETY: forwarded from the caller.
        unsafe { cosine_f64(x, y, n) }
    }
}

/// True when an f32 squared norm is large enough to trust and finite (false for NaN).
#[inline(always)]
fn is_well_scaled(squared_norm: f32) -> bool {
    (MIN_SQUARED_NORM..=MAX_SQUARED_NORM).contains(&squared_norm)
}

/// Cosine from `x·y`, `x·x` and `y·y` when both norms are well scaled (so the product of the two
/// roots lies in [2^-64, 2^100]); f32 throughout, whose two independent square roots are shorter
/// in latency than an f64 root and division. Clamped to [-1, 1] to absorb rounding (NaN stays NaN).
#[inline(always)]
pub(crate) fn cosine_from_parts(xy: f32, xx: f32, yy: f32) -> f32 {
    let cosine = xy / (xx.sqrt() * yy.sqrt());
    cosine.clamp(-1.0, 1.0)
}

/// Cosine in f64 throughout, for pairs whose f32 norms underflowed or overflowed: every f32 square
/// and product is exact in f64's range. A zero vector gives 0, unless the dot product is NaN (a NaN
/// or an infinity met the zero vector), which propagates.
///
/// # Safety
/// `x`, `y`: `n` readable floats each.
#[inline(never)]
pub(crate) unsafe fn cosine_f64(x: *const f32, y: *const f32, n: usize) -> f32 {
    let (mut xy, mut xx, mut yy) = (0.0f64, 0.0f64, 0.0f64);
    for i in 0..n {
        // SAFETY: i < n, and the caller guarantees n readable floats behind each pointer.
        let (a, b) = unsafe { (x.add(i).read_unaligned() as f64, y.add(i).read_unaligned() as f64) };
        xy += a * b;
        xx += a * a;
        yy += b * b;
    }
    if xx == 0.0 || yy == 0.0 {
        return if xy.is_nan() { f32::NAN } else { 0.0 };
    }
    // f64::clamp keeps NaN as NaN.
    (xy / (xx * yy).sqrt()).clamp(-1.0, 1.0) as f32
}
