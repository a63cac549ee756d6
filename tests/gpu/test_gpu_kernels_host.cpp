// The logic of every GPU kernel, run on the CPU: the kernel bodies and
// drivers of gpu/impl/ played by the host harness, compared with the CPU
// indexes (IndexFlat, IndexIVFFlat, IndexIVFPQ) and, for k-selection, with a
// plain sort. Needs no CUDA runtime, so it runs in every build.

#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <memory>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include <faisslike/IndexFlat.h>
#include <faisslike/IndexIVFFlat.h>
#include <faisslike/IndexIVFPQ.h>
#include <faisslike/impl/IDSelector.h>
#include <faisslike/utils/random.h>

#include "gpu/impl/BlockSelect.h"
#include "gpu/impl/FlatSearch.h"
#include "gpu/impl/IVFKernels.h"
#include "gpu/compare_results.h"
#include "gpu/host_grid.h"

namespace fg = faisslike::gpu;
namespace kn = faisslike::gpu::kernels;
using faisslike::idx_t;
using fg::test::HostBackend;
using fg::test::HostVector;

namespace {

std::vector<float> randn(size_t n, int64_t seed) {
    std::vector<float> x(n);
    faisslike::float_randn(x.data(), n, seed);
    return x;
}

/// Reference of block_select: the row sorted by (value in the kept
/// direction, id), truncated or padded to k.
void sorted_reference(
        const std::vector<float>& v,
        const std::vector<int64_t>& ids,
        bool largest,
        int k,
        std::vector<float>& d,
        std::vector<int64_t>& i) {
    std::vector<std::pair<float, int64_t>> all;
    for (size_t j = 0; j < v.size(); j++) {
        if (ids[j] >= 0) {
            all.emplace_back(v[j], ids[j]);
        }
    }
    std::sort(all.begin(), all.end(), [&](const auto& a, const auto& b) {
        if (a.first != b.first) {
            return largest ? a.first > b.first : a.first < b.first;
        }
        return a.second < b.second;
    });
    d.assign(size_t(k), largest ? -FLT_MAX : FLT_MAX);
    i.assign(size_t(k), -1);
    for (size_t r = 0; r < std::min(size_t(k), all.size()); r++) {
        d[r] = all[r].first;
        i[r] = all[r].second;
    }
}

/// One row through block_select (via MergeBody) with the harness.
void run_select(
        const std::vector<float>& v,
        const std::vector<int64_t>& ids,
        bool largest,
        int k,
        int chunk,
        int threads,
        std::vector<float>& d,
        std::vector<int64_t>& i) {
    d.assign(size_t(k), 0);
    i.assign(size_t(k), 0);
    kn::MergeBody body{v.data(), ids.data(), int(v.size()), int(v.size()),
                       nullptr, nullptr, 0, 0, largest, k, chunk, d.data(), i.data(), k};
    fg::test::play_grid(kn::Grid{}, threads, kn::select_shared_bytes(chunk), body);
}

} // namespace

TEST(GpuKernelsHost, SelectKeyOrderAndRoundTrip) {
    const float vals[] = {-FLT_MAX, -3.5f, -1e-30f, -0.0f, 0.0f, 1e-30f, 2.0f, FLT_MAX};
    for (bool largest : {false, true}) {
        for (size_t a = 0; a < 8; a++) {
            EXPECT_EQ(kn::select_value(kn::select_key(vals[a], largest), largest), vals[a]);
            for (size_t b = a + 1; b < 8; b++) {
                if (vals[a] < vals[b]) {
                    EXPECT_EQ(kn::select_key(vals[a], largest) < kn::select_key(vals[b], largest),
                              !largest)
                            << vals[a] << " vs " << vals[b];
                }
            }
        }
    }
}

