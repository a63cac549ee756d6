// Faiss's tutorial part 4: the same searches on a GPU. Builds a flat index and
// an IVF index on the device, and checks them against the CPU indexes.
// Written for a GPU machine; without a device it says so and exits with 77
// (the "skipped" code of the test that runs it).

#include <cstdio>
#include <memory>
#include <random>
#include <vector>

#include <faisslike/IndexFlat.h>
#include <faisslike/IndexIVFFlat.h>
#include <faisslike/gpu/GpuCloner.h>
#include <faisslike/gpu/GpuIndexFlat.h>
#include <faisslike/gpu/GpuIndexIVFFlat.h>
#include <faisslike/gpu/StandardGpuResources.h>
#include <faisslike/gpu/utils/DeviceUtils.h>

using faisslike::idx_t;

int main() {
    if (faisslike::gpu::getNumDevices() == 0) {
        std::printf("4-GPU: no CUDA device on this machine; nothing to run\n");
        return 77;
    }
    const int d = 64;      // dimension
    const idx_t nb = 100000; // database size
    const idx_t nq = 10000;  // number of queries
    std::mt19937 rng(1234);
    std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
    std::vector<float> xb(size_t(nb) * d), xq(size_t(nq) * d);
    for (idx_t i = 0; i < nb; i++) {
        for (int j = 0; j < d; j++) {
            xb[size_t(i) * d + j] = uniform(rng);
        }
        xb[size_t(i) * d] += float(i) / 1000.0f;
    }
    for (idx_t i = 0; i < nq; i++) {
        for (int j = 0; j < d; j++) {
            xq[size_t(i) * d + j] = uniform(rng);
        }
        xq[size_t(i) * d] += float(i) / 1000.0f;
    }

    // One resources object per thread that uses the GPU: streams, cuBLAS
    // handle and a temporary-memory reservation.
    faisslike::gpu::StandardGpuResources res;

    // Exact search on the GPU.
    faisslike::gpu::GpuIndexFlatL2 index_flat(&res, d);
    std::printf("is_trained = %s\n", index_flat.is_trained ? "true" : "false");
    index_flat.add(nb, xb.data());
    std::printf("ntotal = %lld\n", (long long)index_flat.ntotal);

    const int k = 4;
    std::vector<idx_t> I(size_t(k) * nq);
    std::vector<float> D(size_t(k) * nq);
    index_flat.search(nq, xq.data(), k, D.data(), I.data());
    std::printf("I (5 first results)=\n");
    for (int i = 0; i < 5; i++) {
        for (int j = 0; j < k; j++) {
            std::printf("%5lld ", (long long)I[size_t(i) * k + j]);
        }
        std::printf("\n");
    }

    // The same answers as the CPU index (up to float rounding on ties).
    faisslike::IndexFlatL2 cpu_flat(d);
    cpu_flat.add(nb, xb.data());
    std::vector<idx_t> Icpu(size_t(k) * nq);
    std::vector<float> Dcpu(size_t(k) * nq);
    cpu_flat.search(nq, xq.data(), k, Dcpu.data(), Icpu.data());
    idx_t same = 0;
    for (idx_t i = 0; i < nq; i++) {
        same += I[size_t(i) * k] == Icpu[size_t(i) * k];
    }
    std::printf("nearest neighbour identical to the CPU's for %lld of %lld queries\n",
                (long long)same, (long long)nq);

    // An IVF index trained and filled on the GPU.
    const idx_t nlist = 100;
    faisslike::gpu::GpuIndexIVFFlat index_ivf(&res, d, nlist, faisslike::METRIC_L2);
    index_ivf.train(nb, xb.data());
    index_ivf.add(nb, xb.data());
    index_ivf.nprobe = 10;
    index_ivf.search(nq, xq.data(), k, D.data(), I.data());
    std::printf("IVF (nprobe = 10), I (5 last results)=\n");
    for (idx_t i = nq - 5; i < nq; i++) {
        for (int j = 0; j < k; j++) {
            std::printf("%5lld ", (long long)I[size_t(i) * k + j]);
        }
        std::printf("\n");
    }

    // A CPU index moved to the GPU and back.
    std::unique_ptr<faisslike::Index> on_gpu(faisslike::gpu::index_cpu_to_gpu(&res, 0, &cpu_flat));
    std::unique_ptr<faisslike::Index> back(faisslike::gpu::index_gpu_to_cpu(on_gpu.get()));
    std::printf("round trip CPU -> GPU -> CPU: %lld vectors\n", (long long)back->ntotal);
    return same > nq * 99 / 100 ? 0 : 1;
}
