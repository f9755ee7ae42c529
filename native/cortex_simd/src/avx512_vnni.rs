//! The AVX-512 VNNI int8 kernels (`vpdpbusd`), chosen at load time where the CPU has avx512f,
//! avx512bw and avx512vnni: 32 zmm registers.

crate::entry_points::quantized_entry_points!(
    simd = crate::simd_i8::Avx512Vnni,
    features = "avx512f,avx512bw,avx512vnni,avx2,fma",
    // Each vector costs two vpdpbusd (products and row sum), latency 5: 4 accumulators of each
    // are 8 chains in flight.
    unroll = 4,
    // 2 rows share each biased query: 2 x 4 accumulators, 2 x 4 row sums, 2 rows, the query and
    // the constants: 22 of 32 registers.
    batch_rows = 2,
    // 4 rows x 4 queries: 16 accumulators and 4 row sums plus 4 rows, a query and the constants;
    // 20 vpdpbusd per 8 loads, of which 4 (the row sums) serve all 4 queries.
    top_k_rows = 4,
    top_k_queries = 4,
);
