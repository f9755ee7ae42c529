//! The fused int8 and bf16 top-k on every instruction set this CPU has, against a brute-force
//! reference that applies the same key rule, `scale · dot + bias`, to reference dot products and
//! ranks higher keys first, equal keys by smaller id, NaN keys last.
//!
//! - int8: the reference dot is exact (i64), so the reference keys are the kernel's keys: ids and
//!   score bits must be equal, ties included.
//! - bf16: reference dots in f64 (`quantized_tests`' tolerance); a key may then differ by
//!   `|scale| · tolerance(dot)` plus its two f32 roundings, and rows whose reference keys lie
//!   within twice that may trade places.

use crate::quantized::TopKInput;
use crate::quantized_tests::{bf16_tolerance, bf16_vector, has_bf16, has_vnni, i8_vector, reference_bf16, reference_i8, Placed};
use crate::tests::{GuardedPage, Rng};
use crate::top_k::{Heaps, Metric};
use crate::*;

type TopK<E> = unsafe fn(&TopKInput<E>, &mut Heaps);

fn i8_isas() -> Vec<(&'static str, TopK<i8>)> {
    let mut all: Vec<(&'static str, TopK<i8>)> = vec![("avx2", avx2::int8::top_k)];
    if has_vnni() {
        all.push(("avx512-vnni", avx512_vnni::top_k));
    }
    all
}

fn bf16_isas() -> Vec<(&'static str, TopK<u16>, bool)> {
    let mut all: Vec<(&'static str, TopK<u16>, bool)> = vec![("avx2", avx2::bf16::top_k, false)];
    if has_bf16() {
        all.push(("avx512-bf16", avx512_bf16::top_k, true));
    }
    all
}

/// One search's inputs, owned.
struct Search<E> {
    queries: Vec<E>,
    scales: Vec<f32>,
    rows: Vec<E>,
    bias: Option<Vec<f32>>,
    ids: Vec<i64>,
    dimension: usize,
}

impl<E: Copy> Search<E> {
    fn query_count(&self) -> usize {
        self.scales.len()
    }

    fn count(&self) -> usize {
        self.ids.len()
    }

    /// The kernel's results: `query_count * k` ids (-1 where unwritten) and scores.
    fn run(&self, top_k: TopK<E>, k: usize) -> (Vec<i64>, Vec<f32>) {
        let mut result_ids = vec![-1i64; self.query_count() * k];
        let mut result_scores = vec![f32::NAN; self.query_count() * k];
        let input = TopKInput {
            queries: self.queries.as_ptr(),
            query_scales: self.scales.as_ptr(),
            rows: self.rows.as_ptr(),
            row_bias: self.bias.as_ref().map_or(core::ptr::null(), |b| b.as_ptr()),
            ids: self.ids.as_ptr(),
            dimension: self.dimension,
            count: self.count(),
        };
        let mut heaps = Heaps { keys: result_scores.as_mut_ptr(), ids: result_ids.as_mut_ptr(), k, queries: self.query_count(), filled: 0 };
        // SAFETY: sizes as the kernel requires.
        unsafe {
            top_k(&input, &mut heaps);
            heaps.finish(Metric::Dot);
        }
        (result_ids, result_scores)
    }

    /// The key rule, applied to a dot product as an f32 (as the kernel applies it).
    fn key(&self, q: usize, r: usize, dot: f32) -> f32 {
        let product = self.scales[q] * dot;
        match &self.bias {
            Some(bias) => product + bias[r],
            None => product,
        }
    }
}

/// The reference order: higher first, NaN last, ties (and NaNs) by smaller id.
fn rank(a: (f32, i64), b: (f32, i64)) -> core::cmp::Ordering {
    match (a.0.is_nan(), b.0.is_nan()) {
        (true, true) => a.1.cmp(&b.1),
        (true, false) => core::cmp::Ordering::Greater,
        (false, true) => core::cmp::Ordering::Less,
        (false, false) => b.0.partial_cmp(&a.0).unwrap().then(a.1.cmp(&b.1)),
    }
}

/// Every row's reference key for query `q`, best first.
fn i8_reference(search: &Search<i8>, q: usize) -> Vec<(f32, i64)> {
    let d = search.dimension;
    let query = &search.queries[q * d..(q + 1) * d];
    let mut all: Vec<(f32, i64)> =
        search.rows.chunks_exact(d).enumerate().map(|(r, row)| (search.key(q, r, reference_i8(query, row) as f32), search.ids[r])).collect();
    all.sort_by(|&a, &b| rank(a, b));
    all
}

fn check_i8(name: &str, top_k: TopK<i8>, search: &Search<i8>, references: &[Vec<(f32, i64)>], k: usize) {
    let (ids, scores) = search.run(top_k, k);
    let found = k.min(search.count());
    for (q, expected) in references.iter().enumerate() {
        let what = format!("{name} d={} n={} queries={} k={k} bias={} query {q}", search.dimension, search.count(), search.query_count(), search.bias.is_some());
        let got: Vec<(u32, i64)> = (0..found).map(|i| (scores[q * k + i].to_bits(), ids[q * k + i])).collect();
        let want: Vec<(u32, i64)> = expected[..found].iter().map(|&(key, id)| (key.to_bits(), id)).collect();
        assert_eq!(got, want, "{what}");
        assert!(ids[q * k + found..(q + 1) * k].iter().all(|&id| id == -1), "{what}: slots past the count are untouched");
    }
}

/// Scales as a caller quantizing each query would pass them, with a negative and a zero one
/// among them (a zero scale ties every row without a bias: the order is then by id).
fn scales(rng: &mut Rng, query_count: usize) -> Vec<f32> {
    (0..query_count)
        .map(|q| match q % 7 {
            3 => -0.01,
            5 => 0.0,
            _ => (rng.unit().abs() + 0.01) / 127.0,
        })
        .collect()
}

/// Ids out of order, as after removals.
fn ids(count: usize) -> Vec<i64> {
    (0..count as i64).map(|i| (i * 7919) % 100_003 - 50_000).collect()
}

const DIMENSIONS: [usize; 11] = [1, 3, 15, 16, 17, 33, 64, 65, 100, 129, 384];
const COUNTS: [usize; 6] = [1, 2, 5, 9, 31, 200];
const QUERY_COUNTS: [usize; 6] = [1, 3, 4, 5, 16, 17];

fn ks(count: usize) -> [usize; 4] {
    [1, 10, count, count + 3]
}

#[test]
fn i8_top_k_equals_the_exact_reference_for_every_shape() {
    let mut rng = Rng(0x5EED_7018);
    for dimension in DIMENSIONS {
        for count in COUNTS {
            for query_count in QUERY_COUNTS {
                for with_bias in [false, true] {
                    let search = Search {
                        queries: i8_vector(&mut rng, dimension * query_count, (dimension + query_count) % 3),
                        scales: scales(&mut rng, query_count),
                        rows: i8_vector(&mut rng, dimension * count, (dimension + count + 1) % 3),
                        bias: with_bias.then(|| (0..count).map(|_| rng.unit() * 20.0 * dimension as f32).collect()),
                        ids: ids(count),
                        dimension,
                    };
                    let references: Vec<_> = (0..query_count).map(|q| i8_reference(&search, q)).collect();
                    for (name, top_k) in i8_isas() {
                        for k in ks(count) {
                            check_i8(name, top_k, &search, &references, k);
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn i8_ties_go_to_the_smaller_id_and_nan_keys_rank_last() {
    // Five distinct rows, each stored four times under shuffled ids: every key ties four ways.
    let (dimension, mut rng) = (37, Rng(43));
    let distinct: Vec<Vec<i8>> = (0..5).map(|_| i8_vector(&mut rng, dimension, 0)).collect();
    let mut shuffled: Vec<i64> = (0..20).collect();
    for i in (1..shuffled.len()).rev() {
        shuffled.swap(i, rng.below(i + 1));
    }
    let rows: Vec<i8> = (0..20).flat_map(|r| distinct[r % 5].clone()).collect();
    for bias in [None, Some(vec![1.5f32; 20]), Some((0..20).map(|r| if r == 7 { f32::NAN } else { 0.0 }).collect())] {
        let search = Search {
            queries: i8_vector(&mut rng, 3 * dimension, 0),
            // The last query's keys are all NaN: its results come in id order.
            scales: vec![0.5, -0.25, f32::NAN],
            rows: rows.clone(),
            bias,
            ids: shuffled.clone(),
            dimension,
        };
        let references: Vec<_> = (0..3).map(|q| i8_reference(&search, q)).collect();
        if search.bias.as_ref().is_some_and(|b| b[7].is_nan()) {
            assert_eq!(references[0][19].1, shuffled[7], "the NaN-biased row ranks last");
        }
        for (name, top_k) in i8_isas() {
            for k in [1, 3, 4, 6, 9, 20, 25] {
                check_i8(name, top_k, &search, &references, k);
            }
        }
    }
}

/// Checks a bf16 search against the f64 reference (see the module doc for the tolerance).
fn check_bf16(name: &str, top_k: TopK<u16>, daz: bool, search: &Search<u16>, k: usize) {
    let (ids, scores) = search.run(top_k, k);
    let d = search.dimension;
    let found = k.min(search.count());
    for q in 0..search.query_count() {
        let query = &search.queries[q * d..(q + 1) * d];
        // (reference key, id, tolerance)
        let mut expected: Vec<(f64, i64, f64)> = search
            .rows
            .chunks_exact(d)
            .enumerate()
            .map(|(r, row)| {
                let (dot, scale) = reference_bf16(query, row, daz);
                let s = search.scales[q] as f64;
                let b = search.bias.as_ref().map_or(0.0, |b| b[r] as f64);
                let key = s * dot + b;
                let tolerance = s.abs() * bf16_tolerance(scale, d) + 2f64.powi(-22) * ((s * dot).abs() + b.abs()) + 1e-30;
                (key, search.ids[r], tolerance)
            })
            .collect();
        expected.sort_by(|a, b| rank((a.0 as f32, a.1), (b.0 as f32, b.1)));
        for i in 0..found {
            let what = format!("{name} d={d} n={} queries={} k={k} query {q} rank {i}", search.count(), search.query_count());
            let (key, id, tolerance) = expected[i];
            let (got_key, got_id) = (scores[q * k + i], ids[q * k + i]);
            assert!((got_key as f64 - key).abs() <= tolerance, "{what}: key {got_key}, expected {key} ± {tolerance:e}");
            if got_id != id {
                let other = expected.iter().find(|e| e.1 == got_id);
                assert!(other.is_some_and(|o| (o.0 - key).abs() <= o.2 + tolerance), "{what}: id {got_id}, expected {id}");
            }
        }
        assert!(ids[q * k + found..(q + 1) * k].iter().all(|&id| id == -1), "slots past the count are untouched");
    }
}

#[test]
fn bf16_top_k_matches_the_reference_for_every_shape() {
    let mut rng = Rng(0x5EED_70B1);
    for dimension in DIMENSIONS {
        for count in COUNTS {
            for query_count in QUERY_COUNTS {
                for with_bias in [false, true] {
                    let search = Search {
                        queries: bf16_vector(&mut rng, dimension * query_count),
                        scales: scales(&mut rng, query_count),
                        rows: bf16_vector(&mut rng, dimension * count),
                        bias: with_bias.then(|| (0..count).map(|_| rng.unit()).collect()),
                        ids: ids(count),
                        dimension,
                    };
                    for (name, top_k, daz) in bf16_isas() {
                        for k in ks(count) {
                            check_bf16(name, top_k, daz, &search, k);
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn bf16_identical_rows_tie_exactly_and_go_to_the_smaller_id() {
    let (dimension, mut rng) = (41, Rng(44));
    let distinct: Vec<Vec<u16>> = (0..5).map(|_| bf16_vector(&mut rng, dimension)).collect();
    let mut shuffled: Vec<i64> = (0..20).collect();
    for i in (1..shuffled.len()).rev() {
        shuffled.swap(i, rng.below(i + 1));
    }
    let search = Search {
        queries: bf16_vector(&mut rng, 3 * dimension),
        scales: vec![1.0, 0.5, -2.0],
        rows: (0..20).flat_map(|r| distinct[r % 5].clone()).collect(),
        bias: None,
        ids: shuffled,
        dimension,
    };
    for (name, top_k, daz) in bf16_isas() {
        for k in [1, 3, 4, 6, 9, 20] {
            let (ids, scores) = search.run(top_k, k);
            for q in 0..3 {
                for i in 1..k {
                    let (a, b) = (scores[q * k + i - 1], scores[q * k + i]);
                    assert!(a > b || (a == b && ids[q * k + i - 1] < ids[q * k + i]), "{name} k={k} query {q}: {:?}", &ids[q * k..(q + 1) * k]);
                }
            }
            check_bf16(name, top_k, daz, &search, k);
        }
    }
}

#[test]
fn a_quantized_query_scores_the_same_bits_alone_and_in_any_batch() {
    let mut rng = Rng(8);
    for dimension in [5usize, 16, 33, 100, 384] {
        let count = 700;
        let query_count = 17;
        let i8_search = Search {
            queries: i8_vector(&mut rng, dimension * query_count, 0),
            scales: scales(&mut rng, query_count),
            rows: i8_vector(&mut rng, dimension * count, 0),
            bias: Some((0..count).map(|_| rng.unit() * 1000.0).collect()),
            ids: (0..count as i64).collect(),
            dimension,
        };
        let bf16_search = Search {
            queries: bf16_vector(&mut rng, dimension * query_count),
            scales: i8_search.scales.clone(),
            rows: bf16_vector(&mut rng, dimension * count),
            bias: i8_search.bias.clone(),
            ids: i8_search.ids.clone(),
            dimension,
        };
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        let k = 25;
        for (name, top_k) in i8_isas() {
            let (batch_ids, batch_scores) = i8_search.run(top_k, k);
            for q in 0..query_count {
                let alone = Search {
                    queries: i8_search.queries[q * dimension..(q + 1) * dimension].to_vec(),
                    scales: vec![i8_search.scales[q]],
                    rows: i8_search.rows.clone(),
                    bias: i8_search.bias.clone(),
                    ids: i8_search.ids.clone(),
                    dimension,
                };
                let (ids, scores) = alone.run(top_k, k);
                assert_eq!(&batch_ids[q * k..(q + 1) * k], &ids[..], "{name} d={dimension} query {q}");
                assert_eq!(bits(&batch_scores[q * k..(q + 1) * k]), bits(&scores), "{name} d={dimension} query {q}");
            }
        }
        for (name, top_k, _) in bf16_isas() {
            let (batch_ids, batch_scores) = bf16_search.run(top_k, k);
            for q in 0..query_count {
                let alone = Search {
                    queries: bf16_search.queries[q * dimension..(q + 1) * dimension].to_vec(),
                    scales: vec![bf16_search.scales[q]],
                    rows: bf16_search.rows.clone(),
                    bias: bf16_search.bias.clone(),
                    ids: bf16_search.ids.clone(),
                    dimension,
                };
                let (ids, scores) = alone.run(top_k, k);
                assert_eq!(&batch_ids[q * k..(q + 1) * k], &ids[..], "{name} d={dimension} query {q}");
                assert_eq!(bits(&batch_scores[q * k..(q + 1) * k]), bits(&scores), "{name} d={dimension} query {q}");
            }
        }
    }
}

#[test]
fn quantized_top_k_through_the_abi_at_unaligned_addresses() {
    // The exports, on the active instruction sets, with inputs at odd byte offsets: the same
    // results as the kernels on aligned copies, laid out as cortex_top_k_f32 lays them out.
    let active_i8: TopK<i8> = if dispatch::active_i8() == dispatch::Isa::Avx512 { avx512_vnni::top_k } else { avx2::int8::top_k };
    let active_bf16: TopK<u16> = if dispatch::active_bf16() == dispatch::Isa::Avx512 { avx512_bf16::top_k } else { avx2::bf16::top_k };
    let mut rng = Rng(0x5EED_70AB);
    for (dimension, count, query_count) in [(17usize, 33usize, 5usize), (384, 100, 16), (65, 9, 3)] {
        let i8_search = Search {
            queries: i8_vector(&mut rng, dimension * query_count, 0),
            scales: scales(&mut rng, query_count),
            rows: i8_vector(&mut rng, dimension * count, 1),
            bias: Some((0..count).map(|_| rng.unit() * 100.0).collect()),
            ids: ids(count),
            dimension,
        };
        let bf16_search = Search {
            queries: bf16_vector(&mut rng, dimension * query_count),
            scales: i8_search.scales.clone(),
            rows: bf16_vector(&mut rng, dimension * count),
            bias: None,
            ids: i8_search.ids.clone(),
            dimension,
        };
        let references: Vec<_> = (0..query_count).map(|q| i8_reference(&i8_search, q)).collect();
        for k in [7, count + 2] {
            let (queries, rows) = (Placed::new(&i8_search.queries, 3), Placed::new(&i8_search.rows, 61));
            let mut result_ids = vec![-1i64; query_count * k];
            let mut result_scores = vec![f32::NAN; query_count * k];
            let bias = i8_search.bias.as_ref().map_or(core::ptr::null(), |b| b.as_ptr());
            // SAFETY: sizes as the export requires.
            let status = unsafe {
                cortex_top_k_i8(
                    queries.ptr(),
                    query_count,
                    i8_search.scales.as_ptr(),
                    rows.ptr(),
                    bias,
                    i8_search.ids.as_ptr(),
                    dimension,
                    count,
                    k,
                    result_ids.as_mut_ptr(),
                    result_scores.as_mut_ptr(),
                )
            };
            assert_eq!(status, Status::Ok);
            check_i8("cortex_top_k_i8", active_i8, &i8_search, &references, k);
            let (want_ids, want_scores) = i8_search.run(active_i8, k);
            assert_eq!(result_ids, want_ids, "cortex_top_k_i8 d={dimension} k={k}");
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&result_scores), bits(&want_scores), "cortex_top_k_i8 d={dimension} k={k}");

            let (queries, rows) = (Placed::new(&bf16_search.queries, 5), Placed::new(&bf16_search.rows, 33));
            let mut result_ids = vec![-1i64; query_count * k];
            let mut result_scores = vec![f32::NAN; query_count * k];
            // SAFETY: sizes as the export requires.
            let status = unsafe {
                cortex_top_k_bf16(
                    queries.ptr(),
                    query_count,
                    bf16_search.scales.as_ptr(),
                    rows.ptr(),
                    core::ptr::null(),
                    bf16_search.ids.as_ptr(),
                    dimension,
                    count,
                    k,
                    result_ids.as_mut_ptr(),
                    result_scores.as_mut_ptr(),
                )
            };
            assert_eq!(status, Status::Ok);
            let (want_ids, want_scores) = bf16_search.run(active_bf16, k);
            assert_eq!(result_ids, want_ids, "cortex_top_k_bf16 d={dimension} k={k}");
            assert_eq!(bits(&result_scores), bits(&want_scores), "cortex_top_k_bf16 d={dimension} k={k}");
            for q in 0..query_count {
                assert!(result_ids[q * k + k.min(count)..(q + 1) * k].iter().all(|&id| id == -1), "padding untouched");
            }
        }
    }
}

#[test]
fn quantized_top_k_reads_nothing_past_its_inputs() {
    let mut rng = Rng(0x5EED_70AC);
    let (mut page_rows, mut page_queries) = (GuardedPage::new(), GuardedPage::new());
    for dimension in [1usize, 3, 17, 31, 65, 100] {
        let count = 2048 / (dimension * 2).max(1);
        // Rows and queries of both element types fit in a page.
        let query_count = 5;
        let rows = i8_vector(&mut rng, dimension * count, 0);
        let queries = i8_vector(&mut rng, dimension * query_count, 0);
        let (pr, pq) = (page_rows.tail_of(&rows), page_queries.tail_of(&queries));
        let scales = vec![1.0f32; query_count];
        let ids: Vec<i64> = (0..count as i64).collect();
        let k = 3;
        let (mut result_ids, mut result_scores) = (vec![0i64; query_count * k], vec![0f32; query_count * k]);
        for (_, top_k) in i8_isas() {
            let input = TopKInput { queries: pq, query_scales: scales.as_ptr(), rows: pr, row_bias: core::ptr::null(), ids: ids.as_ptr(), dimension, count };
            let mut heaps = Heaps { keys: result_scores.as_mut_ptr(), ids: result_ids.as_mut_ptr(), k, queries: query_count, filled: 0 };
            // SAFETY: the inputs end at the guard pages; the point is that nothing past them is read.
            unsafe { top_k(&input, &mut heaps) };
        }
        let rows = bf16_vector(&mut rng, dimension * count);
        let queries = bf16_vector(&mut rng, dimension * query_count);
        let (pr, pq) = (page_rows.tail_of(&rows), page_queries.tail_of(&queries));
        for (_, top_k, _) in bf16_isas() {
            let input = TopKInput { queries: pq, query_scales: scales.as_ptr(), rows: pr, row_bias: core::ptr::null(), ids: ids.as_ptr(), dimension, count };
            let mut heaps = Heaps { keys: result_scores.as_mut_ptr(), ids: result_ids.as_mut_ptr(), k, queries: query_count, filled: 0 };
            // SAFETY: as above.
            unsafe { top_k(&input, &mut heaps) };
        }
    }
}
