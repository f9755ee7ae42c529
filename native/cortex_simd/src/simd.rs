//! The vector operations the kernels need, for each instruction set.
//!
//! Every method is `#[inline(always)]` and carries no `#[target_feature]` of its own: it is only
//! ever inlined into a function of `avx2.rs` or `avx512.rs` that enables the instruction set
//! (the same arrangement the `memchr` crate uses for its generic vector code).

#[cfg(target_arch = "x86_64")]
use core::arch::x86_64::*;

/// One instruction set's f32 vector.
pub(crate) trait SimdF32: Sized {
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

/// Reads an f32 stream as consecutive logical vectors: elements `[i·LANES, (i+1)·LANES)` for
/// i = 0, 1, ..., the last one partial and zero-filled. How it loads them is its own affair; the
/// values, and so every sum built from them, are the same whichever reader is used.
pub(crate) trait Reader<S: SimdF32> {
    /// A reader of the `n` floats at `p`.
    ///
    /// # Safety
    /// `p .. p + n` must be readable.
    unsafe fn new(p: *const f32, n: usize) -> Self;

    /// The next logical vector, holding `lanes` floats (`LANES` but for the last).
    ///
    /// `edge` is false only where the caller guarantees at least one more whole vector follows
    /// this one, so that a reader may load ahead without bounds checks.
    ///
    /// # Safety
    /// Called at most once per logical vector of the stream.
    unsafe fn next(&mut self, lanes: usize, edge: bool) -> S::V;
}

/// Plain unaligned loads, masked for the last vector.
pub(crate) struct Plain {
    at: *const f32,
}

impl<S: SimdF32> Reader<S> for Plain {
    #[inline(always)]
    unsafe fn new(p: *const f32, _n: usize) -> Self {
        Plain { at: p }
    }

    #[inline(always)]
    unsafe fn next(&mut self, lanes: usize, _edge: bool) -> S::V {
        // SAFETY: the caller reads each logical vector once, so `lanes` floats remain at `at`.
        unsafe {
            let v = S::load_n(self.at, lanes);
            self.at = self.at.wrapping_add(S::LANES);
            v
        }
    }
}

/// AVX-512 reads of a stream that does not start on a 64-byte boundary: whole aligned 64-byte
/// chunks (no load straddles two cache lines) recombined with one two-source permute per vector.
/// A misaligned 64-byte load costs two cache accesses; with both inputs misaligned that halves a
/// dot product's speed. Chunks are loaded with masks where they reach outside the stream, so no
/// byte outside it is read.
pub(crate) struct Permuted {
    /// The next aligned chunk to load.
    chunk: *const f32,
    /// Stream elements from `chunk` to the end (may go negative past the end).
    remaining: isize,
    /// The previous chunk: the low part of the next logical vector.
    previous: __m512,
    /// Lane i of a logical vector is lane `k + i` of `previous : next chunk`.
    index: __m512i,
}

impl Permuted {
    /// Lanes `[from, to)` of a 16-lane mask, clamped to 0..16.
    #[inline(always)]
    fn mask(from: isize, to: isize) -> __mmask16 {
        let (from, to) = (from.clamp(0, 16), to.clamp(0, 16));
        (((1u32 << to) - 1) & !((1u32 << from) - 1)) as __mmask16
    }

    /// The first `count` lanes, clamped to 0..16.
    #[inline(always)]
    fn first(count: isize) -> __mmask16 {
        ((1u32 << count.clamp(0, 16)) - 1) as __mmask16
    }
}

impl Reader<Avx512> for Permuted {
    #[inline(always)]
    unsafe fn new(p: *const f32, n: usize) -> Self {
        // The stream starts k floats into its first aligned chunk (p is 4-byte aligned: the
        // caller checks before choosing this reader).
        let k = (p as usize / 4) % 16;
        let first = p.wrapping_sub(k);
        // SAFETY: avx512f is enabled in every caller; the masked load touches only lanes
        // [k, k + n) of the aligned chunk, which are stream elements.
        unsafe {
            let previous = _mm512_maskz_load_ps(Self::mask(k as isize, k as isize + n as isize), first);
            let index = _mm512_add_epi32(
                _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                _mm512_set1_epi32(k as i32),
            );
            Permuted { chunk: first.wrapping_add(16), remaining: n as isize + k as isize - 16, previous, index }
        }
    }

