//! The AVX2 + FMA kernels: the crate's baseline, 16 ymm registers.

crate::entry_points::isa_entry_points!(
    simd = crate::simd::Avx2,
    features = "avx2,fma",
    // 8 FMA chains for single-stream kernels (dot, squared Euclidean).
    unroll = 8,
    // 8 accumulators per row leave no room for a second row sharing the query load.
    batch_rows = 1,
    // Cosine keeps 3 streams: 3 x 4 accumulators use 12 of the 16 registers.
    cosine_unroll = 4,
    // Top-k: 2 rows x 4 queries are 8 FMA chains (enough for 2 ports at latency 4) in 8 registers,
    // plus 2 row vectors and a query vector: 6 loads per 8 FMAs.
    top_k_rows = 2,
    top_k_queries = 4,
);

/// The AVX2 int8 kernels: exact, through sign extension to i16 (see `simd_i8.rs`).
pub(crate) mod int8 {
    crate::entry_points::quantized_entry_points!(
        simd = crate::simd_i8::Avx2I8,
        features = "avx2,fma",
        // The accumulator chain is a vpaddd (latency 1): two accumulators per pair are plenty.
        unroll = 2,
        // 4 rows share each widened query vector: 5 widenings (the shuffle port) per 4 vpmaddwd.
        batch_rows = 4,
        // 2 rows x 4 queries: 8 accumulators, 2 row and 1 query registers of the 16; 6 widenings
        // per 8 vpmaddwd.
        top_k_rows = 2,
        top_k_queries = 4,
    );
}

/// The AVX2 bf16 kernels: bf16 widened to f32 in registers, FMA (see `simd_bf16.rs`).
pub(crate) mod bf16 {
    crate::entry_points::quantized_entry_points!(
        simd = crate::simd_bf16::Avx2Bf16,
        features = "avx2,fma",
        // Each step is two dependent FMAs (latency 8); 4 accumulators keep 4 steps in flight, as
        // many as the 2 loads and 4 widening uops per step let through.
        unroll = 4,
        // Rows summed one at a time, like the f32 batch dot on AVX2.
        batch_rows = 1,
        // 2 rows x 4 queries: 8 accumulators plus 2 x 2 row halves and 2 query halves: 14 of 16.
        top_k_rows = 2,
        top_k_queries = 4,
    );
}
