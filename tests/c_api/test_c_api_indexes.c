/*
 * Every index family through the C API: build (constructors and factory),
 * train, add, search against a brute-force reference, then write and read
 * back (file name, FILE*, callbacks) and clone, each copy giving the very
 * same results. Headers are included under Faiss's names, as code written
 * for Faiss's C API includes them.
 *
 * Usage: test_c_api_indexes SCRATCH_DIR FAMILY... (flat, ivf, wrappers,
 * quantizers, hnsw)
 */

#include <faiss/c_api/IndexFlat_c.h>
#include <faiss/c_api/IndexHNSW_c.h>
#include <faiss/c_api/IndexIVFHNSW_c.h>
#include <faiss/c_api/IndexIVFFlat_c.h>
#include <faiss/c_api/IndexIVFPQ_c.h>
#include <faiss/c_api/IndexIVF_c.h>
#include <faiss/c_api/IndexPQ_c.h>
#include <faiss/c_api/IndexPreTransform_c.h>
#include <faiss/c_api/IndexScalarQuantizer_c.h>
#include <faiss/c_api/Index_c.h>
#include <faiss/c_api/MetaIndexes_c.h>
#include <faiss/c_api/clone_index_c.h>
#include <faiss/c_api/error_c.h>
#include <faiss/c_api/impl/io_c.h>
#include <faiss/c_api/index_factory_c.h>
#include <faiss/c_api/index_io_c.h>

#include "c_test_util.h"

#define D 32
#define NB 2000
#define NT 3000
#define NQ 40
#define K 10

static float xb[NB * D], xt[NT * D], xq[NQ * D];
static idx_t ids[NB];
static const char* scratch_dir;

/* How the results of a case are judged against brute force. */
typedef struct {
    const char* name;
    FaissIndex* index;
    /* 1: same neighbours and distances as brute force (ties aside). */
    int exact;
    /* 1: each distance is the exact one of the label returned. */
    int exact_distances;
    /* Otherwise: recall@K at least this. */
    double min_recall;
    /* 1: added with ids[] (labels are ids, not row numbers). */
    int with_ids;
    /* Set when the index searches transformed vectors: the transform, to
     * compute the reference in the same space. */
    FaissVectorTransform* transform;
} Case;

/* The in-memory stream of the callback reader and writer (they take no
 * context pointer, as in Faiss). */
static unsigned char* stream_data;
static size_t stream_size, stream_capacity, stream_pos;

static size_t stream_write(const void* ptr, size_t size, size_t nitems) {
    size_t bytes = size * nitems;
    if (stream_size + bytes > stream_capacity) {
        size_t capacity = (stream_size + bytes) * 2;
        unsigned char* grown = (unsigned char*)realloc(stream_data, capacity);
        CHECK(grown);
        stream_data = grown;
        stream_capacity = capacity;
    }
    memcpy(stream_data + stream_size, ptr, bytes);
    stream_size += bytes;
    return nitems;
}

static size_t stream_read(void* ptr, size_t size, size_t nitems) {
    size_t available = size ? (stream_size - stream_pos) / size : 0;
    size_t n = nitems < available ? nitems : available;
    memcpy(ptr, stream_data + stream_pos, n * size);
    stream_pos += n * size;
    return n;
}

static idx_t row_of(const Case* c, idx_t label) {
    if (label < 0 || !c->with_ids) {
        return label;
    }
    CHECK((label - 1000) % 3 == 0);
    return (label - 1000) / 3;
}

static void search(const FaissIndex* index, float* dis, idx_t* lab) {
    CHECK_OK(faiss_Index_search(index, NQ, xq, K, dis, lab));
}

/* A copy must answer exactly as the original did. */
static void check_same_results(const char* what, const FaissIndex* copy, const float* dis,
                               const idx_t* lab) {
    float dis2[NQ * K];
    idx_t lab2[NQ * K];
    search(copy, dis2, lab2);
    if (memcmp(lab, lab2, sizeof(lab2)) != 0 || memcmp(dis, dis2, sizeof(dis2)) != 0) {
        fprintf(stderr, "%s: results differ from the original's\n", what);
        exit(1);
    }
}

