// Interrupting long computations: a callback that asks for an interrupt at a
// chosen poll stops k-means, training, adds and searches with
// InterruptedException; the interrupted call leaves the index as it was (the
// same bytes, or for HNSW the same vectors and a graph that still finds
// them), and once the callback is cleared the same call gives the results of
// a run that was never interrupted.

#include <gtest/gtest.h>

#include <omp.h>

#include <chrono>
#include <climits>
#include <functional>
#include <memory>
#include <set>
#include <thread>

#include <faisslike/Clustering.h>
#include <faisslike/IndexFlat.h>
#include <faisslike/IndexHNSW.h>
#include <faisslike/IndexIVFFlat.h>
#include <faisslike/IndexIVFHNSW.h>
#include <faisslike/IndexIVFPQ.h>
#include <faisslike/IndexPQ.h>
#include <faisslike/IndexScalarQuantizer.h>
#include <faisslike/clone_index.h>
#include <faisslike/impl/InterruptCallback.h>
#include <faisslike/impl/ProductQuantizer.h>
#include <faisslike/impl/RangeSearchResult.h>
#include <faisslike/index_factory.h>
#include <faisslike/index_io.h>

#include "test_util.h"

namespace faisslike {
namespace {

using test::clustered_vectors;

/// Asks for an interrupt at its poll number fire_at (0: the first) and after.
class PollCounter : public InterruptCallback {
   public:
    explicit PollCounter(long fire_at) : fire_at_(fire_at) {}
    bool want_interrupt() override { return polls_++ >= fire_at_; }
    long polls() const { return polls_; }

   private:
    long fire_at_;
    long polls_ = 0;
};

struct Knn {
    std::vector<float> D;
    std::vector<idx_t> I;
    bool operator==(const Knn& o) const { return D == o.D && I == o.I; }
};

Knn search(const Index& index, const std::vector<float>& xq, idx_t k,
           const SearchParameters* params = nullptr) {
    idx_t nq = idx_t(xq.size()) / index.d;
    Knn r{std::vector<float>(size_t(nq * k)), std::vector<idx_t>(size_t(nq * k))};
    index.search(nq, xq.data(), k, r.D.data(), r.I.data(), params);
    return r;
}

/// 1000 queries to a flat index of 20000 vectors (d = 64), with their results.
struct FlatSearchWork {
    static constexpr size_t d = 64;
    IndexFlatL2 index{int(d)};
    std::vector<float> xq = clustered_vectors(1000, d, 4);
    Knn expected;

    FlatSearchWork() {
        auto xb = clustered_vectors(20000, d, 3);
        index.add(idx_t(xb.size() / d), xb.data());
        expected = run();
    }
    Knn run() const { return search(index, xq, 10); }
};

/// Fraction of the true k nearest neighbours (brute force over xb) found.
double recall(const Knn& r, const std::vector<float>& xq, const std::vector<float>& xb, size_t d,
              size_t k) {
    size_t nq = xq.size() / d;
    auto truth = test::brute_force_knn(xq.data(), nq, xb.data(), xb.size() / d, d, k, METRIC_L2);
    size_t hits = 0;
    for (size_t q = 0; q < nq; q++) {
        std::set<idx_t> want(truth.I.begin() + ptrdiff_t(q * k), truth.I.begin() + ptrdiff_t((q + 1) * k));
        for (size_t i = 0; i < k; i++) {
            hits += want.count(r.I[q * k + i]);
        }
    }
    return double(hits) / double(nq * k);
}

/// Each test leaves no callback behind (the suites share one process) and
/// runs on one OpenMP thread unless it says otherwise, so that a computation
/// polls as many times on every run and "the last poll" is well defined.
class Interrupt : public ::testing::Test {
   protected:
    void SetUp() override {
        threads_ = omp_get_max_threads();
        omp_set_num_threads(1);
    }
    void TearDown() override {
        InterruptCallback::clear_instance();
        omp_set_num_threads(threads_);
    }

