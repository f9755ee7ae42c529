//! Chooses the instruction set once, at the first call, and routes every kernel to it.
//!
//! The library is built for AVX2 + FMA, so AVX2 is the floor: the C# side checks the CPU before it
//! loads the library at all. AVX-512F is used where `is_x86_feature_detected!` finds it, unless
//! `CORTEX_NATIVE_ISA=avx2` forces the AVX2 kernels (so tests can cover both on one machine).
//!
//! The quantized kernels choose on their own, by the same rule, because they need more than
//! AVX-512F: the int8 kernels run on AVX-512 only with avx512bw and avx512vnni, the bf16 kernels
//! only with avx512bw and avx512bf16. A CPU with AVX-512F but neither keeps its f32 choice and
//! runs the quantized kernels on AVX2.

use core::sync::atomic::{AtomicU8, Ordering};

use crate::quantized::TopKInput;
use crate::top_k::Heaps;
use crate::{avx2, avx512, avx512_bf16, avx512_vnni};

/// The environment variable that forces an instruction set.
pub(crate) const ISA_VARIABLE: &str = "CORTEX_NATIVE_ISA";

/// The instruction set a family of kernels runs on. For the int8 kernels `Avx512` means AVX-512
/// VNNI, for the bf16 kernels AVX-512 BF16.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Isa {
    Avx2 = 1,
    Avx512 = 2,
}

/// 0 until chosen, then an `Isa` discriminant: the f32 kernels' choice.
static ACTIVE: AtomicU8 = AtomicU8::new(0);
/// The int8 kernels' choice.
static ACTIVE_I8: AtomicU8 = AtomicU8::new(0);
/// The bf16 kernels' choice.
static ACTIVE_BF16: AtomicU8 = AtomicU8::new(0);

/// The instruction set in `cell`, choosing it on first use from whether `available` finds the
/// AVX-512 features the family needs.
#[inline]
fn active_in(cell: &AtomicU8, available: fn() -> bool) -> Isa {
    match cell.load(Ordering::Relaxed) {
        1 => Isa::Avx2,
        2 => Isa::Avx512,
        _ => {
            // Two threads racing here compute the same answer; either store wins.
            let isa = choose(is_avx2_forced(), available());
            cell.store(isa as u8, Ordering::Relaxed);
            isa
        }
    }
}

/// The instruction set of the f32 kernels, choosing it on first use.
#[inline]
pub(crate) fn active() -> Isa {
    active_in(&ACTIVE, has_avx512)
}

/// The instruction set of the int8 kernels, choosing it on first use.
#[inline]
pub(crate) fn active_i8() -> Isa {
    active_in(&ACTIVE_I8, has_avx512_vnni)
}

/// The instruction set of the bf16 kernels, choosing it on first use.
#[inline]
pub(crate) fn active_bf16() -> Isa {
    active_in(&ACTIVE_BF16, has_avx512_bf16)
}

/// The rule, separated from the environment so it can be tested.
pub(crate) fn choose(avx2_forced: bool, avx512_available: bool) -> Isa {
    if avx512_available && !avx2_forced {
        Isa::Avx512
    } else {
        Isa::Avx2
    }
}

/// True when `CORTEX_NATIVE_ISA` is `avx2` (any case). Other values mean "best available"; the C#
/// loader rejects values it does not know before the library is used.
pub(crate) fn is_avx2_forced() -> bool {
    std::env::var_os(ISA_VARIABLE).is_some_and(|value| value.eq_ignore_ascii_case("avx2"))
}

pub(crate) fn has_avx512() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
}

/// Everything the AVX-512 int8 kernels use: masked byte loads (BW) and `vpdpbusd` (VNNI).
pub(crate) fn has_avx512_vnni() -> bool {
    has_avx512() && std::arch::is_x86_feature_detected!("avx512bw") && std::arch::is_x86_feature_detected!("avx512vnni")
}

/// Everything the AVX-512 bf16 kernels use: masked 16-bit loads (BW) and `vdpbf16ps` (BF16).
pub(crate) fn has_avx512_bf16() -> bool {
    has_avx512() && std::arch::is_x86_feature_detected!("avx512bw") && std::arch::is_x86_feature_detected!("avx512bf16")
}

// The routes. SAFETY (for every `unsafe` block below): the caller guarantees the pointer and length
// contracts of the kernel; AVX2 + FMA are guaranteed by the loader's CPU check, and the AVX-512
// kernels run only when `active()` found avx512f (`active_i8()`: avx512f, bw and vnni;
// `active_bf16()`: avx512f, bw and bf16).

/// Dot product on the active instruction set.
///
/// # Safety
/// `x`, `y`: `n` readable floats each.
pub(crate) unsafe fn dot(x: *const f32, y: *const f32, n: usize) -> f32 {
    match active() {
        Isa::Avx512 => unsafe { avx512::dot(x, y, n) },
        Isa::Avx2 => unsafe { avx2::dot(x, y, n) },
    }
}

