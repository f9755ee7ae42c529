//! bf16 vector products for each instruction set, accumulated in f32.
//!
//! - AVX-512 BF16: `vdpbf16ps` adds the products of each f32 lane's pair of bf16 elements into it
//!   (32 elements per vector). It treats denormal inputs as zero and flushes denormal results to
//!   zero, whatever MXCSR says: a bf16 below 2^-126 in magnitude contributes nothing, and a
//!   running lane sum below 2^-126 becomes 0. Tails are masked 16-bit loads, so an odd length's
//!   last element meets a zeroed pair partner in both operands.
//! - AVX2 + FMA: no bf16 instructions, but a bf16 is the upper half of an f32. A 32-bit lane
//!   holding two elements gives the even one as an f32 when shifted left by 16 and the odd one
//!   when its low half is masked off: two FMAs per 16 elements, no shuffles (zero-extending each
//!   u16 with `vpmovzxwd` would cost a shuffle-port uop per 8 elements). Denormals are kept, as
//!   IEEE arithmetic keeps them. AVX2 has no 16-bit masked load; the last `n % 16` elements are
//!   the scalar reference's.
//!
//! A bf16 product is exact in f32 (8 + 8 significant bits), so either way each product costs one
//! rounding, where it is added.

#[cfg(target_arch = "x86_64")]
use core::arch::x86_64::*;

use crate::quantized::QuantizedSimd;
use crate::simd::{self, SimdF32};

/// AVX2 + FMA: 16 bf16 elements per vector, split into even and odd f32 lanes.
pub(crate) struct Avx2Bf16;

/// AVX-512 BF16 (with AVX-512F and BW): 32 bf16 elements per vector.
pub(crate) struct Avx512Bf16;

impl QuantizedSimd for Avx2Bf16 {
    type Element = u16;
    type Acc = __m256;
    type RowAcc = ();
    /// The even elements and the odd ones, as f32.
    type Query = (__m256, __m256);
    type Row = (__m256, __m256);
    const LANES: usize = 16;
    const MASKED_TAIL: bool = false;

    #[inline(always)]
    unsafe fn zero() -> __m256 {
        // SAFETY: only inlined into functions that enable avx2.
        unsafe { simd::Avx2::zero() }
    }

    #[inline(always)]
    unsafe fn zero_row() {}

    #[inline(always)]
    unsafe fn load_query(p: *const u16, _lanes: usize) -> (__m256, __m256) {
        // SAFETY: without MASKED_TAIL the kernels load whole vectors only: 32 readable bytes at p;
        // loadu has no alignment need. The rest is register arithmetic.
        unsafe {
            let pairs = _mm256_loadu_si256(p.cast());
            let even = _mm256_slli_epi32::<16>(pairs);
            let odd = _mm256_and_si256(pairs, _mm256_set1_epi32(0xFFFF_0000_u32 as i32));
            (_mm256_castsi256_ps(even), _mm256_castsi256_ps(odd))
        }
    }

    #[inline(always)]
    unsafe fn load_row(p: *const u16, lanes: usize) -> (__m256, __m256) {
        // SAFETY: as load_query.
        unsafe { Self::load_query(p, lanes) }
    }

    #[inline(always)]
    unsafe fn row_step(_state: (), _row: (__m256, __m256)) {}

    #[inline(always)]
    unsafe fn step(acc: __m256, query: (__m256, __m256), row: (__m256, __m256)) -> __m256 {
        // SAFETY: only inlined into functions that enable avx2 and fma.
        unsafe { simd::Avx2::mul_add(query.1, row.1, simd::Avx2::mul_add(query.0, row.0, acc)) }
    }

    #[inline(always)]
    unsafe fn add(a: __m256, b: __m256) -> __m256 {
        // SAFETY: only inlined into functions that enable avx2.
        unsafe { simd::Avx2::add(a, b) }
    }

    #[inline(always)]
    unsafe fn add_rows(_a: (), _b: ()) {}

    #[inline(always)]
    unsafe fn finish(acc: __m256, _row: ()) -> f32 {
        // SAFETY: only inlined into functions that enable avx2.
        unsafe { simd::Avx2::sum(acc) }
    }
}

impl Avx512Bf16 {
    /// 32 elements from `p`, or the first `lanes` (the rest zero, nothing past them read), as the
    /// bf16 vector `vdpbf16ps` takes.
    ///
    /// # Safety
    /// `lanes <= 32` and `p .. p + lanes` readable (any alignment).
    #[inline(always)]
    unsafe fn load(p: *const u16, lanes: usize) -> __m512bh {
        // SAFETY: a zero-masked load reads only lanes whose mask bit is set (lane < lanes < 32) and
        // suppresses faults on the others; avx512bw is enabled in every caller. __m512i and
        // __m512bh are both 64 bytes of plain bits, every pattern valid.
        unsafe {
            let bits = if lanes == 32 {
                _mm512_loadu_si512(p.cast())
            } else {
                _mm512_maskz_loadu_epi16(((1u64 << lanes) - 1) as __mmask32, p.cast())
            };
            core::mem::transmute::<__m512i, __m512bh>(bits)
        }
    }
}

impl QuantizedSimd for Avx512Bf16 {
    type Element = u16;
    type Acc = __m512;
    type RowAcc = ();
    type Query = __m512bh;
    type Row = __m512bh;
    const LANES: usize = 32;
    const MASKED_TAIL: bool = true;

    #[inline(always)]
    unsafe fn zero() -> __m512 {
        // SAFETY: only inlined into functions that enable avx512f.
        unsafe { simd::Avx512::zero() }
    }

    #[inline(always)]
    unsafe fn zero_row() {}

    #[inline(always)]
    unsafe fn load_query(p: *const u16, lanes: usize) -> __m512bh {
        // SAFETY: forwarded from the caller.
        unsafe { Self::load(p, lanes) }
    }

    #[inline(always)]
    unsafe fn load_row(p: *const u16, lanes: usize) -> __m512bh {
        // SAFETY: forwarded from the caller.
        unsafe { Self::load(p, lanes) }
    }

    #[inline(always)]
    unsafe fn row_step(_state: (), _row: __m512bh) {}

    #[inline(always)]
    unsafe fn step(acc: __m512, query: __m512bh, row: __m512bh) -> __m512 {
        // SAFETY: only inlined into functions that enable avx512bf16 and avx512f.
        unsafe { _mm512_dpbf16_ps(acc, query, row) }
    }

    #[inline(always)]
    unsafe fn add(a: __m512, b: __m512) -> __m512 {
        // SAFETY: only inlined into functions that enable avx512f.
        unsafe { simd::Avx512::add(a, b) }
    }

    #[inline(always)]
    unsafe fn add_rows(_a: (), _b: ()) {}

    #[inline(always)]
    unsafe fn finish(acc: __m512, _row: ()) -> f32 {
        // SAFETY: only inlined into functions that enable avx512f.
        unsafe { simd::Avx512::sum(acc) }
    }
}
