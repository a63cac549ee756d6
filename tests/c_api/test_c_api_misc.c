/*
 * The rest of the C API against references computed here: selectors and
 * filtered search, range search, removal, reconstruction, the standalone
 * codec, IVF internals and merging, k-means, vector transforms, parameter
 * setting by name, distance kernels and field accessors.
 *
 * Usage: test_c_api_misc SCRATCH_DIR
 */

#include <faisslike/c_api/AutoTune_c.h>
#include <faisslike/c_api/Clustering_c.h>
#include <faisslike/c_api/IndexFlat_c.h>
#include <faisslike/c_api/IndexHNSW_c.h>
#include <faisslike/c_api/IndexIVFFlat_c.h>
#include <faisslike/c_api/IndexIVFPQ_c.h>
#include <faisslike/c_api/IndexIVF_c.h>
#include <faisslike/c_api/IndexPQ_c.h>
#include <faisslike/c_api/IndexPreTransform_c.h>
#include <faisslike/c_api/IndexScalarQuantizer_c.h>
#include <faisslike/c_api/Index_c.h>
#include <faisslike/c_api/MetaIndexes_c.h>
#include <faisslike/c_api/VectorTransform_c.h>
#include <faisslike/c_api/clone_index_c.h>
#include <faisslike/c_api/error_c.h>
#include <faisslike/c_api/impl/AuxIndexStructures_c.h>
#include <faisslike/c_api/index_factory_c.h>
#include <faisslike/c_api/index_io_c.h>
#include <faisslike/c_api/utils/distances_c.h>
#include <faisslike/c_api/utils/utils_c.h>

#include "c_test_util.h"

#define D 16
#define NB 1000
#define NQ 20
#define K 8

static float xb[NB * D], xq[NQ * D];

static FaissIndex* make(const char* description, FaissMetricType metric) {
    FaissIndex* index = NULL;
    CHECK_OK(faiss_index_factory(&index, D, description, metric));
    return index;
}

static FaissIndex* filled(const char* description) {
    FaissIndex* index = make(description, METRIC_L2);
    if (!faiss_Index_is_trained(index)) {
        CHECK_OK(faiss_Index_train(index, NB, xb));
    }
    CHECK_OK(faiss_Index_add(index, NB, xb));
    return index;
}

static void selectors(void) {
    FaissIDSelectorRange* range = NULL;
    FaissIDSelectorBatch* batch = NULL;
    FaissIDSelectorBitmap* bitmap = NULL;
    FaissIDSelectorNot* not_range = NULL;
    FaissIDSelectorAnd* both = NULL;
    FaissIDSelectorOr* either = NULL;
    FaissIDSelectorXOr* one = NULL;
    idx_t batch_ids[3] = {3, 7, 11};
    uint8_t bits[2] = {0x81, 0x02}; /* ids 0, 7 and 9 */
    idx_t id;

    CHECK_OK(faiss_IDSelectorRange_new(&range, 5, 10));
    CHECK(faiss_IDSelectorRange_imin(range) == 5 && faiss_IDSelectorRange_imax(range) == 10);
    CHECK_OK(faiss_IDSelectorBatch_new(&batch, 3, batch_ids));
    CHECK(faiss_IDSelectorBatch_nbits(batch) > 0);
    CHECK_OK(faiss_IDSelectorBitmap_new(&bitmap, 2, bits));
    CHECK(faiss_IDSelectorBitmap_n(bitmap) == 2 && faiss_IDSelectorBitmap_bitmap(bitmap) == bits);
    CHECK_OK(faiss_IDSelectorNot_new(&not_range, (FaissIDSelector*)range));
    CHECK_OK(faiss_IDSelectorAnd_new(&both, (FaissIDSelector*)range, (FaissIDSelector*)batch));
    CHECK_OK(faiss_IDSelectorOr_new(&either, (FaissIDSelector*)range, (FaissIDSelector*)bitmap));
    CHECK_OK(faiss_IDSelectorXOr_new(&one, (FaissIDSelector*)range, (FaissIDSelector*)bitmap));

    for (id = -2; id < 20; id++) {
        int in_range = id >= 5 && id < 10;
        int in_batch = id == 3 || id == 7 || id == 11;
        int in_bitmap = id == 0 || id == 7 || id == 9;
        CHECK(faiss_IDSelector_is_member((FaissIDSelector*)range, id) == in_range);
        CHECK(faiss_IDSelector_is_member((FaissIDSelector*)batch, id) == in_batch);
        CHECK(faiss_IDSelector_is_member((FaissIDSelector*)bitmap, id) == in_bitmap);
        CHECK(faiss_IDSelector_is_member((FaissIDSelector*)not_range, id) == !in_range);
        CHECK(faiss_IDSelector_is_member((FaissIDSelector*)both, id) == (in_range && in_batch));
        CHECK(faiss_IDSelector_is_member((FaissIDSelector*)either, id) == (in_range || in_bitmap));
        CHECK(faiss_IDSelector_is_member((FaissIDSelector*)one, id) == (in_range != in_bitmap));
    }
    CHECK(faiss_IDSelector_is_member(NULL, 1) == 0);

    faiss_IDSelector_free((FaissIDSelector*)one);
    faiss_IDSelector_free((FaissIDSelector*)either);
    faiss_IDSelector_free((FaissIDSelector*)both);
    faiss_IDSelector_free((FaissIDSelector*)not_range);
    faiss_IDSelectorBitmap_free(bitmap);
    faiss_IDSelector_free((FaissIDSelector*)batch);
    faiss_IDSelectorRange_free(range);
}

