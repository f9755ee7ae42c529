//! Kernels for quantized rows, written once for any element type and instruction set: int8 (exact
//! i32 dot products) and bf16 (f32 dot products of bf16 values).
//!
//! Everything is one kernel, [`tile`]: `R` rows against `Q` queries, `U` accumulators per pair.
//! A pair dot is a 1 x 1 tile, a batch an `R` x 1 tile (rows share each query load), the fused
//! top-k an `R` x `Q` tile with one accumulator per pair. Vector `i` of a pair goes to accumulator
//! `i % U`, whatever `R` and `Q` are, so with the same `U` a batch result equals the pair result
//! for that row bit for bit (this matters for bf16; int8 sums are exact in any order), and a
//! top-k key does not depend on the tile the pair was scored in.
//!
//! Integer sums are taken modulo 2^32 (wrapping adds in the vectors and in the scalar tail). The
//! ABI admits no length whose exact dot product can leave i32, so the wrapped sum is the exact
//! one, even where an intermediate (such as the VNNI kernel's biased sum) would overflow.

use crate::top_k::Scorer;

/// A stored element type and its scalar arithmetic.
pub(crate) trait Element: Copy {
    /// What a dot product of two vectors of this element is: `i32` (exact) or `f32`.
    type Score: Copy + Default;

    /// `Σ x[i]·y[i]` one element at a time: the reference the vector kernels are tested against,
    /// and the tail of kernels whose instruction set has no masked load of this element.
    ///
    /// # Safety
    /// `x`, `y`: `n` readable elements each (any alignment).
    unsafe fn dot_scalar(x: *const Self, y: *const Self, n: usize) -> Self::Score;

    /// The dot product of a whole vector's worth of elements followed by a scalar tail's.
    fn combine(vectors: Self::Score, tail: Self::Score) -> Self::Score;

    /// The score as the f32 a top-k key is made from.
    fn to_f32(score: Self::Score) -> f32;
}

/// int8: products of two `i8` fit in i32 (at most 2^14 in magnitude), sums wrap modulo 2^32.
impl Element for i8 {
    type Score = i32;

    #[inline(always)]
    unsafe fn dot_scalar(x: *const i8, y: *const i8, n: usize) -> i32 {
        let mut sum = 0i32;
        for i in 0..n {
            // SAFETY: i < n, and the caller guarantees n readable elements behind each pointer.
            let (a, b) = unsafe { (x.add(i).read(), y.add(i).read()) };
            sum = sum.wrapping_add(a as i32 * b as i32);
        }
        sum
    }

    #[inline(always)]
    fn combine(vectors: i32, tail: i32) -> i32 {
        vectors.wrapping_add(tail)
    }

    #[inline(always)]
    fn to_f32(score: i32) -> f32 {
        score as f32
    }
}

/// bf16, stored as its bit pattern in a `u16`: the upper half of an f32.
impl Element for u16 {
    type Score = f32;

    #[inline(always)]
    unsafe fn dot_scalar(x: *const u16, y: *const u16, n: usize) -> f32 {
        let mut sum = 0.0f32;
        for i in 0..n {
            // SAFETY: i < n, and the caller guarantees n readable elements; C# aligns a ushort
            // array, but nothing here relies on it.
            let (a, b) = unsafe { (x.add(i).read_unaligned(), y.add(i).read_unaligned()) };
            // The product of two bf16 values is exact in f32 (8 + 8 significant bits), so this is
            // one rounding per element, as a fused multiply-add would be.
            sum += bf16_to_f32(a) * bf16_to_f32(b);
        }
        sum
    }

    #[inline(always)]
    fn combine(vectors: f32, tail: f32) -> f32 {
        vectors + tail
    }

    #[inline(always)]
    fn to_f32(score: f32) -> f32 {
        score
    }
}

/// The f32 whose upper half is `bits` (exact: bf16 is a truncated f32).
#[inline(always)]
pub(crate) fn bf16_to_f32(bits: u16) -> f32 {
    f32::from_bits((bits as u32) << 16)
}

/// The score type of an instruction set's element.
pub(crate) type ScoreOf<S> = <<S as QuantizedSimd>::Element as Element>::Score;

/// One instruction set's vector products of one element type.
///
/// Every method is `#[inline(always)]` without a `#[target_feature]` of its own: it is only ever
/// inlined into an entry point that enables the instruction set (as in `simd.rs`).
pub(crate) trait QuantizedSimd {
    /// The stored element.
    type Element: Element;
    /// A pair's running products, lane by lane.
    type Acc: Copy;
    /// A row's own running state: the VNNI kernel's element sum, `()` elsewhere.
    type RowAcc: Copy;
    /// A query vector as the products take it (VNNI: each `q + 128` as a u8).
    type Query: Copy;
    /// A row vector as the products take it.
    type Row: Copy;
    /// Elements per vector.
    const LANES: usize;
    /// True when the last, partial vector is a masked load (which reads nothing past the end);
    /// false when the kernels leave the last `n % LANES` elements to [`Element::dot_scalar`].
    const MASKED_TAIL: bool;

