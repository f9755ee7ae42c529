//! cortex_simd: f32 similarity kernels (AVX2 + FMA, AVX-512F) behind a C ABI.
//!
//! This file is the ABI and nothing else: every export checks its pointers and lengths, returns a
//! [`Status`] and writes results through out-pointers. No input, valid or not, can panic (the
//! release profile aborts on panic, and nothing here indexes, unwraps or divides by a length).
//!
//! `build.rs` reads this file and writes the C# `[LibraryImport]` bindings
//! (`src/CortexHybrid/Native/NativeMethods.g.cs`). A line `// bindgen: short` above an export marks
//! it as a short call: the C# import gets `[SuppressGCTransition]`, and a second import of the same
//! symbol without it, which C# uses for long inputs.

#![deny(unsafe_op_in_unsafe_fn)]

#[cfg(not(target_arch = "x86_64"))]
compile_error!("cortex_simd targets x86-64 (AVX2 + FMA, AVX-512F).");

mod avx2;
mod avx512;
mod dispatch;
mod entry_points;
mod kernels;
mod simd;
mod top_k;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod top_k_tests;

/// The outcome of a call. Numbers are never reused.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// The call succeeded and wrote its result.
    Ok = 0,
    /// A required pointer was null.
    NullPointer = -1,
    /// A length, or `dimension * count`, exceeds what the address space can hold.
    LengthOverflow = -2,
    /// A batch call had `dimension == 0` with rows to process.
    InvalidDimension = -3,
    /// The destination overlaps an input.
    Overlap = -4,
    /// An argument is outside its range: an unknown metric, or `k == 0`.
    InvalidArgument = -5,
}

/// Top-k metric: dot product, higher is better.
pub const CORTEX_METRIC_DOT: u32 = 0;
/// Top-k metric: squared Euclidean distance, lower is better.
pub const CORTEX_METRIC_SQUARED_EUCLIDEAN: u32 = 1;

/// Capability flag: the CPU has AVX2.
pub const CORTEX_CPU_AVX2: u32 = 1 << 0;
/// Capability flag: the CPU has FMA.
pub const CORTEX_CPU_FMA: u32 = 1 << 1;
/// Capability flag: the CPU has AVX-512F.
pub const CORTEX_CPU_AVX512F: u32 = 1 << 2;
/// Capability flag: the kernels run on AVX2 + FMA.
pub const CORTEX_ACTIVE_AVX2: u32 = 1 << 8;
/// Capability flag: the kernels run on AVX-512F.
pub const CORTEX_ACTIVE_AVX512F: u32 = 1 << 9;
/// Capability flag: `CORTEX_NATIVE_ISA=avx2` forced the AVX2 kernels.
pub const CORTEX_ISA_FORCED: u32 = 1 << 16;

static VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// The crate version as a NUL-terminated UTF-8 string owned by the library (never freed).
#[no_mangle]
pub extern "C" fn cortex_version() -> *const u8 {
    VERSION.as_ptr()
}

/// Does nothing: the cost of a call into the library (the interop floor), for benchmarks.
// bindgen: short
#[no_mangle]
pub extern "C" fn cortex_noop() {}

/// CPU features and the active instruction set, as `CORTEX_*` flags. Choosing the instruction set
/// happens here if no kernel ran before.
// bindgen: short
#[no_mangle]
pub extern "C" fn cortex_capabilities() -> u32 {
    let mut flags = 0;
    if std::arch::is_x86_feature_detected!("avx2") {
        flags |= CORTEX_CPU_AVX2;
    }
    if std::arch::is_x86_feature_detected!("fma") {
        flags |= CORTEX_CPU_FMA;
    }
    if dispatch::has_avx512() {
        flags |= CORTEX_CPU_AVX512F;
    }
    flags |= match dispatch::active() {
        dispatch::Isa::Avx2 => CORTEX_ACTIVE_AVX2,
        dispatch::Isa::Avx512 => CORTEX_ACTIVE_AVX512F,
    };
    if dispatch::is_avx2_forced() {
        flags |= CORTEX_ISA_FORCED;
    }
    flags
}

