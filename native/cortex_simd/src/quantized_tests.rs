//! The int8 and bf16 dot and batch kernels on every path this CPU has (the scalar reference, AVX2,
//! AVX-512 VNNI / BF16), at every alignment, against wide references.
//!
//! - int8: results must equal an i64 reference exactly, up to the longest admitted length.
//! - bf16: `|got - ref| <= 2e-5 · Σ|x·y| + (n + 1) · 2^-126`, where `ref` is the f64 dot product of
//!   the bf16 values. Each bf16 product is exact in f32, so the only error is the rounding of the
//!   f32 additions: at most ~`d · 2^-24 · Σ|x·y|` for an addition chain `d` deep. The deepest chain
//!   here is the AVX2 top-k tile at 1536 elements (96 vectors, 2 FMAs each, 3 reduction levels
//!   and 15 scalar tail additions: about 210), so the bound is 1.25e-5; 2e-5 covers it. The
//!   absolute term covers AVX-512 BF16's flushing of denormal partial sums (each flush loses less
//!   than 2^-126). AVX-512 BF16 also treats denormal inputs as zero: its reference is computed
//!   with denormal inputs zeroed (and Σ|x·y| likewise), and a test shows the difference.
//!
//! Inputs start at every byte offset 0..63 from a cache line, so every load alignment is hit
//! (bf16 vectors at odd offsets are not even 2-byte aligned: every load is unaligned), and end at
//! a guard page, so a read past the end crashes.

use crate::quantized::{bf16_to_f32, Element};
use crate::tests::{GuardedPage, Rng};
use crate::*;

pub(crate) const LENGTHS: [usize; 27] =
    [0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 384, 768, 1536, 1001, 2049, 4099];

pub(crate) type DotI8 = unsafe fn(*const i8, *const i8, usize) -> i32;
pub(crate) type BatchI8 = unsafe fn(*const i8, *const i8, usize, usize, *mut i32);
pub(crate) type DotBf16 = unsafe fn(*const u16, *const u16, usize) -> f32;
pub(crate) type BatchBf16 = unsafe fn(*const u16, *const u16, usize, usize, *mut f32);

/// One path's kernels; the scalar reference has no batch.
pub(crate) struct Path<D, B> {
    pub name: &'static str,
    pub dot: D,
    pub batch: Option<B>,
    /// True when denormal bf16 inputs count as zero (AVX-512 BF16).
    pub daz: bool,
}

/// True when the CPU runs the AVX-512 int8 kernels; prints a note when it cannot.
pub(crate) fn has_vnni() -> bool {
    let has = dispatch::has_avx512_vnni();
    if !has {
        eprintln!("this CPU lacks AVX-512F/BW/VNNI: the AVX-512 int8 kernels are not tested");
    }
    has
}

/// True when the CPU runs the AVX-512 bf16 kernels; prints a note when it cannot.
pub(crate) fn has_bf16() -> bool {
    let has = dispatch::has_avx512_bf16();
    if !has {
        eprintln!("this CPU lacks AVX-512F/BW/BF16: the AVX-512 bf16 kernels are not tested");
    }
    has
}

unsafe fn scalar_dot_i8(x: *const i8, y: *const i8, n: usize) -> i32 {
    // SAFETY: forwarded from the caller.
    unsafe { i8::dot_scalar(x, y, n) }
}

unsafe fn scalar_dot_bf16(x: *const u16, y: *const u16, n: usize) -> f32 {
    // SAFETY: forwarded from the caller.
    unsafe { u16::dot_scalar(x, y, n) }
}

pub(crate) fn i8_paths() -> Vec<Path<DotI8, BatchI8>> {
    let mut all: Vec<Path<DotI8, BatchI8>> = vec![
        Path { name: "scalar", dot: scalar_dot_i8, batch: None, daz: false },
        Path { name: "avx2", dot: avx2::int8::dot, batch: Some(avx2::int8::batch_dot), daz: false },
    ];
    if has_vnni() {
        all.push(Path { name: "avx512-vnni", dot: avx512_vnni::dot, batch: Some(avx512_vnni::batch_dot), daz: false });
    }
    all
}

