/*
 * The Arrow table functions of the C API: datasets out and back in, index
 * bundles out, moved between bundles, and back in with the same search
 * results bit for bit; the Arrow structs read as the specification says;
 * errors come back as codes with a message.
 *
 * Usage: test_c_api_table SCRATCH_DIR
 */

#include <faisslike/c_api/IndexFlat_c.h>
#include <faisslike/c_api/Index_c.h>
#include <faisslike/c_api/MetaIndexes_c.h>
#include <faisslike/c_api/error_c.h>
#include <faisslike/c_api/index_factory_c.h>
#include <faisslike/c_api/table_c.h>

#include "c_test_util.h"

#define D 16
#define NB 1200
#define NQ 15
#define K 6

static float xb[NB * D], xq[NQ * D];

static FaissIndex* filled(const char* description, FaissMetricType metric) {
    FaissIndex* index = NULL;
    CHECK_OK(faiss_index_factory(&index, D, description, metric));
    if (!faiss_Index_is_trained(index)) {
        CHECK_OK(faiss_Index_train(index, NB, xb));
    }
    CHECK_OK(faiss_Index_add(index, NB, xb));
    return index;
}

static void expect_same_search(const FaissIndex* a, const FaissIndex* b) {
    float da[NQ * K], db[NQ * K];
    idx_t ia[NQ * K], ib[NQ * K];
    CHECK_OK(faiss_Index_search(a, NQ, xq, K, da, ia));
    CHECK_OK(faiss_Index_search(b, NQ, xq, K, db, ib));
    CHECK(memcmp(ia, ib, sizeof(ia)) == 0);
    CHECK(memcmp(da, db, sizeof(da)) == 0);
}

static void dataset(void) {
    FaissIndex* flat = filled("Flat", METRIC_L2);
    FaissIndex* back = NULL;
    struct ArrowArrayStream stream;
    struct ArrowSchema schema;
    struct ArrowArray batch;
    int64_t rows = 0, batches = 0;
    idx_t added = 0;

    /* The stream as a consumer sees it, through the C structs alone. */
    CHECK_OK(faiss_export_dataset_stream(flat, 500, 0, &stream));
    CHECK(stream.get_schema(&stream, &schema) == 0);
    CHECK(strcmp(schema.format, "+s") == 0);
    CHECK(schema.n_children == 2);
    CHECK(strcmp(schema.children[0]->name, "id") == 0 && strcmp(schema.children[0]->format, "l") == 0);
    CHECK(strcmp(schema.children[1]->name, "vector") == 0 && strcmp(schema.children[1]->format, "+w:16") == 0);
    CHECK(strcmp(schema.children[1]->children[0]->format, "f") == 0);
    schema.release(&schema);
    CHECK(schema.release == NULL);
    for (;;) {
        const float* v;
        CHECK(stream.get_next(&stream, &batch) == 0);
        if (!batch.release) {
            break;
        }
        CHECK(batch.n_children == 2 && batch.length <= 500);
        v = (const float*)batch.children[1]->children[0]->buffers[1];
        CHECK(memcmp(v, xb + rows * D, sizeof(float) * (size_t)(batch.length * D)) == 0);
        rows += batch.length;
        batches++;
        batch.release(&batch);
    }
    CHECK(rows == NB && batches == 3);
    stream.release(&stream);

    /* Out and back in: the same index. */
    CHECK_OK(faiss_export_dataset_stream(flat, 0, 1, &stream));
    CHECK_OK(faiss_index_factory(&back, D, "Flat", METRIC_L2));
    CHECK_OK(faiss_Index_add_from_stream(back, &stream, NULL, NULL, FAISS_TABLE_IDS_AUTO, &added));
    CHECK(stream.release == NULL);
    CHECK(added == NB && faiss_Index_ntotal(back) == NB);
    expect_same_search(flat, back);

    /* Ids a flat index cannot keep: refused, and the stream is still consumed. */
    {
        FaissIndex* ivf = filled("IVF8,Flat", METRIC_L2);
        FaissIndex* other = NULL;
        CHECK_OK(faiss_export_dataset_stream(ivf, 0, 0, &stream));
        CHECK_OK(faiss_index_factory(&other, D, "Flat", METRIC_L2));
        CHECK_FAILS(faiss_Index_add_from_stream(other, &stream, NULL, NULL, FAISS_TABLE_IDS_ALWAYS, NULL),
                    FAISS_EXCEPT, "IDMap");
        CHECK(stream.release == NULL);
        CHECK(faiss_Index_ntotal(other) == 0);
        faiss_Index_free(other);
        faiss_Index_free(ivf);
    }
    CHECK_FAILS(faiss_Index_add_from_stream(back, NULL, NULL, NULL, FAISS_TABLE_IDS_AUTO, NULL), FAISS_EXCEPT,
                "stream is NULL");
    faiss_Index_free(back);
    faiss_Index_free(flat);
}

