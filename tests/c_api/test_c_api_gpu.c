/*
 * The GPU part of the C API. Without a device: the resources and options
 * objects work, and a copy to the GPU fails with an error code and a
 * message (then exit code 77, "skipped", for the part that needs a device).
 * With one: a flat index copied to the GPU and back searches as the CPU one.
 */

#include <faiss/c_api/IndexFlat_c.h>
#include <faiss/c_api/gpu/DeviceUtils_c.h>
#include <faiss/c_api/gpu/GpuAutoTune_c.h>
#include <faiss/c_api/gpu/GpuClonerOptions_c.h>
#include <faiss/c_api/gpu/StandardGpuResources_c.h>

#include "c_test_util.h"

int main(int argc, char** argv) {
    enum { D = 8, NB = 200, NQ = 5, K = 4 };
    int ngpu = -1;
    FaissStandardGpuResources* res = NULL;
    FaissGpuClonerOptions* options = NULL;
    FaissGpuMultipleClonerOptions* multi = NULL;
    FaissIndexFlat* cpu = NULL;
    FaissGpuIndex* gpu = NULL;
    FaissIndex* back = NULL;
    float xb[NB * D], xq[NQ * D], dc[NQ * K], dg[NQ * K];
    idx_t ic[NQ * K], ig[NQ * K];
    int i;
    (void)argc;
    (void)argv;

    CHECK_OK(faiss_get_num_gpus(&ngpu));
    CHECK(ngpu >= 0);
    CHECK_FAILS(faiss_get_num_gpus(NULL), FAISS_EXCEPT, "p_output");

    CHECK_OK(faiss_StandardGpuResources_new(&res));
    CHECK_OK(faiss_StandardGpuResources_noTempMemory(res));
    CHECK_OK(faiss_StandardGpuResources_setTempMemory(res, 1 << 20));

    CHECK_OK(faiss_GpuClonerOptions_new(&options));
    CHECK(faiss_GpuClonerOptions_indicesOptions(options) == INDICES_64_BIT);
    faiss_GpuClonerOptions_set_usePrecomputed(options, 1);
    CHECK(faiss_GpuClonerOptions_usePrecomputed(options) == 1);
    CHECK_OK(faiss_GpuMultipleClonerOptions_new(&multi));
    CHECK(faiss_GpuMultipleClonerOptions_shard(multi) == 0);
    /* A plain options object is not a multiple one: the getter reads 0. */
    CHECK(faiss_GpuMultipleClonerOptions_shard(options) == 0);

    for (i = 0; i < NB * D; i++) {
        xb[i] = (float)((i * 7919) % 1000) / 1000.0f;
    }
    for (i = 0; i < NQ * D; i++) {
        xq[i] = (float)((i * 104729) % 1000) / 1000.0f;
    }
    CHECK_OK(faiss_IndexFlatL2_new_with(&cpu, D));
    CHECK_OK(faiss_Index_add(cpu, NB, xb));

    if (ngpu == 0) {
        CHECK_FAILS(faiss_index_cpu_to_gpu(res, 0, cpu, &gpu), FAISS_EXCEPT, "device");
        CHECK(gpu == NULL);
        faiss_GpuMultipleClonerOptions_free(multi);
        faiss_GpuClonerOptions_free(options);
        faiss_StandardGpuResources_free(res);
        faiss_IndexFlat_free(cpu);
        printf("test_c_api_gpu: no CUDA device; the device part is skipped\n");
        return 77;
    }

    CHECK_OK(faiss_index_cpu_to_gpu_with_options(res, 0, cpu, options, &gpu));
    CHECK(faiss_Index_ntotal(gpu) == NB);
    CHECK_OK(faiss_Index_search(cpu, NQ, xq, K, dc, ic));
    CHECK_OK(faiss_Index_search(gpu, NQ, xq, K, dg, ig));
    for (i = 0; i < NQ * K; i++) {
        CHECK(fabsf(dc[i] - dg[i]) <= 1e-4f * (1.0f + fabsf(dc[i])));
    }
    CHECK_OK(faiss_index_gpu_to_cpu(gpu, &back));
    CHECK(faiss_Index_ntotal(back) == NB);
    CHECK_OK(faiss_gpu_sync_all_devices());

    faiss_Index_free(back);
    faiss_Index_free(gpu);
    faiss_GpuMultipleClonerOptions_free(multi);
    faiss_GpuClonerOptions_free(options);
    faiss_StandardGpuResources_free(res);
    faiss_IndexFlat_free(cpu);
    printf("test_c_api_gpu: OK\n");
    return 0;
}