    /// An empty pair accumulator.
    unsafe fn zero() -> Self::Acc;
    /// An empty row state.
    unsafe fn zero_row() -> Self::RowAcc;
    /// Loads `lanes` query elements from `p`: `LANES`, or with `MASKED_TAIL` fewer (the rest
    /// zero, nothing at or past `p + lanes` read).
    ///
    /// # Safety
    /// `p .. p + lanes` readable, any alignment.
    unsafe fn load_query(p: *const Self::Element, lanes: usize) -> Self::Query;
    /// Loads `lanes` row elements from `p`, as [`QuantizedSimd::load_query`].
    ///
    /// # Safety
    /// As [`QuantizedSimd::load_query`].
    unsafe fn load_row(p: *const Self::Element, lanes: usize) -> Self::Row;
    /// Adds one row vector to the row's state.
    unsafe fn row_step(state: Self::RowAcc, row: Self::Row) -> Self::RowAcc;
    /// Adds the products of one query and one row vector to a pair accumulator.
    unsafe fn step(acc: Self::Acc, query: Self::Query, row: Self::Row) -> Self::Acc;
    /// `a + b` lane by lane.
    unsafe fn add(a: Self::Acc, b: Self::Acc) -> Self::Acc;
    /// `a + b` for row states.
    unsafe fn add_rows(a: Self::RowAcc, b: Self::RowAcc) -> Self::RowAcc;
    /// The pair's dot product from its accumulator and its row's state.
    unsafe fn finish(acc: Self::Acc, row: Self::RowAcc) -> ScoreOf<Self>;
}

/// Sums `U` values as a balanced tree (the same tree for every pair).
#[inline(always)]
fn reduce<T: Copy, const U: usize>(mut values: [T; U], add: impl Fn(T, T) -> T) -> T {
    const { assert!(U.is_power_of_two()) };
    let mut width = U;
    while width > 1 {
        width /= 2;
        for k in 0..width {
            values[k] = add(values[k], values[k + width]);
        }
    }
    values[0]
}

/// Calls `step(at, lanes, u)` for each vector of an `n`-element pass: its first element, how many
/// elements it holds (`LANES`, or fewer for a masked last one) and its accumulator `u < U`;
/// vector `k` goes to accumulator `k % U`. Without `MASKED_TAIL` the last `n % LANES` elements
/// are left out.
#[inline(always)]
fn for_each_vector<S: QuantizedSimd, const U: usize>(n: usize, mut step: impl FnMut(usize, usize, usize)) {
    let mut i = 0;
    while n - i >= U * S::LANES {
        for u in 0..U {
            step(i, S::LANES, u);
            i += S::LANES;
        }
    }
    // Fewer than U whole vectors remain, then perhaps a partial one: u stays below U.
    for u in 0..U {
        if n - i >= S::LANES {
            step(i, S::LANES, u);
            i += S::LANES;
        } else {
            if S::MASKED_TAIL && i < n {
                step(i, n - i, u);
            }
            break;
        }
    }
}

