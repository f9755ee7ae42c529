//! The vector operations the kernels need, for each instruction set.
//!
//! Every method is `#[inline(always)]` and carries no `#[target_feature]` of its own: it is only
//! ever inlined into a function of `avx2.rs` or `avx512.rs` that enables the instruction set
//! (the same arrangement the `memchr` crate uses for its generic vector code).

#[cfg(target_arch = "x86_64")]
use core::arch::x86_64::*;

/// One instruction set's f32 vector.
pub(crate) trait SimdF32 {
    /// The vector register type.
    type V: Copy;
    /// f32 lanes per vector.
    const LANES: usize;

    /// All lanes zero.
    unsafe fn zero() -> Self::V;
    /// Loads `LANES` floats from `p` (any alignment).
    ///
    /// # Safety
    /// `p .. p + LANES` must be readable.
    unsafe fn load(p: *const f32) -> Self::V;
    /// Loads the first `n` floats from `p` into the low lanes and zeroes the rest, never touching
    /// memory at or past `p + n` (a masked load, which does not fault on masked-off lanes).
    ///
    /// # Safety
    /// `n < LANES` and `p .. p + n` must be readable.
    unsafe fn load_first(p: *const f32, n: usize) -> Self::V;
    /// `a * b + c` with one rounding.
    unsafe fn mul_add(a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// `a + b` lane by lane.
    unsafe fn add(a: Self::V, b: Self::V) -> Self::V;
    /// `a - b` lane by lane.
    unsafe fn sub(a: Self::V, b: Self::V) -> Self::V;
    /// Sum of all lanes.
    unsafe fn sum(v: Self::V) -> f32;

    /// Loads `n` floats, `n <= LANES`; a whole vector when `n == LANES`.
    ///
    /// # Safety
    /// `p .. p + n` must be readable.
    #[inline(always)]
    unsafe fn load_n(p: *const f32, n: usize) -> Self::V {
        if n == Self::LANES {
            // SAFETY: the caller guarantees n readable floats and n == LANES.
            unsafe { Self::load(p) }
        } else {
            // SAFETY: n < LANES here, and the caller guarantees n readable floats.
            unsafe { Self::load_first(p, n) }
        }
    }
}

/// AVX2 + FMA: 8 lanes of 256 bits.
pub(crate) struct Avx2;

/// AVX-512F: 16 lanes of 512 bits.
pub(crate) struct Avx512;

impl SimdF32 for Avx2 {
    type V = __m256;
    const LANES: usize = 8;

    #[inline(always)]
    unsafe fn zero() -> __m256 {
        // SAFETY: only inlined into functions that enable avx2.
        unsafe { _mm256_setzero_ps() }
    }

    #[inline(always)]
    unsafe fn load(p: *const f32) -> __m256 {
        // SAFETY: the caller guarantees 8 readable floats at p; loadu has no alignment need.
        unsafe { _mm256_loadu_ps(p) }
    }

    #[inline(always)]
    unsafe fn load_first(p: *const f32, n: usize) -> __m256 {
        // SAFETY: vmaskmovps reads only the lanes whose mask bit is set (lane < n) and does not
        // fault on the others; the caller guarantees those n floats are readable.
        unsafe {
            let lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
            let mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(n as i32), lane);
            _mm256_maskload_ps(p, mask)
        }
    }

    #[inline(always)]
    unsafe fn mul_add(a: __m256, b: __m256, c: __m256) -> __m256 {
        // SAFETY: only inlined into functions that enable avx2 and fma.
        unsafe { _mm256_fmadd_ps(a, b, c) }
    }

    #[inline(always)]
    unsafe fn add(a: __m256, b: __m256) -> __m256 {
        // SAFETY: only inlined into functions that enable avx2.
        unsafe { _mm256_add_ps(a, b) }
    }

    #[inline(always)]
    unsafe fn sub(a: __m256, b: __m256) -> __m256 {
        // SAFETY: only inlined into functions that enable avx2.
        unsafe { _mm256_sub_ps(a, b) }
    }

    #[inline(always)]
    unsafe fn sum(v: __m256) -> f32 {
        // SAFETY: only inlined into functions that enable avx2; pure register arithmetic.
        unsafe {
            let quad = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
            let pair = _mm_add_ps(quad, _mm_movehl_ps(quad, quad));
            let single = _mm_add_ss(pair, _mm_shuffle_ps::<0b01>(pair, pair));
            _mm_cvtss_f32(single)
        }
    }
}

impl SimdF32 for Avx512 {
    type V = __m512;
    const LANES: usize = 16;

    #[inline(always)]
    unsafe fn zero() -> __m512 {
        // SAFETY: only inlined into functions that enable avx512f.
        unsafe { _mm512_setzero_ps() }
    }

    #[inline(always)]
    unsafe fn load(p: *const f32) -> __m512 {
        // SAFETY: the caller guarantees 16 readable floats at p; loadu has no alignment need.
        unsafe { _mm512_loadu_ps(p) }
    }

    #[inline(always)]
    unsafe fn load_first(p: *const f32, n: usize) -> __m512 {
        // SAFETY: a zero-masked load reads only lanes whose mask bit is set (lane < n < 16) and
        // suppresses faults on the others; the caller guarantees those n floats are readable.
        unsafe {
            let mask = ((1u32 << n) - 1) as __mmask16;
            _mm512_maskz_loadu_ps(mask, p)
        }
    }

    #[inline(always)]
    unsafe fn mul_add(a: __m512, b: __m512, c: __m512) -> __m512 {
        // SAFETY: only inlined into functions that enable avx512f.
        unsafe { _mm512_fmadd_ps(a, b, c) }
    }

    #[inline(always)]
    unsafe fn add(a: __m512, b: __m512) -> __m512 {
        // SAFETY: only inlined into functions that enable avx512f.
        unsafe { _mm512_add_ps(a, b) }
    }

    #[inline(always)]
    unsafe fn sub(a: __m512, b: __m512) -> __m512 {
        // SAFETY: only inlined into functions that enable avx512f.
        unsafe { _mm512_sub_ps(a, b) }
    }

    #[inline(always)]
    unsafe fn sum(v: __m512) -> f32 {
        // SAFETY: only inlined into functions that enable avx512f.
        unsafe { _mm512_reduce_add_ps(v) }
    }
}
