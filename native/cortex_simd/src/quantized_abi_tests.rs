//! The quantized exports' checks: every bad argument returns its status and nothing panics (a
//! panic would abort this test process), and the capability flags agree with the dispatch.

use crate::*;

const NULL_I8: *const i8 = core::ptr::null();
const NULL_U16: *const u16 = core::ptr::null();

#[test]
fn pair_exports_reject_bad_pointers_and_lengths() {
    let (x, y) = ([1i8, -2, 3], [4i8, 5, -128]);
    let mut out = i32::MIN;
    // SAFETY: valid pointers for the lengths passed, or null where that is the point.
    unsafe {
        assert_eq!(cortex_dot_i8(NULL_I8, y.as_ptr(), 3, &mut out), Status::NullPointer);
        assert_eq!(cortex_dot_i8(x.as_ptr(), NULL_I8, 3, &mut out), Status::NullPointer);
        assert_eq!(cortex_dot_i8(x.as_ptr(), y.as_ptr(), 3, core::ptr::null_mut()), Status::NullPointer);
        assert_eq!(cortex_dot_i8(x.as_ptr(), y.as_ptr(), MAX_I8_LENGTH + 1, &mut out), Status::LengthOverflow);
        assert_eq!(cortex_dot_i8(x.as_ptr(), y.as_ptr(), usize::MAX, &mut out), Status::LengthOverflow);
        // An empty span arrives from C# as a null pointer: valid, result 0.
        assert_eq!(cortex_dot_i8(NULL_I8, NULL_I8, 0, &mut out), Status::Ok);
        assert_eq!(out, 0);
        assert_eq!(cortex_dot_i8(x.as_ptr(), y.as_ptr(), 3, &mut out), Status::Ok);
        assert_eq!(out, 4 - 10 - 384);
    }
    let long = vec![i8::MIN; MAX_I8_LENGTH];
    // SAFETY: long holds MAX_I8_LENGTH bytes.
    unsafe {
        assert_eq!(cortex_dot_i8(long.as_ptr(), long.as_ptr(), MAX_I8_LENGTH, &mut out), Status::Ok);
    }
    assert_eq!(out, 2_147_467_264, "the longest admitted length is exact");

    let (x, y) = ([0x3F80u16, 0x4000], [0x4040u16, 0xBF80]);
    let mut out = f32::NAN;
    // SAFETY: as above.
    unsafe {
        assert_eq!(cortex_dot_bf16(NULL_U16, y.as_ptr(), 2, &mut out), Status::NullPointer);
        assert_eq!(cortex_dot_bf16(x.as_ptr(), NULL_U16, 2, &mut out), Status::NullPointer);
        assert_eq!(cortex_dot_bf16(x.as_ptr(), y.as_ptr(), 2, core::ptr::null_mut()), Status::NullPointer);
        assert_eq!(cortex_dot_bf16(x.as_ptr(), y.as_ptr(), MAX_BF16 + 1, &mut out), Status::LengthOverflow);
        assert_eq!(cortex_dot_bf16(x.as_ptr(), y.as_ptr(), usize::MAX, &mut out), Status::LengthOverflow);
        assert_eq!(cortex_dot_bf16(NULL_U16, NULL_U16, 0, &mut out), Status::Ok);
        assert_eq!(out, 0.0);
        // (1, 2) · (3, -1) = 1.
        assert_eq!(cortex_dot_bf16(x.as_ptr(), y.as_ptr(), 2, &mut out), Status::Ok);
        assert_eq!(out, 1.0);
    }
}