/* Brute force over the rows in [lo, hi) only. */
static void filtered_truth(idx_t lo, idx_t hi, float* dis, idx_t* lab) {
    size_t q;
    int j;
    brute_force_knn(METRIC_L2, D, xb + lo * D, (size_t)(hi - lo), xq, NQ, K, dis, lab);
    for (q = 0; q < NQ; q++) {
        for (j = 0; j < K; j++) {
            lab[q * K + j] += lo;
        }
    }
}

static void check_exact(const char* what, const float* dis, const idx_t* lab, const float* tdis,
                        const idx_t* tlab) {
    int i;
    for (i = 0; i < NQ * K; i++) {
        CHECK(lab[i] >= 0);
        if (!close_enough(dis[i], tdis[i]) ||
            !close_enough(dis[i], l2sqr(xq + (i / K) * D, xb + lab[i] * D, D))) {
            fprintf(stderr, "%s: result %d: label %lld distance %g, expected label %lld %g\n", what,
                    i, (long long)lab[i], dis[i], (long long)tlab[i], tdis[i]);
            exit(1);
        }
    }
}

static void filtered_search(void) {
    FaissIndex* flat = filled("Flat");
    FaissIndex* ivf = filled("IVF8,Flat");
    FaissIndex* hnsw = filled("HNSW16");
    FaissIDSelectorRange* range = NULL;
    FaissSearchParameters* params = NULL;
    FaissSearchParametersIVF* ivf_params = NULL;
    FaissSearchParametersHNSW* hnsw_params = NULL;
    float dis[NQ * K], tdis[NQ * K];
    idx_t lab[NQ * K], tlab[NQ * K];
    int i;

    filtered_truth(200, 400, tdis, tlab);
    CHECK_OK(faiss_IDSelectorRange_new(&range, 200, 400));

    CHECK_OK(faiss_SearchParameters_new(&params, (FaissIDSelector*)range));
    CHECK_OK(faiss_Index_search_with_params(flat, NQ, xq, K, params, dis, lab));
    check_exact("flat, selector", dis, lab, tdis, tlab);
    CHECK(faiss_SearchParametersIVF_cast(params) == NULL);

    /* nprobe = nlist through the parameters; the index's own nprobe stays 1. */
    CHECK_OK(faiss_SearchParametersIVF_new_with(&ivf_params, (FaissIDSelector*)range, 8, 0));
    CHECK(faiss_SearchParametersIVF_cast(ivf_params) == ivf_params);
    CHECK(faiss_SearchParametersIVF_nprobe(ivf_params) == 8);
    CHECK(faiss_SearchParametersIVF_max_codes(ivf_params) == 0);
    CHECK(faiss_SearchParametersIVF_sel(ivf_params) == (FaissIDSelector*)range);
    CHECK_OK(faiss_Index_search_with_params(ivf, NQ, xq, K, ivf_params, dis, lab));
    check_exact("ivf, selector and nprobe", dis, lab, tdis, tlab);
    CHECK(faiss_IndexIVF_nprobe(ivf) == 1);
    faiss_SearchParametersIVF_set_nprobe(ivf_params, 2);
    CHECK(faiss_SearchParametersIVF_nprobe(ivf_params) == 2);

    CHECK_OK(faiss_SearchParametersHNSW_new_with(&hnsw_params, (FaissIDSelector*)range, 128));
    CHECK(faiss_SearchParametersHNSW_efSearch(hnsw_params) == 128);
    CHECK(faiss_SearchParametersHNSW_check_relative_distance(hnsw_params) == 1);
    faiss_SearchParametersHNSW_set_bounded_queue(hnsw_params, 1);
    CHECK(faiss_SearchParametersHNSW_bounded_queue(hnsw_params) == 1);
    CHECK(faiss_SearchParametersHNSW_sel(hnsw_params) == (FaissIDSelector*)range);
    CHECK(faiss_SearchParametersHNSW_cast(hnsw_params) == hnsw_params);
    CHECK(faiss_SearchParametersHNSW_upper_beam(hnsw_params) == 0);
    CHECK_OK(faiss_Index_search_with_params(hnsw, NQ, xq, K, hnsw_params, dis, lab));
    for (i = 0; i < NQ * K; i++) {
        CHECK(lab[i] >= 200 && lab[i] < 400);
    }
    CHECK(recall_at_k(tlab, lab, NQ, K) >= 0.9);
    /* A beam on level 1 finds at least as much here; a negative one is refused. */
    faiss_SearchParametersHNSW_set_upper_beam(hnsw_params, 4);
    CHECK(faiss_SearchParametersHNSW_upper_beam(hnsw_params) == 4);
    CHECK_OK(faiss_Index_search_with_params(hnsw, NQ, xq, K, hnsw_params, dis, lab));
    CHECK(recall_at_k(tlab, lab, NQ, K) >= 0.9);
    faiss_SearchParametersHNSW_set_upper_beam(hnsw_params, -1);
    CHECK(faiss_Index_search_with_params(hnsw, NQ, xq, K, hnsw_params, dis, lab) != 0);

    faiss_SearchParametersHNSW_free(hnsw_params);
    faiss_SearchParametersIVF_free(ivf_params);
    faiss_SearchParameters_free(params);
    faiss_IDSelectorRange_free(range);
    faiss_Index_free(flat);
    faiss_Index_free(ivf);
    faiss_Index_free(hnsw);
}

