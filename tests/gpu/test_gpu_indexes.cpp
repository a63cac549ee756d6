// The GPU index classes against their CPU counterparts: search results
// within tolerance for every class and parameter family, add on the device,
// IDSelector, k beyond 2048, cloner round trips and serialization through
// the CPU form. Tests that need a device skip with the reason where none is
// present; the no-device behaviour is checked everywhere.

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include <faisslike/IndexFlat.h>
#include <faisslike/IndexHNSW.h>
#include <faisslike/IndexIVFFlat.h>
#include <faisslike/IndexIVFPQ.h>
#include <faisslike/gpu/GpuCloner.h>
#include <faisslike/gpu/GpuIndexFlat.h>
#include <faisslike/gpu/GpuIndexIVFFlat.h>
#include <faisslike/gpu/GpuIndexIVFPQ.h>
#include <faisslike/gpu/StandardGpuResources.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/IDSelector.h>
#include <faisslike/index_io.h>
#include <faisslike/utils/random.h>

#include "gpu/compare_results.h"
#include "gpu/skip_without_device.h"

namespace fg = faisslike::gpu;
using faisslike::idx_t;

namespace {

std::vector<float> randn(size_t n, int64_t seed) {
    std::vector<float> x(n);
    faisslike::float_randn(x.data(), n, seed);
    return x;
}

struct Knn {
    std::vector<float> D;
    std::vector<idx_t> I;
};

Knn search(const faisslike::Index& index, idx_t nq, const float* xq, idx_t k,
           const faisslike::SearchParameters* params = nullptr) {
    Knn r;
    r.D.resize(size_t(nq * k));
    r.I.resize(size_t(nq * k));
    index.search(nq, xq, k, r.D.data(), r.I.data(), params);
    return r;
}

void expect_same(const Knn& ref, const Knn& got, idx_t nq, idx_t k, float rel, const char* what) {
    fg::test::expect_same_knn(size_t(nq), size_t(k), ref.D, ref.I, got.D, got.I, rel, what);
}

const int kD = 48;
const idx_t kNb = 20000, kNq = 100;

} // namespace

// Runs everywhere: the resources object needs no device until it is used,
// and a GPU index on a machine without one is a clear error, not a crash.
TEST(GpuIndexes, NoDeviceIsAnErrorWithAMessage) {
    fg::StandardGpuResources res;
    if (fg::getNumDevices() > 0) {
        GTEST_SKIP() << "a device is present";
    }
    try {
        fg::GpuIndexFlatL2 index(&res, 16);
        FAIL() << "constructed a GPU index without a device";
    } catch (const faisslike::FaisslikeException& e) {
        EXPECT_NE(std::string(e.what()).find("device"), std::string::npos) << e.what();
    }
    faisslike::IndexFlatL2 cpu(16);
    EXPECT_THROW(fg::index_cpu_to_gpu(&res, 0, &cpu), faisslike::FaisslikeException);
}

TEST(GpuIndexes, UnsupportedTypeIsRefused) {
    fg::StandardGpuResources res;
    faisslike::IndexHNSWFlat hnsw(8, 4);
    try {
        delete fg::index_cpu_to_gpu(&res, 0, &hnsw);
        FAIL() << "cloned an HNSW index to GPU";
    } catch (const faisslike::FaisslikeException& e) {
        EXPECT_NE(std::string(e.what()).find("not implemented on GPU"), std::string::npos)
                << e.what();
    }
}