// Every combination of direction, k (one pass, several passes, more than the
// row holds), pass size and block size, on rows full of ties and padding.
TEST(GpuKernelsHost, BlockSelectMatchesSort) {
    std::mt19937 rng(123);
    for (int trial = 0; trial < 40; trial++) {
        const int n = 1 + int(rng() % 700);
        const int distinct = trial % 3 == 0 ? 3 : 1000; // many exact ties
        std::vector<float> v(static_cast<size_t>(n));
        std::vector<int64_t> ids(static_cast<size_t>(n));
        std::vector<int64_t> perm(static_cast<size_t>(n));
        for (int j = 0; j < n; j++) {
            perm[j] = int64_t(j) * 7919 + (trial % 2 ? (int64_t(1) << 40) : 0);
        }
        std::shuffle(perm.begin(), perm.end(), rng);
        for (int j = 0; j < n; j++) {
            v[j] = float(int(rng() % distinct) - distinct / 2) * 0.25f;
            ids[j] = rng() % 11 == 0 ? -1 : perm[j]; // -1: padding, skipped
        }
        const bool largest = trial % 2 == 1;
        for (int k : {1, 5, 64, n, n + 9}) {
            for (int chunk : {3, 16, kn::kMaxBlockK}) {
                for (int threads : {1, 7, 32}) {
                    std::vector<float> dr, dt;
                    std::vector<int64_t> ir, it;
                    sorted_reference(v, ids, largest, k, dr, ir);
                    run_select(v, ids, largest, k, chunk, threads, dt, it);
                    ASSERT_EQ(dt, dr) << "n " << n << " k " << k << " chunk " << chunk
                                      << " threads " << threads;
                    ASSERT_EQ(it, ir) << "n " << n << " k " << k << " chunk " << chunk
                                      << " threads " << threads;
                }
            }
        }
    }
}

// k beyond one pass of 2048 with the real pass size: ranks 2048.. come from
// the second pass, which starts strictly after the first pass's last key.
TEST(GpuKernelsHost, BlockSelectBeyond2048) {
    const int n = 5000, k = 4500;
    std::vector<float> v = randn(size_t(n), 5);
    for (int j = 0; j < n; j += 3) {
        v[j] = 0.5f; // a tie spanning the pass boundary
    }
    std::vector<int64_t> ids(static_cast<size_t>(n));
    for (int j = 0; j < n; j++) {
        ids[j] = n - j;
    }
    std::vector<float> dr, dt;
    std::vector<int64_t> ir, it;
    sorted_reference(v, ids, false, k, dr, ir);
    run_select(v, ids, false, k, kn::kMaxBlockK, 64, dt, it);
    EXPECT_EQ(dt, dr);
    EXPECT_EQ(it, ir);
}

// An id stored twice (possible with add_with_ids) must not overflow a pass.
TEST(GpuKernelsHost, BlockSelectDuplicateKeys) {
    std::vector<float> v(100, 1.0f);
    std::vector<int64_t> ids(100, 42);
    std::vector<float> dt;
    std::vector<int64_t> it;
    run_select(v, ids, false, 10, 16, 8, dt, it);
    for (int r = 0; r < 10; r++) {
        EXPECT_EQ(dt[r], 1.0f);
        EXPECT_EQ(it[r], 42);
    }
}

namespace {

struct FlatCase {
    faisslike::MetricType metric;
    int k;
    kn::FlatSearchTiling tiling;
    int threads;
};

std::vector<uint8_t> selector_mask(const faisslike::IDSelector& sel, idx_t n) {
    std::vector<uint8_t> m(static_cast<size_t>(n));
    for (idx_t i = 0; i < n; i++) {
        m[size_t(i)] = sel.is_member(i) ? 1 : 0;
    }
    return m;
}

void check_flat(const FlatCase& c, const faisslike::IDSelector* sel = nullptr) {
    const int d = 24;
    const idx_t nb = 530, nq = 23;
    const std::vector<float> xb = randn(size_t(nb) * d, 1);
    const std::vector<float> xq = randn(size_t(nq) * d, 2);
    faisslike::IndexFlat cpu(d, c.metric);
    cpu.add(nb, xb.data());
    std::vector<float> dr(size_t(nq) * c.k);
    std::vector<idx_t> ir(size_t(nq) * c.k);
    faisslike::SearchParameters params;
    params.sel = sel;
    cpu.search(nq, xq.data(), c.k, dr.data(), ir.data(), sel ? &params : nullptr);

    HostBackend be;
    be.block_threads = c.threads;
    std::vector<float> norms(static_cast<size_t>(nb));
    kn::launch_row_norms(be, xb.data(), nb, d, norms.data());
    std::vector<uint8_t> mask;
    if (sel) {
        mask = selector_mask(*sel, nb);
    }
    std::vector<float> dt(size_t(nq) * c.k);
    std::vector<idx_t> it(size_t(nq) * c.k);
    kn::FlatSearchArgs a;
    a.xb = xb.data();
    a.xb_norms = norms.data();
    a.nb = nb;
    a.d = d;
    a.inner_product = c.metric == faisslike::METRIC_INNER_PRODUCT;
    a.xq = xq.data();
    a.nq = nq;
    a.k = c.k;
    a.allowed = sel ? mask.data() : nullptr;
    a.distances = dt.data();
    a.labels = it.data();
    a.tiling = c.tiling;
    kn::flat_search(be, a);
    fg::test::expect_same_knn(size_t(nq), size_t(c.k), dr, ir, dt, it, 1e-4f, "flat");
}

} // namespace