static void bundles(void) {
    const char* specs[] = {"IVF8,PQ4", "HNSW8_SQ8", "IVF8_HNSW8,Flat", "IVF8,SQ8,RFlat"};
    size_t s;
    for (s = 0; s < sizeof(specs) / sizeof(specs[0]); s++) {
        int m;
        for (m = 0; m < 2; m++) {
            FaissMetricType metric = m ? METRIC_INNER_PRODUCT : METRIC_L2;
            FaissIndex* index = filled(specs[s], metric);
            FaissIndex* back = NULL;
            FaissIndexBundle* bundle = NULL;
            FaissIndexBundle* moved = NULL;
            size_t i, n;
            CHECK_OK(faiss_export_index_bundle(index, m, &bundle));
            n = faiss_IndexBundle_size(bundle);
            CHECK(n >= 2);
            CHECK(faiss_IndexBundle_name(bundle, n) == NULL);
            /* Every table moved into a new bundle, as a binding would do. */
            CHECK_OK(faiss_IndexBundle_new(&moved));
            while (faiss_IndexBundle_size(bundle) > 0) {
                struct ArrowArrayStream stream;
                char name[32];
                strncpy(name, faiss_IndexBundle_name(bundle, 0), sizeof(name) - 1);
                name[sizeof(name) - 1] = 0;
                CHECK_OK(faiss_IndexBundle_take_stream(bundle, name, &stream));
                CHECK(stream.release != NULL);
                CHECK_OK(faiss_IndexBundle_put_stream(moved, name, &stream));
                CHECK(stream.release == NULL);
            }
            CHECK(faiss_IndexBundle_size(moved) == n);
            for (i = 0; i < n; i++) {
                CHECK(faiss_IndexBundle_name(moved, i) != NULL);
            }
            CHECK_OK(faiss_import_index_bundle(moved, &back));
            CHECK(faiss_IndexBundle_size(moved) == 0);
            expect_same_search(index, back);
            faiss_IndexBundle_free(moved);
            faiss_IndexBundle_free(bundle);
            faiss_Index_free(back);
            faiss_Index_free(index);
        }
    }
}

static void errors(void) {
    FaissIndexBundle* bundle = NULL;
    FaissIndex* out = NULL;
    struct ArrowArrayStream stream;
    FaissIndex* unsupported = filled("IVF8,PQ4,Refine(SQ8)", METRIC_L2);
    CHECK_OK(faiss_IndexBundle_new(&bundle));
    CHECK_FAILS(faiss_import_index_bundle(bundle, &out), FAISS_EXCEPT, "no tables");
    CHECK_FAILS(faiss_IndexBundle_take_stream(bundle, "ivf", &stream), FAISS_EXCEPT, "no table 'ivf'");
    CHECK_FAILS(faiss_export_index_bundle(unsupported, 0, NULL), FAISS_EXCEPT, "p_out is NULL");
    CHECK_FAILS(faiss_export_index_bundle(unsupported, 0, &bundle), FAISS_EXCEPT, "do not support IndexRefine");
    CHECK_FAILS(faiss_export_dataset_stream(NULL, 0, 0, &stream), FAISS_EXCEPT, "index is NULL");
    CHECK(faiss_IndexBundle_size(NULL) == 0);
    faiss_IndexBundle_free(bundle);
    faiss_IndexBundle_free(NULL);
    faiss_Index_free(unsupported);
}

int main(int argc, char** argv) {
    (void)argc;
    (void)argv;
    clustered_floats(xb, NB, D, 1);
    clustered_floats(xq, NQ, D, 2);
    dataset();
    bundles();
    errors();
    printf("table: OK\n");
    return 0;
}
