//! The AVX-512 BF16 kernels (`vdpbf16ps`), chosen at load time where the CPU has avx512f,
//! avx512bw and avx512bf16: 32 zmm registers. Denormal inputs and results are flushed to zero
//! (see `simd_bf16.rs`).

crate::entry_points::quantized_entry_points!(
    simd = crate::simd_bf16::Avx512Bf16,
    features = "avx512f,avx512bw,avx512bf16,avx2,fma",
    // 8 chains of vdpbf16ps, as the f32 kernels keep 8 FMA chains.
    unroll = 8,
    // Two rows share each query load: 2 x 8 accumulators plus loads fit in 32, as for f32.
    batch_rows = 2,
    // 4 rows x 4 queries: 16 accumulators plus 4 rows and a query: 8 loads per 16 vdpbf16ps.
    top_k_rows = 4,
    top_k_queries = 4,
);