static int cmp_idx(const void* a, const void* b) {
    idx_t x = *(const idx_t*)a, y = *(const idx_t*)b;
    return x < y ? -1 : x > y;
}

static void range_search(void) {
    FaissIndex* flat = filled("Flat");
    FaissRangeSearchResult* result = NULL;
    size_t* lims;
    idx_t* labels;
    float* distances;
    const float radius = 0.9f;
    size_t q, i;
    idx_t expected[NB];

    CHECK_OK(faiss_RangeSearchResult_new(&result, NQ));
    CHECK(faiss_RangeSearchResult_nq(result) == NQ);
    CHECK_OK(faiss_Index_range_search(flat, NQ, xq, radius, result));
    faiss_RangeSearchResult_lims(result, &lims);
    faiss_RangeSearchResult_labels(result, &labels, &distances);
    CHECK(lims[NQ] > 0);
    for (q = 0; q < NQ; q++) {
        size_t n = 0, count = lims[q + 1] - lims[q];
        for (i = 0; i < NB; i++) {
            if (l2sqr(xq + q * D, xb + i * D, D) < radius) {
                expected[n++] = (idx_t)i;
            }
        }
        CHECK(count == n);
        for (i = lims[q]; i < lims[q + 1]; i++) {
            CHECK(close_enough(distances[i], l2sqr(xq + q * D, xb + labels[i] * D, D)));
        }
        qsort(labels + lims[q], count, sizeof(idx_t), cmp_idx);
        CHECK(memcmp(labels + lims[q], expected, count * sizeof(idx_t)) == 0);
    }
    faiss_RangeSearchResult_free(result);

    /* A result filled by hand: counts, then offsets. */
    CHECK_OK(faiss_RangeSearchResult_new_with(&result, 2, 1));
    faiss_RangeSearchResult_lims(result, &lims);
    lims[0] = 3;
    lims[1] = 2;
    CHECK_OK(faiss_RangeSearchResult_do_allocation(result));
    CHECK(lims[0] == 0 && lims[1] == 3 && lims[2] == 5);
    faiss_RangeSearchResult_free(result);
    faiss_Index_free(flat);
}

