//! One macro writes each instruction set's entry points, so the AVX2 and AVX-512 modules differ
//! only in what really differs: the vector type, the features enabled and the unroll factors. A
//! second macro does the same for the quantized kernels (int8, bf16).

/// Defines `dot`, `squared_euclidean`, `cosine`, `batch_dot`, `batch_cosine` and `top_k` for one
/// instruction set: `#[target_feature]` wrappers that monomorphize the generic kernels.
macro_rules! isa_entry_points {
    (
        simd = $simd:ty,
        features = $features:literal,
        unroll = $unroll:expr,
        batch_rows = $rows:expr,
        cosine_unroll = $cosine_unroll:expr,
        top_k_rows = $top_k_rows:expr,
        top_k_queries = $top_k_queries:expr $(,)?
    ) => {
        use crate::kernels::{self, ReaderChoice};

        /// # Safety
        /// `x`, `y`: `n` readable floats each; the CPU has this module's instruction set.
        #[target_feature(enable = $features)]
        pub(crate) unsafe fn dot(x: *const f32, y: *const f32, n: usize) -> f32 {
            // SAFETY: forwarded from the caller.
            unsafe { <$simd>::pair::<kernels::Dot<{ $unroll }>>(x, y, n) }
        }

        /// # Safety
        /// As [`dot`].
        #[target_feature(enable = $features)]
        pub(crate) unsafe fn squared_euclidean(x: *const f32, y: *const f32, n: usize) -> f32 {
            // SAFETY: forwarded from the caller.
            unsafe { <$simd>::pair::<kernels::SquaredEuclidean<{ $unroll }>>(x, y, n) }
        }

        /// # Safety
        /// As [`dot`].
        #[target_feature(enable = $features)]
        pub(crate) unsafe fn cosine(x: *const f32, y: *const f32, n: usize) -> f32 {
            // SAFETY: forwarded from the caller.
            unsafe { <$simd>::pair::<kernels::Cosine<{ $cosine_unroll }>>(x, y, n) }
        }

        /// # Safety
        /// As `kernels::batch_dot`, on a CPU with this module's instruction set.
        #[target_feature(enable = $features)]
        pub(crate) unsafe fn batch_dot(q: *const f32, rows: *const f32, dimension: usize, count: usize, out: *mut f32) {
            // SAFETY: forwarded from the caller.
            unsafe { <$simd>::batch::<kernels::BatchDot<{ $unroll }, { $rows }>>(q, rows, dimension, count, out) }
        }

        /// # Safety
        /// As `kernels::batch_cosine`, on a CPU with this module's instruction set.
        #[target_feature(enable = $features)]
        pub(crate) unsafe fn batch_cosine(q: *const f32, rows: *const f32, dimension: usize, count: usize, out: *mut f32) {
            // SAFETY: forwarded from the caller.
            unsafe { <$simd>::batch::<kernels::BatchCosine<{ $cosine_unroll }>>(q, rows, dimension, count, out) }
        }

        /// # Safety
        /// As `top_k::top_k`, on a CPU with this module's instruction set.
        #[target_feature(enable = $features)]
        pub(crate) unsafe fn top_k(
            metric: crate::top_k::Metric,
            queries: *const f32,
            rows: *const f32,
            ids: *const i64,
            dimension: usize,
            count: usize,
            heaps: &mut crate::top_k::Heaps,
        ) {
            use crate::top_k::{top_k, Metric};
            // SAFETY: forwarded from the caller.
            unsafe {
                match metric {
                    Metric::Dot => top_k::<$simd, { $top_k_rows }, { $top_k_queries }, false>(queries, rows, ids, dimension, count, heaps),
                    Metric::SquaredEuclidean => {
                        top_k::<$simd, { $top_k_rows }, { $top_k_queries }, true>(queries, rows, ids, dimension, count, heaps)
                    }
                }
            }
        }
    };
}

pub(crate) use isa_entry_points;

/// Defines `dot`, `batch_dot` and `top_k` for one element type on one instruction set (a
/// `QuantizedSimd`): `#[target_feature]` wrappers that monomorphize the kernels of `quantized.rs`.
/// The batch takes the pair's `unroll`, so it sums each row exactly as the pair dot does.
macro_rules! quantized_entry_points {
    (
        simd = $simd:ty,
        features = $features:literal,
        unroll = $unroll:expr,
        batch_rows = $rows:expr,
        top_k_rows = $top_k_rows:expr,
        top_k_queries = $top_k_queries:expr $(,)?
    ) => {
        use crate::quantized::{self, QuantizedScorer, QuantizedSimd, ScoreOf, TopKInput};

        type Element = <$simd as QuantizedSimd>::Element;

        /// # Safety
        /// `x`, `y`: `n` readable elements each; the CPU has this module's instruction set.
        #[target_feature(enable = $features)]
        pub(crate) unsafe fn dot(x: *const Element, y: *const Element, n: usize) -> ScoreOf<$simd> {
            // SAFETY: forwarded from the caller.
            unsafe { quantized::dot::<$simd, { $unroll }>(x, y, n) }
        }

        /// # Safety
        /// As `quantized::batch_dot`, on a CPU with this module's instruction set.
        #[target_feature(enable = $features)]
        pub(crate) unsafe fn batch_dot(q: *const Element, rows: *const Element, dimension: usize, count: usize, out: *mut ScoreOf<$simd>) {
            // SAFETY: forwarded from the caller.
            unsafe { quantized::batch_dot::<$simd, { $rows }, { $unroll }>(q, rows, dimension, count, out) }
        }

        /// # Safety
        /// As `top_k::run` for the scorer of `input` (which the ABI checked), on a CPU with this
        /// module's instruction set.
        #[target_feature(enable = $features)]
        pub(crate) unsafe fn top_k(input: &TopKInput<Element>, heaps: &mut crate::top_k::Heaps) {
            use crate::top_k::run;
            // SAFETY: forwarded from the caller.
            unsafe {
                if input.row_bias.is_null() {
                    let scorer = QuantizedScorer::<$simd, false> { input: *input };
                    run::<_, { $top_k_rows }, { $top_k_queries }>(&scorer, input.ids, input.count, heaps)
                } else {
                    let scorer = QuantizedScorer::<$simd, true> { input: *input };
                    run::<_, { $top_k_rows }, { $top_k_queries }>(&scorer, input.ids, input.count, heaps)
                }
            }
        }
    };
}

pub(crate) use quantized_entry_points;
