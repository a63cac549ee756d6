/*
 * Failures through the C API: each gives a non-zero code and a message that
 * says what went wrong, leaves its output and the index untouched, and the
 * message is kept per thread.
 *
 * Usage: test_c_api_errors SCRATCH_DIR
 */

#define _POSIX_C_SOURCE 200809L

#include <stdint.h>

#include <faisslike/c_api/AutoTune_c.h>
#include <faisslike/c_api/Clustering_c.h>
#include <faisslike/c_api/IndexFlat_c.h>
#include <faisslike/c_api/IndexIVFFlat_c.h>
#include <faisslike/c_api/IndexIVF_c.h>
#include <faisslike/c_api/IndexPreTransform_c.h>
#include <faisslike/c_api/IndexScalarQuantizer_c.h>
#include <faisslike/c_api/Index_c.h>
#include <faisslike/c_api/MetaIndexes_c.h>
#include <faisslike/c_api/VectorTransform_c.h>
#include <faisslike/c_api/error_c.h>
#include <faisslike/c_api/impl/AuxIndexStructures_c.h>
#include <faisslike/c_api/index_factory_c.h>
#include <faisslike/c_api/index_io_c.h>

#ifdef FAISSLIKE_C_TEST_THREADS
#include <pthread.h>
#endif

#include "c_test_util.h"

#define D 16
#define N 500

static float x[N * D];

static FaissIndex* make(const char* description) {
    FaissIndex* index = NULL;
    CHECK_OK(faiss_index_factory(&index, D, description, METRIC_L2));
    return index;
}

static void untrained_add(void) {
    FaissIndex* ivf = make("IVF8,Flat");
    CHECK(!faiss_Index_is_trained(ivf));
    CHECK_FAILS(faiss_Index_add(ivf, N, x), FAISS_EXCEPT, "not trained");
    CHECK(faiss_Index_ntotal(ivf) == 0);
    /* The message is Faiss's shape: "Error in <function> at <file>:<line>: ...". */
    CHECK(strncmp(faiss_get_last_error(), "Error in ", 9) == 0);
    CHECK_OK(faiss_Index_train(ivf, N, x));
    CHECK_OK(faiss_Index_add(ivf, N, x));
    CHECK(faiss_Index_ntotal(ivf) == N);
    faiss_Index_free(ivf);
}

static void bad_factory_strings(void) {
    FaissIndex* index = NULL;
    CHECK_FAILS(faiss_index_factory(&index, D, "IVF16,Bogus", METRIC_L2), FAISS_EXCEPT,
                "could not parse index string");
    CHECK(strstr(faiss_get_last_error(), "Bogus"));
    CHECK(index == NULL);
    CHECK_FAILS(faiss_index_factory(&index, D, "", METRIC_L2), FAISS_EXCEPT,
                "could not parse index string");
    CHECK_FAILS(faiss_index_factory(&index, D, NULL, METRIC_L2), FAISS_EXCEPT,
                "Error in faiss_index_factory: description is NULL");
    CHECK_FAILS(faiss_index_factory(NULL, D, "Flat", METRIC_L2), FAISS_EXCEPT,
                "p_index is NULL");
    /* Metrics faisslike lacks are refused, not misread. */
    CHECK_FAILS(faiss_index_factory(&index, D, "Flat", METRIC_Canberra), FAISS_EXCEPT,
                "metric 20 is not supported");
    CHECK(index == NULL);
}

static void missing_and_bad_files(const char* dir) {
    char path[1024];
    FaissIndex* index = NULL;
    FILE* f;
    FaissIndex* flat = make("Flat");

    snprintf(path, sizeof(path), "%s/does_not_exist.index", dir);
    CHECK_FAILS(faiss_read_index_fname(path, 0, &index), FAISS_EXCEPT, "could not open");
    CHECK(strstr(faiss_get_last_error(), path));
    CHECK(index == NULL);

    /* A file that is not an index. */
    snprintf(path, sizeof(path), "%s/garbage.index", dir);
    f = fopen(path, "wb");
    CHECK(f);
    fputs("this is not an index file", f);
    fclose(f);
    CHECK(faiss_read_index_fname(path, 0, &index) == FAISS_EXCEPT);
    CHECK(index == NULL);
    CHECK(remove(path) == 0);

    /* A directory that does not exist. */
    snprintf(path, sizeof(path), "%s/no/such/dir/x.index", dir);
    CHECK_FAILS(faiss_write_index_fname(flat, path), FAISS_EXCEPT, "x.index");
    CHECK_FAILS(faiss_write_index(flat, NULL), FAISS_EXCEPT, "f is NULL");
    faiss_Index_free(flat);
}