pub(crate) fn bf16_paths() -> Vec<Path<DotBf16, BatchBf16>> {
    let mut all: Vec<Path<DotBf16, BatchBf16>> = vec![
        Path { name: "scalar", dot: scalar_dot_bf16, batch: None, daz: false },
        Path { name: "avx2", dot: avx2::bf16::dot, batch: Some(avx2::bf16::batch_dot), daz: false },
    ];
    if has_bf16() {
        all.push(Path { name: "avx512-bf16", dot: avx512_bf16::dot, batch: Some(avx512_bf16::batch_dot), daz: true });
    }
    all
}

/// f32 to bf16 with round-to-nearest-even, as the caller converts (NaN stays a quiet NaN).
pub(crate) fn to_bf16(value: f32) -> u16 {
    if value.is_nan() {
        return 0x7FC0;
    }
    let bits = value.to_bits();
    ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) as u16
}

/// True for a bf16 denormal (exponent bits 0, significand not).
pub(crate) fn is_denormal(bits: u16) -> bool {
    bits & 0x7F80 == 0 && bits & 0x007F != 0
}

/// The f64 value of a bf16, or 0 for a denormal when `daz`.
pub(crate) fn bf16_value(bits: u16, daz: bool) -> f64 {
    if daz && is_denormal(bits) {
        0.0
    } else {
        bf16_to_f32(bits) as f64
    }
}

pub(crate) fn reference_i8(x: &[i8], y: &[i8]) -> i64 {
    x.iter().zip(y).map(|(&a, &b)| a as i64 * b as i64).sum()
}

/// `(Σ x·y, Σ|x·y|)` of the bf16 values, in f64.
pub(crate) fn reference_bf16(x: &[u16], y: &[u16], daz: bool) -> (f64, f64) {
    x.iter().zip(y).fold((0.0, 0.0), |(sum, scale), (&a, &b)| {
        let product = bf16_value(a, daz) * bf16_value(b, daz);
        (sum + product, scale + product.abs())
    })
}

/// The stated bf16 tolerance for `n` elements whose products sum to `scale` in magnitude.
pub(crate) fn bf16_tolerance(scale: f64, n: usize) -> f64 {
    2e-5 * scale + (n as f64 + 1.0) * 2f64.powi(-126)
}

pub(crate) fn assert_bf16_close(got: f32, (expected, scale): (f64, f64), n: usize, what: &str) {
    let expected32 = expected as f32;
    if expected.is_nan() {
        assert!(got.is_nan(), "{what}: expected NaN, got {got}");
    } else if expected32.is_infinite() {
        assert_eq!(got, expected32, "{what}");
    } else {
        let (error, tolerance) = ((got as f64 - expected).abs(), bf16_tolerance(scale, n));
        assert!(error <= tolerance, "{what}: got {got}, expected {expected}, error {error:e} > {tolerance:e}");
    }
}

/// Random int8 data of one of several kinds: uniform over the whole range, only the extremes
/// (−128 and 127), or mostly −128 (the largest products, the case `vpmaddubsw` would saturate).
pub(crate) fn i8_vector(rng: &mut Rng, n: usize, kind: usize) -> Vec<i8> {
    (0..n)
        .map(|_| match kind {
            0 => rng.next_u64() as i8,
            1 => {
                if rng.next_u64() & 1 == 0 {
                    i8::MIN
                } else {
                    i8::MAX
                }
            }
            _ => {
                if rng.below(8) == 0 {
                    rng.next_u64() as i8
                } else {
                    i8::MIN
                }
            }
        })
        .collect()
}

/// Random bf16 data: values in [-1, 1) scaled by 2^e, e in [-12, 12], so sums mix magnitudes.
pub(crate) fn bf16_vector(rng: &mut Rng, n: usize) -> Vec<u16> {
    (0..n).map(|_| to_bf16(rng.unit() * 2f32.powi(rng.below(25) as i32 - 12))).collect()
}

/// A 64-byte aligned block: the start of a cache line, so byte offsets pick every alignment.
#[repr(C, align(64))]
#[derive(Clone, Copy)]
struct Line([u8; 64]);

/// `values` placed `offset` bytes past the start of a cache line (any alignment, even an odd
/// address for u16).
pub(crate) struct Placed {
    lines: Vec<Line>,
    offset: usize,
}