    #[inline(always)]
    unsafe fn next(&mut self, _lanes: usize, edge: bool) -> __m512 {
        // SAFETY: without `edge`, the caller guarantees a whole logical vector after this one, so
        // the next chunk lies inside the stream; at the edge the load is masked to its elements
        // (none at all past the end, which reads nothing). Lanes past the stream load as zero.
        unsafe {
            let current = if edge {
                _mm512_maskz_load_ps(Self::first(self.remaining), self.chunk)
            } else {
                _mm512_load_ps(self.chunk)
            };
            let v = _mm512_permutex2var_ps(self.previous, self.index, current);
            self.previous = current;
            self.chunk = self.chunk.wrapping_add(16);
            self.remaining -= 16;
            v
        }
    }
}

impl crate::kernels::ReaderChoice for Avx2 {
    // A 32-byte load straddles a cache line at most every other time; AVX2 has no two-source
    // permute to recombine aligned halves cheaply. Plain loads throughout.
    #[inline(always)]
    unsafe fn pair<K: crate::kernels::PairKernel<Self>>(x: *const f32, y: *const f32, n: usize) -> f32 {
        // SAFETY: forwarded from the caller.
        unsafe { K::run::<Plain, Plain>(x, y, n) }
    }

    #[inline(always)]
    unsafe fn batch<K: crate::kernels::BatchKernel<Self>>(query: *const f32, rows: *const f32, dimension: usize, count: usize, out: *mut f32) {
        // SAFETY: forwarded from the caller.
        unsafe { K::run::<Plain, Plain>(query, rows, dimension, count, out) }
    }
}

/// Below this length a permuting reader's set-up and bounds-checked edge cost more than the
/// cache-line splits it saves (dot, both inputs misaligned: 10.2 ns plain against 11.3 permuted at
/// 256 floats, 15.5 against 13.0 at 384).
const PERMUTE_MIN_LENGTH: usize = 320;

/// True when AVX-512 reads from `p` should be plain loads: on a 64-byte boundary already, or not
/// even 4-byte aligned (then no aligned chunk holds whole floats).
#[inline(always)]
fn reads_plainly(p: *const f32) -> bool {
    let address = p as usize;
    address % 64 == 0 || address % 4 != 0
}

impl crate::kernels::ReaderChoice for Avx512 {
    #[inline(always)]
    unsafe fn pair<K: crate::kernels::PairKernel<Self>>(x: *const f32, y: *const f32, n: usize) -> f32 {
        // SAFETY: forwarded from the caller; each reader suits its pointer.
        unsafe {
            let plain = !K::PERMUTES || n < PERMUTE_MIN_LENGTH;
            match (plain || reads_plainly(x), plain || reads_plainly(y)) {
                (true, true) => K::run::<Plain, Plain>(x, y, n),
                (true, false) => K::run::<Plain, Permuted>(x, y, n),
                (false, true) => K::run::<Permuted, Plain>(x, y, n),
                (false, false) => K::run::<Permuted, Permuted>(x, y, n),
            }
        }
    }

    #[inline(always)]
    unsafe fn batch<K: crate::kernels::BatchKernel<Self>>(query: *const f32, rows: *const f32, dimension: usize, count: usize, out: *mut f32) {
        // Rows read plainly only if every row starts on a 64-byte boundary.
        let rows_plain = !K::PERMUTES || (reads_plainly(rows) && (dimension % 16 == 0 || count == 1));
        // SAFETY: forwarded from the caller; each reader suits its pointers.
        unsafe {
            match (!K::PERMUTES || reads_plainly(query), rows_plain) {
                (true, true) => K::run::<Plain, Plain>(query, rows, dimension, count, out),
                (true, false) => K::run::<Plain, Permuted>(query, rows, dimension, count, out),
                (false, true) => K::run::<Permuted, Plain>(query, rows, dimension, count, out),
                (false, false) => K::run::<Permuted, Permuted>(query, rows, dimension, count, out),
            }
        }
    }
}
