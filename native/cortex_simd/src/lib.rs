//! cortex_simd: f32 similarity kernels (AVX2 + FMA, AVX-512F), and int8 and bf16 dot products
//! (AVX2, AVX-512 VNNI, AVX-512 BF16), behind a C ABI.
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
mod avx512_bf16;
mod avx512_vnni;
mod dispatch;
mod entry_points;
mod kernels;
mod quantized;
mod simd;
mod simd_bf16;
mod simd_i8;
mod top_k;

#[cfg(test)]
mod quantized_abi_tests;
#[cfg(test)]
mod quantized_tests;
#[cfg(test)]
mod quantized_top_k_tests;
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
/// Capability flag: the CPU has AVX512-VNNI (`vpdpbusd`), whether or not the int8 kernels use it.
pub const CORTEX_CPU_AVX512VNNI: u32 = 1 << 3;
/// Capability flag: the CPU has AVX512-BF16 (`vdpbf16ps`), whether or not the bf16 kernels use it.
pub const CORTEX_CPU_AVX512BF16: u32 = 1 << 4;
/// Capability flag: the f32 kernels run on AVX2 + FMA.
pub const CORTEX_ACTIVE_AVX2: u32 = 1 << 8;
/// Capability flag: the f32 kernels run on AVX-512F.
pub const CORTEX_ACTIVE_AVX512F: u32 = 1 << 9;
/// Capability flag: the int8 kernels run on AVX-512 VNNI (the CPU has AVX-512F, BW and VNNI, and
/// AVX2 is not forced); without it they run on AVX2, exactly as well.
pub const CORTEX_ACTIVE_I8_AVX512VNNI: u32 = 1 << 10;
/// Capability flag: the bf16 kernels run on AVX-512 BF16 (the CPU has AVX-512F, BW and BF16, and
/// AVX2 is not forced), which flushes denormal inputs and results to zero; without it they run
/// on AVX2 + FMA, which keeps denormals.
pub const CORTEX_ACTIVE_BF16_AVX512BF16: u32 = 1 << 11;
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

/// CPU features and the active instruction sets, as `CORTEX_*` flags. Choosing the instruction
/// sets happens here if no kernel ran before.
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
    if std::arch::is_x86_feature_detected!("avx512vnni") {
        flags |= CORTEX_CPU_AVX512VNNI;
    }
    if std::arch::is_x86_feature_detected!("avx512bf16") {
        flags |= CORTEX_CPU_AVX512BF16;
    }
    flags |= match dispatch::active() {
        dispatch::Isa::Avx2 => CORTEX_ACTIVE_AVX2,
        dispatch::Isa::Avx512 => CORTEX_ACTIVE_AVX512F,
    };
    if dispatch::active_i8() == dispatch::Isa::Avx512 {
        flags |= CORTEX_ACTIVE_I8_AVX512VNNI;
    }
    if dispatch::active_bf16() == dispatch::Isa::Avx512 {
        flags |= CORTEX_ACTIVE_BF16_AVX512BF16;
    }
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

/// Exact int8 dot product `Σ x[i]·y[i]` of two `len`-element vectors into `*result`; 0 when
/// `len == 0`. `len` is at most `131071` (`i32::MAX / (128·128)`, so the sum cannot leave i32),
/// otherwise `LengthOverflow`. Any alignment.
///
/// # Safety
/// When `len > 0`, `x` and `y` point to `len` readable bytes each; `result` is writable.
// bindgen: short
#[no_mangle]
pub unsafe extern "C" fn cortex_dot_i8(x: *const i8, y: *const i8, len: usize, result: *mut i32) -> Status {
    // SAFETY: forwarded from the caller; `quantized_pair` checks nulls and the length.
    unsafe { quantized_pair(x, y, len, result, MAX_I8_LENGTH, dispatch::dot_i8) }
}