    /// How many times `work` polls when nothing interrupts it.
    static long count_polls(const std::function<void()>& work) {
        auto counter = std::make_unique<PollCounter>(LONG_MAX);
        const PollCounter& c = *counter;
        InterruptCallback::instance = std::move(counter);
        work();
        long polls = c.polls();
        InterruptCallback::clear_instance();
        return polls;
    }

    /// Interrupts `work` at its first and at its last poll (it makes `polls`
    /// of them) and calls `unchanged` after each interrupted run.
    static void interrupt_first_and_last(long polls, const std::function<void()>& work,
                                         const std::function<void()>& unchanged) {
        ASSERT_GE(polls, 2) << "the work is too short to poll more than once";
        for (long at : {0L, polls - 1}) {
            SCOPED_TRACE("interrupted at poll " + std::to_string(at) + " of " + std::to_string(polls));
            InterruptCallback::instance = std::make_unique<PollCounter>(at);
            EXPECT_THROW(work(), InterruptedException);
            InterruptCallback::clear_instance();
            unchanged();
        }
    }

    /// Like interrupt_first_and_last, at five polls spread over the work.
    static void interrupt_throughout(long polls, const std::function<void()>& work,
                                     const std::function<void()>& unchanged) {
        ASSERT_GE(polls, 5) << "the work is too short to poll at five places";
        for (long at : {0L, polls / 4, polls / 2, 3 * polls / 4, polls - 1}) {
            SCOPED_TRACE("interrupted at poll " + std::to_string(at) + " of " + std::to_string(polls));
            InterruptCallback::instance = std::make_unique<PollCounter>(at);
            EXPECT_THROW(work(), InterruptedException);
            InterruptCallback::clear_instance();
            unchanged();
        }
    }

    /// Fills an index from `make` with xbase, then checks that an add of
    /// xadd interrupted anywhere (at five polls, or the first and last)
    /// leaves the same bytes, and that adding again gives the index of an
    /// add never interrupted (into an index built the same way: a clone would
    /// not have the same random state), one that finds the true neighbours.
    static void expect_interrupted_add_restores(const std::function<std::unique_ptr<Index>()>& make,
                                                const std::vector<float>& xbase,
                                                const std::vector<float>& xadd, double min_recall,
                                                bool five_polls) {
        auto index = make(), reference = make();
        const size_t d = size_t(index->d), k = 10;
        auto xq = clustered_vectors(200, d, 20);
        const idx_t nbase = idx_t(xbase.size() / d), nadd = idx_t(xadd.size() / d);
        index->add(nbase, xbase.data());
        reference->add(nbase, xbase.data());
        const auto before = serialize_index(index.get());
        long polls = count_polls([&] { reference->add(nadd, xadd.data()); });
        auto work = [&] { index->add(nadd, xadd.data()); };
        auto unchanged = [&] { EXPECT_EQ(serialize_index(index.get()), before); };
        if (five_polls) {
            interrupt_throughout(polls, work, unchanged);
        } else {
            interrupt_first_and_last(polls, work, unchanged);
        }

        index->add(nadd, xadd.data());
        EXPECT_EQ(serialize_index(index.get()), serialize_index(reference.get()));
        std::vector<float> all(xbase);
        all.insert(all.end(), xadd.begin(), xadd.end());
        EXPECT_GE(recall(search(*index, xq, k), xq, all, d, k), min_recall);
    }