static void removal_and_reconstruction(void) {
    FaissIndex* flat = filled("Flat");
    FaissIndexIDMap2* idmap = NULL;
    FaissIndexFlatL2* sub = NULL;
    FaissIDSelectorRange* range = NULL;
    FaissIDSelectorBatch* batch = NULL;
    idx_t ids[NB], *id_map = NULL, assigned[NQ * K], lab[NQ * K], gone[2] = {1100, 1200};
    float recons[3 * D], residual[D], dis[NQ * K], *xb_view = NULL;
    size_t removed = 0, size = 0;
    int i;

    CHECK_OK(faiss_Index_reconstruct(flat, 5, recons));
    CHECK(memcmp(recons, xb + 5 * D, D * sizeof(float)) == 0);
    CHECK_OK(faiss_Index_reconstruct_n(flat, 10, 3, recons));
    CHECK(memcmp(recons, xb + 10 * D, 3 * D * sizeof(float)) == 0);
    CHECK_OK(faiss_Index_compute_residual(flat, xq, residual, 7));
    for (i = 0; i < D; i++) {
        CHECK(residual[i] == xq[i] - xb[7 * D + i]);
    }
    faiss_IndexFlat_xb(flat, &xb_view, &size);
    CHECK(size == (size_t)NB * D && memcmp(xb_view, xb, sizeof(xb)) == 0);

    CHECK_OK(faiss_Index_search(flat, NQ, xq, K, dis, lab));
    CHECK_OK(faiss_Index_assign(flat, NQ, xq, assigned, K));
    CHECK(memcmp(assigned, lab, sizeof(lab)) == 0);
    /* compute_distance_subset recomputes exactly what search returned. */
    CHECK_OK(faiss_IndexFlat_compute_distance_subset(flat, NQ, xq, K, dis, lab));
    for (i = 0; i < NQ * K; i++) {
        CHECK(close_enough(dis[i], l2sqr(xq + (i / K) * D, xb + lab[i] * D, D)));
    }

    CHECK_OK(faiss_IDSelectorRange_new(&range, 0, 100));
    CHECK_OK(faiss_Index_remove_ids(flat, (FaissIDSelector*)range, &removed));
    CHECK(removed == 100 && faiss_Index_ntotal(flat) == NB - 100);
    /* Flat ids shift down: the old row 100 is now id 0. */
    CHECK_OK(faiss_Index_reconstruct(flat, 0, recons));
    CHECK(memcmp(recons, xb + 100 * D, D * sizeof(float)) == 0);
    CHECK_OK(faiss_Index_reset(flat));
    CHECK(faiss_Index_ntotal(flat) == 0);

    /* IDMap2: reconstruct and remove by id. */
    CHECK_OK(faiss_IndexFlatL2_new_with(&sub, D));
    CHECK_OK(faiss_IndexIDMap2_new(&idmap, sub));
    faiss_IndexIDMap2_set_own_fields(idmap, 1);
    CHECK(faiss_IndexIDMap2_own_fields(idmap) == 1);
    CHECK(faiss_IndexIDMap2_sub_index(idmap) == sub);
    CHECK(faiss_IndexIDMap_cast(idmap) == idmap && faiss_IndexIDMap2_cast(idmap) == idmap);
    for (i = 0; i < NB; i++) {
        ids[i] = 1000 + i;
    }
    CHECK_OK(faiss_Index_add_with_ids(idmap, NB, xb, ids));
    faiss_IndexIDMap2_id_map(idmap, &id_map, &size);
    CHECK(size == NB && id_map[17] == 1017);
    CHECK_OK(faiss_Index_reconstruct(idmap, 1017, recons));
    CHECK(memcmp(recons, xb + 17 * D, D * sizeof(float)) == 0);
    CHECK_OK(faiss_IDSelectorBatch_new(&batch, 2, gone));
    CHECK_OK(faiss_Index_remove_ids(idmap, (FaissIDSelector*)batch, &removed));
    CHECK(removed == 2 && faiss_Index_ntotal(idmap) == NB - 2);
    CHECK(faiss_Index_reconstruct(idmap, 1100, recons) != 0);
    CHECK_OK(faiss_IndexIDMap2_construct_rev_map(idmap));
    CHECK_OK(faiss_Index_reconstruct(idmap, 1999, recons));
    CHECK(memcmp(recons, xb + 999 * D, D * sizeof(float)) == 0);

    faiss_IDSelector_free((FaissIDSelector*)batch);
    faiss_IDSelectorRange_free(range);
    faiss_Index_free(idmap);
    faiss_Index_free(flat);
}

static void standalone_codec(void) {
    FaissIndex* flat = filled("Flat");
    FaissIndexScalarQuantizer* sq = NULL;
    FaissScalarQuantizer* codec;
    size_t code_size = 0;
    uint8_t codes[4 * D * sizeof(float)];
    float decoded[4 * D], trained[2 * D];
    int i;

    CHECK_OK(faiss_Index_sa_code_size(flat, &code_size));
    CHECK(code_size == D * sizeof(float));
    CHECK_OK(faiss_Index_sa_encode(flat, 4, xb, codes));
    CHECK_OK(faiss_Index_sa_decode(flat, 4, codes, decoded));
    CHECK(memcmp(decoded, xb, sizeof(decoded)) == 0);

    CHECK_OK(faiss_IndexScalarQuantizer_new_with(&sq, D, QT_8bit, METRIC_L2));
    codec = faiss_IndexScalarQuantizer_sq(sq);
    CHECK(faiss_ScalarQuantizer_qtype(codec) == QT_8bit);
    CHECK(faiss_ScalarQuantizer_bits(codec) == 8 && faiss_ScalarQuantizer_d(codec) == D);
    CHECK(faiss_ScalarQuantizer_rangestat(codec) == RS_minmax);
    faiss_ScalarQuantizer_set_rangestat_arg(codec, 0.0f);
    CHECK(faiss_ScalarQuantizer_rangestat_arg(codec) == 0.0f);
    CHECK_OK(faiss_Index_train(sq, NB, xb));
    /* QT_8bit keeps vmin[d] then vdiff[d]. */
    CHECK(faiss_ScalarQuantizer_trained_size(codec) == 2 * D);
    faiss_ScalarQuantizer_trained(codec, trained);
    CHECK_OK(faiss_Index_sa_code_size(sq, &code_size));
    CHECK(code_size == D);
    CHECK_OK(faiss_Index_sa_encode(sq, 4, xb, codes));
    CHECK_OK(faiss_Index_sa_decode(sq, 4, codes, decoded));
    for (i = 0; i < 4 * D; i++) {
        /* Within one quantization step of the trained range. */
        CHECK(fabsf(decoded[i] - xb[i]) <= trained[D + i % D] / 255.0f + 1e-5f);
    }
    CHECK(faiss_IndexScalarQuantizer_cast(sq) == sq && faiss_IndexScalarQuantizer_sq(flat) == NULL);
    faiss_IndexScalarQuantizer_free(sq);
    faiss_Index_free(flat);
}