TEST(GpuIndexes, FlatMatchesCpu) {
    SKIP_WITHOUT_DEVICE();
    const auto xb = randn(size_t(kNb) * kD, 1), xq = randn(size_t(kNq) * kD, 2);
    fg::StandardGpuResources res;
    for (auto metric : {faisslike::METRIC_L2, faisslike::METRIC_INNER_PRODUCT}) {
        faisslike::IndexFlat cpu(kD, metric);
        cpu.add(kNb, xb.data());
        fg::GpuIndexFlat gpu(&res, kD, metric);
        // Two adds: the device storage grows and keeps the first batch.
        gpu.add(kNb / 3, xb.data());
        gpu.add(kNb - kNb / 3, xb.data() + size_t(kNb / 3) * kD);
        ASSERT_EQ(gpu.ntotal, kNb);
        for (idx_t k : {1, 10, 100, 1024, 2048, 3000}) {
            expect_same(search(cpu, kNq, xq.data(), k), search(gpu, kNq, xq.data(), k), kNq, k,
                        6e-5f, "GpuIndexFlat");
        }
        // The temporary reservation only changes the tiling.
        res.noTempMemory();
        expect_same(search(cpu, kNq, xq.data(), 50), search(gpu, kNq, xq.data(), 50), kNq, 50,
                    6e-5f, "no temp memory");
        res.setTempMemory(size_t(64) << 20);
    }
}

TEST(GpuIndexes, FlatSelectorReconstructAndErrors) {
    SKIP_WITHOUT_DEVICE();
    const auto xb = randn(size_t(kNb) * kD, 3), xq = randn(size_t(kNq) * kD, 4);
    fg::StandardGpuResources res;
    faisslike::IndexFlatL2 cpu(kD);
    cpu.add(kNb, xb.data());
    fg::GpuIndexFlatL2 gpu(&res, &cpu);
    faisslike::IDSelectorRange sel(1000, 5000);
    faisslike::SearchParameters params;
    params.sel = &sel;
    expect_same(search(cpu, kNq, xq.data(), 20, &params), search(gpu, kNq, xq.data(), 20, &params),
                kNq, 20, 6e-5f, "IDSelector");
    std::vector<float> v(kD);
    gpu.reconstruct(1234, v.data());
    EXPECT_EQ(v, std::vector<float>(xb.begin() + 1234 * kD, xb.begin() + 1235 * kD));
    std::vector<idx_t> ids(10, 0);
    EXPECT_THROW(gpu.add_with_ids(10, xb.data(), ids.data()), faisslike::FaisslikeException);
    EXPECT_EQ(gpu.ntotal, kNb);
}

TEST(GpuIndexes, IVFFlatMatchesCpu) {
    SKIP_WITHOUT_DEVICE();
    const auto xb = randn(size_t(kNb) * kD, 5), xq = randn(size_t(kNq) * kD, 6);
    fg::StandardGpuResources res;
    for (auto metric : {faisslike::METRIC_L2, faisslike::METRIC_INNER_PRODUCT}) {
        faisslike::IndexFlat q(kD, metric);
        faisslike::IndexIVFFlat cpu(&q, kD, 64, metric);
        cpu.train(kNb, xb.data());
        // The GPU index from the trained CPU one, then the same adds on both.
        fg::GpuIndexIVFFlat gpu(&res, &cpu);
        cpu.add(kNb, xb.data());
        gpu.add(kNb, xb.data());
        ASSERT_EQ(gpu.ntotal, kNb);
        for (size_t nprobe : {1, 8, 64}) {
            cpu.nprobe = nprobe;
            gpu.nprobe = nprobe;
            for (idx_t k : {1, 10, 500}) {
                expect_same(search(cpu, kNq, xq.data(), k), search(gpu, kNq, xq.data(), k), kNq, k,
                            6e-5f, "GpuIndexIVFFlat");
            }
        }
        // Trained on the GPU: a search with every list probed is exact.
        fg::GpuIndexIVFFlat own(&res, kD, 32, metric);
        own.train(kNb, xb.data());
        own.add(kNb, xb.data());
        own.nprobe = 32;
        faisslike::IndexFlat flat(kD, metric);
        flat.add(kNb, xb.data());
        expect_same(search(flat, kNq, xq.data(), 10), search(own, kNq, xq.data(), 10), kNq, 10,
                    6e-5f, "trained on GPU");
    }
}