TEST(GpuKernelsHost, FlatSearchMatchesIndexFlat) {
    for (auto metric : {faisslike::METRIC_L2, faisslike::METRIC_INNER_PRODUCT}) {
        SCOPED_TRACE(metric);
        // One tile, one pass.
        check_flat({metric, 10, {}, 32});
        check_flat({metric, 1, {}, 5});
        // Column tiles merged with the running best (53 is not a divisor of
        // 530, so the last tile is short); query tiles.
        check_flat({metric, 10, {7, 53, kn::kMaxBlockK}, 32});
        check_flat({metric, 100, {4, 64, kn::kMaxBlockK}, 17});
        // Multi-pass selection inside tiles and merges (passes of 16).
        check_flat({metric, 75, {5, 100, 16}, 32});
        // k larger than the database: padded with -1.
        check_flat({metric, 600, {23, 200, 64}, 32});
    }
}

TEST(GpuKernelsHost, FlatSearchKBeyond2048) {
    // The real pass size: 2500 results need two passes per tile and merge.
    check_flat({faisslike::METRIC_L2, 520, {0, 0, kn::kMaxBlockK}, 64});
    const int d = 8;
    const idx_t nb = 3000, nq = 2, k = 2500;
    const std::vector<float> xb = randn(size_t(nb) * d, 3);
    const std::vector<float> xq = randn(size_t(nq) * d, 4);
    faisslike::IndexFlatL2 cpu(d);
    cpu.add(nb, xb.data());
    std::vector<float> dr(size_t(nq * k)), dt(size_t(nq * k));
    std::vector<idx_t> ir(size_t(nq * k)), it(size_t(nq * k));
    cpu.search(nq, xq.data(), k, dr.data(), ir.data());
    HostBackend be;
    be.block_threads = 128;
    std::vector<float> norms(static_cast<size_t>(nb));
    kn::launch_row_norms(be, xb.data(), nb, d, norms.data());
    kn::FlatSearchArgs a;
    a.xb = xb.data();
    a.xb_norms = norms.data();
    a.nb = nb;
    a.d = d;
    a.xq = xq.data();
    a.nq = nq;
    a.k = int(k);
    a.distances = dt.data();
    a.labels = it.data();
    a.tiling.col_tile = 1024; // three tiles, each selecting 2500 in two passes
    kn::flat_search(be, a);
    fg::test::expect_same_knn(size_t(nq), size_t(k), dr, ir, dt, it, 1e-4f, "k=2500");
}

TEST(GpuKernelsHost, FlatSearchIDSelector) {
    faisslike::IDSelectorRange range(100, 300);
    std::vector<idx_t> some = {3, 5, 77, 400, 529, 12};
    faisslike::IDSelectorArray array(some.size(), some.data());
    for (auto metric : {faisslike::METRIC_L2, faisslike::METRIC_INNER_PRODUCT}) {
        check_flat({metric, 10, {5, 64, kn::kMaxBlockK}, 32}, &range);
        check_flat({metric, 10, {5, 64, 4}, 32}, &array); // 6 allowed: padded
    }
}

TEST(GpuKernelsHost, FlatSearchEmptyDatabasePads) {
    HostBackend be;
    std::vector<float> xq = randn(8, 1), dt(6);
    std::vector<idx_t> it(6, 7);
    kn::FlatSearchArgs a;
    a.d = 4;
    a.xq = xq.data();
    a.nq = 2;
    a.k = 3;
    a.distances = dt.data();
    a.labels = it.data();
    kn::flat_search(be, a);
    for (int i = 0; i < 6; i++) {
        EXPECT_EQ(it[i], -1);
        EXPECT_EQ(dt[i], FLT_MAX);
    }
}

namespace {

/// Host-side IVF state of the kernels, loaded from or built next to a CPU index.
struct HostIVF {
    HostBackend be;
    std::vector<float> centroids, norms;
    kn::IVFCoarse coarse;
    kn::IVFLists<HostVector> lists;
    std::vector<float> pq_centroids, term2;
    kn::IVFCodec codec;