/// `destination[r] = query · row r`, exact, for `count` row-major int8 rows of `dimension` bytes
/// (no padding between rows, any alignment). `dimension` is at most `131071`, as for
/// `cortex_dot_i8`.
///
/// # Safety
/// When `count > 0`: `query` holds `dimension` bytes, `rows` `dimension * count`, `destination`
/// has room for `count` i32s.
#[no_mangle]
pub unsafe extern "C" fn cortex_batch_dot_i8(
    query: *const i8,
    rows: *const i8,
    dimension: usize,
    count: usize,
    destination: *mut i32,
) -> Status {
    // SAFETY: forwarded from the caller; `quantized_batch` checks nulls, lengths and overlap.
    unsafe { quantized_batch(query, rows, dimension, count, destination, MAX_I8_LENGTH, dispatch::batch_dot_i8) }
}

/// For each of `query_count` int8 queries (row-major, `dimension` bytes each), the `k` best of
/// `count` int8 rows by the key `query_scales[q] · (q · row) + row_bias[row]`, higher first: the
/// exact i32 dot product converted to f32, times the query's scale (one rounding), plus the row's
/// bias (another rounding; with `row_bias` null nothing is added). A squared Euclidean search
/// passes `2·scale` and `-‖row‖²` as bias. Equal keys put the smaller id first; a NaN key ranks
/// below every number. Results are laid out as `cortex_top_k_f32` lays them out: query `q`'s
/// go to `result_ids[q*k ..]` and `result_scores[q*k ..]` (the keys), best first,
/// `min(k, count)` of them, the slots past them untouched. One pass over the rows serves all
/// the queries. `dimension` is at most `131071`, as for `cortex_dot_i8`.
///
/// # Safety
/// When `count > 0`: `queries` holds `query_count * dimension` bytes, `query_scales`
/// `query_count` floats, `rows` `count * dimension` bytes, `row_bias` (unless null) `count`
/// floats, `ids` `count` ids; `result_ids` and `result_scores` have room for `query_count * k`
/// each.
#[no_mangle]
pub unsafe extern "C" fn cortex_top_k_i8(
    queries: *const i8,
    query_count: usize,
    query_scales: *const f32,
    rows: *const i8,
    row_bias: *const f32,
    ids: *const i64,
    dimension: usize,
    count: usize,
    k: usize,
    result_ids: *mut i64,
    result_scores: *mut f32,
) -> Status {
    let input = quantized::TopKInput { queries, query_scales, rows, row_bias, ids, dimension, count };
    let results = TopKResults { query_count, k, ids: result_ids, scores: result_scores };
    // SAFETY: forwarded from the caller; `quantized_top_k` checks nulls, lengths and overlap.
    unsafe { quantized_top_k(input, results, MAX_I8_LENGTH, dispatch::top_k_i8) }
}

/// bf16 dot product `Σ x[i]·y[i]` of two `len`-element vectors of bf16 bit patterns (the upper
/// halves of f32s) into `*result`, accumulated in f32; 0 when `len == 0`. On AVX-512 BF16
/// (`CORTEX_ACTIVE_BF16_AVX512BF16`) denormal inputs count as zero and denormal partial sums are
/// flushed to zero; on AVX2 denormals are kept. NaN and infinities propagate as in IEEE
/// arithmetic.
///
/// # Safety
/// When `len > 0`, `x` and `y` point to `len` readable u16s each; `result` is writable.
// bindgen: short
#[no_mangle]
pub unsafe extern "C" fn cortex_dot_bf16(x: *const u16, y: *const u16, len: usize, result: *mut f32) -> Status {
    // SAFETY: forwarded from the caller; `quantized_pair` checks nulls and the length.
    unsafe { quantized_pair(x, y, len, result, MAX_BF16, dispatch::dot_bf16) }
}