static void ivf_internals(void) {
    FaissIndex* base = make("IVF8,Flat", METRIC_L2);
    FaissIndex *a, *b, *all, *quantizer;
    FaissIndexIVFScalarQuantizer* ivfsq = NULL;
    float dis[NQ * K], dis2[NQ * K], cdis[NQ * 8];
    idx_t lab[NQ * K], lab2[NQ * K], assign[NQ * 8], list_nos[NB];
    idx_t ids_seen[NB];
    size_t total = 0, l;
    int i;

    CHECK_OK(faiss_Index_train(base, NB, xb));
    CHECK(faiss_IndexIVF_nlist(base) == 8);
    CHECK(faiss_IndexIVF_quantizer_trains_alone(base) == 0);
    CHECK(faiss_IndexIVF_own_fields(base) == 1);
    CHECK_OK(faiss_clone_index(base, &a));
    CHECK_OK(faiss_clone_index(base, &b));
    CHECK_OK(faiss_clone_index(base, &all));

    /* Halves added to a and b, merged, answer as the whole. */
    CHECK_OK(faiss_Index_add(all, NB, xb));
    CHECK_OK(faiss_Index_add(a, NB / 2, xb));
    CHECK_OK(faiss_Index_add(b, NB / 2, xb + (NB / 2) * D));
    CHECK_OK(faiss_IndexIVF_merge_from(a, b, NB / 2));
    CHECK(faiss_Index_ntotal(a) == NB && faiss_Index_ntotal(b) == 0);
    faiss_IndexIVF_set_nprobe(a, 3);
    faiss_IndexIVF_set_nprobe(all, 3);
    CHECK_OK(faiss_Index_search(a, NQ, xq, K, dis, lab));
    CHECK_OK(faiss_Index_search(all, NQ, xq, K, dis2, lab2));
    for (i = 0; i < NQ * K; i++) {
        CHECK(close_enough(dis[i], dis2[i]));
    }

    /* List sizes and ids cover every vector once. */
    for (l = 0; l < 8; l++) {
        size_t n = faiss_IndexIVF_get_list_size(all, l);
        faiss_IndexIVF_invlists_get_ids(all, l, ids_seen + total);
        total += n;
    }
    CHECK(total == NB);
    qsort(ids_seen, NB, sizeof(idx_t), cmp_idx);
    for (i = 0; i < NB; i++) {
        CHECK(ids_seen[i] == i);
    }
    CHECK(faiss_IndexIVF_imbalance_factor(all) >= 1.0);
    faiss_IndexIVF_print_stats(all);

    /* search_preassigned with the quantizer's own assignment = search. */
    quantizer = faiss_IndexIVF_quantizer(all);
    CHECK(quantizer && faiss_Index_ntotal(quantizer) == 8);
    CHECK_OK(faiss_Index_search(quantizer, NQ, xq, 3, cdis, assign));
    CHECK_OK(faiss_IndexIVF_search_preassigned(all, NQ, xq, K, assign, cdis, dis, lab, 0));
    for (i = 0; i < NQ * K; i++) {
        CHECK(close_enough(dis[i], dis2[i]));
    }

    /* add_core with the lists given = add. */
    CHECK_OK(faiss_Index_assign(quantizer, NB, xb, list_nos, 1));
    CHECK_OK(faiss_Index_reset(b));
    CHECK_OK(faiss_IndexIVFFlat_add_core(b, NB, xb, NULL, list_nos));
    faiss_IndexIVF_set_nprobe(b, 3);
    CHECK_OK(faiss_Index_search(b, NQ, xq, K, dis, lab));
    for (i = 0; i < NQ * K; i++) {
        CHECK(close_enough(dis[i], dis2[i]));
    }
    CHECK_OK(faiss_IndexIVF_train_encoder(b, NB, xb, list_nos));

    /* The IVF scalar quantizer shares the IVF accessors and add_core. */
    CHECK_OK(faiss_IndexIVFScalarQuantizer_new_with(&ivfsq, quantizer, D, 8, QT_8bit));
    CHECK(faiss_IndexIVFScalarQuantizer_quantizer(ivfsq) == quantizer);
    CHECK(faiss_IndexIVFScalarQuantizer_own_fields(ivfsq) == 0);
    CHECK(faiss_IndexIVFScalarQuantizer_nlist(ivfsq) == 8);
    CHECK_OK(faiss_Index_train(ivfsq, NB, xb));
    CHECK(faiss_ScalarQuantizer_trained_size(faiss_IndexIVFScalarQuantizer_sq(ivfsq)) == 2 * D);
    CHECK_OK(faiss_IndexIVFScalarQuantizer_add_core(ivfsq, NB, xb, NULL, list_nos));
    CHECK(faiss_Index_ntotal(ivfsq) == NB);
    faiss_IndexIVFScalarQuantizer_free(ivfsq);

    faiss_Index_free(base);
    faiss_Index_free(a);
    faiss_Index_free(b);
    faiss_Index_free(all);
}

