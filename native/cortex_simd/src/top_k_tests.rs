//! The fused top-k on every instruction set against a brute-force f64 reference: same ids, in the
//! same order (ties by smaller id), scores within 1e-5 relative to the score's scale.

use crate::tests::Rng;
use crate::top_k::{Heaps, Metric};
use crate::*;

type TopK = unsafe fn(Metric, *const f32, *const f32, *const i64, usize, usize, &mut Heaps);

fn isas() -> Vec<(&'static str, TopK)> {
    let mut all: Vec<(&'static str, TopK)> = vec![("avx2", avx2::top_k)];
    if dispatch::has_avx512() {
        all.push(("avx512", avx512::top_k));
    }
    all
}

/// The reference: every row scored in f64, sorted best first with ties by id. The f64 scores of
/// rows whose f32 scores tie may differ, so ties are decided on the f32-rounded reference; the
/// check then allows a swap between rows whose reference scores are within the tolerance.
fn reference(metric: Metric, query: &[f32], rows: &[f32], ids: &[i64], dimension: usize, k: usize) -> Vec<(i64, f64, f64)> {
    let mut all: Vec<(i64, f64, f64)> = rows
        .chunks_exact(dimension)
        .zip(ids)
        .map(|(row, &id)| {
            let (score, scale) = match metric {
                Metric::Dot => (
                    row.iter().zip(query).map(|(&a, &b)| a as f64 * b as f64).sum::<f64>(),
                    row.iter().zip(query).map(|(&a, &b)| (a as f64 * b as f64).abs()).sum::<f64>(),
                ),
                Metric::SquaredEuclidean => {
                    let d = row.iter().zip(query).map(|(&a, &b)| (a as f64 - b as f64).powi(2)).sum::<f64>();
                    (d, d)
                }
            };
            (id, score, scale)
        })
        .collect();
    all.sort_by(|a, b| {
        let (ka, kb) = match metric {
            Metric::Dot => (a.1, b.1),
            Metric::SquaredEuclidean => (-a.1, -b.1),
        };
        kb.partial_cmp(&ka).unwrap().then(a.0.cmp(&b.0))
    });
    all.truncate(k);
    all
}

fn run(top_k: TopK, metric: Metric, queries: &[f32], rows: &[f32], ids: &[i64], dimension: usize, k: usize) -> (Vec<i64>, Vec<f32>) {
    let query_count = queries.len() / dimension;
    let mut result_ids = vec![-1i64; query_count * k];
    let mut result_scores = vec![f32::NAN; query_count * k];
    let mut heaps = Heaps { keys: result_scores.as_mut_ptr(), ids: result_ids.as_mut_ptr(), k, queries: query_count, filled: 0 };
    // SAFETY: sizes as the kernel requires.
    unsafe {
        top_k(metric, queries.as_ptr(), rows.as_ptr(), ids.as_ptr(), dimension, ids.len(), &mut heaps);
        heaps.finish(metric);
    }
    (result_ids, result_scores)
}

fn check(name: &str, top_k: TopK, metric: Metric, queries: &[f32], rows: &[f32], ids: &[i64], dimension: usize, k: usize) {
    let (got_ids, got_scores) = run(top_k, metric, queries, rows, ids, dimension, k);
    let found = k.min(ids.len());
    for (q, query) in queries.chunks_exact(dimension).enumerate() {
        let expected = reference(metric, query, rows, ids, dimension, k);
        assert_eq!(expected.len(), found);
        for (i, &(id, score, scale)) in expected.iter().enumerate() {
            let what = format!("{name} {} d={dimension} n={} k={k} query {q} rank {i}", if metric == Metric::Dot { "dot" } else { "l2" }, ids.len());
            let got_score = got_scores[q * k + i];
            let tolerance = 1e-5 * scale.max(1e-30);
            assert!((got_score as f64 - score).abs() <= tolerance, "{what}: score {got_score}, expected {score}");
            let got_id = got_ids[q * k + i];
            if got_id != id {
                // Only rows tied within the tolerance may trade places.
                let other = expected.iter().find(|e| e.0 == got_id);
                let tied = other.is_some_and(|o| (o.1 - score).abs() <= 2.0 * tolerance);
                assert!(tied, "{what}: id {got_id}, expected {id}");
            }
        }
        assert!(got_ids[q * k + found..(q + 1) * k].iter().all(|&id| id == -1), "slots past the count are untouched");
    }
}

#[test]
fn top_k_matches_brute_force_for_every_shape() {
    let mut rng = Rng(0x5EED_70B_C0DE);
    for (name, top_k) in isas() {
        for &dimension in &[1usize, 3, 7, 8, 15, 16, 17, 33, 64, 100, 384] {
            for &count in &[1usize, 2, 3, 5, 9, 31, 200] {
                for &query_count in &[1usize, 2, 3, 4, 5, 8, 13, 16, 17] {
                    let rows: Vec<f32> = (0..dimension * count).map(|_| rng.unit()).collect();
                    let queries: Vec<f32> = (0..dimension * query_count).map(|_| rng.unit()).collect();
                    // Ids out of order, as after removals.
                    let ids: Vec<i64> = (0..count as i64).map(|i| (i * 7919) % 100_003 - 50_000).collect();
                    for &k in &[1usize, 2, 5, 10, count, count + 3] {
                        for metric in [Metric::Dot, Metric::SquaredEuclidean] {
                            check(name, top_k, metric, &queries, &rows, &ids, dimension, k);
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn ties_go_to_the_smaller_id_whatever_the_row_order() {
    // Five distinct rows, each stored four times under shuffled ids: every score ties four ways.
    let dimension = 24;
    let mut rng = Rng(42);
    let distinct: Vec<Vec<f32>> = (0..5).map(|_| (0..dimension).map(|_| rng.unit()).collect()).collect();
    let mut ids: Vec<i64> = (0..20).collect();
    for i in (1..ids.len()).rev() {
        ids.swap(i, rng.below(i + 1));
    }
    let rows: Vec<f32> = (0..20).flat_map(|r| distinct[r % 5].clone()).collect();
    let queries: Vec<f32> = (0..3 * dimension).map(|_| rng.unit()).collect();
    for (name, top_k) in isas() {
        for metric in [Metric::Dot, Metric::SquaredEuclidean] {
            for k in [1, 3, 4, 6, 9, 20] {
                let (got_ids, got_scores) = run(top_k, metric, &queries, &rows, &ids, dimension, k);
                for q in 0..3 {
                    let got = &got_ids[q * k..(q + 1) * k];
                    // Identical rows give bit-identical scores; within a run of equal scores ids rise.
                    for i in 1..k {
                        let (a, b) = (got_scores[q * k + i - 1], got_scores[q * k + i]);
                        let better = if metric == Metric::Dot { a > b } else { a < b };
                        assert!(better || (a == b && got[i - 1] < got[i]), "{name} k={k} query {q}: {got:?} / {:?}", &got_scores[q * k..(q + 1) * k]);
                    }
                }
                check(name, top_k, metric, &queries, &rows, &ids, dimension, k);
            }
        }
    }
}

#[test]
fn top_k_abi_rejects_bad_arguments() {
    let queries = [1.0f32, 0.0];
    let rows = [1.0f32, 0.0, 0.0, 1.0, -1.0, 0.0];
    let ids = [10i64, 11, 12];
    let mut out_ids = [0i64; 4];
    let mut out_scores = [0f32; 4];
    let (q, r, i) = (queries.as_ptr(), rows.as_ptr(), ids.as_ptr());
    let (oi, os) = (out_ids.as_mut_ptr(), out_scores.as_mut_ptr());
    let null_f = core::ptr::null::<f32>();
    // SAFETY: valid pointers for the sizes passed, or null where that is the point.
    unsafe {
        assert_eq!(cortex_top_k_f32(2, q, 1, r, i, 2, 3, 2, oi, os), Status::InvalidArgument, "unknown metric");
        assert_eq!(cortex_top_k_f32(CORTEX_METRIC_DOT, q, 1, r, i, 2, 3, 0, oi, os), Status::InvalidArgument, "k = 0");
        assert_eq!(cortex_top_k_f32(CORTEX_METRIC_DOT, null_f, 0, null_f, core::ptr::null(), 2, 0, 2, core::ptr::null_mut(), core::ptr::null_mut()), Status::Ok);
        assert_eq!(cortex_top_k_f32(CORTEX_METRIC_DOT, q, 1, r, i, 0, 3, 2, oi, os), Status::InvalidDimension);
        assert_eq!(cortex_top_k_f32(CORTEX_METRIC_DOT, null_f, 1, r, i, 2, 3, 2, oi, os), Status::NullPointer);
        assert_eq!(cortex_top_k_f32(CORTEX_METRIC_DOT, q, 1, r, core::ptr::null(), 2, 3, 2, oi, os), Status::NullPointer);
        assert_eq!(cortex_top_k_f32(CORTEX_METRIC_DOT, q, 1, r, i, 2, 3, 2, core::ptr::null_mut(), os), Status::NullPointer);
        assert_eq!(cortex_top_k_f32(CORTEX_METRIC_DOT, q, 1, r, i, 1 << 40, 1 << 40, 2, oi, os), Status::LengthOverflow);
        assert_eq!(cortex_top_k_f32(CORTEX_METRIC_DOT, q, 1, r, i, 2, 3, usize::MAX, oi, os), Status::LengthOverflow);
        assert_eq!(cortex_top_k_f32(CORTEX_METRIC_DOT, q, 1, r, i, 2, 3, 2, oi, oi.cast()), Status::Overlap, "scores over ids");
        let mut shared = rows;
        let p = shared.as_mut_ptr();
        assert_eq!(cortex_top_k_f32(CORTEX_METRIC_DOT, q, 1, p, i, 2, 3, 1, oi, p), Status::Overlap, "scores over rows");
        assert_eq!(cortex_top_k_f32(CORTEX_METRIC_DOT, q, 1, r, i, 2, 3, 2, oi, os), Status::Ok);
    }
    assert_eq!(&out_ids[..2], &[10, 11]);
    assert_eq!(&out_scores[..2], &[1.0, 0.0]);
    // SAFETY: as above.
    unsafe {
        assert_eq!(cortex_top_k_f32(CORTEX_METRIC_SQUARED_EUCLIDEAN, q, 1, r, i, 2, 3, 4, oi, os), Status::Ok);
    }
    assert_eq!(&out_ids[..3], &[10, 11, 12]);
    assert_eq!(&out_scores[..3], &[0.0, 2.0, 4.0]);
}

#[test]
fn a_query_scores_the_same_bits_alone_and_in_any_batch() {
    // Batches tile queries 4 (or 1) at a time and rows 2, 4, 8 or 1 at a time; every tile sums a
    // pair in the same order, so SearchBatch and Search agree exactly.
    let mut rng = Rng(7);
    for (name, top_k) in isas() {
        for &dimension in &[5usize, 16, 33, 384] {
            let count = 700;
            let rows: Vec<f32> = (0..dimension * count).map(|_| rng.unit()).collect();
            let ids: Vec<i64> = (0..count as i64).collect();
            let queries: Vec<f32> = (0..dimension * 17).map(|_| rng.unit()).collect();
            for metric in [Metric::Dot, Metric::SquaredEuclidean] {
                let k = 25;
                let (batch_ids, batch_scores) = run(top_k, metric, &queries, &rows, &ids, dimension, k);
                for (q, query) in queries.chunks_exact(dimension).enumerate() {
                    let (alone_ids, alone_scores) = run(top_k, metric, query, &rows, &ids, dimension, k);
                    assert_eq!(&batch_ids[q * k..(q + 1) * k], &alone_ids[..], "{name} d={dimension} query {q}");
                    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&batch_scores[q * k..(q + 1) * k]), bits(&alone_scores), "{name} d={dimension} query {q}");
                }
            }
        }
    }
}

#[test]
fn a_score_that_overflows_to_nan_ranks_last_whatever_the_row_order() {
    // (3e38, 3e38) · (3e38, -3e38) is +inf + -inf = NaN in f32; (1, 0) scores 3e38.
    let query = [3e38f32, -3e38];
    for (name, top_k) in isas() {
        for (rows, ids) in [([3e38f32, 3e38, 1.0, 0.0], [1i64, 2]), ([1.0f32, 0.0, 3e38, 3e38], [2i64, 1])] {
            let (got_ids, got_scores) = run(top_k, Metric::Dot, &query, &rows, &ids, 2, 2);
            assert_eq!(got_ids, vec![2, 1], "{name}");
            assert_eq!(got_scores[0], 3e38, "{name}");
            assert!(got_scores[1].is_nan(), "{name}");
        }
    }
}