/// Cosine similarity on the active instruction set.
///
/// # Safety
/// As [`dot`].
pub(crate) unsafe fn cosine(x: *const f32, y: *const f32, n: usize) -> f32 {
    match active() {
        Isa::Avx512 => unsafe { avx512::cosine(x, y, n) },
        Isa::Avx2 => unsafe { avx2::cosine(x, y, n) },
    }
}

/// Squared Euclidean distance on the active instruction set.
///
/// # Safety
/// As [`dot`].
pub(crate) unsafe fn squared_euclidean(x: *const f32, y: *const f32, n: usize) -> f32 {
    match active() {
        Isa::Avx512 => unsafe { avx512::squared_euclidean(x, y, n) },
        Isa::Avx2 => unsafe { avx2::squared_euclidean(x, y, n) },
    }
}

/// Batch dot on the active instruction set.
///
/// # Safety
/// As `kernels::batch_dot`.
pub(crate) unsafe fn batch_dot(q: *const f32, rows: *const f32, dimension: usize, count: usize, out: *mut f32) {
    match active() {
        Isa::Avx512 => unsafe { avx512::batch_dot(q, rows, dimension, count, out) },
        Isa::Avx2 => unsafe { avx2::batch_dot(q, rows, dimension, count, out) },
    }
}

/// Batch cosine on the active instruction set.
///
/// # Safety
/// As `kernels::batch_cosine`.
pub(crate) unsafe fn batch_cosine(q: *const f32, rows: *const f32, dimension: usize, count: usize, out: *mut f32) {
    match active() {
        Isa::Avx512 => unsafe { avx512::batch_cosine(q, rows, dimension, count, out) },
        Isa::Avx2 => unsafe { avx2::batch_cosine(q, rows, dimension, count, out) },
    }
}

/// Fused top-k on the active instruction set.
///
/// # Safety
/// As `top_k::top_k`.
pub(crate) unsafe fn top_k(
    metric: crate::top_k::Metric,
    queries: *const f32,
    rows: *const f32,
    ids: *const i64,
    dimension: usize,
    count: usize,
    heaps: &mut Heaps,
) {
    match active() {
        Isa::Avx512 => unsafe { avx512::top_k(metric, queries, rows, ids, dimension, count, heaps) },
        Isa::Avx2 => unsafe { avx2::top_k(metric, queries, rows, ids, dimension, count, heaps) },
    }
}

/// int8 dot product on the int8 kernels' instruction set.
///
/// # Safety
/// `x`, `y`: `n` readable elements each.
pub(crate) unsafe fn dot_i8(x: *const i8, y: *const i8, n: usize) -> i32 {
    match active_i8() {
        Isa::Avx512 => unsafe { avx512_vnni::dot(x, y, n) },
        Isa::Avx2 => unsafe { avx2::int8::dot(x, y, n) },
    }
}

/// int8 batch dot on the int8 kernels' instruction set.
///
/// # Safety
/// As `quantized::batch_dot`.
pub(crate) unsafe fn batch_dot_i8(q: *const i8, rows: *const i8, dimension: usize, count: usize, out: *mut i32) {
    match active_i8() {
        Isa::Avx512 => unsafe { avx512_vnni::batch_dot(q, rows, dimension, count, out) },
        Isa::Avx2 => unsafe { avx2::int8::batch_dot(q, rows, dimension, count, out) },
    }
}

/// Fused int8 top-k on the int8 kernels' instruction set.
///
/// # Safety
/// As `top_k::run` for the input's scorer.
pub(crate) unsafe fn top_k_i8(input: &TopKInput<i8>, heaps: &mut Heaps) {
    match active_i8() {
        Isa::Avx512 => unsafe { avx512_vnni::top_k(input, heaps) },
        Isa::Avx2 => unsafe { avx2::int8::top_k(input, heaps) },
    }
}

/// bf16 dot product on the bf16 kernels' instruction set.
///
/// # Safety
/// `x`, `y`: `n` readable elements each.
pub(crate) unsafe fn dot_bf16(x: *const u16, y: *const u16, n: usize) -> f32 {
    match active_bf16() {
        Isa::Avx512 => unsafe { avx512_bf16::dot(x, y, n) },
        Isa::Avx2 => unsafe { avx2::bf16::dot(x, y, n) },
    }
}

/// bf16 batch dot on the bf16 kernels' instruction set.
///
/// # Safety
/// As `quantized::batch_dot`.
pub(crate) unsafe fn batch_dot_bf16(q: *const u16, rows: *const u16, dimension: usize, count: usize, out: *mut f32) {
    match active_bf16() {
        Isa::Avx512 => unsafe { avx512_bf16::batch_dot(q, rows, dimension, count, out) },
        Isa::Avx2 => unsafe { avx2::bf16::batch_dot(q, rows, dimension, count, out) },
    }
}

/// Fused bf16 top-k on the bf16 kernels' instruction set.
///
/// # Safety
/// As `top_k::run` for the input's scorer.
pub(crate) unsafe fn top_k_bf16(input: &TopKInput<u16>, heaps: &mut Heaps) {
    match active_bf16() {
        Isa::Avx512 => unsafe { avx512_bf16::top_k(input, heaps) },
        Isa::Avx2 => unsafe { avx2::bf16::top_k(input, heaps) },
    }
}