#[test]
fn batch_exports_reject_bad_arguments() {
    let query = [1i8, 0];
    let rows = [1i8, 0, 0, 1, -1, 0];
    let mut out = [i32::MIN; 3];
    // SAFETY: valid pointers for the sizes passed, or null where that is the point.
    unsafe {
        let o = out.as_mut_ptr();
        assert_eq!(cortex_batch_dot_i8(NULL_I8, NULL_I8, 0, 0, core::ptr::null_mut()), Status::Ok, "no rows: nothing to do");
        assert_eq!(cortex_batch_dot_i8(query.as_ptr(), rows.as_ptr(), 0, 3, o), Status::InvalidDimension);
        assert_eq!(cortex_batch_dot_i8(NULL_I8, rows.as_ptr(), 2, 3, o), Status::NullPointer);
        assert_eq!(cortex_batch_dot_i8(query.as_ptr(), NULL_I8, 2, 3, o), Status::NullPointer);
        assert_eq!(cortex_batch_dot_i8(query.as_ptr(), rows.as_ptr(), 2, 3, core::ptr::null_mut()), Status::NullPointer);
        assert_eq!(cortex_batch_dot_i8(query.as_ptr(), rows.as_ptr(), MAX_I8_LENGTH + 1, 1, o), Status::LengthOverflow, "row too long for i32");
        assert_eq!(cortex_batch_dot_i8(query.as_ptr(), rows.as_ptr(), 1 << 16, 1 << 60, o), Status::LengthOverflow);
        assert_eq!(cortex_batch_dot_i8(query.as_ptr(), rows.as_ptr(), 2, usize::MAX / 2 + 1, o), Status::LengthOverflow);
        // Rows of one byte fit in isize, their i32 results would not.
        assert_eq!(cortex_batch_dot_i8(query.as_ptr(), rows.as_ptr(), 1, isize::MAX as usize / 2, o), Status::LengthOverflow);
        let mut shared = [0i8; 16];
        let p = shared.as_mut_ptr();
        assert_eq!(cortex_batch_dot_i8(query.as_ptr(), p, 2, 3, p.add(4).cast()), Status::Overlap, "destination inside rows");
        assert_eq!(cortex_batch_dot_i8(p, p.add(8), 2, 2, p.add(1).cast()), Status::Overlap, "destination over the query");
        assert_eq!(cortex_batch_dot_i8(query.as_ptr(), rows.as_ptr(), 2, 3, o), Status::Ok);
    }
    assert_eq!(out, [1, 0, -1]);

    let query = [0x3F80u16, 0];
    let rows = [0x3F80u16, 0, 0, 0x3F80, 0xBF80, 0];
    let mut out = [f32::NAN; 3];
    // SAFETY: as above.
    unsafe {
        let o = out.as_mut_ptr();
        assert_eq!(cortex_batch_dot_bf16(NULL_U16, NULL_U16, 0, 0, core::ptr::null_mut()), Status::Ok);
        assert_eq!(cortex_batch_dot_bf16(query.as_ptr(), rows.as_ptr(), 0, 3, o), Status::InvalidDimension);
        assert_eq!(cortex_batch_dot_bf16(NULL_U16, rows.as_ptr(), 2, 3, o), Status::NullPointer);
        assert_eq!(cortex_batch_dot_bf16(query.as_ptr(), NULL_U16, 2, 3, o), Status::NullPointer);
        assert_eq!(cortex_batch_dot_bf16(query.as_ptr(), rows.as_ptr(), 2, 3, core::ptr::null_mut()), Status::NullPointer);
        assert_eq!(cortex_batch_dot_bf16(query.as_ptr(), rows.as_ptr(), 1 << 40, 1 << 40, o), Status::LengthOverflow);
        assert_eq!(cortex_batch_dot_bf16(query.as_ptr(), rows.as_ptr(), MAX_BF16, 2, o), Status::LengthOverflow);
        let mut shared = [0u16; 16];
        let p = shared.as_mut_ptr();
        assert_eq!(cortex_batch_dot_bf16(query.as_ptr(), p, 2, 3, p.add(5).cast()), Status::Overlap, "destination inside rows");
        assert_eq!(cortex_batch_dot_bf16(p, p.add(8), 2, 2, p.cast()), Status::Overlap, "destination over the query");
        assert_eq!(cortex_batch_dot_bf16(query.as_ptr(), rows.as_ptr(), 2, 3, o), Status::Ok);
    }
    assert_eq!(out, [1.0, 0.0, -1.0]);
}

/// The arguments of a top-k call, so each check changes one of them.
#[derive(Clone, Copy)]
struct Call<E> {
    queries: *const E,
    query_count: usize,
    scales: *const f32,
    rows: *const E,
    bias: *const f32,
    ids: *const i64,
    dimension: usize,
    count: usize,
    k: usize,
    result_ids: *mut i64,
    result_scores: *mut f32,
}

type Export<E> =
    unsafe extern "C" fn(*const E, usize, *const f32, *const E, *const f32, *const i64, usize, usize, usize, *mut i64, *mut f32) -> Status;

impl<E> Call<E> {
    /// # Safety
    /// The pointers are valid for the sizes, or invalid where the call is meant to be rejected.
    unsafe fn run(self, export: Export<E>) -> Status {
        // SAFETY: forwarded from the caller.
        unsafe {
            export(
                self.queries,
                self.query_count,
                self.scales,
                self.rows,
                self.bias,
                self.ids,
                self.dimension,
                self.count,
                self.k,
                self.result_ids,
                self.result_scores,
            )
        }
    }
}

