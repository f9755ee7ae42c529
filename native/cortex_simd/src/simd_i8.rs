//! int8 vector products for each instruction set, both exact.
//!
//! - AVX-512 VNNI: `vpdpbusd` multiplies u8 by s8 and adds groups of four products into i32 lanes,
//!   without saturation. One operand must be unsigned, so the query is biased at load time:
//!   `q ^ 0x80` is `q + 128` as a u8, and `Σ q·r = Σ (q + 128)·r − 128·Σ r`. The row sum `Σ r` is
//!   a second `vpdpbusd` of u8 ones against the same row register, in the same pass, once per row
//!   vector however many queries share it; the caller passes no row sums. The bias is one xor per
//!   query load, shared by every row of the tile. Tails are masked loads: lanes past the end load
//!   as 0 in the row, so whatever the biased query holds there, their products are 0.
//! - AVX2: `vpmaddubsw` would saturate (255·127·2 > 32767), so both operands are sign-extended to
//!   i16 (`vpmovsxbw`) and `vpmaddwd` adds pairs of i16 products into i32 lanes: each pair is at
//!   most 2·2^14 in magnitude, exact. AVX2 has no byte-masked load; the last `n % 16` elements are
//!   the scalar reference's.
//!
//! All lanes wrap modulo 2^32 (`vpdpbusd`, `vpaddd`, `vpsubd` and the reductions all wrap), which
//! the ABI's length limit turns into exact results (see `quantized.rs`).

#[cfg(target_arch = "x86_64")]
use core::arch::x86_64::*;

use crate::quantized::QuantizedSimd;

/// AVX2: 16 int8 elements per vector, widened to 16 i16 lanes.
pub(crate) struct Avx2I8;

/// AVX-512 VNNI (with AVX-512F and BW): 64 int8 elements per vector.
pub(crate) struct Avx512Vnni;

impl QuantizedSimd for Avx2I8 {
    type Element = i8;
    type Acc = __m256i;
    type RowAcc = ();
    type Query = __m256i;
    type Row = __m256i;
    const LANES: usize = 16;
    const MASKED_TAIL: bool = false;

    #[inline(always)]
    unsafe fn zero() -> __m256i {
        // SAFETY: only inlined into functions that enable avx2.
        unsafe { _mm256_setzero_si256() }
    }

    #[inline(always)]
    unsafe fn zero_row() {}

    #[inline(always)]
    unsafe fn load_query(p: *const i8, _lanes: usize) -> __m256i {
        // SAFETY: without MASKED_TAIL the kernels load whole vectors only: 16 readable bytes at p;
        // loadu has no alignment need.
        unsafe { _mm256_cvtepi8_epi16(_mm_loadu_si128(p.cast())) }
    }

    #[inline(always)]
    unsafe fn load_row(p: *const i8, lanes: usize) -> __m256i {
        // SAFETY: as load_query.
        unsafe { Self::load_query(p, lanes) }
    }

    #[inline(always)]
    unsafe fn row_step(_state: (), _row: __m256i) {}

    #[inline(always)]
    unsafe fn step(acc: __m256i, query: __m256i, row: __m256i) -> __m256i {
        // SAFETY: only inlined into functions that enable avx2. The chain through acc is the add
        // (latency 1), not the multiply, so one accumulator per pair keeps the ports busy.
        unsafe { _mm256_add_epi32(acc, _mm256_madd_epi16(query, row)) }
    }

    #[inline(always)]
    unsafe fn add(a: __m256i, b: __m256i) -> __m256i {
        // SAFETY: only inlined into functions that enable avx2.
        unsafe { _mm256_add_epi32(a, b) }
    }

    #[inline(always)]
    unsafe fn add_rows(_a: (), _b: ()) {}

    #[inline(always)]
    unsafe fn finish(acc: __m256i, _row: ()) -> i32 {
        // SAFETY: only inlined into functions that enable avx2; pure register arithmetic.
        unsafe {
            let quad = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256::<1>(acc));
            let pair = _mm_add_epi32(quad, _mm_unpackhi_epi64(quad, quad));
            let single = _mm_add_epi32(pair, _mm_shuffle_epi32::<0b01>(pair));
            _mm_cvtsi128_si32(single)
        }
    }
}

impl Avx512Vnni {
    /// 64 bytes from `p`, or the first `lanes` (the rest zero, nothing past them read).
    ///
    /// # Safety
    /// `lanes <= 64` and `p .. p + lanes` readable.
    #[inline(always)]
    unsafe fn load(p: *const i8, lanes: usize) -> __m512i {
        // SAFETY: a zero-masked load reads only lanes whose mask bit is set (lane < lanes < 64) and
        // suppresses faults on the others; avx512bw is enabled in every caller.
        unsafe {
            if lanes == 64 {
                _mm512_loadu_si512(p.cast())
            } else {
                _mm512_maskz_loadu_epi8((1u64 << lanes) - 1, p)
            }
        }
    }
}

impl QuantizedSimd for Avx512Vnni {
    type Element = i8;
    type Acc = __m512i;
    /// The row's element sum, 16 lanes of partial sums.
    type RowAcc = __m512i;
    type Query = __m512i;
    type Row = __m512i;
    const LANES: usize = 64;
    const MASKED_TAIL: bool = true;

    #[inline(always)]
    unsafe fn zero() -> __m512i {
        // SAFETY: only inlined into functions that enable avx512f.
        unsafe { _mm512_setzero_si512() }
    }

    #[inline(always)]
    unsafe fn zero_row() -> __m512i {
        // SAFETY: as zero.
        unsafe { _mm512_setzero_si512() }
    }

    #[inline(always)]
    unsafe fn load_query(p: *const i8, lanes: usize) -> __m512i {
        // SAFETY: forwarded from the caller; the xor is register arithmetic.
        unsafe { _mm512_xor_si512(Self::load(p, lanes), _mm512_set1_epi8(i8::MIN)) }
    }

    #[inline(always)]
    unsafe fn load_row(p: *const i8, lanes: usize) -> __m512i {
        // SAFETY: forwarded from the caller.
        unsafe { Self::load(p, lanes) }
    }

    #[inline(always)]
    unsafe fn row_step(state: __m512i, row: __m512i) -> __m512i {
        // SAFETY: only inlined into functions that enable avx512vnni.
        unsafe { _mm512_dpbusd_epi32(state, _mm512_set1_epi8(1), row) }
    }

    #[inline(always)]
    unsafe fn step(acc: __m512i, query: __m512i, row: __m512i) -> __m512i {
        // SAFETY: only inlined into functions that enable avx512vnni. The unsigned operand is the
        // biased query.
        unsafe { _mm512_dpbusd_epi32(acc, query, row) }
    }

    #[inline(always)]
    unsafe fn add(a: __m512i, b: __m512i) -> __m512i {
        // SAFETY: only inlined into functions that enable avx512f.
        unsafe { _mm512_add_epi32(a, b) }
    }

    #[inline(always)]
    unsafe fn add_rows(a: __m512i, b: __m512i) -> __m512i {
        // SAFETY: as add.
        unsafe { _mm512_add_epi32(a, b) }
    }

    #[inline(always)]
    unsafe fn finish(acc: __m512i, row_sum: __m512i) -> i32 {
        // Σ (q + 128)·r − 128·Σ r, lane by lane, then across lanes: all modulo 2^32.
        // SAFETY: only inlined into functions that enable avx512f.
        unsafe { _mm512_reduce_add_epi32(_mm512_sub_epi32(acc, _mm512_slli_epi32::<7>(row_sum))) }
    }
}