static void quantizer_accessors(void) {
    FaissIndex* ivfpq = make("IVF8,PQ4", METRIC_L2);
    FaissIndexHNSWFlat* hnsw = NULL;
    FaissProductQuantizer* pq;
    FaissIDSelectorRange* range = NULL;
    float* centroids;
    size_t removed = 0;

    CHECK(faiss_IndexIVFPQ_cast(ivfpq) == ivfpq);
    CHECK(faiss_IndexIVFPQ_by_residual(ivfpq) == 1);
    CHECK(faiss_IndexIVFPQ_nlist(ivfpq) == 8);
    /* The IVF fields through another IVF class's accessors, as Faiss allows. */
    faiss_IndexIVFFlat_set_nprobe(ivfpq, 3);
    CHECK(faiss_IndexIVFPQ_nprobe(ivfpq) == 3 && faiss_IndexIVFScalarQuantizer_nlist(ivfpq) == 8);
    pq = faiss_IndexIVFPQ_pq(ivfpq);
    CHECK(faiss_ProductQuantizer_M(pq) == 4 && faiss_ProductQuantizer_nbits(pq) == 8);
    CHECK(faiss_ProductQuantizer_dsub(pq) == D / 4 && faiss_ProductQuantizer_ksub(pq) == 256);
    CHECK(faiss_ProductQuantizer_code_size(pq) == 4 && faiss_ProductQuantizer_d(pq) == D);
    CHECK_OK(faiss_Index_train(ivfpq, NB, xb));
    CHECK(faiss_ProductQuantizer_centroids_size(pq) == 4 * 256 * (D / 4));
    centroids = (float*)malloc(sizeof(float) * faiss_ProductQuantizer_centroids_size(pq));
    CHECK(centroids);
    faiss_ProductQuantizer_centroids(pq, centroids);
    CHECK(isfinite(centroids[0]));
    free(centroids);
    faiss_IndexIVFPQ_set_use_precomputed_table(ivfpq, 1);
    CHECK_OK(faiss_IndexIVFPQ_precompute_table(ivfpq));
    CHECK(faiss_IndexIVFPQ_use_precomputed_table(ivfpq) == 1);
    faiss_Index_free(ivfpq);

    CHECK_OK(faiss_IndexHNSWFlat_new_with(&hnsw, D, 8, METRIC_L2));
    CHECK(faiss_IndexHNSW_storage(hnsw) != NULL);
    CHECK(faiss_IndexHNSW_own_fields(hnsw) == 1);
    CHECK(faiss_IndexHNSW_hnsw_max_level(hnsw) == -1);
    faiss_IndexHNSW_set_hnsw_efConstruction(hnsw, 60);
    CHECK(faiss_IndexHNSW_hnsw_efConstruction(hnsw) == 60);
    CHECK_OK(faiss_Index_add(hnsw, NB, xb));
    CHECK(faiss_IndexHNSW_hnsw_max_level(hnsw) >= 0);
    CHECK_OK(faiss_IDSelectorRange_new(&range, 0, 10));
    CHECK_OK(faiss_Index_remove_ids(hnsw, (FaissIDSelector*)range, &removed));
    CHECK(removed == 10 && faiss_IndexHNSW_n_deleted(hnsw) == 10);
    CHECK_OK(faiss_IndexHNSW_compact(hnsw));
    CHECK(faiss_IndexHNSW_n_deleted(hnsw) == 0 && faiss_Index_ntotal(hnsw) == NB - 10);
    faiss_IDSelectorRange_free(range);
    faiss_IndexHNSWFlat_free(hnsw);
}

static void clustering(void) {
    FaissClusteringParameters cp;
    FaissClustering* clus = NULL;
    FaissIndexFlatL2* assigner = NULL;
    FaissClusteringIterationStats* stats = NULL;
    float *centroids = NULL, q_error = -1, kcentroids[10 * D], objective = 0;
    size_t size = 0, i;

    faiss_ClusteringParameters_init(&cp);
    CHECK(cp.niter == 25 && cp.nredo == 1 && cp.seed == 1234 && cp.max_points_per_centroid == 256);
    cp.niter = 12;
    CHECK_OK(faiss_Clustering_new_with_params(&clus, D, 10, &cp));
    CHECK(faiss_Clustering_niter(clus) == 12 && faiss_Clustering_k(clus) == 10);
    CHECK(faiss_Clustering_d(clus) == D && faiss_Clustering_seed(clus) == 1234);
    CHECK_OK(faiss_IndexFlatL2_new_with(&assigner, D));
    CHECK_OK(faiss_Clustering_train(clus, NB, xb, assigner));
    faiss_Clustering_centroids(clus, &centroids, &size);
    CHECK(size == 10 * D && centroids);
    CHECK(faiss_Index_ntotal(assigner) == 10);
    faiss_Clustering_iteration_stats(clus, &stats, &size);
    CHECK(size == 12 && stats);
    CHECK(faiss_ClusteringIterationStats_obj(stats) > 0);
    CHECK(faiss_ClusteringIterationStats_time(stats) >= 0);
    faiss_Clustering_free(clus);
    faiss_Index_free(assigner);

    /* The error returned is the objective of the centroids returned. */
    CHECK_OK(faiss_kmeans_clustering(D, NB, 10, xb, kcentroids, &q_error));
    for (i = 0; i < NB; i++) {
        float best = FLT_MAX;
        int c;
        for (c = 0; c < 10; c++) {
            float v = l2sqr(xb + i * D, kcentroids + c * D, D);
            best = v < best ? v : best;
        }
        objective += best;
    }
    CHECK(fabsf(objective - q_error) <= 1e-3f * objective);
    CHECK_OK(faiss_kmeans_clustering(D, NB, 10, xb, kcentroids, NULL));
}