    int threads_ = 1;
};

TEST_F(Interrupt, CallbackApi) {
    EXPECT_FALSE(InterruptCallback::is_interrupted());
    EXPECT_NO_THROW(InterruptCallback::check());
    EXPECT_GE(InterruptCallback::get_period_hint(1000), size_t(1) << 20) << "no callback: never poll";

    InterruptCallback::instance = std::make_unique<PollCounter>(0);
    EXPECT_TRUE(InterruptCallback::is_interrupted());
    try {
        InterruptCallback::check();
        FAIL() << "check() must throw when the callback asks for an interrupt";
    } catch (const FaisslikeException& e) { // what the C API and Python catch
        EXPECT_EQ(e.msg(), "computation interrupted");
        EXPECT_NE(std::string(e.what()).find("computation interrupted"), std::string::npos);
        EXPECT_NE(dynamic_cast<const InterruptedException*>(&e), nullptr);
    }
    // Polls of cheap iterations are further apart than those of costly ones.
    EXPECT_EQ(InterruptCallback::get_period_hint(size_t(1) << 40), 1u);
    EXPECT_GT(InterruptCallback::get_period_hint(1000), InterruptCallback::get_period_hint(1000000));
    EXPECT_GE(InterruptCallback::get_period_hint(0), 1u);

    InterruptCallback::clear_instance();
    EXPECT_FALSE(InterruptCallback::instance);
    EXPECT_FALSE(InterruptCallback::is_interrupted());
    EXPECT_NO_THROW(InterruptCallback::check());
}

/// A callback that runs `action` from inside want_interrupt, then answers.
class CallbackWithAction : public InterruptCallback {
   public:
    CallbackWithAction(std::function<void()> action, bool answer)
            : action_(std::move(action)), answer_(answer) {}
    bool want_interrupt() override {
        calls_++;
        action_();
        return answer_;
    }
    int calls() const { return calls_; }

