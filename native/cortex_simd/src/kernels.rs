//! The kernels, written once for any instruction set `S` and unroll factor `U`.
//!
//! Every kernel walks its input in one order, [`for_each_vector`]: whole groups of `U` vectors,
//! vector `j` of a group going to accumulator `j`, then the remainder (whole vectors, then one
//! masked partial vector) continuing the same rotation; the `U` accumulators are then summed as a
//! tree. Because the order is shared, a stream such as `x·y` sums to the same bits whichever kernel
//! computes it: a batch result equals the pair result for that row exactly, and the query norm a
//! cosine batch computes once equals the norm inside pair cosine.
//!
//! `U` independent accumulators keep `U` FMA chains in flight; the FMA latency is 4 cycles and two
//! ports issue one each per cycle, so one accumulator would leave most of the machine idle.

use crate::simd::SimdF32;

/// Calls `step(j, offset, lanes)` for each vector of an `n`-float pass: accumulator index `j`
/// (`< U`), the vector's first element, and how many floats it holds (`LANES`, or fewer for the
/// last one).
#[inline(always)]
fn for_each_vector<S: SimdF32, const U: usize>(n: usize, mut step: impl FnMut(usize, usize, usize)) {
    let group = S::LANES * U;
    let mut offset = 0;
    while n - offset >= group {
        for j in 0..U {
            step(j, offset + j * S::LANES, S::LANES);
        }
        offset += group;
    }
    // Fewer than U vectors remain (n - offset < group), so j stays below U.
    let mut j = 0;
    while offset < n && j < U {
        let lanes = if n - offset < S::LANES { n - offset } else { S::LANES };
        step(j, offset, lanes);
        offset += lanes;
        j += 1;
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
pub(crate) unsafe fn dot<S: SimdF32, const U: usize>(x: *const f32, y: *const f32, n: usize) -> f32 {
    // SAFETY: every offset/lanes pair from for_each_vector stays within the n floats of x and y.
    unsafe {
        let mut acc = [S::zero(); U];
        for_each_vector::<S, U>(n, |j, at, lanes| {
            acc[j] = S::mul_add(S::load_n(x.add(at), lanes), S::load_n(y.add(at), lanes), acc[j]);
        });
        reduce::<S, U>(acc)
    }
}

/// `Σ (x[i] - y[i])²`.
///
/// # Safety
/// As [`dot`].
#[inline(always)]
pub(crate) unsafe fn squared_euclidean<S: SimdF32, const U: usize>(x: *const f32, y: *const f32, n: usize) -> f32 {
    // SAFETY: as in dot; masked-off lanes load as 0 in both, so their difference adds nothing.
    unsafe {
        let mut acc = [S::zero(); U];
        for_each_vector::<S, U>(n, |j, at, lanes| {
            let d = S::sub(S::load_n(x.add(at), lanes), S::load_n(y.add(at), lanes));
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
pub(crate) unsafe fn cosine_parts<S: SimdF32, const U: usize, const NORM_X: bool>(
    x: *const f32,
    y: *const f32,
    n: usize,
) -> (f32, f32, f32) {
    // SAFETY: as in dot.
    unsafe {
        let mut xy = [S::zero(); U];
        let mut xx = [S::zero(); U];
        let mut yy = [S::zero(); U];
        for_each_vector::<S, U>(n, |j, at, lanes| {
            let a = S::load_n(x.add(at), lanes);
            let b = S::load_n(y.add(at), lanes);
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
pub(crate) unsafe fn cosine<S: SimdF32, const U: usize>(x: *const f32, y: *const f32, n: usize) -> f32 {
    // SAFETY: forwarded from the caller.
    unsafe {
        let (xy, xx, yy) = cosine_parts::<S, U, true>(x, y, n);
        finish_cosine(x, y, n, xy, xx, yy)
    }
}

/// `out[r] = query · row r` for `count` row-major rows of `dimension` floats; `R` rows share each
/// load of the query.
///
/// # Safety
/// `query` holds `dimension` floats, `rows` `dimension * count`, `out` has room for `count` and
/// overlaps neither; the CPU supports `S`.
#[inline(always)]
pub(crate) unsafe fn batch_dot<S: SimdF32, const U: usize, const R: usize>(
    query: *const f32,
    rows: *const f32,
    dimension: usize,
    count: usize,
    out: *mut f32,
) {
    // SAFETY: row r occupies rows[r*dimension .. (r+1)*dimension] and r < count, so every load is
    // inside `rows`; every store is to out[r] with r < count.
    unsafe {
        let mut r = 0;
        while count - r >= R {
            let first = rows.add(r * dimension);
            let mut acc = [[S::zero(); U]; R];
            for_each_vector::<S, U>(dimension, |j, at, lanes| {
                let q = S::load_n(query.add(at), lanes);
                for (k, row_acc) in acc.iter_mut().enumerate() {
                    let v = S::load_n(first.add(k * dimension + at), lanes);
                    row_acc[j] = S::mul_add(q, v, row_acc[j]);
                }
            });
            for (k, row_acc) in acc.into_iter().enumerate() {
                out.add(r + k).write_unaligned(reduce::<S, U>(row_acc));
            }
            r += R;
        }
        while r < count {
            out.add(r).write_unaligned(dot::<S, U>(query, rows.add(r * dimension), dimension));
            r += 1;
        }
    }
}

/// `out[r] = cosine(query, row r)`; the query's norm is computed once.
///
/// # Safety
/// As [`batch_dot`].
#[inline(always)]
pub(crate) unsafe fn batch_cosine<S: SimdF32, const U: usize>(
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
        let query_norm = dot::<S, U>(query, query, dimension);
        for r in 0..count {
            let row = rows.add(r * dimension);
            let (xy, _, yy) = cosine_parts::<S, U, false>(query, row, dimension);
            out.add(r).write_unaligned(finish_cosine(query, row, dimension, xy, query_norm, yy));
        }
    }
}

/// The smallest squared norm the f32 cosine trusts: 2^-64. Below it, squares of the entries may
/// have underflowed (a vector of 1e-25s has an f32 squared norm of exactly 0), so the cosine
/// would no longer be scale-invariant.
const MIN_SQUARED_NORM: f32 = f32::from_bits((127 - 64) << 23);

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
    (MIN_SQUARED_NORM..=f32::MAX).contains(&squared_norm)
}

/// Cosine from `x·y`, `x·x` and `y·y` when both norms are well scaled. The division runs in f64,
/// so `x·x · y·y` cannot overflow, and the result is clamped to [-1, 1] to absorb rounding (NaN
/// stays NaN).
#[inline(always)]
pub(crate) fn cosine_from_parts(xy: f32, xx: f32, yy: f32) -> f32 {
    clamp_cosine(xy as f64 / ((xx as f64) * (yy as f64)).sqrt())
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
    clamp_cosine(xy / (xx * yy).sqrt())
}

#[inline(always)]
fn clamp_cosine(cosine: f64) -> f32 {
    // f64::clamp keeps NaN as NaN.
    cosine.clamp(-1.0, 1.0) as f32
}
