//! Every kernel on every instruction set this CPU has, against an f64 reference.
//!
//! Tolerances (stated once, used everywhere):
//! - dot: |got - ref| <= 1e-5 * Σ|x·y| + 1e-37 (the floor covers products that underflow);
//! - squared Euclidean: |got - ref| <= 1e-5 * ref + 1e-37 (every term is non-negative);
//! - cosine: |got - ref| <= 1e-5 (the error of x·y relative to |x||y| is bounded by the same
//!   1e-5, since Σ|x·y| <= |x||y|).
//!
//! NaN must give NaN and an infinity the same infinity.

use crate::kernels::cosine_from_parts;
use crate::*;

const LENGTHS_EXTRA: [usize; 4] = [384, 768, 1536, 4099];

fn lengths() -> impl Iterator<Item = usize> {
    (0..=256).chain(LENGTHS_EXTRA)
}

/// xorshift64*: deterministic data without a third-party crate (the top-k tests use it too).
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [-1, 1).
    pub(crate) fn unit(&mut self) -> f32 {
        ((self.next_u64() >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    fn vector(&mut self, n: usize) -> Vec<f32> {
        (0..n).map(|_| self.unit()).collect()
    }
}

mod reference {
    pub fn dot(x: &[f32], y: &[f32]) -> f64 {
        x.iter().zip(y).map(|(&a, &b)| a as f64 * b as f64).sum()
    }
    pub fn dot_scale(x: &[f32], y: &[f32]) -> f64 {
        x.iter().zip(y).map(|(&a, &b)| (a as f64 * b as f64).abs()).sum()
    }
    pub fn squared_euclidean(x: &[f32], y: &[f32]) -> f64 {
        x.iter().zip(y).map(|(&a, &b)| (a as f64 - b as f64).powi(2)).sum()
    }
    pub fn cosine(x: &[f32], y: &[f32]) -> f64 {
        let (xy, xx, yy) = (dot(x, y), dot(x, x), dot(y, y));
        if xx == 0.0 || yy == 0.0 {
            return if xy.is_nan() { f64::NAN } else { 0.0 };
        }
        (xy / (xx * yy).sqrt()).clamp(-1.0, 1.0)
    }
}

fn assert_close(got: f32, expected: f64, tolerance: f64, what: &str) {
    let expected32 = expected as f32;
    if expected32.is_nan() {
        assert!(got.is_nan(), "{what}: expected NaN, got {got}");
    } else if expected32.is_infinite() {
        assert_eq!(got, expected32, "{what}: expected {expected32}, got {got}");
    } else {
        let error = (got as f64 - expected).abs();
        assert!(error <= tolerance, "{what}: got {got}, expected {expected}, error {error:e} > {tolerance:e}");
    }
}

type Pair = unsafe fn(*const f32, *const f32, usize) -> f32;
type Batch = unsafe fn(*const f32, *const f32, usize, usize, *mut f32);

struct IsaKernels {
    name: &'static str,
    dot: Pair,
    cosine: Pair,
    squared_euclidean: Pair,
    batch_dot: Batch,
    batch_cosine: Batch,
}

/// The instruction sets this CPU runs (AVX2 is the build's floor).
fn isas() -> Vec<IsaKernels> {
    let mut all = vec![IsaKernels {
        name: "avx2",
        dot: avx2::dot,
        cosine: avx2::cosine,
        squared_euclidean: avx2::squared_euclidean,
        batch_dot: avx2::batch_dot,
        batch_cosine: avx2::batch_cosine,
    }];
    if dispatch::has_avx512() {
        all.push(IsaKernels {
            name: "avx512",
            dot: avx512::dot,
            cosine: avx512::cosine,
            squared_euclidean: avx512::squared_euclidean,
            batch_dot: avx512::batch_dot,
            batch_cosine: avx512::batch_cosine,
        });
    } else {
        eprintln!("this CPU has no AVX-512F: only the AVX2 kernels are tested");
    }
    all
}

/// Runs the three pair kernels on `x`, `y` and checks them against the reference.
fn check_pair(isa: &IsaKernels, x: &[f32], y: &[f32], what: &str) {
    assert_eq!(x.len(), y.len());
    let n = x.len();
    // SAFETY: x and y hold n floats each (the kernels are not called for n == 0 by the ABI, but
    // must still handle it: nothing is read).
    let (dot, cosine, sq) = unsafe {
        ((isa.dot)(x.as_ptr(), y.as_ptr(), n), (isa.cosine)(x.as_ptr(), y.as_ptr(), n), (isa.squared_euclidean)(x.as_ptr(), y.as_ptr(), n))
    };
    let tag = |op: &str| format!("{} {op} n={n} {what}", isa.name);
    assert_close(dot, reference::dot(x, y), 1e-5 * reference::dot_scale(x, y) + 1e-37, &tag("dot"));
    let sq_ref = reference::squared_euclidean(x, y);
    assert_close(sq, sq_ref, 1e-5 * sq_ref + 1e-37, &tag("squared_euclidean"));
    assert_close(cosine, reference::cosine(x, y), 1e-5, &tag("cosine"));
}

#[test]
fn pair_kernels_match_the_f64_reference_at_every_length_and_offset() {
    let mut rng = Rng(0x5EED_0001);
    for isa in isas() {
        for n in lengths() {
            for offset in [0, 1, 3, 7] {
                // A larger buffer, the vectors starting at odd offsets: unaligned loads.
                let backing_x = rng.vector(n + offset + 5);
                let backing_y = rng.vector(n + offset + 5);
                let x = &backing_x[offset..offset + n];
                let y = &backing_y[offset + 1..offset + 1 + n];
                check_pair(&isa, x, y, &format!("offset={offset}"));
            }
        }
    }
}

/// A 64-byte aligned block of floats: the start of a cache line, so offsets pick every alignment.
#[repr(C, align(64))]
#[derive(Clone, Copy)]
struct Line([f32; 16]);

fn aligned_copy(values: &[f32], offset: usize) -> Vec<Line> {
    let mut lines = vec![Line([0.0; 16]); (values.len() + offset) / 16 + 1];
    // SAFETY: the lines are contiguous f32 storage holding at least offset + len floats.
    let floats = unsafe { std::slice::from_raw_parts_mut(lines.as_mut_ptr().cast::<f32>(), lines.len() * 16) };
    floats[offset..offset + values.len()].copy_from_slice(values);
    lines
}

#[test]
fn pair_results_do_not_depend_on_where_the_vectors_start() {
    // Long misaligned inputs take the realigning reader (aligned loads, lanes permuted into
    // place); the bits must still equal those of the plain reader on aligned inputs, so a
    // vector's score never changes with the address it happens to live at.
    let mut rng = Rng(0x5EED_0006);
    for isa in isas() {
        for n in [300, 320, 321, 384, 400, 768, 1000, 1536] {
            let x = rng.vector(n);
            let y = rng.vector(n);
            let run = |ox: usize, oy: usize| {
                let (bx, by) = (aligned_copy(&x, ox), aligned_copy(&y, oy));
                // SAFETY: each copy holds n floats from the given offset.
                unsafe {
                    let (px, py) = (bx.as_ptr().cast::<f32>().add(ox), by.as_ptr().cast::<f32>().add(oy));
                    [(isa.dot)(px, py, n), (isa.cosine)(px, py, n), (isa.squared_euclidean)(px, py, n)].map(f32::to_bits)
                }
            };
            let aligned = run(0, 0);
            for ox in 0..16 {
                for oy in 0..16 {
                    assert_eq!(run(ox, oy), aligned, "{} n={n} x offset {ox} y offset {oy}", isa.name);
                }
            }
        }
    }
}

#[test]
fn special_values_propagate_like_ieee_arithmetic() {
    let specials = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 0.0, -0.0, 1e18, -1e18, 1e-40, -1e-45, f32::MIN_POSITIVE];
    let mut rng = Rng(0x5EED_0002);
    for isa in isas() {
        for n in [1, 7, 8, 9, 15, 16, 17, 31, 63, 64, 65, 127, 384, 1536] {
            for &special in &specials {
                for _ in 0..4 {
                    let mut x = rng.vector(n);
                    let y = rng.vector(n);
                    let at = rng.below(n);
                    x[at] = special;
                    check_pair(&isa, &x, &y, &format!("x[{at}]={special:e}"));
                    check_pair(&isa, &y, &x, &format!("y[{at}]={special:e}"));
                }
            }
        }
    }
}

#[test]
fn zero_tiny_and_huge_vectors() {
    let mut rng = Rng(0x5EED_0003);
    for isa in isas() {
        for n in [1, 9, 17, 100, 768] {
            let zero = vec![0.0f32; n];
            let negative_zero = vec![-0.0f32; n];
            let other = rng.vector(n);
            check_pair(&isa, &zero, &other, "zero vector");
            check_pair(&isa, &negative_zero, &other, "-0 vector");
            check_pair(&isa, &zero, &zero, "both zero");
            // A zero vector against a NaN: the NaN wins.
            let mut with_nan = other.clone();
            with_nan[n / 2] = f32::NAN;
            // SAFETY: both hold n floats.
            let cosine = unsafe { (isa.cosine)(zero.as_ptr(), with_nan.as_ptr(), n) };
            assert!(cosine.is_nan(), "{}: cosine(zero, NaN) = {cosine}", isa.name);
            // Denormal entries among normal ones, and large magnitudes whose squares stay finite.
            let denormal: Vec<f32> = other.iter().enumerate().map(|(i, &v)| if i % 3 == 0 { 1e-41 } else { v }).collect();
            check_pair(&isa, &denormal, &other, "denormals");
            let huge: Vec<f32> = other.iter().enumerate().map(|(i, &v)| if i % 97 == 0 { 1e18 * v } else { v }).collect();
            check_pair(&isa, &huge, &other, "1e18 entries");
            check_pair(&isa, &huge, &huge, "1e18 entries both");
        }
    }
}

#[test]
fn batch_results_equal_pair_results_bit_for_bit() {
    let mut rng = Rng(0x5EED_0004);
    for isa in isas() {
        for dimension in [1, 3, 8, 15, 16, 17, 33, 64, 127, 384, 768, 1536] {
            for count in [1, 2, 3, 4, 5, 7, 16] {
                let query = rng.vector(dimension);
                let mut rows = rng.vector(dimension * count);
                let poisoned = rng.below(rows.len());
                rows[poisoned] = f32::NAN;
                let mut dots = vec![f32::MAX; count];
                let mut cosines = vec![f32::MAX; count];
                // SAFETY: sizes as the kernels require; outputs are separate vectors.
                unsafe {
                    (isa.batch_dot)(query.as_ptr(), rows.as_ptr(), dimension, count, dots.as_mut_ptr());
                    (isa.batch_cosine)(query.as_ptr(), rows.as_ptr(), dimension, count, cosines.as_mut_ptr());
                }
                for r in 0..count {
                    let row = &rows[r * dimension..(r + 1) * dimension];
                    // SAFETY: query and row hold `dimension` floats.
                    let (dot, cosine) = unsafe {
                        ((isa.dot)(query.as_ptr(), row.as_ptr(), dimension), (isa.cosine)(query.as_ptr(), row.as_ptr(), dimension))
                    };
                    assert_eq!(dots[r].to_bits(), dot.to_bits(), "{} batch dot d={dimension} row {r}", isa.name);
                    assert_eq!(cosines[r].to_bits(), cosine.to_bits(), "{} batch cosine d={dimension} row {r}", isa.name);
                }
            }
        }
    }
}

#[test]
fn cosine_is_scale_invariant_across_the_f32_range() {
    let mut rng = Rng(0x5EED_0006);
    for isa in isas() {
        for n in [1, 5, 16, 100, 768] {
            let x = rng.vector(n);
            let y = rng.vector(n);
            let expected = reference::cosine(&x, &y);
            // Squares of 1e-25 underflow f32 to 0; squares of 1e25 overflow it.
            for scale in [1e-40f32, 1e-25, 1e-12, 1.0, 1e12, 1e25, 1e30] {
                let scaled: Vec<f32> = x.iter().map(|v| v * scale).collect();
                check_pair(&isa, &scaled, &y, &format!("x scaled by {scale:e}"));
                if scale >= 1e-25 {
                    // SAFETY: both hold n floats.
                    let cosine = unsafe { (isa.cosine)(scaled.as_ptr(), y.as_ptr(), n) };
                    assert!((cosine as f64 - expected).abs() <= 1e-5, "{} n={n} scale {scale:e}: {cosine} vs {expected}", isa.name);
                }
            }
        }
    }
}

#[test]
fn cosine_from_parts_clamps_and_keeps_nan() {
    assert!(cosine_from_parts(f32::NAN, 1.0, 1.0).is_nan());
    assert_eq!(cosine_from_parts(2.000_000_2, 2.0, 2.0), 1.0, "rounding above 1 is clamped");
    assert_eq!(cosine_from_parts(-4.000_001, 2.0, 8.0), -1.0);
    // At the ends of the well-scaled range: x·x · y·y would overflow (2^200) or underflow
    // (2^-128) f32, the product of the roots does not.
    let big = f32::from_bits((127 + 100) << 23);
    assert!((cosine_from_parts(big, big, big) - 1.0).abs() < 1e-6);
    let small = f32::from_bits((127 - 64) << 23);
    assert!((cosine_from_parts(small, small, small) - 1.0).abs() < 1e-6);
}

#[test]
fn dispatch_rule_prefers_avx512_unless_forced() {
    assert_eq!(dispatch::choose(false, true), dispatch::Isa::Avx512);
    assert_eq!(dispatch::choose(true, true), dispatch::Isa::Avx2);
    assert_eq!(dispatch::choose(false, false), dispatch::Isa::Avx2);
    let flags = cortex_capabilities();
    let active_avx512 = flags & CORTEX_ACTIVE_AVX512F != 0;
    assert_eq!(active_avx512, dispatch::active() == dispatch::Isa::Avx512);
    assert_ne!(flags & CORTEX_ACTIVE_AVX2 != 0, active_avx512, "exactly one instruction set is active");
}

#[test]
fn version_is_the_crate_version() {
    // SAFETY: cortex_version returns a static NUL-terminated string.
    let version = unsafe { std::ffi::CStr::from_ptr(cortex_version().cast()) };
    assert_eq!(version.to_str(), Ok(env!("CARGO_PKG_VERSION")));
}

#[test]
fn abi_rejects_bad_pointers_and_lengths_without_panicking() {
    let x = [1.0f32, 2.0, 3.0];
    let y = [4.0f32, 5.0, 6.0];
    let mut out = f32::NAN;
    let null = core::ptr::null::<f32>();
    let exports: [(&str, unsafe extern "C" fn(*const f32, *const f32, usize, *mut f32) -> Status); 3] =
        [("dot", cortex_dot_f32), ("cosine", cortex_cosine_f32), ("squared_euclidean", cortex_squared_euclidean_f32)];
    for (name, export) in exports {
        // SAFETY: each call passes pointers that are either valid for `len` or exercised as null.
        unsafe {
            assert_eq!(export(null, y.as_ptr(), 3, &mut out), Status::NullPointer, "{name}");
            assert_eq!(export(x.as_ptr(), null, 3, &mut out), Status::NullPointer, "{name}");
            assert_eq!(export(x.as_ptr(), y.as_ptr(), 3, core::ptr::null_mut()), Status::NullPointer, "{name}");
            assert_eq!(export(x.as_ptr(), y.as_ptr(), usize::MAX, &mut out), Status::LengthOverflow, "{name}");
            assert_eq!(export(x.as_ptr(), y.as_ptr(), MAX_FLOATS + 1, &mut out), Status::LengthOverflow, "{name}");
            // An empty span arrives from C# as a null pointer: valid, result 0.
            out = f32::NAN;
            assert_eq!(export(null, null, 0, &mut out), Status::Ok, "{name}");
            assert_eq!(out, 0.0, "{name} of empty vectors");
        }
    }
    // SAFETY: x, y hold 3 floats.
    unsafe {
        assert_eq!(cortex_dot_f32(x.as_ptr(), y.as_ptr(), 3, &mut out), Status::Ok);
    }
    assert_eq!(out, 32.0);
}

#[test]
fn batch_abi_rejects_bad_arguments() {
    let query = [1.0f32, 0.0];
    let rows = [1.0f32, 0.0, 0.0, 1.0, -1.0, 0.0];
    let mut out = [f32::NAN; 3];
    let null = core::ptr::null::<f32>();
    let exports: [unsafe extern "C" fn(*const f32, *const f32, usize, usize, *mut f32) -> Status; 2] =
        [cortex_batch_dot_f32, cortex_batch_cosine_f32];
    for export in exports {
        // SAFETY: valid pointers for the sizes passed, or null where that is the point.
        unsafe {
            assert_eq!(export(null, null, 0, 0, core::ptr::null_mut()), Status::Ok, "no rows: nothing to do");
            assert_eq!(export(query.as_ptr(), rows.as_ptr(), 0, 3, out.as_mut_ptr()), Status::InvalidDimension);
            assert_eq!(export(null, rows.as_ptr(), 2, 3, out.as_mut_ptr()), Status::NullPointer);
            assert_eq!(export(query.as_ptr(), null, 2, 3, out.as_mut_ptr()), Status::NullPointer);
            assert_eq!(export(query.as_ptr(), rows.as_ptr(), 2, 3, core::ptr::null_mut()), Status::NullPointer);
            assert_eq!(export(query.as_ptr(), rows.as_ptr(), usize::MAX / 2, 3, out.as_mut_ptr()), Status::LengthOverflow);
            assert_eq!(export(query.as_ptr(), rows.as_ptr(), 1 << 40, 1 << 40, out.as_mut_ptr()), Status::LengthOverflow);
            let mut shared = rows;
            let p = shared.as_mut_ptr();
            assert_eq!(export(query.as_ptr(), p, 2, 3, p.add(1)), Status::Overlap, "destination inside rows");
            assert_eq!(export(p, p.add(2), 2, 2, p), Status::Overlap, "destination over the query");
            assert_eq!(export(query.as_ptr(), rows.as_ptr(), 2, 3, out.as_mut_ptr()), Status::Ok);
        }
    }
    // The last export run was batch cosine.
    assert_eq!(out, [1.0, 0.0, -1.0]);
}

// libc is linked by std; these are its own declarations.
extern "C" {
    fn mmap(addr: *mut u8, len: usize, prot: i32, flags: i32, fd: i32, offset: i64) -> *mut u8;
    fn mprotect(addr: *mut u8, len: usize, prot: i32) -> i32;
    fn munmap(addr: *mut u8, len: usize) -> i32;
}

/// A readable page followed by an inaccessible one: a vector placed to end at the boundary
/// crashes the test process if any kernel reads one float too far.
pub(crate) struct GuardedPage {
    base: *mut u8,
}

const PAGE: usize = 4096;

impl GuardedPage {
    pub(crate) fn new() -> Self {
        const PROT_READ_WRITE: i32 = 0x1 | 0x2;
        const MAP_PRIVATE_ANONYMOUS: i32 = 0x02 | 0x20;
        // SAFETY: a fresh anonymous mapping of two pages; the second is made inaccessible.
        unsafe {
            let base = mmap(core::ptr::null_mut(), 2 * PAGE, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0);
            assert!(!base.is_null() && base as isize != -1, "mmap failed");
            assert_eq!(mprotect(base.add(PAGE), PAGE, 0), 0, "mprotect failed");
            GuardedPage { base }
        }
    }

    /// `n` floats ending exactly at the guard page, filled from `values`.
    fn tail(&mut self, values: &[f32]) -> *const f32 {
        self.tail_of(values)
    }

    /// `values` (of any element type) ending exactly at the guard page.
    pub(crate) fn tail_of<T: Copy>(&mut self, values: &[T]) -> *const T {
        let bytes = core::mem::size_of_val(values);
        assert!(bytes <= PAGE);
        // SAFETY: the range lies inside the first (readable, writable) page; copied bytewise, so
        // no alignment is needed.
        unsafe {
            let start = self.base.add(PAGE - bytes);
            core::ptr::copy_nonoverlapping(values.as_ptr().cast::<u8>(), start, bytes);
            start.cast::<T>()
        }
    }
}

impl Drop for GuardedPage {
    fn drop(&mut self) {
        // SAFETY: the mapping made in new().
        unsafe { munmap(self.base, 2 * PAGE) };
    }
}

#[test]
fn no_kernel_reads_past_the_end_of_its_input() {
    let mut rng = Rng(0x5EED_0005);
    let mut page_x = GuardedPage::new();
    let mut page_y = GuardedPage::new();
    for isa in isas() {
        for n in 1..=130 {
            let x = page_x.tail(&rng.vector(n));
            let y = page_y.tail(&rng.vector(n));
            let mut out = [0.0f32; 2];
            // SAFETY: x and y hold n floats (the point is that nothing past them is touched).
            unsafe {
                (isa.dot)(x, y, n);
                (isa.cosine)(x, y, n);
                (isa.squared_euclidean)(x, y, n);
                (isa.batch_dot)(x, y, n, 1, out.as_mut_ptr());
                (isa.batch_cosine)(x, y, n, 1, out.as_mut_ptr());
            }
            if n % 2 == 0 {
                // Two rows of n/2 ending at the boundary: the last row's tail is the edge.
                // SAFETY: y holds n = 2 * (n/2) floats, x at least n/2.
                unsafe {
                    (isa.batch_dot)(x.add(n / 2), y, n / 2, 2, out.as_mut_ptr());
                    (isa.batch_cosine)(x.add(n / 2), y, n / 2, 2, out.as_mut_ptr());
                }
            }
        }
    }
}