/// `destination[r] = query · row r` for `count` row-major bf16 rows of `dimension` elements, each
/// row summed exactly as `cortex_dot_bf16` sums it (the same bits).
///
/// # Safety
/// When `count > 0`: `query` holds `dimension` u16s, `rows` `dimension * count`, `destination`
/// has room for `count` floats.
#[no_mangle]
pub unsafe extern "C" fn cortex_batch_dot_bf16(
    query: *const u16,
    rows: *const u16,
    dimension: usize,
    count: usize,
    destination: *mut f32,
) -> Status {
    // SAFETY: forwarded from the caller; `quantized_batch` checks nulls, lengths and overlap.
    unsafe { quantized_batch(query, rows, dimension, count, destination, MAX_BF16, dispatch::batch_dot_bf16) }
}

/// `cortex_top_k_i8` for bf16 queries and rows: the key is
/// `query_scales[q] · (q · row) + row_bias[row]`, the dot product accumulated in f32 as in
/// `cortex_dot_bf16` (though not necessarily in the same order, so not always to the same bits);
/// the same layout, order and checks.
///
/// # Safety
/// As `cortex_top_k_i8`, with u16 elements.
#[no_mangle]
pub unsafe extern "C" fn cortex_top_k_bf16(
    queries: *const u16,
    query_count: usize,
    query_scales: *const f32,
    rows: *const u16,
    row_bias: *const f32,
    ids: *const i64,
    dimension: usize,
    count: usize,
    k: usize,
    result_ids: *mut i64,
    result_scores: *mut f32,
) -> Status {
    let input = quantized::TopKInput { queries, query_scales, rows, row_bias, ids, dimension, count };
    let results = TopKResults { query_count, k, ids: result_ids, scores: result_scores };
    // SAFETY: forwarded from the caller; `quantized_top_k` checks nulls, lengths and overlap.
    unsafe { quantized_top_k(input, results, MAX_BF16, dispatch::top_k_bf16) }
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

/// The longest int8 vector whose dot product cannot leave i32: each product is at most
/// 128·128 = 2^14 in magnitude, and 131071 of them sum to at most 2147467264.
const MAX_I8_LENGTH: usize = (i32::MAX / (128 * 128)) as usize;

/// The largest bf16 count whose byte size fits in `isize`.
const MAX_BF16: usize = isize::MAX as usize / core::mem::size_of::<u16>();

/// The largest byte size of one allocation.
const MAX_BYTES: usize = isize::MAX as usize;

/// True when the byte ranges `[a, a + a_len)` and `[b, b + b_len)` share an address (sizes
/// checked first, addresses saturated rather than trusted not to wrap).
fn byte_ranges_overlap((a, a_len): (usize, usize), (b, b_len): (usize, usize)) -> bool {
    a < b.saturating_add(b_len) && b < a.saturating_add(a_len)
}

/// Checks a quantized pair call, then runs `kernel`. `max_len` is the longest vector the element
/// admits.
///
/// # Safety
/// As `cortex_dot_i8` / `cortex_dot_bf16`.
unsafe fn quantized_pair<E, T: Default>(
    x: *const E,
    y: *const E,
    len: usize,
    result: *mut T,
    max_len: usize,
    kernel: unsafe fn(*const E, *const E, usize) -> T,
) -> Status {
    if result.is_null() {
        return Status::NullPointer;
    }
    let value = if len == 0 {
        // C# passes null for an empty span; nothing is read.
        T::default()
    } else if x.is_null() || y.is_null() {
        return Status::NullPointer;
    } else if len > max_len {
        return Status::LengthOverflow;
    } else {
        // SAFETY: non-null, and the caller guarantees `len` readable elements behind each.
        unsafe { kernel(x, y, len) }
    };
    // SAFETY: result is non-null and the caller guarantees it is writable; no alignment assumed.
    unsafe { result.write_unaligned(value) };
    Status::Ok
}

/// Checks a quantized batch call, then runs `kernel`. `max_dimension` is the longest row the
/// element admits.
///
/// # Safety
/// As `cortex_batch_dot_i8` / `cortex_batch_dot_bf16`.
unsafe fn quantized_batch<E, T>(
    query: *const E,
    rows: *const E,
    dimension: usize,
    count: usize,
    destination: *mut T,
    max_dimension: usize,
    kernel: unsafe fn(*const E, *const E, usize, usize, *mut T),
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
    let (element, score) = (core::mem::size_of::<E>(), core::mem::size_of::<T>());
    let total = match dimension.checked_mul(count) {
        Some(total) if total <= MAX_BYTES / element && dimension <= max_dimension && count <= MAX_BYTES / score => total,
        _ => return Status::LengthOverflow,
    };
    let out = (destination as usize, count * score);
    if byte_ranges_overlap(out, (query as usize, dimension * element)) || byte_ranges_overlap(out, (rows as usize, total * element)) {
        return Status::Overlap;
    }
    // SAFETY: non-null, sizes checked, destination disjoint from both inputs; the caller
    // guarantees the memory behind each pointer.
    unsafe { kernel(query, rows, dimension, count, destination) };
    Status::Ok
}

/// Where a top-k writes: `query_count * k` slots of ids and of scores.
struct TopKResults {
    query_count: usize,
    k: usize,
    ids: *mut i64,
    scores: *mut f32,
}

/// Checks a quantized top-k call exactly as `cortex_top_k_f32` checks its own (plus the scales,
/// the optional biases and the element's longest row), then runs `kernel` and sorts the heaps.
///
/// # Safety
/// As `cortex_top_k_i8` / `cortex_top_k_bf16`.
unsafe fn quantized_top_k<E>(
    input: quantized::TopKInput<E>,
    results: TopKResults,
    max_dimension: usize,
    kernel: unsafe fn(&quantized::TopKInput<E>, &mut top_k::Heaps),
) -> Status {
    let TopKResults { query_count, k, ids: result_ids, scores: result_scores } = results;
    let (dimension, count) = (input.dimension, input.count);
    if k == 0 {
        return Status::InvalidArgument;
    }
    if count == 0 || query_count == 0 {
        return Status::Ok;
    }
    if dimension == 0 {
        return Status::InvalidDimension;
    }
    if input.queries.is_null()
        || input.query_scales.is_null()
        || input.rows.is_null()
        || input.ids.is_null()
        || result_ids.is_null()
        || result_scores.is_null()
    {
        return Status::NullPointer;
    }
    let (Some(row_elements), Some(query_elements), Some(slots)) =
        (dimension.checked_mul(count), dimension.checked_mul(query_count), query_count.checked_mul(k))
    else {
        return Status::LengthOverflow;
    };
    let element = core::mem::size_of::<E>();
    let max_elements = MAX_BYTES / element;
    if row_elements > max_elements
        || query_elements > max_elements
        || dimension > max_dimension
        || slots > MAX_IDS
        || count > MAX_IDS
        || query_count > MAX_FLOATS
    {
        return Status::LengthOverflow;
    }
    let outputs = [(result_ids as usize, slots * 8), (result_scores as usize, slots * 4)];
    let bias_bytes = if input.row_bias.is_null() { 0 } else { count * 4 };
    let inputs = [
        (input.queries as usize, query_elements * element),
        (input.query_scales as usize, query_count * 4),
        (input.rows as usize, row_elements * element),
        (input.row_bias as usize, bias_bytes),
        (input.ids as usize, count * 8),
    ];
    if byte_ranges_overlap(outputs[0], outputs[1]) || outputs.iter().any(|&o| inputs.iter().any(|&i| byte_ranges_overlap(o, i))) {
        return Status::Overlap;
    }
    let mut heaps = top_k::Heaps { keys: result_scores, ids: result_ids, k, queries: query_count, filled: 0 };
    // SAFETY: non-null (but the optional bias), sizes checked, outputs disjoint from each other
    // and the inputs; the caller guarantees the memory behind each pointer.
    unsafe {
        kernel(&input, &mut heaps);
        heaps.finish(top_k::Metric::Dot);
    }
    Status::Ok
}