    explicit HostIVF(const faisslike::IndexIVF& cpu) {
        be.block_threads = 16;
        const int d = cpu.d;
        centroids.resize(cpu.nlist * size_t(d));
        cpu.quantizer->reconstruct_n(0, idx_t(cpu.nlist), centroids.data());
        norms.resize(cpu.nlist);
        kn::launch_row_norms(be, centroids.data(), idx_t(cpu.nlist), d, norms.data());
        coarse.centroids = centroids.data();
        coarse.norms = norms.data();
        coarse.nlist = idx_t(cpu.nlist);
        coarse.d = d;
        coarse.inner_product = cpu.metric_type == faisslike::METRIC_INNER_PRODUCT;
        codec.d = d;
        codec.code_size = int(cpu.code_size);
        codec.by_residual = cpu.by_residual;
        if (auto* pq = dynamic_cast<const faisslike::IndexIVFPQ*>(&cpu)) {
            codec.pq = true;
            codec.M = int(pq->pq.M);
            codec.nbits = int(pq->pq.nbits);
            codec.ksub = int(pq->pq.ksub);
            codec.dsub = int(pq->pq.dsub);
            pq_centroids = pq->pq.centroids;
            codec.pq_centroids = pq_centroids.data();
        }
        kn::ivf_reset(be, lists, idx_t(cpu.nlist), codec.code_size);
    }

    /// The precomputed table, computed by the kernel.
    void precompute() {
        term2.resize(size_t(coarse.nlist) * codec.M * codec.ksub);
        kn::Grid g;
        g.x = unsigned(coarse.nlist);
        be.launch(g, 0, kn::PQTerm2Body{centroids.data(), pq_centroids.data(), codec.M, codec.ksub,
                                        codec.dsub, term2.data()});
        codec.term2 = term2.data();
    }

    /// The CPU index's lists, concatenated (what copyFrom uploads).
    void load_lists(const faisslike::IndexIVF& cpu) {
        std::vector<idx_t> offsets(cpu.nlist + 1, 0);
        for (size_t l = 0; l < cpu.nlist; l++) {
            offsets[l + 1] = offsets[l] + idx_t(cpu.invlists->list_size(l));
        }
        lists.offsets = offsets;
        lists.d_offsets = offsets;
        lists.codes.assign(size_t(offsets.back()) * cpu.code_size, 0);
        lists.ids.assign(size_t(offsets.back()), 0);
        for (size_t l = 0; l < cpu.nlist; l++) {
            const size_t n = cpu.invlists->list_size(l);
            if (n == 0) {
                continue;
            }
            std::copy_n(cpu.invlists->get_codes(l), n * cpu.code_size,
                        lists.codes.begin() + offsets[l] * idx_t(cpu.code_size));
            std::copy_n(cpu.invlists->get_ids(l), n, lists.ids.begin() + offsets[l]);
        }
    }

    void add(idx_t n, const float* x, const idx_t* xids, idx_t id0) {
        kn::ivf_add(be, lists, coarse, codec, x, n, xids, id0, {});
    }