/// `out[r][j] = rows[r] · queries[j]` over `n` elements, `U` accumulators per pair.
///
/// # Safety
/// Every pointer holds `n` readable elements; the CPU supports `S`.
#[inline(always)]
pub(crate) unsafe fn tile<S: QuantizedSimd, const R: usize, const Q: usize, const U: usize>(
    rows: [*const S::Element; R],
    queries: [*const S::Element; Q],
    n: usize,
) -> [[ScoreOf<S>; Q]; R] {
    // SAFETY: every load is of `lanes` elements at `i` with i + lanes <= n; register arithmetic
    // otherwise, in the caller's instruction set.
    unsafe {
        let mut acc = [[[S::zero(); U]; Q]; R];
        let mut states = [[S::zero_row(); U]; R];
        // Vector `at` of every pair into accumulator u. The rows are loaded once and shared by
        // every query; each query is loaded (VNNI: and biased) once and shared by every row.
        for_each_vector::<S, U>(n, #[inline(always)] |at, lanes, u| {
            let row: [S::Row; R] = core::array::from_fn(#[inline(always)] |r| S::load_row(rows[r].add(at), lanes));
            for r in 0..R {
                states[r][u] = S::row_step(states[r][u], row[r]);
            }
            for j in 0..Q {
                let query = S::load_query(queries[j].add(at), lanes);
                for r in 0..R {
                    acc[r][j][u] = S::step(acc[r][j][u], query, row[r]);
                }
            }
        });
        // Without masked loads, the elements past the last whole vector.
        let whole = n - n % S::LANES;
        let mut out = [[ScoreOf::<S>::default(); Q]; R];
        for r in 0..R {
            let state = reduce(states[r], #[inline(always)] |a, b| S::add_rows(a, b));
            for j in 0..Q {
                let mut score = S::finish(reduce(acc[r][j], #[inline(always)] |a, b| S::add(a, b)), state);
                if !S::MASKED_TAIL && whole < n {
                    let tail = S::Element::dot_scalar(queries[j].add(whole), rows[r].add(whole), n - whole);
                    score = S::Element::combine(score, tail);
                }
                out[r][j] = score;
            }
        }
        out
    }
}

/// `Σ x[i]·y[i]`; `x` is taken as the query (the operand VNNI biases), `y` as the row.
///
/// # Safety
/// `x`, `y`: `n` readable elements each; the CPU supports `S`.
#[inline(always)]
pub(crate) unsafe fn dot<S: QuantizedSimd, const U: usize>(x: *const S::Element, y: *const S::Element, n: usize) -> ScoreOf<S> {
    // SAFETY: forwarded from the caller.
    unsafe { tile::<S, 1, 1, U>([y], [x], n)[0][0] }
}

/// `out[r] = query · row r` for `count` row-major rows of `dimension` elements, `R` rows sharing
/// each query load; each row summed exactly as [`dot`] with the same `U` sums it.
///
/// # Safety
/// `query` holds `dimension` elements, `rows` `dimension * count`, `out` has room for `count`
/// scores (any alignment) and overlaps neither; the CPU supports `S`.
#[inline(always)]
pub(crate) unsafe fn batch_dot<S: QuantizedSimd, const R: usize, const U: usize>(
    query: *const S::Element,
    rows: *const S::Element,
    dimension: usize,
    count: usize,
    out: *mut ScoreOf<S>,
) {
    // SAFETY: row r occupies rows[r*dimension .. (r+1)*dimension] with r < count; every store is
    // to out[r] with r < count.
    unsafe {
        let mut r = 0;
        while count - r >= R {
            let first = rows.add(r * dimension);
            let tile_rows: [*const S::Element; R] = core::array::from_fn(#[inline(always)] |k| first.add(k * dimension));
            let scores = tile::<S, R, 1, U>(tile_rows, [query], dimension);
            for (k, score) in scores.iter().enumerate() {
                out.add(r + k).write_unaligned(score[0]);
            }
            r += R;
        }
        while r < count {
            out.add(r).write_unaligned(dot::<S, U>(query, rows.add(r * dimension), dimension));
            r += 1;
        }
    }
}

/// The inputs of a quantized top-k, as the ABI checked them.
#[derive(Clone, Copy)]
pub(crate) struct TopKInput<E> {
    /// `query_count * dimension` elements, row-major (the query count is the heaps').
    pub queries: *const E,
    /// One scale per query.
    pub query_scales: *const f32,
    /// `count * dimension` elements, row-major.
    pub rows: *const E,
    /// One bias per row, or null for none.
    pub row_bias: *const f32,
    /// One id per row.
    pub ids: *const i64,
    pub dimension: usize,
    pub count: usize,
}

/// Scores quantized tiles for the top-k driver: `key = query_scales[q] · (q · r) + row_bias[r]`,
/// as two f32 roundings (a product, then a sum; Rust never fuses them). Without a bias the key is
/// the product alone (nothing added, so a -0 stays -0).
pub(crate) struct QuantizedScorer<S: QuantizedSimd, const BIAS: bool> {
    pub input: TopKInput<S::Element>,
}

impl<S: QuantizedSimd, const BIAS: bool> Scorer for QuantizedScorer<S, BIAS> {
    #[inline(always)]
    fn row_bytes(&self) -> usize {
        self.input.dimension * core::mem::size_of::<S::Element>()
    }

    #[inline(always)]
    unsafe fn keys<const R: usize, const Q: usize>(&self, row: usize, first: usize) -> [[f32; Q]; R] {
        let input = &self.input;
        // SAFETY: the driver asks only for rows below `count` and queries below the query count;
        // scales and biases are read unaligned (C# aligns them, nothing here relies on it).
        unsafe {
            let row_ptrs: [*const S::Element; R] = core::array::from_fn(|r| input.rows.add((row + r) * input.dimension));
            let query_ptrs: [*const S::Element; Q] = core::array::from_fn(|j| input.queries.add((first + j) * input.dimension));
            // One accumulator per pair: a tile of R x Q pairs already has R·Q chains in flight.
            let dots = tile::<S, R, Q, 1>(row_ptrs, query_ptrs, input.dimension);
            let scales: [f32; Q] = core::array::from_fn(|j| input.query_scales.add(first + j).read_unaligned());
            let mut keys = [[0.0f32; Q]; R];
            for r in 0..R {
                let bias = if BIAS { input.row_bias.add(row + r).read_unaligned() } else { 0.0 };
                for j in 0..Q {
                    let product = scales[j] * S::Element::to_f32(dots[r][j]);
                    keys[r][j] = if BIAS { product + bias } else { product };
                }
            }
            keys
        }
    }
}