   private:
    std::function<void()> action_;
    bool answer_;
    int calls_ = 0;
};

TEST_F(Interrupt, CallbackMayClearOrReplaceItselfOrPoll) {
    // Clearing from inside (what a Python handler may do): the poll completes
    // and the callback, alive until the call returns, is then gone.
    InterruptCallback::instance =
            std::make_shared<CallbackWithAction>([] { InterruptCallback::clear_instance(); }, true);
    EXPECT_THROW(InterruptCallback::check(), InterruptedException);
    EXPECT_FALSE(InterruptCallback::instance);
    EXPECT_FALSE(InterruptCallback::is_interrupted());

    // Replacing itself.
    InterruptCallback::instance =
            std::make_shared<CallbackWithAction>([] { TimeoutCallback::reset(3600); }, false);
    EXPECT_FALSE(InterruptCallback::is_interrupted());
    EXPECT_NE(dynamic_cast<TimeoutCallback*>(InterruptCallback::instance.get()), nullptr);

    // Polling from inside (a handler that runs a computation) reaches itself.
    bool inside = false;
    auto nested = std::make_shared<CallbackWithAction>(
            [&inside] {
                if (!inside) {
                    inside = true;
                    InterruptCallback::check();
                }
            },
            false);
    InterruptCallback::instance = nested;
    EXPECT_FALSE(InterruptCallback::is_interrupted());
    EXPECT_EQ(nested->calls(), 2);

    // During a computation on two threads: the polls that come after the
    // callback cleared itself find none, and the search completes.
    omp_set_num_threads(2);
    FlatSearchWork work;
    auto clearing = std::make_shared<CallbackWithAction>([] { InterruptCallback::clear_instance(); }, false);
    InterruptCallback::instance = clearing;
    EXPECT_EQ(work.run(), work.expected);
    EXPECT_GE(clearing->calls(), 1);
    EXPECT_FALSE(InterruptCallback::instance);
}

TEST_F(Interrupt, TimeoutCallbackFiresOnceAfterItsTime) {
    TimeoutCallback::reset(3600);
    EXPECT_FALSE(InterruptCallback::is_interrupted());
    TimeoutCallback::reset(1e-6);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    EXPECT_TRUE(InterruptCallback::is_interrupted());
    EXPECT_FALSE(InterruptCallback::is_interrupted()) << "fired already";
}

TEST_F(Interrupt, FlatSearchAndRangeSearch) {
    // One thread: the queries are split into tasks, a task's rows into scan
    // calls, with a poll before each.
    const size_t d = 64, nq = 1100;
    auto xb = clustered_vectors(20000, d, 1);
    auto xq = clustered_vectors(nq, d, 2);
    for (MetricType metric : {METRIC_L2, METRIC_INNER_PRODUCT}) {
        SCOPED_TRACE(metric_name(metric));
        IndexFlat index(d, metric);
        index.add(idx_t(xb.size() / d), xb.data());
        const Knn expected = search(index, xq, 10);
        interrupt_first_and_last(
                count_polls([&] { search(index, xq, 10); }), [&] { search(index, xq, 10); },
                [&] { EXPECT_EQ(search(index, xq, 10), expected); });
    }

    // A range search fills its result only once it has completed.
    IndexFlatL2 index(d);
    index.add(idx_t(xb.size() / d), xb.data());
    const float radius = search(index, xq, 1).D[0];
    auto range = [&] {
        RangeSearchResult r(nq);
        index.range_search(idx_t(nq), xq.data(), radius, &r);
        return std::vector<size_t>(r.lims, r.lims + nq + 1);
    };
    const auto full = range();
    ASSERT_GT(full.back(), 0u);
    RangeSearchResult untouched(nq);
    interrupt_first_and_last(
            count_polls(range), [&] { index.range_search(idx_t(nq), xq.data(), radius, &untouched); },
            [&] {
                EXPECT_EQ(untouched.lims[nq], 0u);
                EXPECT_EQ(range(), full);
            });
}

TEST_F(Interrupt, FlatSearchOnSeveralThreads) {
    // Several threads split the database rows; whichever thread polls and
    // sees the interrupt stops the others.
    omp_set_num_threads(2);
    FlatSearchWork work;
    interrupt_first_and_last(count_polls([&] { work.run(); }), [&] { work.run(); },
                             [&] { EXPECT_EQ(work.run(), work.expected); });
}

TEST_F(Interrupt, KMeansKeepsItsCentroids) {
    const size_t d = 32, n = 6400, k = 64;
    auto x = clustered_vectors(n, d, 5, k);
    Clustering reference(d, k);
    reference.niter = 10;
    IndexFlatL2 reference_index(d);
    long polls = count_polls([&] { reference.train(n, x.data(), reference_index); });

    Clustering clus(d, k);
    clus.niter = 10;
    IndexFlatL2 index(d);
    interrupt_first_and_last(polls, [&] { clus.train(n, x.data(), index); }, [&] {
        EXPECT_TRUE(clus.centroids.empty());
        EXPECT_TRUE(clus.iteration_stats.empty());
        EXPECT_EQ(index.ntotal, 0) << "the half-trained assignment index is emptied";
    });
    clus.train(n, x.data(), index);
    EXPECT_EQ(clus.centroids, reference.centroids);
    EXPECT_EQ(clus.iteration_stats.size(), reference.iteration_stats.size());
    EXPECT_EQ(index.ntotal, idx_t(k));
}

TEST_F(Interrupt, IVFPQTrainLeavesIndexUntrained) {
    // Interrupted in the coarse k-means (first poll) or in the PQ training
    // after it (last poll): either way no quantizer is left half-trained.
    const size_t d = 32, n = 6400, nlist = 32;
    auto x = clustered_vectors(n, d, 6);
    auto make = [&] {
        auto index = std::make_unique<IndexIVFPQ>(new IndexFlatL2(d), d, nlist, 8, 6);
        index->own_fields = true;
        return index;
    };
    auto reference = make();
    long polls = count_polls([&] { reference->train(n, x.data()); });
    auto index = make();
    const auto untrained = serialize_index(index.get());
    interrupt_first_and_last(polls, [&] { index->train(n, x.data()); }, [&] {
        EXPECT_FALSE(index->is_trained);
        EXPECT_EQ(index->quantizer->ntotal, 0);
        EXPECT_EQ(serialize_index(index.get()), untrained);
    });
    index->train(n, x.data());
    EXPECT_EQ(serialize_index(index.get()), serialize_index(reference.get()));
}

TEST_F(Interrupt, IVFAddAddsNothing) {
    // Two polls, between the 65536-vector blocks: the first, or both, blocks
    // are in the lists when the add is interrupted.
    const size_t d = 16, nlist = 32, nadd = 140000;
    auto xt = clustered_vectors(4000, d, 7);
    auto xadd = clustered_vectors(nadd, d, 8);
    auto xq = clustered_vectors(100, d, 9);
    IndexIVFFlat index(new IndexFlatL2(d), d, nlist);
    index.own_fields = true;
    index.train(4000, xt.data());
    index.add(4000, xt.data());
    index.make_direct_map();
    index.nprobe = 4;
    std::unique_ptr<Index> reference(clone_index(&index));
    long polls = count_polls([&] { reference->add(nadd, xadd.data()); });
    const auto before = serialize_index(&index);
    const Knn expected = search(index, xq, 10);
    interrupt_first_and_last(polls, [&] { index.add(nadd, xadd.data()); }, [&] {
        EXPECT_EQ(index.ntotal, 4000);
        EXPECT_EQ(serialize_index(&index), before);
        EXPECT_EQ(search(index, xq, 10), expected);
    });
    index.add(nadd, xadd.data());
    EXPECT_EQ(serialize_index(&index), serialize_index(reference.get()));
}

TEST_F(Interrupt, IVFPQAddPollsWhileEncoding) {
    const size_t d = 32, nlist = 16, nadd = 40000;
    auto xt = clustered_vectors(5000, d, 10);
    auto xadd = clustered_vectors(nadd, d, 11);
    IndexIVFPQ index(new IndexFlatL2(d), d, nlist, 8, 8);
    index.own_fields = true;
    index.train(5000, xt.data());
    index.add(1000, xt.data());
    std::unique_ptr<Index> reference(clone_index(&index));
    long polls = count_polls([&] { reference->add(nadd, xadd.data()); });
    const auto before = serialize_index(&index);
    interrupt_first_and_last(polls, [&] { index.add(nadd, xadd.data()); },
                             [&] { EXPECT_EQ(serialize_index(&index), before); });
    index.add(nadd, xadd.data());
    EXPECT_EQ(serialize_index(&index), serialize_index(reference.get()));
}

TEST_F(Interrupt, IVFSearchAndRangeSearch) {
    const size_t d = 16, nlist = 32, nb = 20000;
    auto xb = clustered_vectors(nb, d, 12);
    auto xq = clustered_vectors(1000, d, 13);
    IndexIVFFlat index(new IndexFlatL2(d), d, nlist);
    index.own_fields = true;
    index.train(nb, xb.data());
    index.add(nb, xb.data());
    index.nprobe = 8;
    const Knn expected = search(index, xq, 10);
    interrupt_first_and_last(
            count_polls([&] { search(index, xq, 10); }), [&] { search(index, xq, 10); },
            [&] { EXPECT_EQ(search(index, xq, 10), expected); });

    const size_t nq = xq.size() / d;
    const float radius = expected.D[0];
    RangeSearchResult full(nq);
    index.range_search(idx_t(nq), xq.data(), radius, &full);
    auto range = [&] {
        RangeSearchResult r(nq);
        index.range_search(idx_t(nq), xq.data(), radius, &r);
        return std::vector<size_t>(r.lims, r.lims + nq + 1);
    };
    interrupt_first_and_last(count_polls(range), range, [&] {
        EXPECT_EQ(range(), std::vector<size_t>(full.lims, full.lims + nq + 1));
    });
}

TEST_F(Interrupt, PQTrainKeepsCentroids) {
    const size_t d = 16, n = 5000;
    auto x = clustered_vectors(n, d, 14);
    ProductQuantizer reference(d, 4, 8);
    long polls = count_polls([&] { reference.train(n, x.data()); });
    ProductQuantizer pq(d, 4, 8);
    const auto initial = pq.centroids;
    interrupt_first_and_last(polls, [&] { pq.train(n, x.data()); },
                             [&] { EXPECT_EQ(pq.centroids, initial); });
    pq.train(n, x.data());
    EXPECT_EQ(pq.centroids, reference.centroids);

    IndexPQ index(d, 4, 8);
    interrupt_first_and_last(polls, [&] { index.train(n, x.data()); },
                             [&] { EXPECT_FALSE(index.is_trained); });
}

TEST_F(Interrupt, PQAddAndCodecSearches) {
    const size_t d = 16, nb = 20000, nadd = 60000;
    auto xb = clustered_vectors(nb, d, 15);
    auto xadd = clustered_vectors(nadd, d, 16);
    auto xq = clustered_vectors(700, d, 17);

    IndexPQ pq(d, 4, 8);
    pq.train(nb, xb.data());
    pq.add(nb, xb.data());
    std::unique_ptr<Index> reference(clone_index(&pq));
    const auto before = serialize_index(&pq);
    interrupt_first_and_last(
            count_polls([&] { reference->add(nadd, xadd.data()); }), [&] { pq.add(nadd, xadd.data()); },
            [&] { EXPECT_EQ(serialize_index(&pq), before); });

    IndexScalarQuantizer sq(d, ScalarQuantizer::QT_8bit);
    sq.train(nb, xb.data());
    sq.add(nb, xb.data());
    for (const Index* index : {static_cast<const Index*>(&pq), static_cast<const Index*>(&sq)}) {
        SCOPED_TRACE(index->index_name());
        const Knn expected = search(*index, xq, 10);
        interrupt_first_and_last(
                count_polls([&] { search(*index, xq, 10); }), [&] { search(*index, xq, 10); },
                [&] { EXPECT_EQ(search(*index, xq, 10), expected); });
    }
}

TEST_F(Interrupt, HNSWAddIntoEmptyIndexLeavesItEmpty) {
    const size_t d = 16, nadd = 6000;
    auto xadd = clustered_vectors(nadd, d, 19);
    IndexHNSWFlat empty(d, 8);
    const auto bytes = serialize_index(&empty);
    long polls = count_polls([&] { IndexHNSWFlat(d, 8).add(nadd, xadd.data()); });
    interrupt_first_and_last(polls, [&] { empty.add(nadd, xadd.data()); },
                             [&] { EXPECT_EQ(serialize_index(&empty), bytes); });
}

TEST_F(Interrupt, HNSWAddIntoFilledIndexRestoresIt) {
    const size_t d = 32, nbase = 2000, nadd = 6000;
    auto xbase = clustered_vectors(nbase, d, 18);
    auto xadd = clustered_vectors(nadd, d, 19);
    auto with_search_depth = [&](std::unique_ptr<IndexHNSW> index) -> std::unique_ptr<Index> {
        index->hnsw.efSearch = 128;
        if (!index->is_trained) {
            index->train(idx_t(nbase), xbase.data());
        }
        return index;
    };
    // The codecs cap the recall (8-byte PQ codes of 32-d vectors most).
    {
        SCOPED_TRACE("IndexHNSWFlat");
        expect_interrupted_add_restores(
                [&] { return with_search_depth(std::make_unique<IndexHNSWFlat>(d, 16)); }, xbase, xadd,
                0.85, true);
    }
    {
        SCOPED_TRACE("IndexHNSWPQ");
        expect_interrupted_add_restores(
                [&] { return with_search_depth(std::make_unique<IndexHNSWPQ>(d, 8, 16)); }, xbase, xadd,
                0.25, true);
    }
    {
        SCOPED_TRACE("IndexHNSWSQ");
        expect_interrupted_add_restores(
                [&] { return with_search_depth(std::make_unique<IndexHNSWSQ>(d, ScalarQuantizer::QT_8bit, 16)); },
                xbase, xadd, 0.8, true);
    }
}

TEST_F(Interrupt, IVFWithHNSWQuantizerAddRestoresIt) {
    // The quantizer is an HNSW graph, searched to assign the new vectors.
    const size_t d = 32, nlist = 64, nbase = 4000, nadd = 70000;
    auto xbase = clustered_vectors(nbase, d, 24);
    auto xadd = clustered_vectors(nadd, d, 25);
    auto make = [&]() -> std::unique_ptr<Index> {
        auto index = std::make_unique<IndexIVFFlat>(new IndexHNSWFlat(d, 16), d, nlist);
        index->own_fields = true;
        index->nprobe = 16;
        index->train(idx_t(nbase), xbase.data());
        return index;
    };
    expect_interrupted_add_restores(make, xbase, xadd, 0.7, false);
}

TEST_F(Interrupt, IVFHNSWAddLeavesListsAndGraphs) {
    const size_t d = 16, nbase = 500, nadd = 2000;
    auto xbase = clustered_vectors(nbase, d, 22);
    auto xadd = clustered_vectors(nadd, d, 23);
    auto make = [&] {
        std::unique_ptr<IndexIVFHNSW> index(static_cast<IndexIVFHNSW*>(index_factory(int(d), "IVF8,HNSW8_SQ8")));
        index->train(idx_t(nbase), xbase.data());
        index->make_direct_map();
        return index;
    };
    // Into an empty index: exactly nothing is left behind (lists, graphs,
    // direct map).
    {
        auto empty = make();
        const auto bytes = serialize_index(empty.get());
        auto counted = make();
        long polls = count_polls([&] { counted->add(nadd, xadd.data()); });
        interrupt_first_and_last(polls, [&] { empty->add(nadd, xadd.data()); },
                                 [&] { EXPECT_EQ(serialize_index(empty.get()), bytes); });
    }
    // Into a filled one: the same lists and node levels; then the add works.
    auto index = make();
    index->add(nbase, xbase.data());
    std::vector<std::vector<int>> levels;
    for (const HNSW& g : index->graphs) {
        levels.push_back(g.levels);
    }
    std::unique_ptr<Index> copy(clone_index(index.get()));
    long polls = count_polls([&] { copy->add(nadd, xadd.data()); });
    interrupt_first_and_last(polls, [&] { index->add(nadd, xadd.data()); }, [&] {
        EXPECT_EQ(index->ntotal, idx_t(nbase));
        index->check_consistency();
        for (size_t l = 0; l < levels.size(); l++) {
            EXPECT_EQ(index->graphs[l].levels, levels[l]);
        }
        std::vector<float> v(d);
        EXPECT_THROW(index->reconstruct(idx_t(nbase), v.data()), FaisslikeException);
    });
    index->add(nadd, xadd.data());
    EXPECT_EQ(index->ntotal, idx_t(nbase + nadd));
    index->check_consistency();
}

TEST_F(Interrupt, HNSWAddOnSeveralThreads) {
    // Both threads change old nodes' lists; each keeps its own undo journal.
    omp_set_num_threads(2);
    const size_t d = 16, nbase = 3000, nadd = 6000;
    auto xbase = clustered_vectors(nbase, d, 26);
    auto xadd = clustered_vectors(nadd, d, 21);
    for (size_t n0 : {size_t(0), nbase}) {
        SCOPED_TRACE("into " + std::to_string(n0) + " nodes");
        IndexHNSWFlat index(d, 8);
        index.add(idx_t(n0), xbase.data());
        const auto bytes = serialize_index(&index);
        // Polls are per thread: however the nodes are shared out, one thread
        // inserts at least half of them, so at least one poll comes.
        ASSERT_GE(count_polls([&] { IndexHNSWFlat(d, 8).add(nadd, xadd.data()); }), 1);
        InterruptCallback::instance = std::make_unique<PollCounter>(0);
        EXPECT_THROW(index.add(nadd, xadd.data()), InterruptedException);
        InterruptCallback::clear_instance();
        EXPECT_EQ(serialize_index(&index), bytes);
    }
}

TEST_F(Interrupt, HNSWSearchAndRangeSearch) {
    const size_t d = 16, nb = 5000;
    auto xb = clustered_vectors(nb, d, 22);
    auto xq = clustered_vectors(2500, d, 23);
    IndexHNSWFlat index(d, 8);
    index.hnsw.efSearch = 64;
    index.add(nb, xb.data());
    const Knn expected = search(index, xq, 10);
    interrupt_first_and_last(
            count_polls([&] { search(index, xq, 10); }), [&] { search(index, xq, 10); },
            [&] { EXPECT_EQ(search(index, xq, 10), expected); });

    const size_t nq = xq.size() / d;
    const float radius = expected.D[0];
    auto range = [&] {
        RangeSearchResult r(nq);
        index.range_search(idx_t(nq), xq.data(), radius, &r);
        return std::vector<size_t>(r.lims, r.lims + nq + 1);
    };
    const auto full = range();
    interrupt_first_and_last(count_polls(range), range, [&] { EXPECT_EQ(range(), full); });
}

} // namespace
} // namespace faisslike
