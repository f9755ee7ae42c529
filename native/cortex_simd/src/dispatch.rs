//! Chooses the instruction set once, at the first call, and routes every kernel to it.
//!
//! The library is built for AVX2 + FMA, so AVX2 is the floor: the C# side checks the CPU before it
//! loads the library at all. AVX-512F is used where `is_x86_feature_detected!` finds it, unless
//! `CORTEX_NATIVE_ISA=avx2` forces the AVX2 kernels (so tests can cover both on one machine).

use core::sync::atomic::{AtomicU8, Ordering};

use crate::{avx2, avx512};

/// The environment variable that forces an instruction set.
pub(crate) const ISA_VARIABLE: &str = "CORTEX_NATIVE_ISA";

/// The instruction set the kernels run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Isa {
    Avx2 = 1,
    Avx512 = 2,
}

/// 0 until chosen, then an `Isa` discriminant.
static ACTIVE: AtomicU8 = AtomicU8::new(0);

/// The instruction set in use, choosing it on first use.
#[inline]
pub(crate) fn active() -> Isa {
    match ACTIVE.load(Ordering::Relaxed) {
        1 => Isa::Avx2,
        2 => Isa::Avx512,
        _ => {
            // Two threads racing here compute the same answer; either store wins.
            let isa = choose(is_avx2_forced(), has_avx512());
            ACTIVE.store(isa as u8, Ordering::Relaxed);
            isa
        }
    }
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

// The routes. SAFETY (for every `unsafe` block below): the caller guarantees the pointer and length
// contracts of the kernel; AVX2 + FMA are guaranteed by the loader's CPU check, and the AVX-512
// kernels run only when `active()` found avx512f.

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
    heaps: &mut crate::top_k::Heaps,
) {
    match active() {
        Isa::Avx512 => unsafe { avx512::top_k(metric, queries, rows, ids, dimension, count, heaps) },
        Isa::Avx2 => unsafe { avx2::top_k(metric, queries, rows, ids, dimension, count, heaps) },
    }
}