static void transforms(void) {
    FaissPCAMatrix* pca = NULL;
    FaissNormalizationTransform* norm = NULL;
    FaissCenteringTransform* center = NULL;
    FaissRandomRotationMatrix* rot = NULL;
    float *out, out2[NQ * D], back[NQ * D];
    int i;

    CHECK_OK(faiss_PCAMatrix_new_with(&pca, D, D, 0.0f, 0));
    CHECK(!faiss_VectorTransform_is_trained(pca));
    CHECK(faiss_VectorTransform_d_in(pca) == D && faiss_VectorTransform_d_out(pca) == D);
    CHECK(faiss_PCAMatrix_eigen_power(pca) == 0.0f && faiss_PCAMatrix_random_rotation(pca) == 0);
    CHECK(faiss_PCAMatrix_balanced_bins(pca) == 0);
    CHECK(faiss_VectorTransform_apply(pca, NQ, xq) == NULL);
    CHECK(strstr(faiss_get_last_error(), "faiss") || strstr(faiss_get_last_error(), "train"));
    CHECK_OK(faiss_VectorTransform_train(pca, NB, xb));
    out = faiss_VectorTransform_apply(pca, NQ, xq);
    CHECK(out);
    faiss_VectorTransform_apply_noalloc(pca, NQ, xq, out2);
    CHECK(memcmp(out, out2, sizeof(out2)) == 0);
    /* A full-rank PCA is a rotation: its transpose undoes it. */
    faiss_LinearTransform_transform_transpose(pca, NQ, out, back);
    for (i = 0; i < NQ * D; i++) {
        CHECK(fabsf(back[i] - xq[i]) < 1e-3f);
    }
    faiss_VectorTransform_reverse_transform(pca, NQ, out, back);
    for (i = 0; i < NQ * D; i++) {
        CHECK(fabsf(back[i] - xq[i]) < 1e-3f);
    }
    CHECK(faiss_LinearTransform_have_bias(pca) == 1);
    free(out);
    faiss_PCAMatrix_free(pca);

    CHECK_OK(faiss_NormalizationTransform_new_with(&norm, D, 2.0f));
    CHECK(faiss_NormalizationTransform_norm(norm) == 2.0f);
    out = faiss_VectorTransform_apply(norm, NQ, xq);
    CHECK(out);
    for (i = 0; i < NQ; i++) {
        CHECK(fabsf(inner_product(out + i * D, out + i * D, D) - 1.0f) < 1e-5f);
    }
    free(out);
    faiss_NormalizationTransform_free(norm);

    CHECK_OK(faiss_CenteringTransform_new_with(&center, D));
    CHECK_OK(faiss_VectorTransform_train(center, NB, xb));
    out = faiss_VectorTransform_apply(center, NB, xb);
    CHECK(out);
    for (i = 0; i < D; i++) {
        double mean = 0;
        int j;
        for (j = 0; j < NB; j++) {
            mean += out[j * D + i];
        }
        CHECK(fabs(mean / NB) < 1e-4);
    }
    free(out);
    faiss_CenteringTransform_free(center);

    CHECK_OK(faiss_RandomRotationMatrix_new_with(&rot, D, D));
    CHECK_OK(faiss_VectorTransform_train(rot, 0, NULL));
    faiss_LinearTransform_set_is_orthonormal(rot);
    CHECK(faiss_LinearTransform_is_orthonormal(rot) == 1);
    faiss_RandomRotationMatrix_free(rot);
}

