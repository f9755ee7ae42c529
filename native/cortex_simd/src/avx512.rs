//! The AVX-512F kernels, chosen at load time where the CPU has them: 32 zmm registers.

crate::entry_points::isa_entry_points!(
    simd = crate::simd::Avx512,
    features = "avx512f,avx2,fma",
    // 8 FMA chains for single-stream kernels (dot, squared Euclidean).
    unroll = 8,
    // Two rows share each query load in a batch dot: 2 x 8 accumulators plus loads fit in 32.
    batch_rows = 2,
    // Cosine keeps 3 streams: 3 x 4 accumulators are 12 FMA chains, enough for the two FMA ports,
    // with shorter reduction trees than 3 x 8 (8.6 ns against 9.9 at 128 floats).
    cosine_unroll = 4,
    // Top-k: 4 rows x 4 queries are 16 accumulators plus 4 row vectors: 8 loads per 16 FMAs, so
    // the FMA ports, not the loads, set the pace.
    top_k_rows = 4,
    top_k_queries = 4,
);