    void search(idx_t nq, const float* xq, int k, int nprobe, std::vector<float>& D,
                std::vector<idx_t>& I, const std::vector<uint8_t>* mask = nullptr,
                idx_t query_tile = 0, int chunk = kn::kMaxBlockK) {
        D.assign(size_t(nq) * k, 0);
        I.assign(size_t(nq) * k, 0);
        kn::IVFSearchArgs a;
        a.xq = xq;
        a.nq = nq;
        a.k = k;
        a.nprobe = nprobe;
        a.mask = mask ? mask->data() : nullptr;
        a.distances = D.data();
        a.labels = I.data();
        a.query_tile = query_tile;
        a.chunk = chunk;
        kn::ivf_search(be, lists, coarse, codec, a);
    }
};

/// Queries whose nprobe lists are the same for the kernels and for the CPU
/// quantizer (a near-tie in coarse distance may pick another list).
std::vector<bool> same_probes(const faisslike::IndexIVF& cpu, HostIVF& h, idx_t nq,
                              const float* xq, int nprobe) {
    std::vector<float> dc(size_t(nq) * nprobe), dg(size_t(nq) * nprobe);
    std::vector<idx_t> lc(size_t(nq) * nprobe), lg(size_t(nq) * nprobe);
    cpu.quantizer->search(nq, xq, nprobe, dc.data(), lc.data());
    kn::ivf_assign(h.be, h.coarse, xq, nq, nprobe, dg.data(), lg.data(), {});
    std::vector<bool> same(static_cast<size_t>(nq));
    for (idx_t q = 0; q < nq; q++) {
        std::set<idx_t> a(lc.begin() + q * nprobe, lc.begin() + (q + 1) * nprobe);
        std::set<idx_t> b(lg.begin() + q * nprobe, lg.begin() + (q + 1) * nprobe);
        same[size_t(q)] = a == b;
    }
    return same;
}

/// Compares the queries whose probes agree; at least 90% of them must.
void expect_same_ivf(const faisslike::IndexIVF& cpu, HostIVF& h, idx_t nq, const float* xq,
                     int k, int nprobe, const std::vector<float>& dt,
                     const std::vector<idx_t>& it, const faisslike::SearchParameters* params,
                     float rel, const char* what) {
    std::vector<float> dr(size_t(nq) * k);
    std::vector<idx_t> ir(size_t(nq) * k);
    faisslike::SearchParametersIVF p;
    p.nprobe = size_t(nprobe);
    p.sel = params ? params->sel : nullptr;
    cpu.search(nq, xq, k, dr.data(), ir.data(), &p);
    const std::vector<bool> same = same_probes(cpu, h, nq, xq, nprobe);
    std::vector<float> drs, dts;
    std::vector<idx_t> irs, its;
    for (idx_t q = 0; q < nq; q++) {
        if (!same[size_t(q)]) {
            continue;
        }
        drs.insert(drs.end(), dr.begin() + q * k, dr.begin() + (q + 1) * k);
        irs.insert(irs.end(), ir.begin() + q * k, ir.begin() + (q + 1) * k);
        dts.insert(dts.end(), dt.begin() + q * k, dt.begin() + (q + 1) * k);
        its.insert(its.end(), it.begin() + q * k, it.begin() + (q + 1) * k);
    }
    EXPECT_GE(drs.size(), size_t(nq * k) * 9 / 10) << what << ": too many coarse near-ties";
    fg::test::expect_same_knn(drs.size() / k, size_t(k), drs, irs, dts, its, rel, what);
}

const int kD = 32;
const idx_t kNb = 3000, kNq = 40, kNlist = 24;

} // namespace

TEST(GpuKernelsHost, IVFFlatAddAndSearchMatchIndexIVFFlat) {
    const std::vector<float> xb = randn(size_t(kNb) * kD, 11);
    const std::vector<float> xq = randn(size_t(kNq) * kD, 12);
    for (auto metric : {faisslike::METRIC_L2, faisslike::METRIC_INNER_PRODUCT}) {
        SCOPED_TRACE(metric);
        faisslike::IndexFlat quantizer(kD, metric);
        faisslike::IndexIVFFlat cpu(&quantizer, kD, size_t(kNlist), metric);
        cpu.train(kNb, xb.data());
        HostIVF h(cpu);
        // Two batches, the second with explicit ids: appends keep list order.
        std::vector<idx_t> ids2(size_t(kNb / 2));
        for (size_t i = 0; i < ids2.size(); i++) {
            ids2[i] = idx_t(100000 + 3 * i);
        }
        cpu.add(kNb / 2, xb.data());
        cpu.add_with_ids(kNb / 2, xb.data() + size_t(kNb / 2) * kD, ids2.data());
        h.add(kNb / 2, xb.data(), nullptr, 0);
        h.add(kNb / 2, xb.data() + size_t(kNb / 2) * kD, ids2.data(), kNb / 2);

        // Same lists: a vector lands where the CPU puts it, unless its two
        // nearest centroids are near-tied.
        size_t moved = 0;
        for (idx_t l = 0; l < kNlist; l++) {
            const size_t n = cpu.invlists->list_size(size_t(l));
            const idx_t* ids = cpu.invlists->get_ids(size_t(l));
            std::vector<idx_t> a(ids, ids + n);
            std::vector<idx_t> b(h.lists.ids.begin() + h.lists.offsets[size_t(l)],
                                 h.lists.ids.begin() + h.lists.offsets[size_t(l) + 1]);
            if (a != b) {
                moved += std::max(a.size(), b.size()) - std::min(a.size(), b.size()) + 1;
            }
            if (a == b) {
                EXPECT_TRUE(std::equal(
                        cpu.invlists->get_codes(size_t(l)),
                        cpu.invlists->get_codes(size_t(l)) + n * cpu.code_size,
                        h.lists.codes.begin() + h.lists.offsets[size_t(l)] * idx_t(cpu.code_size)));
            }
        }
        EXPECT_LE(moved, size_t(4)) << "lists differ from the CPU index's";

        for (int nprobe : {1, 4, int(kNlist)}) {
            for (int k : {1, 10, 300}) {
                std::vector<float> dt;
                std::vector<idx_t> it;
                h.search(kNq, xq.data(), k, nprobe, dt, it, nullptr, 7, k > 100 ? 64 : 2048);
                expect_same_ivf(cpu, h, kNq, xq.data(), k, nprobe, dt, it, nullptr, 1e-4f,
                                "IVFFlat");
            }
        }
    }
}