/// Dot product `Σ x[i]·y[i]` of two `len`-float vectors into `*result`; 0 when `len == 0`.
///
/// # Safety
/// When `len > 0`, `x` and `y` point to `len` readable floats each; `result` is writable.
// bindgen: short
#[no_mangle]
pub unsafe extern "C" fn cortex_dot_f32(x: *const f32, y: *const f32, len: usize, result: *mut f32) -> Status {
    // SAFETY: forwarded from the caller; `pair` checks nulls and the length.
    unsafe { pair(x, y, len, result, dispatch::dot) }
}

/// Cosine similarity of two `len`-float vectors into `*result`, in one pass over both. A zero
/// vector gives 0 (NaN if the other holds a NaN or an infinity); 0 when `len == 0`.
///
/// # Safety
/// As `cortex_dot_f32`.
// bindgen: short
#[no_mangle]
pub unsafe extern "C" fn cortex_cosine_f32(x: *const f32, y: *const f32, len: usize, result: *mut f32) -> Status {
    // SAFETY: as in cortex_dot_f32.
    unsafe { pair(x, y, len, result, dispatch::cosine) }
}

/// Squared Euclidean distance `Σ (x[i] - y[i])²` into `*result`; 0 when `len == 0`.
///
/// # Safety
/// As `cortex_dot_f32`.
// bindgen: short
#[no_mangle]
pub unsafe extern "C" fn cortex_squared_euclidean_f32(
    x: *const f32,
    y: *const f32,
    len: usize,
    result: *mut f32,
) -> Status {
    // SAFETY: as in cortex_dot_f32.
    unsafe { pair(x, y, len, result, dispatch::squared_euclidean) }
}

/// `destination[r] = query · row r` for `count` row-major rows of `dimension` floats.
///
/// # Safety
/// When `count > 0`: `query` holds `dimension` floats, `rows` `dimension * count`, `destination`
/// has room for `count` floats.
#[no_mangle]
pub unsafe extern "C" fn cortex_batch_dot_f32(
    query: *const f32,
    rows: *const f32,
    dimension: usize,
    count: usize,
    destination: *mut f32,
) -> Status {
    // SAFETY: forwarded from the caller; `batch` checks nulls, lengths and overlap.
    unsafe { batch(query, rows, dimension, count, destination, dispatch::batch_dot) }
}

/// `destination[r] = cosine(query, row r)`; the query's norm is computed once per call.
///
/// # Safety
/// As `cortex_batch_dot_f32`.
#[no_mangle]
pub unsafe extern "C" fn cortex_batch_cosine_f32(
    query: *const f32,
    rows: *const f32,
    dimension: usize,
    count: usize,
    destination: *mut f32,
) -> Status {
    // SAFETY: as in cortex_batch_dot_f32.
    unsafe { batch(query, rows, dimension, count, destination, dispatch::batch_cosine) }
}

/// For each of `query_count` queries (row-major, `dimension` floats each), the `k` best of `count`
/// rows: `metric` `CORTEX_METRIC_DOT` (highest dot product first) or
/// `CORTEX_METRIC_SQUARED_EUCLIDEAN` (smallest distance first); equal scores put the smaller id
/// first. Query `q`'s results go to `result_ids[q*k ..]` and `result_scores[q*k ..]`, best first,
/// `min(k, count)` of them. One pass over the rows serves all the queries.
///
/// # Safety
/// When `count > 0`: `queries` holds `query_count * dimension` floats, `rows` `count * dimension`,
/// `ids` `count` ids; `result_ids` and `result_scores` have room for `query_count * k` each.
#[no_mangle]
pub unsafe extern "C" fn cortex_top_k_f32(
    metric: u32,
    queries: *const f32,
    query_count: usize,
    rows: *const f32,
    ids: *const i64,
    dimension: usize,
    count: usize,
    k: usize,
    result_ids: *mut i64,
    result_scores: *mut f32,
) -> Status {
    let metric = match metric {
        CORTEX_METRIC_DOT => top_k::Metric::Dot,
        CORTEX_METRIC_SQUARED_EUCLIDEAN => top_k::Metric::SquaredEuclidean,
        _ => return Status::InvalidArgument,
    };
    if k == 0 {
        return Status::InvalidArgument;
    }
    if count == 0 || query_count == 0 {
        return Status::Ok;
    }
    if dimension == 0 {
        return Status::InvalidDimension;
    }
    if queries.is_null() || rows.is_null() || ids.is_null() || result_ids.is_null() || result_scores.is_null() {
        return Status::NullPointer;
    }
    let (Some(row_floats), Some(query_floats), Some(slots)) =
        (dimension.checked_mul(count), dimension.checked_mul(query_count), query_count.checked_mul(k))
    else {
        return Status::LengthOverflow;
    };
    if row_floats > MAX_FLOATS || query_floats > MAX_FLOATS || slots > MAX_IDS || count > MAX_IDS {
        return Status::LengthOverflow;
    }
    let outputs = [(result_ids as usize, slots * 8), (result_scores as usize, slots * 4)];
    let inputs = [(queries as usize, query_floats * 4), (rows as usize, row_floats * 4), (ids as usize, count * 8)];
    let overlap = |(a, a_len): (usize, usize), (b, b_len): (usize, usize)| a < b.saturating_add(b_len) && b < a.saturating_add(a_len);
    if overlap(outputs[0], outputs[1]) || outputs.iter().any(|&o| inputs.iter().any(|&i| overlap(o, i))) {
        return Status::Overlap;
    }
    let mut heaps = top_k::Heaps { keys: result_scores, ids: result_ids, k, queries: query_count, filled: 0 };
    // SAFETY: non-null, sizes checked, outputs disjoint from each other and the inputs; the caller
    // guarantees the memory behind each pointer.
    unsafe {
        dispatch::top_k(metric, queries, rows, ids, dimension, count, &mut heaps);
        heaps.finish(metric);
    }
    Status::Ok
}