static void dimension_mismatches(void) {
    FaissIndex* a = make("IVF8,Flat");
    FaissIndexFlatL2* small = NULL;
    FaissIndexIVFFlat* ivf = NULL;
    FaissIndexPreTransform* pre = NULL;
    FaissPCAMatrix* pca = NULL;
    FaissIndex* b = NULL;

    CHECK_OK(faiss_index_factory(&b, D / 2, "IVF8,Flat", METRIC_L2));
    CHECK_FAILS(faiss_IndexIVF_merge_from(a, b, 0), FAISS_EXCEPT, "cannot merge");
    faiss_Index_free(b);

    /* A quantizer of another dimension. */
    CHECK_OK(faiss_IndexFlatL2_new_with(&small, D / 2));
    CHECK_FAILS(faiss_IndexIVFFlat_new_with(&ivf, small, D, 8), FAISS_EXCEPT, "dimension");
    CHECK(ivf == NULL);

    /* A transform whose output is not the index's input. */
    CHECK_OK(faiss_PCAMatrix_new_with(&pca, D, D / 4, 0.0f, 0));
    CHECK(faiss_IndexPreTransform_new_with_transform(&pre, pca, small) == FAISS_EXCEPT);
    CHECK(pre == NULL);
    faiss_PCAMatrix_free(pca);
    faiss_Index_free(small);

    /* Merging into a flat index through the IVF entry point: a class error. */
    CHECK_OK(faiss_IndexFlatL2_new_with(&small, D));
    CHECK_FAILS(faiss_IndexIVF_merge_from(a, small, 0), FAISS_EXCEPT,
                "other is an IndexFlatL2, not an IndexIVF");
    faiss_Index_free(small);
    faiss_Index_free(a);
}

static void bad_search_arguments(void) {
    FaissIndex* flat = make("Flat");
    float dis[4] = {0}, recons[D];
    idx_t lab[4] = {7, 7, 7, 7};
    FaissRangeSearchResult* result = NULL;

    CHECK_OK(faiss_Index_add(flat, N, x));
    CHECK_FAILS(faiss_Index_search(flat, 1, x, 0, dis, lab), FAISS_EXCEPT, "k = 0 must be > 0");
    CHECK_FAILS(faiss_Index_search(flat, 1, x, -3, dis, lab), FAISS_EXCEPT, "must be > 0");
    CHECK_FAILS(faiss_Index_assign(flat, 1, x, lab, 0), FAISS_EXCEPT, "must be > 0");
    CHECK(lab[0] == 7);
    CHECK_FAILS(faiss_Index_search(NULL, 1, x, 4, dis, lab), FAISS_EXCEPT,
                "Error in faiss_Index_search: index is NULL");
    CHECK(faiss_Index_search(flat, 1, NULL, 4, dis, lab) == FAISS_EXCEPT);
    CHECK(faiss_Index_search(flat, 1, x, 4, dis, NULL) == FAISS_EXCEPT);
    CHECK(faiss_Index_reconstruct(flat, N, recons) == FAISS_EXCEPT);
    CHECK(faiss_Index_reconstruct_n(flat, N - 1, 2, x) == FAISS_EXCEPT);

    /* A result made for another number of queries. */
    CHECK_OK(faiss_RangeSearchResult_new(&result, 3));
    CHECK(faiss_Index_range_search(flat, 2, x, 1.0f, result) == FAISS_EXCEPT);
    CHECK_FAILS(faiss_Index_range_search(flat, 2, x, 1.0f, NULL), FAISS_EXCEPT, "result is NULL");
    faiss_RangeSearchResult_free(result);
    faiss_Index_free(flat);
}