TEST(GpuKernelsHost, IVFFlatIDSelector) {
    const std::vector<float> xb = randn(size_t(kNb) * kD, 21);
    const std::vector<float> xq = randn(size_t(kNq) * kD, 22);
    faisslike::IndexFlatL2 quantizer(kD);
    faisslike::IndexIVFFlat cpu(&quantizer, kD, size_t(kNlist));
    cpu.train(kNb, xb.data());
    cpu.add(kNb, xb.data());
    HostIVF h(cpu);
    h.load_lists(cpu);
    faisslike::IDSelectorRange sel(500, 1700);
    // The mask follows the storage order of the entries, as the GPU index
    // builds it from its ids.
    std::vector<uint8_t> mask(h.lists.ids.size());
    for (size_t e = 0; e < mask.size(); e++) {
        mask[e] = sel.is_member(h.lists.ids[e]) ? 1 : 0;
    }
    faisslike::SearchParameters params;
    params.sel = &sel;
    std::vector<float> dt;
    std::vector<idx_t> it;
    h.search(kNq, xq.data(), 20, 6, dt, it, &mask);
    for (idx_t id : it) {
        EXPECT_TRUE(id == -1 || (id >= 500 && id < 1700));
    }
    expect_same_ivf(cpu, h, kNq, xq.data(), 20, 6, dt, it, &params, 1e-4f, "IVFFlat+sel");
}

namespace {

struct PQCase {
    faisslike::MetricType metric;
    int M;
    int nbits;
    bool by_residual;
    int use_precomputed; ///< CPU's use_precomputed_table; 1 -> term2 table
};

} // namespace