impl Placed {
    pub(crate) fn new<T: Copy>(values: &[T], offset: usize) -> Self {
        let bytes = core::mem::size_of_val(values);
        let mut lines = vec![Line([0xA5; 64]); (bytes + offset) / 64 + 1];
        // SAFETY: the lines hold at least offset + bytes bytes; the copy is bytewise.
        unsafe {
            let start = lines.as_mut_ptr().cast::<u8>().add(offset);
            core::ptr::copy_nonoverlapping(values.as_ptr().cast::<u8>(), start, bytes);
        }
        Placed { lines, offset }
    }

    pub(crate) fn ptr<T>(&self) -> *const T {
        // SAFETY: offset is inside the allocation.
        unsafe { self.lines.as_ptr().cast::<u8>().add(self.offset).cast() }
    }
}

#[test]
fn i8_dot_is_exact_on_every_path_at_every_length_and_offset() {
    let mut rng = Rng(0x5EED_1801);
    for path in i8_paths() {
        for n in LENGTHS {
            for kind in 0..3 {
                let x = i8_vector(&mut rng, n, kind);
                let y = i8_vector(&mut rng, n, (kind + 1) % 3);
                let expected = reference_i8(&x, &y);
                for offset in 0..64 {
                    let (px, py) = (Placed::new(&x, offset), Placed::new(&y, (offset * 37 + 5) % 64));
                    // SAFETY: each placement holds n elements.
                    let got = unsafe { (path.dot)(px.ptr(), py.ptr(), n) };
                    assert_eq!(got as i64, expected, "{} n={n} kind={kind} offset={offset}", path.name);
                }
            }
        }
    }
}

#[test]
fn i8_dot_is_exact_at_the_longest_admitted_length() {
    // 131071 products of 2^14 sum to 2147467264, just below i32::MAX: the VNNI kernel's biased
    // sum Σ (q + 128)·r passes 2^32 on the way, and wraps back to the exact result.
    let n = MAX_I8_LENGTH;
    let mut rng = Rng(0x5EED_1802);
    let min = vec![i8::MIN; n];
    let max = vec![i8::MAX; n];
    let cases = [
        (min.clone(), min.clone()),
        (max.clone(), min.clone()),
        (min.clone(), max.clone()),
        (max.clone(), max.clone()),
        (i8_vector(&mut rng, n, 1), i8_vector(&mut rng, n, 2)),
    ];
    for path in i8_paths() {
        for (i, (x, y)) in cases.iter().enumerate() {
            // SAFETY: x and y hold n elements.
            let got = unsafe { (path.dot)(x.as_ptr(), y.as_ptr(), n) };
            assert_eq!(got as i64, reference_i8(x, y), "{} case {i}", path.name);
        }
    }
    // SAFETY: min holds n elements.
    let first = unsafe { avx2::int8::dot(min.as_ptr(), min.as_ptr(), n) };
    assert_eq!(first, 2_147_467_264);
}

#[test]
fn i8_batch_is_exact_and_equals_the_pair_dot() {
    let mut rng = Rng(0x5EED_1803);
    for path in i8_paths() {
        let Some(batch) = path.batch else { continue };
        for dimension in [1, 2, 3, 7, 15, 16, 17, 31, 33, 63, 64, 65, 127, 129, 384, 768] {
            for count in [1, 2, 3, 4, 5, 7, 9, 16, 17] {
                let query = i8_vector(&mut rng, dimension, (dimension + count) % 3);
                let rows = i8_vector(&mut rng, dimension * count, (dimension + count + 1) % 3);
                for offset in [0, 1, 13, 63] {
                    let (pq, pr) = (Placed::new(&query, (offset + 7) % 64), Placed::new(&rows, offset));
                    let mut out = vec![i32::MIN; count];
                    // SAFETY: sizes as the kernel requires.
                    unsafe { batch(pq.ptr(), pr.ptr(), dimension, count, out.as_mut_ptr()) };
                    for (r, row) in rows.chunks_exact(dimension).enumerate() {
                        let what = format!("{} d={dimension} count={count} offset={offset} row {r}", path.name);
                        assert_eq!(out[r] as i64, reference_i8(&query, row), "{what}");
                        // SAFETY: query and row hold `dimension` elements.
                        assert_eq!(out[r], unsafe { (path.dot)(query.as_ptr(), row.as_ptr(), dimension) }, "{what}");
                    }
                }
            }
        }
    }
}