/// Every rejection of `cortex_top_k_f32`, plus those of the scales, the bias and the element's
/// longest row, on one valid call `good` (dimension 2, 3 rows, 1 query, k = 2) whose inputs live
/// in `scratch` where an overlap is wanted.
///
/// # Safety
/// `good` is a valid call; `scratch` is a writable buffer of 64 bytes, 8-aligned.
unsafe fn check_top_k_rejections<E>(export: Export<E>, good: Call<E>, scratch: *mut u8, max_dimension: usize) {
    let null_mut_ids = core::ptr::null_mut::<i64>();
    // SAFETY: every call is either `good`, or rejected before anything is read or written.
    unsafe {
        assert_eq!(Call { k: 0, ..good }.run(export), Status::InvalidArgument, "k = 0");
        let nothing = Call {
            queries: core::ptr::null(),
            scales: core::ptr::null(),
            rows: core::ptr::null(),
            ids: core::ptr::null(),
            result_ids: null_mut_ids,
            result_scores: core::ptr::null_mut(),
            ..good
        };
        assert_eq!(Call { count: 0, ..nothing }.run(export), Status::Ok, "no rows: nothing to do");
        assert_eq!(Call { query_count: 0, ..nothing }.run(export), Status::Ok, "no queries: nothing to do");
        assert_eq!(Call { dimension: 0, ..good }.run(export), Status::InvalidDimension);
        assert_eq!(Call { queries: core::ptr::null(), ..good }.run(export), Status::NullPointer);
        assert_eq!(Call { scales: core::ptr::null(), ..good }.run(export), Status::NullPointer);
        assert_eq!(Call { rows: core::ptr::null(), ..good }.run(export), Status::NullPointer);
        assert_eq!(Call { ids: core::ptr::null(), ..good }.run(export), Status::NullPointer);
        assert_eq!(Call { result_ids: null_mut_ids, ..good }.run(export), Status::NullPointer);
        assert_eq!(Call { result_scores: core::ptr::null_mut(), ..good }.run(export), Status::NullPointer);
        assert_eq!(Call { dimension: 1 << 40, count: 1 << 40, ..good }.run(export), Status::LengthOverflow);
        assert_eq!(Call { dimension: 1 << 40, query_count: 1 << 40, ..good }.run(export), Status::LengthOverflow);
        assert_eq!(Call { k: usize::MAX, ..good }.run(export), Status::LengthOverflow);
        assert_eq!(Call { query_count: 1 << 40, k: 1 << 40, ..good }.run(export), Status::LengthOverflow);
        assert_eq!(Call { dimension: max_dimension + 1, ..good }.run(export), Status::LengthOverflow, "row longer than the element admits");
        assert_eq!(Call { dimension: usize::MAX, ..good }.run(export), Status::LengthOverflow);
        // Overlaps: the outputs with each other, and with each input.
        let (ids_out, scores_out) = (good.result_ids, good.result_scores);
        assert_eq!(Call { result_scores: ids_out.cast(), ..good }.run(export), Status::Overlap, "scores over ids");
        assert_eq!(Call { result_scores: ids_out.cast::<f32>().add(3), ..good }.run(export), Status::Overlap, "scores inside ids");
        let s = scratch;
        assert_eq!(Call { rows: s.cast(), result_scores: s.add(4).cast(), ..good }.run(export), Status::Overlap, "scores over rows");
        assert_eq!(Call { queries: s.cast(), result_ids: s.cast(), ..good }.run(export), Status::Overlap, "ids over queries");
        assert_eq!(Call { scales: s.cast(), result_scores: s.cast(), ..good }.run(export), Status::Overlap, "scores over scales");
        assert_eq!(Call { bias: s.add(8).cast(), result_scores: s.add(12).cast(), ..good }.run(export), Status::Overlap, "scores over the bias");
        assert_eq!(Call { ids: s.cast(), result_ids: s.add(8).cast(), ..good }.run(export), Status::Overlap, "ids over the row ids");
        let _ = scores_out;
        assert_eq!(good.run(export), Status::Ok);
    }
}

#[repr(C, align(8))]
struct Scratch([u8; 64]);