TEST(GpuKernelsHost, IVFPQEncodeTablesAndSearchMatchIndexIVFPQ) {
    const std::vector<float> xb = randn(size_t(kNb) * kD, 31);
    const std::vector<float> xq = randn(size_t(kNq) * kD, 32);
    const PQCase cases[] = {
            {faisslike::METRIC_L2, 8, 8, true, -1},   // residual tables per list
            {faisslike::METRIC_L2, 8, 8, true, 1},    // precomputed term 2
            {faisslike::METRIC_L2, 16, 5, true, 1},   // codes across byte boundaries
            {faisslike::METRIC_L2, 4, 6, false, -1},  // no residual: one table per query
            {faisslike::METRIC_INNER_PRODUCT, 8, 8, true, -1},
            {faisslike::METRIC_INNER_PRODUCT, 8, 4, false, -1},
    };
    for (const PQCase& c : cases) {
        SCOPED_TRACE(::testing::Message() << "metric " << c.metric << " M " << c.M << " nbits "
                                          << c.nbits << " residual " << c.by_residual
                                          << " precomputed " << c.use_precomputed);
        faisslike::IndexFlat quantizer(kD, c.metric);
        faisslike::IndexIVFPQ cpu(&quantizer, kD, size_t(kNlist), size_t(c.M), size_t(c.nbits),
                                  c.metric);
        cpu.by_residual = c.by_residual;
        cpu.use_precomputed_table = c.use_precomputed;
        cpu.train(kNb, xb.data());
        cpu.add(kNb, xb.data());

        HostIVF h(cpu);
        if (c.use_precomputed == 1 && c.metric == faisslike::METRIC_L2 && c.by_residual) {
            ASSERT_EQ(cpu.use_precomputed_table, 1);
            h.precompute();
            ASSERT_EQ(h.term2.size(), cpu.precomputed_table.size());
            for (size_t e = 0; e < h.term2.size(); e++) {
                ASSERT_TRUE(fg::test::close_distance(h.term2[e], cpu.precomputed_table[e], 1e-4f))
                        << "term2 entry " << e << ": " << h.term2[e] << " vs "
                        << cpu.precomputed_table[e];
            }
        }

        // Encoding on the "device": same codes as the CPU index, except where
        // two centroids are at near-equal distance from a sub-vector.
        HostIVF enc(cpu);
        enc.add(kNb, xb.data(), nullptr, 0);
        size_t differing = 0, total = 0;
        for (size_t l = 0; l < size_t(kNlist); l++) {
            const size_t n = cpu.invlists->list_size(l);
            const size_t cs = cpu.code_size;
            const idx_t off = enc.lists.offsets[l];
            if (size_t(enc.lists.list_size(idx_t(l))) != n) {
                differing += n;
                continue;
            }
            for (size_t j = 0; j < n; j++) {
                total++;
                EXPECT_EQ(enc.lists.ids[size_t(off) + j], cpu.invlists->get_ids(l)[j]);
                differing += !std::equal(cpu.invlists->get_codes(l) + j * cs,
                                         cpu.invlists->get_codes(l) + (j + 1) * cs,
                                         enc.lists.codes.begin() + (size_t(off) + j) * cs);
            }
        }
        EXPECT_LE(differing, size_t(kNb) / 100) << "of " << total << " codes";

        // Searches over the CPU index's own codes (as copyFrom loads them).
        h.load_lists(cpu);
        for (int nprobe : {1, 5, int(kNlist)}) {
            for (int k : {1, 16, 200}) {
                std::vector<float> dt;
                std::vector<idx_t> it;
                h.search(kNq, xq.data(), k, nprobe, dt, it, nullptr, 9, k > 100 ? 32 : 2048);
                expect_same_ivf(cpu, h, kNq, xq.data(), k, nprobe, dt, it, nullptr, 1e-3f,
                                "IVFPQ");
            }
        }
    }
}

TEST(GpuKernelsHost, PQCodeBitsMatchTheCpuPacking) {
    std::mt19937 rng(7);
    for (int nbits : {1, 3, 4, 5, 7, 8, 11, 12, 16}) {
        const int M = 13;
        std::vector<uint32_t> vals(M);
        std::vector<uint8_t> code((M * nbits + 7) / 8, 0);
        {
            faisslike::PQEncoderGeneric enc(code.data(), nbits);
            for (int m = 0; m < M; m++) {
                vals[m] = uint32_t(rng() & ((1u << nbits) - 1));
                enc.encode(vals[m]);
            }
        }
        for (int m = 0; m < M; m++) {
            EXPECT_EQ(kn::pq_code_at(code.data(), m, nbits), vals[m]) << "nbits " << nbits;
        }
    }
}

TEST(GpuKernelsHost, PlanAppendKeepsListsAndInputOrder) {
    const std::vector<idx_t> old_offsets = {0, 2, 2, 5};
    const std::vector<idx_t> list_nos = {2, 0, -1, 1, 2};
    std::vector<idx_t> offsets, dest;
    kn::plan_append(old_offsets, list_nos, offsets, dest);
    EXPECT_EQ(offsets, (std::vector<idx_t>{0, 3, 4, 9}));
    EXPECT_EQ(dest, (std::vector<idx_t>{7, 2, -1, 3, 8}));
}

TEST(GpuKernelsHost, IVFEmptyAndUnbalanced) {
    const std::vector<float> xb = randn(size_t(kNb) * kD, 41);
    faisslike::IndexFlatL2 quantizer(kD);
    faisslike::IndexIVFFlat cpu(&quantizer, kD, size_t(kNlist));
    cpu.train(kNb, xb.data());
    HostIVF h(cpu);
    std::vector<float> dt;
    std::vector<idx_t> it;
    h.search(3, xb.data(), 5, 4, dt, it);
    for (size_t i = 0; i < it.size(); i++) {
        EXPECT_EQ(it[i], -1);
        EXPECT_EQ(dt[i], FLT_MAX);
    }
    // A handful of vectors: most lists empty, results padded.
    cpu.add(7, xb.data());
    h.add(7, xb.data(), nullptr, 0);
    h.search(5, xb.data(), 10, int(kNlist), dt, it);
    expect_same_ivf(cpu, h, 5, xb.data(), 10, int(kNlist), dt, it, nullptr, 1e-4f, "sparse");
}
