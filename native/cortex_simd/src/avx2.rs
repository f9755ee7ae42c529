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