TEST(GpuIndexes, IVFPQMatchesCpu) {
    SKIP_WITHOUT_DEVICE();
    const auto xb = randn(size_t(kNb) * kD, 7), xq = randn(size_t(kNq) * kD, 8);
    fg::StandardGpuResources res;
    struct Case {
        faisslike::MetricType metric;
        size_t M, nbits;
        bool precomputed;
    };
    for (const Case& c : {Case{faisslike::METRIC_L2, 8, 8, false}, Case{faisslike::METRIC_L2, 8, 8, true},
                          Case{faisslike::METRIC_L2, 16, 5, true},
                          Case{faisslike::METRIC_INNER_PRODUCT, 12, 8, false}}) {
        faisslike::IndexFlat q(kD, c.metric);
        faisslike::IndexIVFPQ cpu(&q, kD, 64, c.M, c.nbits, c.metric);
        cpu.train(kNb, xb.data());
        cpu.add(kNb, xb.data());
        cpu.nprobe = 16;
        fg::GpuIndexIVFPQConfig config;
        config.usePrecomputedTables = c.precomputed;
        fg::GpuIndexIVFPQ gpu(&res, &cpu, config);
        gpu.nprobe = 16;
        for (idx_t k : {1, 20, 300}) {
            expect_same(search(cpu, kNq, xq.data(), k), search(gpu, kNq, xq.data(), k), kNq, k,
                        1e-3f, "GpuIndexIVFPQ");
        }
        // Adds encoded on the device land in the same lists with the same
        // codes as on the CPU (up to near-ties).
        fg::GpuIndexIVFPQ added(&res, &cpu, config);
        added.reset();
        added.add(kNb, xb.data());
        size_t same = 0;
        for (idx_t l = 0; l < 64; l++) {
            const auto ids = added.getListIndices(l);
            const auto codes = added.getListVectorData(l);
            const size_t n = cpu.invlists->list_size(size_t(l));
            if (ids.size() == n && std::equal(ids.begin(), ids.end(), cpu.invlists->get_ids(size_t(l)))) {
                same += std::equal(codes.begin(), codes.end(), cpu.invlists->get_codes(size_t(l)));
            }
        }
        EXPECT_GE(same, size_t(60));
    }
}

TEST(GpuIndexes, ClonerRoundTripsAndSerialization) {
    SKIP_WITHOUT_DEVICE();
    const auto xb = randn(size_t(kNb) * kD, 9), xq = randn(size_t(kNq) * kD, 10);
    fg::StandardGpuResources res;
    faisslike::IndexFlatL2 flat(kD);
    flat.add(kNb, xb.data());
    faisslike::IndexFlatL2 q1(kD), q2(kD);
    faisslike::IndexIVFFlat ivf(&q1, kD, 32);
    ivf.train(kNb, xb.data());
    ivf.add(kNb, xb.data());
    ivf.nprobe = 4;
    faisslike::IndexIVFPQ ivfpq(&q2, kD, 32, 8, 8);
    ivfpq.train(kNb, xb.data());
    ivfpq.add(kNb, xb.data());
    ivfpq.nprobe = 4;
    for (const faisslike::Index* cpu : {static_cast<const faisslike::Index*>(&flat),
                                        static_cast<const faisslike::Index*>(&ivf),
                                        static_cast<const faisslike::Index*>(&ivfpq)}) {
        std::unique_ptr<faisslike::Index> gpu(fg::index_cpu_to_gpu(&res, 0, cpu));
        std::unique_ptr<faisslike::Index> back(fg::index_gpu_to_cpu(gpu.get()));
        const Knn ref = search(*cpu, kNq, xq.data(), 10);
        // gpu -> cpu gives the same index, bit for bit on disk.
        EXPECT_EQ(faisslike::serialize_index(back.get()), faisslike::serialize_index(cpu));
        // write_index of a GPU index writes its CPU form.
        const auto bytes = faisslike::serialize_index(gpu.get());
        EXPECT_EQ(bytes, faisslike::serialize_index(cpu));
        std::unique_ptr<faisslike::Index> read(faisslike::deserialize_index(bytes));
        expect_same(ref, search(*read, kNq, xq.data(), 10), kNq, 10, 0.0f, "read back");
        expect_same(ref, search(*gpu, kNq, xq.data(), 10), kNq, 10, 1e-3f, "on GPU");
    }
}