static void parameters_by_name(void) {
    FaissParameterSpace* space = NULL;
    FaissParameterRange* range = NULL;
    FaissParameterRange* again = NULL;
    FaissIndex* wrapped = make("IDMap,IVF8,Flat", METRIC_L2);
    FaissIndex* pre = make("PCA8,IVF8,Flat", METRIC_L2);
    FaissIndex* hnsw = make("HNSW8", METRIC_L2);
    FaissIndex* refine = make("IVF8,Flat,RFlat", METRIC_L2);
    FaissIndex* ivf_in_refine;
    char name[100];
    double* values = NULL;
    size_t size = 7;

    CHECK_OK(faiss_ParameterSpace_new(&space));
    CHECK(faiss_ParameterSpace_n_combinations(space) == 1);
    CHECK_OK(faiss_ParameterSpace_combination_name(space, 0, name, sizeof(name)));
    CHECK(strcmp(name, "") == 0);
    CHECK_OK(faiss_ParameterSpace_add_range(space, "nprobe", &range));
    CHECK(strcmp(faiss_ParameterRange_name(range), "nprobe") == 0);
    faiss_ParameterRange_values(range, &values, &size);
    CHECK(size == 0);
    CHECK_OK(faiss_ParameterSpace_add_range(space, "nprobe", &again));
    CHECK(again == range);
    faiss_ParameterSpace_display(space);

    CHECK_OK(faiss_ParameterSpace_set_index_parameter(space, wrapped, "nprobe", 5));
    CHECK(faiss_IndexIVF_nprobe(faiss_IndexIDMap_sub_index(wrapped)) == 5);
    CHECK_OK(faiss_ParameterSpace_set_index_parameters(space, pre, "nprobe=6,verbose=0"));
    CHECK(faiss_IndexIVF_nprobe(faiss_IndexPreTransform_index(pre)) == 6);
    CHECK_OK(faiss_ParameterSpace_set_index_parameter(space, hnsw, "efSearch", 77));
    CHECK(faiss_IndexHNSW_hnsw_efSearch(hnsw) == 77);
    CHECK_OK(faiss_ParameterSpace_set_index_parameters(space, refine, "k_factor_rf=3,nprobe=4"));
    ivf_in_refine = refine;
    CHECK(faiss_IndexRefineFlat_k_factor(ivf_in_refine) == 3.0f);
    CHECK_OK(faiss_ParameterSpace_set_index_parameter(space, wrapped, "quantizer_verbose", 0));
    CHECK(faiss_ParameterSpace_set_index_parameters_cno(space, wrapped, 0) != 0);

    faiss_ParameterSpace_free(space);
    faiss_Index_free(wrapped);
    faiss_Index_free(pre);
    faiss_Index_free(hnsw);
    faiss_Index_free(refine);
}

static void distance_kernels(void) {
    float dis[NQ * 50], ny[50], norms[NQ], renormed[NQ * D];
    float strided[NQ * 50 * 2];
    int i, j;

    faiss_pairwise_L2sqr_with_defaults(D, NQ, xq, 50, xb, dis);
    for (i = 0; i < NQ; i++) {
        for (j = 0; j < 50; j++) {
            CHECK(close_enough(dis[i * 50 + j], l2sqr(xq + i * D, xb + j * D, D)));
        }
    }
    /* Every other database vector, into rows of 100. */
    faiss_pairwise_L2sqr(D, NQ, xq, 50, xb, strided, D, 2 * D, 100);
    for (i = 0; i < NQ; i++) {
        for (j = 0; j < 50; j++) {
            CHECK(close_enough(strided[i * 100 + j], l2sqr(xq + i * D, xb + 2 * j * D, D)));
        }
    }
    faiss_fvec_L2sqr_ny(ny, xq, xb, D, 50);
    for (j = 0; j < 50; j++) {
        CHECK(close_enough(ny[j], l2sqr(xq, xb + j * D, D)));
    }
    faiss_fvec_inner_products_ny(ny, xq, xb, D, 50);
    for (j = 0; j < 50; j++) {
        CHECK(close_enough(ny[j], inner_product(xq, xb + j * D, D)));
    }
    CHECK(close_enough(faiss_fvec_norm_L2sqr(xq, D), inner_product(xq, xq, D)));
    faiss_fvec_norms_L2sqr(norms, xq, D, NQ);
    for (i = 0; i < NQ; i++) {
        CHECK(close_enough(norms[i], inner_product(xq + i * D, xq + i * D, D)));
    }
    faiss_fvec_norms_L2(norms, xq, D, NQ);
    for (i = 0; i < NQ; i++) {
        CHECK(close_enough(norms[i], sqrtf(inner_product(xq + i * D, xq + i * D, D))));
    }
    memcpy(renormed, xq, sizeof(renormed));
    faiss_fvec_renorm_L2(D, NQ, renormed);
    for (i = 0; i < NQ; i++) {
        CHECK(close_enough(inner_product(renormed + i * D, renormed + i * D, D), 1.0f));
    }
}

static void version(void) {
    int major = -1, minor = -1, patch = -1;
    const char* v = faiss_get_version();
    CHECK(v && sscanf(v, "%d.%d.%d", &major, &minor, &patch) == 3);
    CHECK(major >= 0 && minor >= 0 && patch >= 0);
}

static void missing_transform_file(const char* dir) {
    char path[1024];
    FaissVectorTransform* vt = NULL;
    snprintf(path, sizeof(path), "%s/none.vt", dir);
    CHECK_FAILS(faiss_read_VectorTransform_fname(path, &vt), FAISS_EXCEPT, "could not open");
    CHECK(vt == NULL);
}

int main(int argc, char** argv) {
    CHECK(argc == 2);
    clustered_floats(xb, NB, D, 21);
    clustered_floats(xq, NQ, D, 22);

    selectors();
    filtered_search();
    range_search();
    removal_and_reconstruction();
    standalone_codec();
    ivf_internals();
    quantizer_accessors();
    clustering();
    transforms();
    parameters_by_name();
    distance_kernels();
    version();
    missing_transform_file(argv[1]);
    printf("all checks passed\n");
    return 0;
}