#[test]
fn bf16_dot_is_within_tolerance_on_every_path_at_every_length_and_offset() {
    let mut rng = Rng(0x5EED_B161);
    for path in bf16_paths() {
        for n in LENGTHS {
            for _ in 0..2 {
                let x = bf16_vector(&mut rng, n);
                let y = bf16_vector(&mut rng, n);
                let expected = reference_bf16(&x, &y, path.daz);
                for offset in 0..64 {
                    let (px, py) = (Placed::new(&x, offset), Placed::new(&y, (offset * 37 + 5) % 64));
                    // SAFETY: each placement holds n elements.
                    let got = unsafe { (path.dot)(px.ptr(), py.ptr(), n) };
                    assert_bf16_close(got, expected, n, &format!("{} n={n} offset={offset}", path.name));
                    // Where the vectors sit does not change the bits.
                    // SAFETY: x and y hold n elements.
                    assert_eq!(got.to_bits(), unsafe { (path.dot)(x.as_ptr(), y.as_ptr(), n) }.to_bits(), "{} n={n} offset={offset}", path.name);
                }
            }
        }
    }
}

#[test]
fn bf16_batch_equals_the_pair_dot_bit_for_bit() {
    let mut rng = Rng(0x5EED_B162);
    for path in bf16_paths() {
        let Some(batch) = path.batch else { continue };
        for dimension in [1, 2, 3, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 129, 384, 768] {
            for count in [1, 2, 3, 4, 5, 7, 9, 16, 17] {
                let query = bf16_vector(&mut rng, dimension);
                let rows = bf16_vector(&mut rng, dimension * count);
                for offset in [0, 1, 2, 13, 63] {
                    let (pq, pr) = (Placed::new(&query, (offset + 7) % 64), Placed::new(&rows, offset));
                    let mut out = vec![f32::NAN; count];
                    // SAFETY: sizes as the kernel requires.
                    unsafe { batch(pq.ptr(), pr.ptr(), dimension, count, out.as_mut_ptr()) };
                    for (r, row) in rows.chunks_exact(dimension).enumerate() {
                        let what = format!("{} d={dimension} count={count} offset={offset} row {r}", path.name);
                        // SAFETY: query and row hold `dimension` elements.
                        let pair = unsafe { (path.dot)(query.as_ptr(), row.as_ptr(), dimension) };
                        assert_eq!(out[r].to_bits(), pair.to_bits(), "{what}");
                        assert_bf16_close(out[r], reference_bf16(&query, row, path.daz), dimension, &what);
                    }
                }
            }
        }
    }
}

#[test]
fn bf16_nan_and_infinities_propagate() {
    let mut rng = Rng(0x5EED_B163);
    let (nan, infinity, negative_infinity) = (to_bf16(f32::NAN), to_bf16(f32::INFINITY), to_bf16(f32::NEG_INFINITY));
    for path in bf16_paths() {
        for n in [1, 2, 3, 15, 16, 17, 31, 32, 33, 64, 65, 384, 1001] {
            for _ in 0..4 {
                let at = rng.below(n);
                let mut x = bf16_vector(&mut rng, n);
                let mut y = bf16_vector(&mut rng, n);
                // SAFETY (each call below): x and y hold n elements.
                x[at] = nan;
                assert!(unsafe { (path.dot)(x.as_ptr(), y.as_ptr(), n) }.is_nan(), "{} n={n} NaN at {at}", path.name);
                x[at] = infinity;
                y[at] = to_bf16(1.0);
                assert_eq!(unsafe { (path.dot)(x.as_ptr(), y.as_ptr(), n) }, f32::INFINITY, "{} n={n} inf at {at}", path.name);
                y[at] = to_bf16(-2.0);
                assert_eq!(unsafe { (path.dot)(x.as_ptr(), y.as_ptr(), n) }, f32::NEG_INFINITY, "{} n={n}", path.name);
                y[at] = 0;
                assert!(unsafe { (path.dot)(x.as_ptr(), y.as_ptr(), n) }.is_nan(), "{} n={n} inf·0", path.name);
                y[at] = to_bf16(1.0);
                x[(at + 1) % n] = negative_infinity;
                y[(at + 1) % n] = to_bf16(1.0);
                if n > 1 {
                    assert!(unsafe { (path.dot)(x.as_ptr(), y.as_ptr(), n) }.is_nan(), "{} n={n} inf - inf", path.name);
                }
            }
        }
    }
}