static void check_round_trips(const Case* c, const float* dis, const idx_t* lab) {
    char path[1024];
    FaissIndex* copy = NULL;
    FILE* f;
    FaissCustomIOWriter* writer = NULL;
    FaissCustomIOReader* reader = NULL;

    snprintf(path, sizeof(path), "%s/%s.index", scratch_dir, c->name);
    CHECK_OK(faiss_write_index_fname(c->index, path));
    CHECK_OK(faiss_read_index_fname(path, 0, &copy));
    CHECK(faiss_Index_ntotal(copy) == faiss_Index_ntotal(c->index));
    CHECK(faiss_Index_d(copy) == faiss_Index_d(c->index));
    CHECK(faiss_Index_metric_type(copy) == faiss_Index_metric_type(c->index));
    check_same_results("read_index_fname", copy, dis, lab);
    faiss_Index_free(copy);
    CHECK(remove(path) == 0);

    f = tmpfile();
    CHECK(f);
    CHECK_OK(faiss_write_index(c->index, f));
    rewind(f);
    CHECK_OK(faiss_read_index(f, 0, &copy));
    fclose(f);
    check_same_results("read_index(FILE*)", copy, dis, lab);
    faiss_Index_free(copy);

    stream_size = stream_pos = 0;
    CHECK_OK(faiss_CustomIOWriter_new(&writer, stream_write));
    CHECK_OK(faiss_write_index_custom(c->index, (FaissIOWriter*)writer, 0));
    faiss_CustomIOWriter_free(writer);
    CHECK(stream_size > 0);
    CHECK_OK(faiss_CustomIOReader_new(&reader, stream_read));
    CHECK_OK(faiss_read_index_custom((FaissIOReader*)reader, 0, &copy));
    faiss_IOReader_free((FaissIOReader*)reader);
    CHECK(stream_pos == stream_size);
    check_same_results("read_index_custom", copy, dis, lab);
    faiss_Index_free(copy);

    CHECK_OK(faiss_clone_index(c->index, &copy));
    check_same_results("clone_index", copy, dis, lab);
    faiss_Index_free(copy);
}

static void run_case(Case c) {
    float dis[NQ * K], true_dis[NQ * K];
    idx_t lab[NQ * K], true_lab[NQ * K], found_rows[NQ * K];
    FaissMetricType metric = faiss_Index_metric_type(c.index);
    const float* ref_b = xb;
    const float* ref_q = xq;
    float* tb = NULL;
    float* tq = NULL;
    int ref_d = D;
    int i;

    CHECK(faiss_Index_d(c.index) == D);
    if (!faiss_Index_is_trained(c.index)) {
        CHECK_OK(faiss_Index_train(c.index, NT, xt));
        CHECK(faiss_Index_is_trained(c.index));
    }
    if (c.with_ids) {
        CHECK_OK(faiss_Index_add_with_ids(c.index, NB, xb, ids));
    } else {
        CHECK_OK(faiss_Index_add(c.index, NB, xb));
    }
    CHECK(faiss_Index_ntotal(c.index) == NB);
    search(c.index, dis, lab);

    if (c.transform) {
        ref_d = faiss_VectorTransform_d_out(c.transform);
        tb = faiss_VectorTransform_apply(c.transform, NB, xb);
        tq = faiss_VectorTransform_apply(c.transform, NQ, xq);
        CHECK(tb && tq);
        ref_b = tb;
        ref_q = tq;
    }
    brute_force_knn(metric, ref_d, ref_b, NB, ref_q, NQ, K, true_dis, true_lab);
    for (i = 0; i < NQ * K; i++) {
        idx_t row = row_of(&c, lab[i]);
        CHECK(row >= 0 && row < NB);
        found_rows[i] = row;
        if (c.exact || c.exact_distances) {
            float v = metric_value(metric, ref_q + (i / K) * ref_d, ref_b + row * ref_d, ref_d);
            if (!close_enough(dis[i], v)) {
                fprintf(stderr, "%s: result %d: distance %g, exact %g\n", c.name, i, dis[i], v);
                exit(1);
            }
        }
        if (c.exact && !close_enough(dis[i], true_dis[i])) {
            fprintf(stderr, "%s: result %d: distance %g, brute force %g\n", c.name, i, dis[i],
                    true_dis[i]);
            exit(1);
        }
    }
    if (!c.exact) {
        double recall = recall_at_k(true_lab, found_rows, NQ, K);
        printf("%-20s recall@%d = %.3f (at least %.2f)\n", c.name, K, recall, c.min_recall);
        CHECK(recall >= c.min_recall);
    } else {
        printf("%-20s exact\n", c.name);
    }

    check_round_trips(&c, dis, lab);
    free(tb);
    free(tq);
    faiss_Index_free(c.index);
}

static FaissIndex* flat_l2(void) {
    FaissIndexFlatL2* q = NULL;
    CHECK_OK(faiss_IndexFlatL2_new_with(&q, D));
    return q;
}