TEST(GpuIndexes, AllGpusReplicas) {
    SKIP_WITHOUT_DEVICE();
    const auto xb = randn(size_t(kNb) * kD, 11), xq = randn(size_t(kNq) * kD, 12);
    faisslike::IndexFlatL2 cpu(kD);
    cpu.add(kNb, xb.data());
    std::unique_ptr<faisslike::Index> all(fg::index_cpu_to_all_gpus(&cpu));
    EXPECT_EQ(all->ntotal, kNb);
    expect_same(search(cpu, kNq, xq.data(), 10), search(*all, kNq, xq.data(), 10), kNq, 10, 6e-5f,
                "all GPUs");
    // Adds reach every device.
    all->add(10, xq.data());
    EXPECT_EQ(all->ntotal, kNb + 10);
}

TEST(GpuIndexes, IVFSelectorsLargeKAndGpuTraining) {
    SKIP_WITHOUT_DEVICE();
    const auto xb = randn(size_t(kNb) * kD, 13), xq = randn(size_t(kNq) * kD, 14);
    fg::StandardGpuResources res;
    faisslike::IndexFlatL2 q1(kD), q2(kD);
    faisslike::IndexIVFFlat ivf(&q1, kD, 32);
    ivf.train(kNb, xb.data());
    ivf.add(kNb, xb.data());
    ivf.nprobe = 8;
    faisslike::IndexIVFPQ ivfpq(&q2, kD, 32, 8, 8);
    ivfpq.train(kNb, xb.data());
    ivfpq.add(kNb, xb.data());
    ivfpq.nprobe = 8;
    faisslike::IDSelectorRange sel(2000, 9000);
    faisslike::SearchParametersIVF params;
    params.sel = &sel;
    params.nprobe = 8;
    for (const faisslike::Index* cpu : {static_cast<const faisslike::Index*>(&ivf),
                                        static_cast<const faisslike::Index*>(&ivfpq)}) {
        std::unique_ptr<faisslike::Index> gpu(fg::index_cpu_to_gpu(&res, 0, cpu));
        // IDSelector, and nprobe from the parameters.
        expect_same(search(*cpu, kNq, xq.data(), 20, &params),
                    search(*gpu, kNq, xq.data(), 20, &params), kNq, 20, 1e-3f, "IVF + selector");
        // k above Faiss's 2048 limit.
        expect_same(search(*cpu, 10, xq.data(), 2500), search(*gpu, 10, xq.data(), 2500), 10, 2500,
                    1e-3f, "IVF k = 2500");
    }
    // IVFPQ trained on the GPU, with and without the precomputed table: the
    // two table modes give the same results.
    fg::GpuIndexIVFPQ gpq(&res, kD, 32, 8, 8);
    gpq.train(kNb, xb.data());
    gpq.add(kNb, xb.data());
    gpq.nprobe = 8;
    const Knn plain = search(gpq, kNq, xq.data(), 10);
    gpq.setPrecomputedCodes(true);
    ASSERT_TRUE(gpq.getPrecomputedCodes());
    expect_same(plain, search(gpq, kNq, xq.data(), 10), kNq, 10, 1e-3f, "precomputed table");
    std::unique_ptr<faisslike::Index> cpu(fg::index_gpu_to_cpu(&gpq));
    expect_same(search(*cpu, kNq, xq.data(), 10), plain, kNq, 10, 1e-3f, "GPU-trained on CPU");
}