#[test]
fn bf16_denormals_count_on_avx2_and_flush_to_zero_on_avx512_bf16() {
    // 2^-127 (a bf16 denormal) times 2^100 is 2^-27, a normal f32: AVX2 and the scalar reference
    // keep it, AVX-512 BF16 reads the denormal as 0. 2^-70 · 2^-70 = 2^-140 is a denormal result:
    // kept by AVX2, flushed by AVX-512 BF16.
    let denormal = 0x0040u16;
    assert!(is_denormal(denormal));
    let (big, tiny) = (to_bf16(2f32.powi(100)), to_bf16(2f32.powi(-70)));
    for path in bf16_paths() {
        // SAFETY (each call below): the arrays hold the lengths passed.
        let product = unsafe { (path.dot)([denormal].as_ptr(), [big].as_ptr(), 1) };
        let underflow = unsafe { (path.dot)([tiny].as_ptr(), [tiny].as_ptr(), 1) };
        if path.daz {
            assert_eq!(product, 0.0, "{}", path.name);
            assert_eq!(underflow, 0.0, "{}", path.name);
        } else {
            assert_eq!(product, 2f32.powi(-27), "{}", path.name);
            assert_eq!(underflow, 2f32.powi(-140), "{}", path.name);
        }
    }
    // Denormals mixed into random data, against each path's own reference.
    let mut rng = Rng(0x5EED_B164);
    for path in bf16_paths() {
        for n in [1, 7, 16, 17, 33, 64, 100, 768] {
            let x: Vec<u16> = bf16_vector(&mut rng, n).into_iter().map(|v| if rng.below(3) == 0 { (v & 0x8000) | (0x0001 + rng.below(0x7F) as u16) } else { v }).collect();
            let y: Vec<u16> = (0..n).map(|_| to_bf16(rng.unit() * 2f32.powi(110))).collect();
            // SAFETY: x and y hold n elements.
            let got = unsafe { (path.dot)(x.as_ptr(), y.as_ptr(), n) };
            assert_bf16_close(got, reference_bf16(&x, &y, path.daz), n, &format!("{} n={n} denormals", path.name));
        }
    }
}

#[test]
fn to_bf16_rounds_to_nearest_even() {
    assert_eq!(to_bf16(1.0), 0x3F80);
    // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: to even (1).
    assert_eq!(to_bf16(1.0 + 2f32.powi(-8)), 0x3F80);
    // 1 + 3·2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6: to even (1 + 2^-6).
    assert_eq!(to_bf16(1.0 + 3.0 * 2f32.powi(-8)), 0x3F82);
    assert_eq!(bf16_to_f32(to_bf16(-2.5)), -2.5);
}

#[test]
fn no_quantized_kernel_reads_past_the_end_of_its_input() {
    let mut rng = Rng(0x5EED_1804);
    let (mut page_x, mut page_y) = (GuardedPage::new(), GuardedPage::new());
    for n in 1..=260 {
        let (x, y) = (i8_vector(&mut rng, n, 0), i8_vector(&mut rng, n, 0));
        let (px, py) = (page_x.tail_of(&x), page_y.tail_of(&y));
        for path in i8_paths() {
            let mut out = [0i32; 2];
            // SAFETY: px and py hold n elements ending at the guard page.
            unsafe {
                assert_eq!((path.dot)(px, py, n) as i64, reference_i8(&x, &y), "{} n={n}", path.name);
                if let Some(batch) = path.batch {
                    batch(px, py, n, 1, out.as_mut_ptr());
                    if n % 2 == 0 {
                        batch(px.add(n / 2), py, n / 2, 2, out.as_mut_ptr());
                    }
                }
            }
        }
        let (x, y) = (bf16_vector(&mut rng, n), bf16_vector(&mut rng, n));
        let (px, py) = (page_x.tail_of(&x), page_y.tail_of(&y));
        for path in bf16_paths() {
            let mut out = [0f32; 2];
            // SAFETY: px and py hold n elements ending at the guard page.
            unsafe {
                (path.dot)(px, py, n);
                if let Some(batch) = path.batch {
                    batch(px, py, n, 1, out.as_mut_ptr());
                    if n % 2 == 0 {
                        batch(px.add(n / 2), py, n / 2, 2, out.as_mut_ptr());
                    }
                }
            }
        }
    }
}