type PairKernel = unsafe fn(*const f32, *const f32, usize) -> f32;
type BatchKernel = unsafe fn(*const f32, *const f32, usize, usize, *mut f32);

/// The largest float count whose byte size fits in `isize` (Rust's limit for one allocation).
const MAX_FLOATS: usize = isize::MAX as usize / core::mem::size_of::<f32>();

/// The largest id count whose byte size fits in `isize`.
const MAX_IDS: usize = isize::MAX as usize / core::mem::size_of::<i64>();

/// Checks a pair call, then runs `kernel`.
///
/// # Safety
/// As `cortex_dot_f32`.
unsafe fn pair(x: *const f32, y: *const f32, len: usize, result: *mut f32, kernel: PairKernel) -> Status {
    if result.is_null() {
        return Status::NullPointer;
    }
    let value = if len == 0 {
        // C# passes null for an empty span; nothing is read.
        0.0
    } else if x.is_null() || y.is_null() {
        return Status::NullPointer;
    } else if len > MAX_FLOATS {
        return Status::LengthOverflow;
    } else {
        // SAFETY: non-null, and the caller guarantees `len` readable floats behind each.
        unsafe { kernel(x, y, len) }
    };
    // SAFETY: result is non-null and the caller guarantees it is writable; no alignment assumed.
    unsafe { result.write_unaligned(value) };
    Status::Ok
}

/// Checks a batch call, then runs `kernel`.
///
/// # Safety
/// As `cortex_batch_dot_f32`.
unsafe fn batch(
    query: *const f32,
    rows: *const f32,
    dimension: usize,
    count: usize,
    destination: *mut f32,
    kernel: BatchKernel,
) -> Status {
    if count == 0 {
        return Status::Ok;
    }
    if dimension == 0 {
        return Status::InvalidDimension;
    }
    if query.is_null() || rows.is_null() || destination.is_null() {
        return Status::NullPointer;
    }
    let total = match dimension.checked_mul(count) {
        Some(total) if total <= MAX_FLOATS => total,
        _ => return Status::LengthOverflow,
    };
    if overlaps(destination, count, query, dimension) || overlaps(destination, count, rows, total) {
        return Status::Overlap;
    }
    // SAFETY: non-null, sizes checked, destination disjoint from both inputs; the caller
    // guarantees the memory behind each pointer.
    unsafe { kernel(query, rows, dimension, count, destination) };
    Status::Ok
}

/// True when the float ranges `[a, a + a_len)` and `[b, b + b_len)` share an address.
fn overlaps(a: *const f32, a_len: usize, b: *const f32, b_len: usize) -> bool {
    let (a_start, b_start) = (a as usize, b as usize);
    // Lengths are at most MAX_FLOATS, so the byte sizes fit; saturate rather than trust the
    // addresses not to wrap.
    let a_end = a_start.saturating_add(a_len * core::mem::size_of::<f32>());
    let b_end = b_start.saturating_add(b_len * core::mem::size_of::<f32>());
    a_start < b_end && b_start < a_end
}