static FaissIndex* factory(const char* description, FaissMetricType metric) {
    FaissIndex* index = NULL;
    CHECK_OK(faiss_index_factory(&index, D, description, metric));
    return index;
}

static Case plain(const char* name, FaissIndex* index, double min_recall) {
    Case c;
    memset(&c, 0, sizeof(c));
    c.name = name;
    c.index = index;
    c.exact = min_recall >= 1.0;
    c.min_recall = min_recall;
    return c;
}

static void flat_cases(void) {
    FaissIndexFlatIP* ip = NULL;
    FaissIndexFlat* flat = NULL;

    run_case(plain("flat_l2", flat_l2(), 1.0));
    CHECK_OK(faiss_IndexFlatIP_new_with(&ip, D));
    run_case(plain("flat_ip", ip, 1.0));
    CHECK_OK(faiss_IndexFlat_new_with(&flat, D, METRIC_L2));
    run_case(plain("flat_metric", flat, 1.0));
    run_case(plain("flat_factory_ip", factory("Flat", METRIC_INNER_PRODUCT), 1.0));
}

static void ivf_cases(void) {
    FaissIndexIVFFlat* ivf = NULL;
    FaissIndex* quantizer = flat_l2();
    FaissIndex* from_factory;

    /* nprobe = nlist visits every list: exact. */
    CHECK_OK(faiss_IndexIVFFlat_new_with(&ivf, quantizer, D, 16));
    faiss_IndexIVFFlat_set_own_fields(ivf, 1);
    faiss_IndexIVFFlat_set_nprobe(ivf, 16);
    CHECK(faiss_IndexIVFFlat_nlist(ivf) == 16);
    CHECK(faiss_IndexIVFFlat_quantizer(ivf) == quantizer);
    run_case(plain("ivfflat_all_lists", ivf, 1.0));

    quantizer = NULL;
    CHECK_OK(faiss_IndexFlatIP_new_with(&quantizer, D));
    CHECK_OK(faiss_IndexIVFFlat_new_with_metric(&ivf, quantizer, D, 16, METRIC_INNER_PRODUCT));
    faiss_IndexIVF_set_own_fields(ivf, 1);
    faiss_IndexIVF_set_nprobe(ivf, 16);
    run_case(plain("ivfflat_ip", ivf, 1.0));

    from_factory = factory("IVF16,Flat", METRIC_L2);
    CHECK(faiss_IndexIVFFlat_cast(from_factory) == from_factory);
    faiss_IndexIVF_set_nprobe(faiss_IndexIVF_cast(from_factory), 4);
    CHECK(faiss_IndexIVF_nprobe(from_factory) == 4);
    run_case(plain("ivfflat_factory", from_factory, 0.8));
}

static void wrapper_cases(void) {
    FaissIndexIDMap* idmap = NULL;
    FaissIndexIDMap2* idmap2 = NULL;
    FaissIndexPreTransform* pre = NULL;
    FaissPCAMatrix* pca = NULL;
    FaissOPQMatrix* opq = NULL;
    FaissIndexFlatL2* sub = NULL;
    FaissIndexRefineFlat* refine = NULL;
    Case c;

    CHECK_OK(faiss_IndexIDMap_new(&idmap, flat_l2()));
    faiss_IndexIDMap_set_own_fields(idmap, 1);
    c = plain("idmap", idmap, 1.0);
    c.with_ids = 1;
    run_case(c);

    CHECK_OK(faiss_IndexIDMap2_new(&idmap2, flat_l2()));
    faiss_IndexIDMap2_set_own_fields(idmap2, 1);
    c = plain("idmap2", idmap2, 1.0);
    c.with_ids = 1;
    run_case(c);

    /* PCA to 16 dimensions, then exact search there. */
    CHECK_OK(faiss_PCAMatrix_new_with(&pca, D, 16, 0.0f, 0));
    CHECK_OK(faiss_IndexFlatL2_new_with(&sub, 16));
    CHECK_OK(faiss_IndexPreTransform_new_with_transform(&pre, pca, sub));
    faiss_IndexPreTransform_set_own_fields(pre, 1);
    CHECK(faiss_IndexPreTransform_index(pre) == sub);
    CHECK(!faiss_Index_is_trained(pre));
    c = plain("pretransform_pca", pre, 1.0);
    c.transform = pca;
    run_case(c);

    /* An OPQ rotation (a few iterations), then exact search in the rotated space. */
    CHECK_OK(faiss_OPQMatrix_new_with(&opq, D, 8, -1));
    CHECK(faiss_OPQMatrix_niter(opq) == 50 && faiss_OPQMatrix_niter_pq(opq) == 4);
    faiss_OPQMatrix_set_niter(opq, 3);
    faiss_OPQMatrix_set_niter_pq(opq, 2);
    CHECK(faiss_OPQMatrix_niter(opq) == 3 && faiss_OPQMatrix_niter_pq(opq) == 2);
    CHECK(faiss_VectorTransform_d_out(opq) == D && !faiss_VectorTransform_is_trained(opq));
    CHECK_OK(faiss_IndexFlatL2_new_with(&sub, D));
    CHECK_OK(faiss_IndexPreTransform_new_with_transform(&pre, opq, sub));
    faiss_IndexPreTransform_set_own_fields(pre, 1);
    c = plain("pretransform_opq", pre, 1.0);
    c.transform = opq;
    run_case(c);

    /* Candidates from a coarse IVF search, re-ranked exactly. */
    CHECK_OK(faiss_IndexRefineFlat_new(&refine, factory("IVF16,Flat", METRIC_L2)));
    faiss_IndexRefineFlat_set_own_fields(refine, 1);
    faiss_IndexRefineFlat_set_k_factor(refine, 4.0f);
    CHECK(faiss_IndexRefineFlat_k_factor(refine) == 4.0f);
    c = plain("refine_flat", refine, 0.9);
    c.exact_distances = 1;
    run_case(c);

    /* The same through the factory; k_factor set on what it made. */
    c = plain("refine_factory", factory("IVF16,PQ8,RFlat", METRIC_L2), 0.9);
    CHECK(faiss_IndexRefineFlat_cast(c.index) == c.index);
    faiss_IndexRefineFlat_set_k_factor(c.index, 4.0f);
    c.exact_distances = 1;
    run_case(c);
}