static void wrong_classes_and_values(void) {
    FaissIndex* flat = make("Flat");
    FaissIndex* ivf = make("IVF8,Flat");
    FaissIndex* idmap = make("IDMap2,Flat");
    FaissIndexScalarQuantizer* sq = NULL;
    FaissParameterSpace* space = NULL;
    float recons[D];
    idx_t dup[2] = {5, 5};

    /* IVF functions on a flat index: an error, not undefined behaviour. */
    CHECK_FAILS(faiss_IndexIVF_make_direct_map(flat, 1), FAISS_EXCEPT,
                "index is an IndexFlat");
    /* Getters and setters have no error code: zero and no-op. */
    CHECK(faiss_IndexIVF_nprobe(flat) == 0);
    faiss_IndexIVF_set_nprobe(flat, 5);
    CHECK(faiss_IndexIVF_nlist(NULL) == 0);
    CHECK(faiss_Index_d(NULL) == 0);
    CHECK(faiss_IndexIVF_quantizer(flat) == NULL);
    CHECK(faiss_IndexIVF_cast(flat) == NULL);
    CHECK(faiss_IndexFlat_cast(flat) == flat);
    CHECK(faiss_IndexFlatL2_cast(ivf) == NULL);
    CHECK(faiss_IndexIVF_get_list_size(flat, 0) == 0);
    CHECK(strstr(faiss_get_last_error(), "faiss_IndexIVF_get_list_size"));
    CHECK(faiss_IndexIVF_get_list_size(ivf, 8) == 0);
    CHECK(strstr(faiss_get_last_error(), "out of range"));

    /* reconstruct on IVF needs the direct map, with Faiss's phrase. */
    CHECK_OK(faiss_Index_train(ivf, N, x));
    CHECK_OK(faiss_Index_add(ivf, N, x));
    CHECK_FAILS(faiss_Index_reconstruct(ivf, 3, recons), FAISS_EXCEPT,
                "direct map not initialized");
    CHECK_OK(faiss_IndexIVF_make_direct_map(ivf, 1));
    CHECK_OK(faiss_Index_reconstruct(ivf, 3, recons));
    CHECK(memcmp(recons, x + 3 * D, sizeof(recons)) == 0);

    /* IDMap refuses add without ids; IDMap2 refuses duplicates, whole batch. */
    CHECK_FAILS(faiss_Index_add(idmap, 1, x), FAISS_EXCEPT, "add_with_ids");
    CHECK_FAILS(faiss_Index_add_with_ids(idmap, 2, x, dup), FAISS_EXCEPT, "already present");
    CHECK(faiss_Index_ntotal(idmap) == 0);

    CHECK_FAILS(faiss_IndexScalarQuantizer_new_with(&sq, D, QT_1bit_tqmse, METRIC_L2),
                FAISS_EXCEPT, "quantizer type 10 is not supported");
    CHECK(sq == NULL);
    CHECK_FAILS(faiss_IndexFlat_new_with(&flat, D, METRIC_JensenShannon), FAISS_EXCEPT,
                "not supported");

    CHECK_OK(faiss_ParameterSpace_new(&space));
    CHECK_FAILS(faiss_ParameterSpace_set_index_parameter(space, flat, "nprobe", 4), FAISS_EXCEPT,
                "could not set parameter nprobe");
    CHECK_FAILS(faiss_ParameterSpace_set_index_parameters(space, ivf, "nprobe"), FAISS_EXCEPT,
                "expected name=value");
    faiss_ParameterSpace_free(space);

    faiss_Index_free(flat);
    faiss_Index_free(ivf);
    faiss_Index_free(idmap);
}

static void standard_exceptions(void) {
    FaissRangeSearchResult* result = NULL;
    /* (nq + 1) * 8 bytes overflows: the allocation fails with a std::bad_alloc. */
    CHECK_FAILS(faiss_RangeSearchResult_new(&result, INT64_MAX), STD_EXCEPT, "out of memory");
    CHECK(result == NULL);
    CHECK_FAILS(faiss_RangeSearchResult_new(&result, -1), FAISS_EXCEPT, "nq = -1 must be >= 0");
}

static void message_lifetime(void) {
    FaissIndex* flat = make("Flat");
    float dis[1];
    idx_t lab[1];
    const char* before;

    CHECK(faiss_Index_search(flat, 1, x, 0, dis, lab) == FAISS_EXCEPT);
    before = faiss_get_last_error();
    /* As in Faiss, a success leaves the last message in place. */
    CHECK_OK(faiss_Index_add(flat, 1, x));
    CHECK(faiss_get_last_error() == before);
    CHECK(strstr(before, "k = 0"));
    faiss_Index_free(flat);
}

#ifdef FAISSLIKE_C_TEST_THREADS
static void* fail_in_thread(void* arg) {
    FaissIndex* index = NULL;
    const char** seen = (const char**)arg;
    /* A new thread has no error yet. */
    seen[0] = faiss_get_last_error();
    CHECK(faiss_index_factory(&index, D, "NotAnIndex", METRIC_L2) == FAISS_EXCEPT);
    seen[1] = faiss_get_last_error();
    return NULL;
}

static void per_thread_messages(void) {
    pthread_t thread;
    const char* seen[2] = {NULL, NULL};
    const char* mine;
    FaissIndex* index = NULL;

    CHECK(faiss_index_factory(&index, D, "IVF0,Flat", METRIC_L2) == FAISS_EXCEPT);
    mine = faiss_get_last_error();
    CHECK(pthread_create(&thread, NULL, fail_in_thread, (void*)seen) == 0);
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK(seen[0] == NULL);
    CHECK(seen[1] != NULL);
    /* This thread's message is untouched by the other's failure. */
    CHECK(faiss_get_last_error() == mine);
    CHECK(strstr(mine, "IVF0") && !strstr(mine, "NotAnIndex"));
}
#endif

int main(int argc, char** argv) {
    CHECK(argc == 2);
    CHECK(faiss_get_last_error() == NULL);
    random_floats(x, (size_t)N * D, 11);

    untrained_add();
    bad_factory_strings();
    missing_and_bad_files(argv[1]);
    dimension_mismatches();
    bad_search_arguments();
    wrong_classes_and_values();
    standard_exceptions();
    message_lifetime();
#ifdef FAISSLIKE_C_TEST_THREADS
    per_thread_messages();
#endif
    printf("all error checks passed\n");
    return 0;
}