#[test]
fn top_k_exports_reject_bad_arguments_and_lay_results_out_as_the_f32_top_k() {
    let queries = [1i8, 0];
    let scales = [0.5f32];
    let rows = [1i8, 0, 0, 1, -1, 0];
    let bias = [0.0f32, 1.0, 0.25];
    let ids = [10i64, 11, 12];
    let mut out_ids = [-1i64; 4];
    let mut out_scores = [f32::NAN; 4];
    let mut scratch = Scratch([0; 64]);
    let good = Call {
        queries: queries.as_ptr(),
        query_count: 1,
        scales: scales.as_ptr(),
        rows: rows.as_ptr(),
        bias: bias.as_ptr(),
        ids: ids.as_ptr(),
        dimension: 2,
        count: 3,
        k: 2,
        result_ids: out_ids.as_mut_ptr(),
        result_scores: out_scores.as_mut_ptr(),
    };
    // SAFETY: `good` is valid; scratch is 64 writable, 8-aligned bytes.
    unsafe { check_top_k_rejections(cortex_top_k_i8, good, scratch.0.as_mut_ptr(), MAX_I8_LENGTH) };
    // Keys 0.5·(1, 0, -1) + (0, 1, 0.25) = (0.5, 1, -0.25).
    assert_eq!(out_ids, [11, 10, -1, -1]);
    assert_eq!(&out_scores[..2], &[1.0, 0.5]);
    assert!(out_scores[2].is_nan() && out_scores[3].is_nan(), "slots past k are untouched");
    // Without a bias, and k beyond the count: min(k, count) results, the rest untouched.
    // SAFETY: as above.
    unsafe {
        assert_eq!(Call { bias: core::ptr::null(), k: 4, ..good }.run(cortex_top_k_i8), Status::Ok);
    }
    assert_eq!(out_ids, [10, 11, 12, -1]);
    assert_eq!(&out_scores[..3], &[0.5, 0.0, -0.5]);
    assert!(out_scores[3].is_nan());

    let queries = [0x3F80u16, 0];
    let rows = [0x3F80u16, 0, 0, 0x3F80, 0xBF80, 0];
    let mut out_ids = [-1i64; 4];
    let mut out_scores = [f32::NAN; 4];
    let good = Call {
        queries: queries.as_ptr(),
        query_count: 1,
        scales: scales.as_ptr(),
        rows: rows.as_ptr(),
        bias: bias.as_ptr(),
        ids: ids.as_ptr(),
        dimension: 2,
        count: 3,
        k: 2,
        result_ids: out_ids.as_mut_ptr(),
        result_scores: out_scores.as_mut_ptr(),
    };
    // SAFETY: as above.
    unsafe { check_top_k_rejections(cortex_top_k_bf16, good, scratch.0.as_mut_ptr(), MAX_BF16) };
    assert_eq!(out_ids, [11, 10, -1, -1]);
    assert_eq!(&out_scores[..2], &[1.0, 0.5]);
}

#[test]
fn capability_flags_agree_with_the_dispatch() {
    let flags = cortex_capabilities();
    let has = |flag: u32| flags & flag != 0;
    assert_eq!(has(CORTEX_CPU_AVX512VNNI), std::arch::is_x86_feature_detected!("avx512vnni"));
    assert_eq!(has(CORTEX_CPU_AVX512BF16), std::arch::is_x86_feature_detected!("avx512bf16"));
    assert_eq!(has(CORTEX_ACTIVE_I8_AVX512VNNI), dispatch::active_i8() == dispatch::Isa::Avx512);
    assert_eq!(has(CORTEX_ACTIVE_BF16_AVX512BF16), dispatch::active_bf16() == dispatch::Isa::Avx512);
    let forced = dispatch::is_avx2_forced();
    assert_eq!(has(CORTEX_ACTIVE_I8_AVX512VNNI), dispatch::has_avx512_vnni() && !forced);
    assert_eq!(has(CORTEX_ACTIVE_BF16_AVX512BF16), dispatch::has_avx512_bf16() && !forced);
    // The f32 choice is its own: AVX-512F alone decides it.
    assert_eq!(has(CORTEX_ACTIVE_AVX512F), dispatch::has_avx512() && !forced);
    // Every flag its own bit.
    let all = [
        CORTEX_CPU_AVX2,
        CORTEX_CPU_FMA,
        CORTEX_CPU_AVX512F,
        CORTEX_CPU_AVX512VNNI,
        CORTEX_CPU_AVX512BF16,
        CORTEX_ACTIVE_AVX2,
        CORTEX_ACTIVE_AVX512F,
        CORTEX_ACTIVE_I8_AVX512VNNI,
        CORTEX_ACTIVE_BF16_AVX512BF16,
        CORTEX_ISA_FORCED,
    ];
    assert_eq!(all.iter().fold(0, |a, b| a | b).count_ones() as usize, all.len());
}