static void quantizer_cases(void) {
    FaissIndexPQ* pq = NULL;
    FaissIndexIVFPQ* ivfpq = NULL;
    FaissIndexScalarQuantizer* sq = NULL;
    FaissIndexIVFScalarQuantizer* ivfsq = NULL;

    CHECK_OK(faiss_IndexPQ_new_with(&pq, D, 8, 8, METRIC_L2));
    CHECK(faiss_ProductQuantizer_M(faiss_IndexPQ_pq(pq)) == 8);
    run_case(plain("pq", pq, 0.4));

    CHECK_OK(faiss_IndexIVFPQ_new_with(&ivfpq, flat_l2(), D, 16, 8, 8));
    faiss_IndexIVFPQ_set_own_fields(ivfpq, 1);
    faiss_IndexIVFPQ_set_nprobe(ivfpq, 16);
    CHECK(faiss_IndexIVF_nlist(ivfpq) == 16);
    run_case(plain("ivfpq", ivfpq, 0.5));

    run_case(plain("ivfpq_factory", factory("IVF16,PQ8", METRIC_INNER_PRODUCT), 0.4));

    CHECK_OK(faiss_IndexScalarQuantizer_new_with(&sq, D, QT_8bit, METRIC_L2));
    CHECK(faiss_ScalarQuantizer_code_size(faiss_IndexScalarQuantizer_sq(sq)) == D);
    run_case(plain("sq8", sq, 0.9));

    CHECK_OK(faiss_IndexScalarQuantizer_new_with(&sq, D, QT_fp16, METRIC_INNER_PRODUCT));
    CHECK(faiss_Index_is_trained(sq));
    run_case(plain("sq_fp16_ip", sq, 0.95));

    CHECK_OK(faiss_IndexIVFScalarQuantizer_new_with_metric(&ivfsq, flat_l2(), D, 16, QT_8bit,
                                                           METRIC_L2, 1));
    faiss_IndexIVFScalarQuantizer_set_own_fields(ivfsq, 1);
    faiss_IndexIVFScalarQuantizer_set_nprobe(ivfsq, 16);
    run_case(plain("ivfsq8", ivfsq, 0.9));

    run_case(plain("ivfsq_factory", factory("IVF16,SQ8", METRIC_L2), 0.85));
}

static void hnsw_cases(void) {
    FaissIndexHNSWFlat* hnsw = NULL;
    FaissIndexHNSWSQ* hnsw_sq = NULL;
    FaissIndexHNSWPQ* hnsw_pq = NULL;
    Case c;

    CHECK_OK(faiss_IndexHNSWFlat_new_with(&hnsw, D, 16, METRIC_L2));
    faiss_IndexHNSW_set_hnsw_efSearch(hnsw, 64);
    CHECK(faiss_IndexHNSW_hnsw_efSearch(hnsw) == 64);
    CHECK(faiss_IndexHNSW_hnsw_upper_beam(hnsw) == 1);
    faiss_IndexHNSW_set_hnsw_upper_beam(hnsw, 4);
    CHECK(faiss_IndexHNSW_hnsw_upper_beam(hnsw) == 4);
    run_case(plain("hnsw_flat", hnsw, 0.9));

    CHECK_OK(faiss_IndexHNSWFlat_new_with(&hnsw, D, 16, METRIC_INNER_PRODUCT));
    faiss_IndexHNSW_set_hnsw_efSearch(hnsw, 64);
    run_case(plain("hnsw_flat_ip", hnsw, 0.9));

    CHECK_OK(faiss_IndexHNSWSQ_new_with(&hnsw_sq, D, QT_8bit, 16, METRIC_L2));
    faiss_IndexHNSW_set_hnsw_efSearch(hnsw_sq, 64);
    run_case(plain("hnsw_sq8", hnsw_sq, 0.85));

    CHECK_OK(faiss_IndexHNSWPQ_new_with(&hnsw_pq, D, 8, 16, 8, METRIC_L2));
    faiss_IndexHNSW_set_hnsw_efSearch(hnsw_pq, 64);
    run_case(plain("hnsw_pq", hnsw_pq, 0.4));

    c = plain("idmap_hnsw_factory", factory("IDMap,HNSW16", METRIC_L2), 0.9);
    c.with_ids = 1;
    run_case(c);

    /* A graph per inverted list, built over an IVF and from the factory. */
    {
        FaissIndexFlat* quantizer = NULL;
        FaissIndexIVFFlat* ivf = NULL;
        FaissIndexIVFHNSW* ivf_hnsw = NULL;
        FaissIndex* from_factory = NULL;
        CHECK_OK(faiss_IndexFlatL2_new_with(&quantizer, D));
        CHECK_OK(faiss_IndexIVFFlat_new_with(&ivf, quantizer, D, 8));
        faiss_IndexIVFFlat_set_own_fields(ivf, 1);
        faiss_IndexIVF_set_nprobe(ivf, 8);
        CHECK_OK(faiss_IndexIVFHNSW_new_with(&ivf_hnsw, ivf, 16));
        faiss_IndexIVFHNSW_set_own_fields(ivf_hnsw, 1);
        faiss_IndexIVFHNSW_set_efSearch(ivf_hnsw, 64);
        CHECK(faiss_IndexIVFHNSW_M(ivf_hnsw) == 16);
        CHECK(faiss_IndexIVFHNSW_ivf(ivf_hnsw) == ivf);
        CHECK(faiss_IndexIVFHNSW_cast(ivf_hnsw) == ivf_hnsw);
        run_case(plain("ivf_hnsw_flat", ivf_hnsw, 0.9));

        from_factory = factory("IVF16,HNSW16_SQ8", METRIC_L2);
        CHECK(faiss_IndexIVFHNSW_cast(from_factory) != NULL);
        faiss_IndexIVF_set_nprobe(faiss_IndexIVFHNSW_ivf(faiss_IndexIVFHNSW_cast(from_factory)), 8);
        faiss_IndexIVFHNSW_set_efSearch(faiss_IndexIVFHNSW_cast(from_factory), 64);
        run_case(plain("ivf_hnsw_sq8_factory", from_factory, 0.85));
        CHECK(faiss_IndexIVFHNSW_new_with(&ivf_hnsw, NULL, 16) != 0);
    }
}

/* The families, each runnable alone (one ctest each). */
static const struct {
    const char* name;
    void (*run)(void);
} families[] = {
        {"flat", flat_cases},
        {"ivf", ivf_cases},
        {"wrappers", wrapper_cases},
        {"quantizers", quantizer_cases},
        {"hnsw", hnsw_cases},
};

int main(int argc, char** argv) {
    int i, a;
    if (argc < 3) {
        fprintf(stderr, "usage: %s SCRATCH_DIR FAMILY...\n", argv[0]);
        return 2;
    }
    scratch_dir = argv[1];
    clustered_floats(xb, NB, D, 1);
    clustered_floats(xt, NT, D, 2);
    clustered_floats(xq, NQ, D, 3);
    for (i = 0; i < NB; i++) {
        ids[i] = 1000 + 3 * (idx_t)i;
    }

    for (a = 2; a < argc; a++) {
        size_t f, n = sizeof(families) / sizeof(families[0]);
        for (f = 0; f < n && strcmp(families[f].name, argv[a]) != 0; f++) {
        }
        if (f == n) {
            fprintf(stderr, "unknown family %s\n", argv[a]);
            return 2;
        }
        families[f].run();
    }
    free(stream_data);
    printf("passed\n");
    return 0;
}
